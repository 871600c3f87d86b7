/**
 * The platform's policy rules, checked on rendered output (what Argo CD will sync).
 * Every rule has a stable id; a resource may be exempted from rules with
 *   policy.gitops.platform/exempt: "<rule-id>,<rule-id>"
 *   policy.gitops.platform/exempt-reason: "<why>"
 * An exemption without a reason is not honoured and is itself a violation (`exemption-reason-required`).
 */
import type { K8sObject } from '@gitops/toolchain';
import { FILE_RULES } from './rules';

export const EXEMPT_ANNOTATION = 'policy.gitops.platform/exempt';
export const EXEMPT_REASON_ANNOTATION = 'policy.gitops.platform/exempt-reason';
/** A plain Secret is exempted only by the reviewed allow-list file, never by an annotation on itself. */
const NOT_EXEMPTIBLE_BY_ANNOTATION = 'no-plain-secret';
/** Declares an Ingress intentionally reachable from anywhere (rule `prod-ingress-restricted`). */
export const PUBLIC_ANNOTATION = 'policy.gitops.platform/public';
/** Expected worst-case start-up time of a pod template, in seconds (rule `startup-probe`). */
export const STARTUP_SECONDS_ANNOTATION = 'policy.gitops.platform/startup-seconds';
/** Namespace label of the AWS Load Balancer Controller's readiness-gate injection. */
export const READINESS_GATE_LABEL = 'elbv2.k8s.aws/pod-readiness-gate-inject';

/** The environment a rendered output is deployed to; resolved by the caller (see `policyContextFor`). */
export interface PolicyContext {
  readonly environment: string;
  /** Registries images may come from (host[:port][/path] prefixes). */
  readonly allowedRegistries: readonly string[];
  /** Production rules apply (PDBs, closed ingress). */
  readonly production: boolean;
  /** Pod quotas per namespace; merged over the ResourceQuota objects found in the checked output. */
  readonly namespaceQuotas?: Readonly<Record<string, { readonly pods?: number }>>;
  /** Namespaces labelled for ALB readiness gates; merged with the Namespace objects found in the output. */
  readonly readinessGateNamespaces?: readonly string[];
  /**
   * Plain Secrets allowed by a reviewed entry of `secrets-allowlist.yaml` (`apiVersion/Kind namespace/name`):
   * the only exemption from `no-plain-secret` (an annotation cannot exempt it).
   */
  readonly plainSecretsAllowed?: readonly string[];
}

export interface PolicyViolation {
  readonly rule: string;
  /** The source the resource came from (chart + values file, overlay path, file). */
  readonly source: string;
  /** `apiVersion/Kind namespace/name`. */
  readonly resource: string;
  /** JSON pointer of the offending field inside the resource. */
  readonly path: string;
  readonly message: string;
}

export interface PolicyRule {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  check(index: Index, ctx: PolicyContext): Finding[];
}

export interface Finding {
  readonly obj: K8sObject;
  readonly path: string;
  readonly message: string;
}

const WORKLOAD_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Pod',
  'ReplicationController',
]);
const LONG_RUNNING = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Pod',
]);

