/**
 * What an object needs to exist when Argo CD applies it: the Secrets, ConfigMaps, ServiceAccount and
 * claims its pods mount or read, the store of an ExternalSecret, the Secrets a KEDA
 * TriggerAuthentication or an Ingress (TLS) reads.
 */
import type { K8sObject } from '@gitops/toolchain';
import { groupOf } from './scope';

export type ReferenceKind =
  'Secret' | 'ConfigMap' | 'ServiceAccount' | 'PersistentVolumeClaim' | 'SecretStore';

export interface Reference {
  readonly kind: ReferenceKind;
  /** For stores: `ClusterSecretStore` or `SecretStore`. */
  readonly storeKind?: string;
  readonly name: string;
  /** Where in the object, e.g. `spec.template.spec.containers[api].env[DATABASE_URL]`. */
  readonly field: string;
}

/** The pod spec of a workload and its path, or undefined for objects without pods. */
export function podSpecOf(o: K8sObject): { spec: any; path: string } | undefined {
  const g = groupOf(o.apiVersion);
  if (g === '' && o.kind === 'Pod') return o.spec ? { spec: o.spec, path: 'spec' } : undefined;
  if (
    (g === 'apps' && ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(o.kind)) ||
    (g === 'batch' && o.kind === 'Job') ||
    (g === '' && o.kind === 'ReplicationController')
  )
    return o.spec?.template?.spec ? { spec: o.spec.template.spec, path: 'spec.template.spec' } : undefined;
  if (g === 'batch' && o.kind === 'CronJob')
    return o.spec?.jobTemplate?.spec?.template?.spec
      ? { spec: o.spec.jobTemplate.spec.template.spec, path: 'spec.jobTemplate.spec.template.spec' }
      : undefined;
  return undefined;
}

function podReferences(spec: any, path: string): Reference[] {
  const out: Reference[] = [];
  const add = (kind: ReferenceKind, name: unknown, field: string, optional?: unknown) => {
    if (typeof name === 'string' && name && optional !== true) out.push({ kind, name, field });
  };
  const sa = spec.serviceAccountName ?? spec.serviceAccount;
  if (sa && sa !== 'default') add('ServiceAccount', sa, `${path}.serviceAccountName`);
  for (const [i, s] of (spec.imagePullSecrets ?? []).entries())
    add('Secret', s?.name, `${path}.imagePullSecrets[${i}]`);
  for (const v of spec.volumes ?? []) {
    const f = `${path}.volumes[${v?.name}]`;
    add('Secret', v?.secret?.secretName, f, v?.secret?.optional);
    add('ConfigMap', v?.configMap?.name, f, v?.configMap?.optional);
    add('PersistentVolumeClaim', v?.persistentVolumeClaim?.claimName, f);
    for (const src of v?.projected?.sources ?? []) {
      add('Secret', src?.secret?.name, f, src?.secret?.optional);
      add('ConfigMap', src?.configMap?.name, f, src?.configMap?.optional);
    }
  }
  const containers = [
    ...(spec.initContainers ?? []).map((c: any) => ['initContainers', c]),
    ...(spec.containers ?? []).map((c: any) => ['containers', c]),
  ];
  for (const [list, c] of containers) {
    const cf = `${path}.${list}[${c?.name}]`;
    for (const e of c?.env ?? []) {
      add(
        'Secret',
        e?.valueFrom?.secretKeyRef?.name,
        `${cf}.env[${e?.name}]`,
        e?.valueFrom?.secretKeyRef?.optional,
      );
      add(
        'ConfigMap',
        e?.valueFrom?.configMapKeyRef?.name,
        `${cf}.env[${e?.name}]`,
        e?.valueFrom?.configMapKeyRef?.optional,
      );
    }
    for (const [i, e] of (c?.envFrom ?? []).entries()) {
      add('Secret', e?.secretRef?.name, `${cf}.envFrom[${i}]`, e?.secretRef?.optional);
      add('ConfigMap', e?.configMapRef?.name, `${cf}.envFrom[${i}]`, e?.configMapRef?.optional);
    }
  }
  return out;
}

/** Everything `o` needs to exist in its namespace (cluster-scoped stores included). */
export function referencesOf(o: K8sObject): Reference[] {
  const pod = podSpecOf(o);
  if (pod) return podReferences(pod.spec, pod.path);
  const g = groupOf(o.apiVersion);
  if (g === 'external-secrets.io' && o.kind === 'ExternalSecret') {
    const ref = o.spec?.secretStoreRef;
    return ref?.name
      ? [
          {
            kind: 'SecretStore',
            storeKind: ref.kind ?? 'SecretStore',
            name: ref.name,
            field: 'spec.secretStoreRef',
          },
        ]
      : [];
  }
  if (g === 'keda.sh' && o.kind === 'TriggerAuthentication') {
    return (o.spec?.secretTargetRef ?? [])
      .filter((r: any) => typeof r?.name === 'string')
      .map((r: any, i: number) => ({
        kind: 'Secret' as const,
        name: r.name,
        field: `spec.secretTargetRef[${i}]`,
      }));
  }
  if (g === 'networking.k8s.io' && o.kind === 'Ingress') {
    return (o.spec?.tls ?? [])
      .filter((t: any) => typeof t?.secretName === 'string')
      .map((t: any, i: number) => ({ kind: 'Secret' as const, name: t.secretName, field: `spec.tls[${i}]` }));
  }
  return [];
}

/** Label keys of the selectors in `o` that match the *metadata* labels of other top-level objects. */
export function objectLabelSelectors(o: K8sObject): { field: string; keys: string[] }[] {
  const g = groupOf(o.apiVersion);
  const keysOf = (sel: any): string[] => [
    ...Object.keys(sel?.matchLabels ?? {}),
    ...(sel?.matchExpressions ?? []).map((e: any) => String(e?.key)),
  ];
  const out: { field: string; keys: string[] }[] = [];
  if (g === 'monitoring.coreos.com' && o.kind === 'ServiceMonitor')
    out.push({ field: 'spec.selector (selects Services)', keys: keysOf(o.spec?.selector) });
  if (g === 'networking.k8s.io' && o.kind === 'NetworkPolicy') {
    for (const dir of ['ingress', 'egress'] as const)
      for (const [i, rule] of (o.spec?.[dir] ?? []).entries())
        for (const [j, peer] of (rule?.[dir === 'ingress' ? 'from' : 'to'] ?? []).entries())
          if (peer?.namespaceSelector)
            out.push({
              field: `spec.${dir}[${i}].${dir === 'ingress' ? 'from' : 'to'}[${j}].namespaceSelector (selects Namespaces)`,
              keys: keysOf(peer.namespaceSelector),
            });
  }
  return out;
}
