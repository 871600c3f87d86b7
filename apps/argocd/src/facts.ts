import type { EnvironmentName } from '@gitops/environments';
import { resolveValues, synthesize, type LoadedSystem } from '@gitops/render';
import type { K8sObject } from '@gitops/toolchain';
import { renderedEntries } from '@gitops/sync-plan';
import { groupKindOf, groupOf, isClusterScoped, type GroupKind } from './scope';

/** A workload whose replica count an autoscaler owns. */
export interface AutoscaledTarget {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** What Argo CD needs to know about one system in one environment, derived from its values and objects. */
export interface SystemEnvironmentFacts {
  readonly system: string;
  readonly environment: EnvironmentName;
  readonly form: 'helm' | 'kustomize';
  readonly namespace: string;
  readonly server: string;
  readonly clusterName: string;
  readonly kubeVersion: string;
  /** Cluster-scoped kinds the system renders, sorted. */
  readonly clusterKinds: readonly GroupKind[];
  /** Cluster-scoped objects the system renders (group, kind, name), sorted: the project permits exactly these. */
  readonly clusterObjects: readonly (GroupKind & { readonly name: string })[];
  /** What the render rendered, as recorded on the AppProject (`gitops.platform/rendered`). */
  readonly rendered: string;
  /** Namespaced kinds the system renders, sorted. */
  readonly namespacedKinds: readonly GroupKind[];
  /** Workloads scaled by a HorizontalPodAutoscaler or a KEDA ScaledObject, sorted. */
  readonly autoscaled: readonly AutoscaledTarget[];
}

const compareGk = (a: GroupKind, b: GroupKind) =>
  a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind);

function uniqueKinds(list: GroupKind[]): GroupKind[] {
  const seen = new Map<string, GroupKind>();
  for (const gk of list) seen.set(`${gk.group}/${gk.kind}`, { group: gk.group, kind: gk.kind });
  return [...seen.values()].sort(compareGk);
}

/** The workloads autoscalers in `objects` scale (HPA `scaleTargetRef`; KEDA defaults to a Deployment). */
export function autoscaledTargets(
  objects: readonly K8sObject[],
  defaultNamespace: string,
): AutoscaledTarget[] {
  const out = new Map<string, AutoscaledTarget>();
  for (const o of objects) {
    const group = groupOf(o.apiVersion);
    const isHpa = group === 'autoscaling' && o.kind === 'HorizontalPodAutoscaler';
    const isKeda = group === 'keda.sh' && o.kind === 'ScaledObject';
    if (!isHpa && !isKeda) continue;
    const ref = o.spec?.scaleTargetRef ?? {};
    if (!ref.name) continue;
    const t: AutoscaledTarget = {
      group: groupOf(ref.apiVersion ?? 'apps/v1'),
      kind: ref.kind ?? 'Deployment',
      name: ref.name,
      namespace: o.metadata.namespace ?? defaultNamespace,
    };
    out.set(`${t.group}/${t.kind}/${t.namespace}/${t.name}`, t);
  }
  return [...out.values()].sort(
    (a, b) => compareGk(a, b) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
}

/** Facts of a system in an environment from its already synthesized objects (pure). */
export function factsFromObjects(
  system: LoadedSystem,
  environment: EnvironmentName,
  values: { namespace: string; cluster: { server: string; name: string; kubernetesVersion: string } },
  objects: readonly K8sObject[],
): SystemEnvironmentFacts {
  const cluster: GroupKind[] = [];
  const namespaced: GroupKind[] = [];
  const clusterObjects = new Map<string, GroupKind & { name: string }>();
  for (const o of objects) {
    const gk = groupKindOf(o);
    (isClusterScoped(gk) ? cluster : namespaced).push(gk);
    if (isClusterScoped(gk))
      clusterObjects.set(`${gk.group}/${gk.kind}/${o.metadata.name}`, { ...gk, name: o.metadata.name! });
  }
  return {
    system: system.definition.name,
    environment,
    form: system.definition.argoSource === 'helm' ? 'helm' : 'kustomize',
    namespace: values.namespace,
    server: values.cluster.server,
    clusterName: values.cluster.name,
    kubeVersion: values.cluster.kubernetesVersion,
    clusterKinds: uniqueKinds(cluster),
    clusterObjects: [...clusterObjects.values()].sort(
      (a, b) => compareGk(a, b) || a.name.localeCompare(b.name),
    ),
    rendered: renderedEntries(objects),
    namespacedKinds: uniqueKinds(namespaced),
    autoscaled: autoscaledTargets(objects, values.namespace),
  };
}

/**
 * Resolve the system's values for `environment`, synthesize it in-process, and derive its facts.
 * @param synthesized the synthesis of those values, when the caller already has it (never re-synthesized then)
 */
export function systemFacts(
  system: LoadedSystem,
  environment: EnvironmentName,
  synthesized?: readonly K8sObject[],
): SystemEnvironmentFacts {
  const values = resolveValues(system.definition, environment);
  return factsFromObjects(system, environment, values, [
    ...(synthesized ?? synthesize(system.definition, values)),
  ]);
}