export interface PodTemplate {
  readonly obj: K8sObject;
  /** JSON pointer of the pod spec. */
  readonly specPath: string;
  readonly spec: any;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** The objects of one rendered output, with lookups the rules share. */
export interface Index {
  readonly objects: readonly K8sObject[];
  readonly pods: readonly PodTemplate[];
  ns(o: K8sObject): string;
  byKind(kind: string): K8sObject[];
  /** Max replicas a workload can run: spec.replicas (default 1), raised by an HPA/ScaledObject; DaemonSets count as many. */
  maxReplicas(o: K8sObject): number;
  /** HPAs and ScaledObjects targeting a workload. */
  scalersOf(o: K8sObject): K8sObject[];
  quotaPods(namespace: string): number | undefined;
  readinessGateNamespace(namespace: string): boolean | undefined;
}

export function podTemplateOf(o: K8sObject): PodTemplate | undefined {
  if (!WORKLOAD_KINDS.has(o.kind)) return undefined;
  let spec: any;
  let specPath: string;
  let meta: any;
  if (o.kind === 'Pod') {
    spec = o.spec;
    specPath = '/spec';
    meta = o.metadata;
  } else if (o.kind === 'CronJob') {
    spec = o.spec?.jobTemplate?.spec?.template?.spec;
    specPath = '/spec/jobTemplate/spec/template/spec';
    meta = o.spec?.jobTemplate?.spec?.template?.metadata;
  } else {
    spec = o.spec?.template?.spec;
    specPath = '/spec/template/spec';
    meta = o.spec?.template?.metadata;
  }
  if (!spec || typeof spec !== 'object') return undefined;
  return {
    obj: o,
    spec,
    specPath,
    labels: meta?.labels ?? {},
    annotations: { ...(o.metadata?.annotations ?? {}), ...(meta?.annotations ?? {}) },
  };
}

function containersOf(p: PodTemplate, withInit = true): { c: any; path: string; init: boolean }[] {
  const out: { c: any; path: string; init: boolean }[] = [];
  (p.spec.containers ?? []).forEach((c: any, i: number) =>
    out.push({ c, path: `${p.specPath}/containers/${i}`, init: false }),
  );
  if (withInit) {
    (p.spec.initContainers ?? []).forEach((c: any, i: number) =>
      out.push({ c, path: `${p.specPath}/initContainers/${i}`, init: true }),
    );
    (p.spec.ephemeralContainers ?? []).forEach((c: any, i: number) =>
      out.push({ c, path: `${p.specPath}/ephemeralContainers/${i}`, init: true }),
    );
  }
  return out;
}

function matchesSelector(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector || !Object.keys(selector).length) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function matchesLabelSelector(sel: any, labels: Record<string, string>): boolean {
  if (!sel) return false;
  const ml: Record<string, string> = sel.matchLabels ?? {};
  const exprs: any[] = sel.matchExpressions ?? [];
  if (!Object.keys(ml).length && !exprs.length) return true; // empty selector matches everything
  if (!Object.entries(ml).every(([k, v]) => labels[k] === v)) return false;
  return exprs.every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

export function buildIndex(objects: readonly K8sObject[], ctx: PolicyContext): Index {
  const objs = objects.filter((o) => o && typeof o === 'object' && typeof o.kind === 'string');
  const defaultNs = (o: K8sObject) => o.metadata?.namespace ?? '';
  const byKind = new Map<string, K8sObject[]>();
  for (const o of objs) byKind.set(o.kind, [...(byKind.get(o.kind) ?? []), o]);
  const kind = (k: string) => byKind.get(k) ?? [];
  const pods = objs.map(podTemplateOf).filter((p): p is PodTemplate => !!p);
  const scalersOf = (o: K8sObject) =>
    [...kind('HorizontalPodAutoscaler'), ...kind('ScaledObject')].filter((s) => {
      const ref = s.spec?.scaleTargetRef ?? {};
      return (
        defaultNs(s) === defaultNs(o) &&
        ref.name === o.metadata?.name &&
        (ref.kind ?? 'Deployment') === o.kind
      );
    });
  const quotas = new Map<string, number>();
  for (const q of kind('ResourceQuota')) {
    const pods = num(q.spec?.hard?.pods) ?? num(q.spec?.hard?.['count/pods']);
    if (pods !== undefined) quotas.set(defaultNs(q), Math.min(pods, quotas.get(defaultNs(q)) ?? Infinity));
  }
  for (const [n, q] of Object.entries(ctx.namespaceQuotas ?? {}))
    if (q.pods !== undefined) quotas.set(n, q.pods);
  const gates = new Map<string, boolean>();
  for (const n of kind('Namespace'))
    gates.set(n.metadata?.name ?? '', n.metadata?.labels?.[READINESS_GATE_LABEL] === 'enabled');
  for (const n of ctx.readinessGateNamespaces ?? []) gates.set(n, true);
  return {
    objects: objs,
    pods,
    ns: defaultNs,
    byKind: kind,
    scalersOf,
    maxReplicas(o) {
      if (o.kind === 'DaemonSet') return Infinity;
      if (o.kind === 'Pod' || o.kind === 'Job' || o.kind === 'CronJob') return 1;
      let max = typeof o.spec?.replicas === 'number' ? o.spec.replicas : 1;
      for (const s of scalersOf(o))
        max = Math.max(max, num(s.spec?.maxReplicas) ?? num(s.spec?.maxReplicaCount) ?? 100);
      return max;
    },
    quotaPods: (n) => quotas.get(n),
    readinessGateNamespace: (n) => gates.get(n),
  };
}

const f = (obj: K8sObject, path: string, message: string): Finding => ({ obj, path, message });

const ALLOWED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
  'name',
]);

const pssRestricted: PolicyRule = {
  id: 'pss-restricted',
  title: 'Pod Security Standards: restricted',
  description:
    'Pods run as non-root with RuntimeDefault/Localhost seccomp, drop ALL capabilities (only NET_BIND_SERVICE may be added), forbid privilege escalation, privileged mode, host namespaces, host ports and hostPath and other non-restricted volume types.',
  check(ix) {
    const out: Finding[] = [];
    for (const p of ix.pods) {
      const s = p.spec;
      const psc = s.securityContext ?? {};
      for (const k of ['hostNetwork', 'hostPID', 'hostIPC'])
        if (s[k] === true) out.push(f(p.obj, `${p.specPath}/${k}`, `${k} must not be true`));
      (s.volumes ?? []).forEach((v: any, i: number) => {
        const bad = Object.keys(v).filter((k) => !ALLOWED_VOLUMES.has(k));
        if (bad.length)
          out.push(
            f(
              p.obj,
              `${p.specPath}/volumes/${i}`,
              `volume type ${bad.join(', ')} is not allowed (restricted allows configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)`,
            ),
          );
      });
      const podSeccomp = psc.seccompProfile?.type;
      if (podSeccomp && !['RuntimeDefault', 'Localhost'].includes(podSeccomp)) {
        out.push(
          f(
            p.obj,
            `${p.specPath}/securityContext/seccompProfile/type`,
            `seccompProfile.type must be RuntimeDefault or Localhost, got ${podSeccomp}`,
          ),
        );
      }
      if (psc.runAsUser === 0)
        out.push(f(p.obj, `${p.specPath}/securityContext/runAsUser`, 'runAsUser must not be 0'));
      for (const { c, path } of containersOf(p)) {
        const sc = c.securityContext ?? {};
        if (sc.privileged === true)
          out.push(
            f(p.obj, `${path}/securityContext/privileged`, `container ${c.name} must not be privileged`),
          );
        if (sc.allowPrivilegeEscalation !== false) {
          out.push(
            f(
              p.obj,
              `${path}/securityContext/allowPrivilegeEscalation`,
              `container ${c.name} must set securityContext.allowPrivilegeEscalation: false`,
            ),
          );
        }
        if (sc.runAsNonRoot !== true && psc.runAsNonRoot !== true) {
          out.push(
            f(
              p.obj,
              `${path}/securityContext/runAsNonRoot`,
              `container ${c.name} must run as non-root (securityContext.runAsNonRoot: true on the pod or container)`,
            ),
          );
        }
        if (sc.runAsNonRoot === false)
          out.push(
            f(p.obj, `${path}/securityContext/runAsNonRoot`, `container ${c.name} sets runAsNonRoot: false`),
          );
        if (sc.runAsUser === 0)
          out.push(
            f(p.obj, `${path}/securityContext/runAsUser`, `container ${c.name} must not run as user 0`),
          );
        const seccomp = sc.seccompProfile?.type ?? podSeccomp;
        if (!seccomp || !['RuntimeDefault', 'Localhost'].includes(seccomp)) {
          out.push(
            f(
              p.obj,
              `${path}/securityContext/seccompProfile/type`,
              `container ${c.name} must use seccompProfile RuntimeDefault or Localhost (pod or container)`,
            ),
          );
        }
        const drop: string[] = sc.capabilities?.drop ?? [];
        if (!drop.includes('ALL'))
          out.push(
            f(
              p.obj,
              `${path}/securityContext/capabilities/drop`,
              `container ${c.name} must drop ALL capabilities`,
            ),
          );
        const add: string[] = sc.capabilities?.add ?? [];
        const badAdd = add.filter((a) => a !== 'NET_BIND_SERVICE');
        if (badAdd.length)
          out.push(
            f(
              p.obj,
              `${path}/securityContext/capabilities/add`,
              `container ${c.name} adds ${badAdd.join(', ')}; only NET_BIND_SERVICE is allowed`,
            ),
          );
        (c.ports ?? []).forEach((port: any, i: number) => {
          if (port.hostPort)
            out.push(f(p.obj, `${path}/ports/${i}/hostPort`, `container ${c.name} must not use hostPort`));
        });
      }
    }
    return out;
  },
};

const resources: PolicyRule = {
  id: 'resources-set',
  title: 'Requests and limits set',
  description:
    'Every container (init containers included) sets requests.cpu, requests.memory, limits.cpu and limits.memory.',
  check(ix) {
    const out: Finding[] = [];
    for (const p of ix.pods) {
      for (const { c, path } of containersOf(p).filter((x) => !x.path.includes('/ephemeralContainers/'))) {
        const missing = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'].filter((k) => {
          const [a, b] = k.split('.');
          const v = c.resources?.[a]?.[b];
          return v === undefined || v === null || v === '';
        });
        if (missing.length)
          out.push(f(p.obj, `${path}/resources`, `container ${c.name} does not set ${missing.join(', ')}`));
      }
    }
    return out;
  },
};

const probes: PolicyRule = {
  id: 'probes-set',
  title: 'Readiness and liveness probes',
  description:
    'Every container of a long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod) has a readinessProbe and a livenessProbe.',
  check(ix) {
    const out: Finding[] = [];
    for (const p of ix.pods.filter((x) => LONG_RUNNING.has(x.obj.kind))) {
      for (const { c, path } of containersOf(p, false)) {
        for (const probe of ['readinessProbe', 'livenessProbe']) {
          if (!c[probe]) out.push(f(p.obj, `${path}/${probe}`, `container ${c.name} has no ${probe}`));
        }
      }
    }
    return out;
  },
};

function probeWindow(p: any): number {
  return (p.initialDelaySeconds ?? 0) + (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3);
}

const startup: PolicyRule = {
  id: 'startup-probe',
  title: 'Startup probe when start-up can exceed the liveness window',
  description: `A container whose start-up can take longer than its liveness window (initialDelaySeconds + periodSeconds x failureThreshold) has a startupProbe covering it. Start-up time is the pod template annotation ${STARTUP_SECONDS_ANNOTATION}, or the readinessProbe's initialDelaySeconds.`,
  check(ix) {
    const out: Finding[] = [];
    for (const p of ix.pods.filter((x) => LONG_RUNNING.has(x.obj.kind))) {
      const declared = Number(p.annotations[STARTUP_SECONDS_ANNOTATION] ?? 0) || 0;
      for (const { c, path } of containersOf(p, false)) {
        if (!c.livenessProbe) continue;
        const expected = Math.max(declared, c.readinessProbe?.initialDelaySeconds ?? 0);
        const window = probeWindow(c.livenessProbe);
        if (expected <= window) continue;
        if (!c.startupProbe) {
          out.push(
            f(
              p.obj,
              `${path}/startupProbe`,
              `container ${c.name} can take ${expected}s to start, longer than its liveness window of ${window}s, and has no startupProbe`,
            ),
          );
        } else if (probeWindow(c.startupProbe) < expected) {
          out.push(
            f(
              p.obj,
              `${path}/startupProbe`,
              `container ${c.name}'s startupProbe allows ${probeWindow(c.startupProbe)}s, less than its ${expected}s start-up`,
            ),
          );
        }
      }
    }
    return out;
  },
};

/** Split an image reference into registry, repository, tag and digest as the container runtime does. */
export function parseImage(image: string): {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
} {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  let registry = 'docker.io';
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { registry, repository: rest, tag, digest };
}

const imageTag: PolicyRule = {
  id: 'image-tag-pinned',
  title: 'No latest or untagged images',
  description: 'Every image names a tag other than `latest`, or a digest.',
  check(ix) {
    const out: Finding[] = [];
    for (const p of ix.pods) {
      for (const { c, path } of containersOf(p)) {
        if (typeof c.image !== 'string' || !c.image) {
          out.push(f(p.obj, `${path}/image`, `container ${c.name} has no image`));
          continue;
        }
        const img = parseImage(c.image);
        if (img.digest) continue;
        if (!img.tag)
          out.push(
            f(p.obj, `${path}/image`, `image ${c.image} of container ${c.name} has no tag: pin a version`),
          );
        else if (img.tag === 'latest')
          out.push(
            f(
              p.obj,
              `${path}/image`,
              `image ${c.image} of container ${c.name} uses the tag latest: pin a version`,
            ),
          );
      }
    }
    return out;
  },
};

const imageRegistry: PolicyRule = {
  id: 'image-registry-allowed',
  title: "Images only from the environment's allowed registries",
  description:
    "Every image comes from one of the environment's allowed registries (`ENVIRONMENTS[env].allowedRegistries`).",
  check(ix, ctx) {
    const out: Finding[] = [];
    for (const p of ix.pods) {
      for (const { c, path } of containersOf(p)) {
        if (typeof c.image !== 'string' || !c.image) continue;
        const { registry, repository } = parseImage(c.image);
        const full = `${registry}/${repository}`;
        const ok = ctx.allowedRegistries.some(
          (r) => full === r || full.startsWith(r.replace(/\/+$/, '') + '/'),
        );
        if (!ok) {
          out.push(
            f(
              p.obj,
              `${path}/image`,
              `image ${c.image} of container ${c.name} is not from an allowed registry of ${ctx.environment} (${ctx.allowedRegistries.join(', ')})`,
            ),
          );
        }
      }
    }
    return out;
  },
};

const scaledNoReplicas: PolicyRule = {
  id: 'scaled-no-replicas',
  title: 'Autoscaled workloads set no replicas',
  description:
    'A workload targeted by a HorizontalPodAutoscaler or KEDA ScaledObject leaves spec.replicas unset, so that syncs never fight the autoscaler.',
  check(ix) {
    const out: Finding[] = [];
    for (const o of ix.objects) {
      if (!['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind)) continue;
      const s = ix.scalersOf(o);
      if (s.length && o.spec?.replicas !== undefined && o.spec?.replicas !== null) {
        out.push(
          f(
            o,
            '/spec/replicas',
            `${o.kind} ${o.metadata.name} is scaled by ${s.map((x) => `${x.kind} ${x.metadata.name}`).join(', ')} and must not set spec.replicas`,
          ),
        );
      }
    }
    return out;
  },
};

const hpaBounds: PolicyRule = {
  id: 'hpa-bounds',
  title: 'Autoscaler bounds are consistent and within the quota',
  description:
    "HPA minReplicas <= maxReplicas (KEDA: minReplicaCount <= maxReplicaCount), and the maximum fits the namespace ResourceQuota's pod count.",
  check(ix) {
    const out: Finding[] = [];
    for (const o of [...ix.byKind('HorizontalPodAutoscaler'), ...ix.byKind('ScaledObject')]) {
      const keda = o.kind === 'ScaledObject';
      const min = num(keda ? o.spec?.minReplicaCount : o.spec?.minReplicas) ?? (keda ? 0 : 1);
      const max = num(keda ? o.spec?.maxReplicaCount : o.spec?.maxReplicas) ?? (keda ? 100 : undefined);
      const maxPath = keda ? '/spec/maxReplicaCount' : '/spec/maxReplicas';
      if (max !== undefined && min > max) {
        out.push(
          f(
            o,
            keda ? '/spec/minReplicaCount' : '/spec/minReplicas',
            `minimum ${min} is greater than maximum ${max}`,
          ),
        );
      }
      const quota = ix.quotaPods(ix.ns(o));
      if (max !== undefined && quota !== undefined && max > quota) {
        out.push(
          f(
            o,
            maxPath,
            `maximum ${max} replicas exceeds the ResourceQuota of ${quota} pods in namespace ${ix.ns(o)}`,
          ),
        );
      }
    }
    return out;
  },
};

const rwo: PolicyRule = {
  id: 'rwo-single-replica',
  title: 'ReadWriteOnce claims only on single-replica workloads',
  description:
    'A PersistentVolumeClaim with access mode ReadWriteOnce(Pod) is never mounted by a workload that can run more than one replica (replicas > 1, autoscaled above 1, or a DaemonSet).',
  check(ix) {
    const out: Finding[] = [];
    const rwoClaims = new Set(
      ix
        .byKind('PersistentVolumeClaim')
        .filter((c) =>
          (c.spec?.accessModes ?? []).some((m: string) => m === 'ReadWriteOnce' || m === 'ReadWriteOncePod'),
        )
        .map((c) => `${ix.ns(c)}/${c.metadata.name}`),
    );
    for (const p of ix.pods) {
      const max = ix.maxReplicas(p.obj);
      if (max <= 1) continue;
      (p.spec.volumes ?? []).forEach((v: any, i: number) => {
        const claim = v.persistentVolumeClaim?.claimName;
        if (claim && rwoClaims.has(`${ix.ns(p.obj)}/${claim}`)) {
          out.push(
            f(
              p.obj,
              `${p.specPath}/volumes/${i}/persistentVolumeClaim/claimName`,
              `ReadWriteOnce claim ${claim} is mounted by ${p.obj.kind} ${p.obj.metadata.name}, which can run ${max === Infinity ? 'one pod per node' : `${max} replicas`}`,
            ),
          );
        }
      });
    }
    return out;
  },
};

function allowsEviction(pdb: any, replicas: number): boolean {
  const pct = (v: string) => Number(v.replace('%', '')) / 100;
  const minA = pdb.spec?.minAvailable;
  const maxU = pdb.spec?.maxUnavailable;
  if (maxU !== undefined) {
    if (typeof maxU === 'number') return maxU >= 1;
    return Math.ceil(pct(String(maxU)) * replicas) >= 1;
  }
  if (minA !== undefined) {
    const need = typeof minA === 'number' ? minA : Math.ceil(pct(String(minA)) * replicas);
    return need < replicas;
  }
  return true;
}

const pdb: PolicyRule = {
  id: 'prod-pdb',
  title: 'Multi-replica prod workloads have a PodDisruptionBudget that allows an eviction',
  description:
    'In production, every Deployment/StatefulSet that can run more than one replica is selected by a PodDisruptionBudget that still allows at least one voluntary eviction at its minimum replica count.',
  check(ix, ctx) {
    if (!ctx.production) return [];
    const out: Finding[] = [];
    for (const p of ix.pods.filter((x) => x.obj.kind === 'Deployment' || x.obj.kind === 'StatefulSet')) {
      if (ix.maxReplicas(p.obj) <= 1) continue;
      const pdbs = ix
        .byKind('PodDisruptionBudget')
        .filter((b) => ix.ns(b) === ix.ns(p.obj) && matchesLabelSelector(b.spec?.selector, p.labels));
      if (!pdbs.length) {
        out.push(
          f(
            p.obj,
            '/metadata/name',
            `${p.obj.kind} ${p.obj.metadata.name} can run several replicas in production but no PodDisruptionBudget selects its pods`,
          ),
        );
        continue;
      }
      const scalers = ix.scalersOf(p.obj);
      const minReplicas = scalers.length
        ? Math.min(...scalers.map((s) => num(s.spec?.minReplicas) ?? num(s.spec?.minReplicaCount) ?? 1))
        : (p.obj.spec?.replicas ?? 1);
      for (const b of pdbs) {
        if (!allowsEviction(b, Math.max(minReplicas, 1))) {
          out.push(
            f(
              b,
              b.spec?.maxUnavailable !== undefined ? '/spec/maxUnavailable' : '/spec/minAvailable',
              `PodDisruptionBudget ${b.metadata.name} allows no eviction of ${p.obj.kind} ${p.obj.metadata.name} at ${minReplicas} replica(s)`,
            ),
          );
        }
      }
    }
    return out;
  },
};

function containerPorts(p: PodTemplate): { names: Set<string>; numbers: Set<number> } {
  const names = new Set<string>();
  const numbers = new Set<number>();
  for (const { c } of containersOf(p, false)) {
    for (const port of c.ports ?? []) {
      if (port.name) names.add(port.name);
      if (typeof port.containerPort === 'number') numbers.add(port.containerPort);
    }
  }
  return { names, numbers };
}

const serviceSelector: PolicyRule = {
  id: 'service-selects-pods',
  title: 'Service selectors match pod labels and target ports exist',
  description:
    'A Service with a selector selects the pods of at least one workload in its namespace, and every targetPort (name or number) is a container port of those pods.',
  check(ix) {
    const out: Finding[] = [];
    for (const s of ix.byKind('Service')) {
      const sel = s.spec?.selector;
      if (s.spec?.type === 'ExternalName' || !sel || !Object.keys(sel).length) continue;
      const matched = ix.pods.filter((p) => ix.ns(p.obj) === ix.ns(s) && matchesSelector(sel, p.labels));
      if (!matched.length) {
        out.push(
          f(
            s,
            '/spec/selector',
            `selector ${JSON.stringify(sel)} matches no pod template in namespace ${ix.ns(s) || '(default)'}`,
          ),
        );
        continue;
      }
      (s.spec?.ports ?? []).forEach((port: any, i: number) => {
        const target = port.targetPort ?? port.port;
        const ok = matched.some((p) => {
          const { names, numbers } = containerPorts(p);
          return typeof target === 'number'
            ? numbers.has(target)
            : names.has(String(target)) || numbers.has(Number(target));
        });
        if (!ok)
          out.push(
            f(
              s,
              `/spec/ports/${i}/targetPort`,
              `targetPort ${JSON.stringify(target)} is not a container port of the selected pods (${matched.map((p) => `${p.obj.kind} ${p.obj.metadata.name}`).join(', ')})`,
            ),
          );
      });
    }
    return out;
  },
};

const ingressBackends: PolicyRule = {
  id: 'ingress-backends-exist',
  title: 'Ingress backends name existing Services and ports',
  description:
    "Every Ingress backend names a Service rendered in the same namespace, and its port (number or name) is one of the Service's ports.",
  check(ix) {
    const out: Finding[] = [];
    for (const ing of ix.byKind('Ingress')) {
      const backends: { b: any; path: string }[] = [];
      if (ing.spec?.defaultBackend)
        backends.push({ b: ing.spec.defaultBackend, path: '/spec/defaultBackend' });
      (ing.spec?.rules ?? []).forEach((r: any, i: number) =>
        (r.http?.paths ?? []).forEach((p: any, j: number) =>
          backends.push({ b: p.backend, path: `/spec/rules/${i}/http/paths/${j}/backend` }),
        ),
      );
      for (const { b, path } of backends) {
        const svcRef = b?.service;
        if (!svcRef) continue; // resource backends
        const svc = ix
          .byKind('Service')
          .find((s) => ix.ns(s) === ix.ns(ing) && s.metadata?.name === svcRef.name);
        if (!svc) {
          out.push(
            f(
              ing,
              `${path}/service/name`,
              `backend Service ${svcRef.name} does not exist in namespace ${ix.ns(ing) || '(default)'}`,
            ),
          );
          continue;
        }
        const ports: any[] = svc.spec?.ports ?? [];
        const want = svcRef.port ?? {};
        const ok =
          want.name !== undefined
            ? ports.some((p) => p.name === want.name)
            : ports.some((p) => p.port === want.number);
        if (!ok) {
          out.push(
            f(
              ing,
              `${path}/service/port`,
              `Service ${svcRef.name} has no port ${want.name ?? want.number} (ports: ${ports.map((p) => p.name ?? p.port).join(', ')})`,
            ),
          );
        }
      }
    }
    return out;
  },
};

const noSecret: PolicyRule = {
  id: 'no-plain-secret',
  title: 'No plain Secret objects',
  description: "Secrets are never committed: use an ExternalSecret backed by the environment's secret store.",
  check(ix, ctx) {
    const allowed = new Set(ctx.plainSecretsAllowed ?? []);
    return ix
      .byKind('Secret')
      .filter((s) => s.apiVersion === 'v1' && !allowed.has(policyResourceId(s)))
      .map((s) =>
        f(
          s,
          '/kind',
          `plain Secret ${s.metadata?.name}: use an ExternalSecret instead (or a reviewed entry in secrets-allowlist.yaml)`,
        ),
      );
  },
};

function openCidr(v: string | undefined): boolean {
  if (v === undefined) return true;
  return v
    .split(',')
    .map((x) => x.trim())
    .some((c) => c === '0.0.0.0/0' || c === '::/0');
}

const prodIngress: PolicyRule = {
  id: 'prod-ingress-restricted',
  title: 'Production ingress is not open to 0.0.0.0/0 unless declared public',
  description: `In production, an internet-facing Ingress restricts its sources (ALB: alb.ingress.kubernetes.io/inbound-cidrs; NGINX: nginx.ingress.kubernetes.io/whitelist-source-range) to something narrower than 0.0.0.0/0, unless it carries ${PUBLIC_ANNOTATION}: "true".`,
  check(ix, ctx) {
    if (!ctx.production) return [];
    const out: Finding[] = [];
    for (const ing of ix.byKind('Ingress')) {
      const a: Record<string, string> = ing.metadata?.annotations ?? {};
      if (a[PUBLIC_ANNOTATION] === 'true') continue;
      const alb =
        Object.keys(a).some((k) => k.startsWith('alb.ingress.kubernetes.io/')) ||
        ing.spec?.ingressClassName === 'alb';
      if (alb) {
        if (a['alb.ingress.kubernetes.io/scheme'] !== 'internet-facing') continue; // internal is the ALB default
        if (openCidr(a['alb.ingress.kubernetes.io/inbound-cidrs'])) {
          out.push(
            f(
              ing,
              '/metadata/annotations/alb.ingress.kubernetes.io~1inbound-cidrs',
              `internet-facing Ingress is open to 0.0.0.0/0: set alb.ingress.kubernetes.io/inbound-cidrs or declare it ${PUBLIC_ANNOTATION}: "true"`,
            ),
          );
        }
      } else {
        const key =
          a['nginx.ingress.kubernetes.io/whitelist-source-range'] !== undefined
            ? 'whitelist-source-range'
            : 'allowlist-source-range';
        if (openCidr(a[`nginx.ingress.kubernetes.io/${key}`])) {
          out.push(
            f(
              ing,
              `/metadata/annotations/nginx.ingress.kubernetes.io~1${key}`,
              `Ingress is open to 0.0.0.0/0: set nginx.ingress.kubernetes.io/${key} or declare it ${PUBLIC_ANNOTATION}: "true"`,
            ),
          );
        }
      }
    }
    return out;
  },
};

const targetTypeIp: PolicyRule = {
  id: 'target-type-ip-readiness-gate',
  title: 'ALB target-type ip only in namespaces with readiness gates',
  description: `alb.ingress.kubernetes.io/target-type: ip (Ingress or Service) is only used in namespaces labelled ${READINESS_GATE_LABEL}: enabled, so that rollouts wait for targets to be healthy.`,
  check(ix) {
    const out: Finding[] = [];
    for (const o of [...ix.byKind('Ingress'), ...ix.byKind('Service'), ...ix.byKind('TargetGroupBinding')]) {
      const ip =
        o.kind === 'TargetGroupBinding'
          ? o.spec?.targetType === 'ip'
          : o.metadata?.annotations?.['alb.ingress.kubernetes.io/target-type'] === 'ip';
      if (!ip) continue;
      const gated = ix.readinessGateNamespace(ix.ns(o));
      if (gated !== true) {
        out.push(
          f(
            o,
            o.kind === 'TargetGroupBinding'
              ? '/spec/targetType'
              : '/metadata/annotations/alb.ingress.kubernetes.io~1target-type',
            `target-type ip in namespace ${ix.ns(o) || '(default)'}, which is ${gated === false ? 'not' : 'not known to be'} labelled ${READINESS_GATE_LABEL}: enabled`,
          ),
        );
      }
    }
    return out;
  },
};

const albManagedSecurityGroups: PolicyRule = {
  id: 'alb-managed-security-groups',
  title: 'ALB security groups are derived from the Ingress, not attached by hand',
  description:
    'An Ingress does not set alb.ingress.kubernetes.io/security-groups: hand-attached security groups drift from the Ingress (seed 001: "Ingress annotations ≠ ALB security group rules"). The controller derives the frontend security group from alb.ingress.kubernetes.io/inbound-cidrs, which Argo CD keeps in sync with git.',
  check(ix) {
    const out: Finding[] = [];
    for (const ing of ix.byKind('Ingress')) {
      const a: Record<string, string> = ing.metadata?.annotations ?? {};
      if (a['alb.ingress.kubernetes.io/security-groups'] !== undefined) {
        out.push(
          f(
            ing,
            '/metadata/annotations/alb.ingress.kubernetes.io~1security-groups',
            'hand-attached security groups drift from the Ingress: remove alb.ingress.kubernetes.io/security-groups and restrict sources with alb.ingress.kubernetes.io/inbound-cidrs',
          ),
        );
      }
    }
    return out;
  },
};

const HOOKS = new Set(['PreSync', 'Sync', 'PostSync', 'SyncFail', 'PostDelete', 'Skip']);
const DELETE_POLICIES = new Set(['HookSucceeded', 'HookFailed', 'BeforeHookCreation']);

const argoHooks: PolicyRule = {
  id: 'argocd-hooks-waves',
  title: 'Argo CD hooks and sync waves well-formed',
  description:
    'argocd.argoproj.io/hook is a comma-separated list of PreSync, Sync, PostSync, SyncFail, PostDelete, Skip; hook-delete-policy of HookSucceeded, HookFailed, BeforeHookCreation and only on hooks; sync-wave is an integer.',
  check(ix) {
    const out: Finding[] = [];
    for (const o of ix.objects) {
      const a: Record<string, unknown> = o.metadata?.annotations ?? {};
      const p = (k: string) => `/metadata/annotations/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const hook = a['argocd.argoproj.io/hook'];
      if (hook !== undefined) {
        const bad = String(hook)
          .split(',')
          .map((h) => h.trim())
          .filter((h) => !HOOKS.has(h));
        if (bad.length)
          out.push(
            f(
              o,
              p('argocd.argoproj.io/hook'),
              `unknown hook ${bad.join(', ')} (expected ${[...HOOKS].join(', ')})`,
            ),
          );
      }
      const del = a['argocd.argoproj.io/hook-delete-policy'];
      if (del !== undefined) {
        const bad = String(del)
          .split(',')
          .map((h) => h.trim())
          .filter((h) => !DELETE_POLICIES.has(h));
        if (bad.length)
          out.push(
            f(
              o,
              p('argocd.argoproj.io/hook-delete-policy'),
              `unknown hook-delete-policy ${bad.join(', ')} (expected ${[...DELETE_POLICIES].join(', ')})`,
            ),
          );
        if (hook === undefined)
          out.push(
            f(
              o,
              p('argocd.argoproj.io/hook-delete-policy'),
              'hook-delete-policy without argocd.argoproj.io/hook',
            ),
          );
      }
      const wave = a['argocd.argoproj.io/sync-wave'];
      if (wave !== undefined && !/^-?\d+$/.test(String(wave))) {
        out.push(
          f(o, p('argocd.argoproj.io/sync-wave'), `sync-wave ${JSON.stringify(wave)} is not an integer`),
        );
      }
    }
    return out;
  },
};

/** The rules, in report order. `exemption-reason-required` is checked by the engine itself. */
export const POLICY_RULES: readonly PolicyRule[] = [
  pssRestricted,
  resources,
  probes,
  startup,
  imageTag,
  imageRegistry,
  scaledNoReplicas,
  hpaBounds,
  rwo,
  pdb,
  serviceSelector,
  ingressBackends,
  noSecret,
  prodIngress,
  targetTypeIp,
  albManagedSecurityGroups,
  argoHooks,
  ...FILE_RULES,
];

export const EXEMPTION_RULE = {
  id: 'exemption-reason-required',
  title: 'Exemptions carry a reason',
  description: `${EXEMPT_ANNOTATION} names known rule ids and comes with a non-empty ${EXEMPT_REASON_ANNOTATION}; otherwise the exemption is ignored.`,
} as const;

export function policyResourceId(o: K8sObject): string {
  return `${o.apiVersion ?? ''}/${o.kind ?? ''} ${o.metadata?.namespace ? o.metadata.namespace + '/' : ''}${o.metadata?.name ?? ''}`;
}

export interface RunPoliciesOptions {
  /** Source name put on every violation. */
  readonly source?: string;
  /** Only these rule ids. */
  readonly rules?: readonly string[];
}

/** Check objects against every rule; honours exemptions that carry a reason. Sorted, deterministic output. */
export function runPolicies(
  objects: readonly K8sObject[],
  context: PolicyContext,
  options: RunPoliciesOptions = {},
): PolicyViolation[] {
  const source = options.source ?? '';
  const ix = buildIndex(objects, context);
  const known = new Set([...POLICY_RULES.map((r) => r.id), EXEMPTION_RULE.id]);
  const out: PolicyViolation[] = [];
  const exemptions = new Map<K8sObject, Set<string>>();
  for (const o of ix.objects) {
    const a = o.metadata?.annotations ?? {};
    const raw = a[EXEMPT_ANNOTATION];
    if (raw === undefined) continue;
    const ids = String(raw)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const reason = String(a[EXEMPT_REASON_ANNOTATION] ?? '').trim();
    if (ids.includes(NOT_EXEMPTIBLE_BY_ANNOTATION)) {
      out.push({
        rule: EXEMPTION_RULE.id,
        source,
        resource: policyResourceId(o),
        path: '/metadata/annotations/policy.gitops.platform~1exempt',
        message: `${NOT_EXEMPTIBLE_BY_ANNOTATION} cannot be exempted by an annotation: add a reviewed entry to secrets-allowlist.yaml`,
      });
      ids.splice(ids.indexOf(NOT_EXEMPTIBLE_BY_ANNOTATION), 1);
    }
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) {
      out.push({
        rule: EXEMPTION_RULE.id,
        source,
        resource: policyResourceId(o),
        path: '/metadata/annotations/policy.gitops.platform~1exempt',
        message: `exemption names unknown rule(s) ${unknown.join(', ')}`,
      });
    }
    if (!reason) {
      out.push({
        rule: EXEMPTION_RULE.id,
        source,
        resource: policyResourceId(o),
        path: '/metadata/annotations/policy.gitops.platform~1exempt-reason',
        message: `exemption from ${ids.join(', ')} has no ${EXEMPT_REASON_ANNOTATION}: it is ignored`,
      });
      continue;
    }
    exemptions.set(o, new Set(ids));
  }
  for (const rule of POLICY_RULES) {
    if (options.rules && !options.rules.includes(rule.id)) continue;
    for (const finding of rule.check(ix, context)) {
      if (exemptions.get(finding.obj)?.has(rule.id)) continue;
      out.push({
        rule: rule.id,
        source,
        resource: policyResourceId(finding.obj),
        path: finding.path,
        message: finding.message,
      });
    }
  }
  return out;
}

/** `<source> - <resource> violates <rule> at <path>: <message>`, one line per violation. */
export function formatPolicyViolations(violations: readonly PolicyViolation[]): string {
  return (
    violations
      .map((v) => `${v.source} - ${v.resource} violates ${v.rule} at ${v.path}: ${v.message}`)
      .join('\n') + (violations.length ? '\n' : '')
  );
}
