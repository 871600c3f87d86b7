/**
 * `quota-max-scale`: the namespace's ResourceQuota holds every workload at its maximum scale — HPA or
 * KEDA maximum, plus the extra pods a rolling update surges, plus Jobs (sync hooks run next to the
 * running pods) — otherwise the quota silently caps the autoscaler: pods beyond it are refused
 * ("exceeded quota") exactly when the load is highest.
 *
 * A pod counts with the resources the API server gives it: LimitRange defaults fill what its containers
 * leave unset, init containers count by their maximum and sidecars (init containers with
 * `restartPolicy: Always`) for the pod's lifetime. Scoped quotas (`scopes`, `scopeSelector`) and
 * DaemonSets (one pod per node, unknown here) are not counted.
 */
import type { K8sObject } from '@gitops/toolchain';
import type { Finding, Index, PodTemplate, PolicyRule } from '../policy';
import {
  containerLimitRanges,
  containersOf,
  describe,
  effectiveResources,
  finding,
  formatQuantity,
  parseQuantity,
  pointerToken,
  type Resource,
} from './util';

type Key = 'requests.cpu' | 'requests.memory' | 'limits.cpu' | 'limits.memory' | 'pods';
const KEYS: Record<string, Key> = {
  cpu: 'requests.cpu',
  'requests.cpu': 'requests.cpu',
  memory: 'requests.memory',
  'requests.memory': 'requests.memory',
  'limits.cpu': 'limits.cpu',
  'limits.memory': 'limits.memory',
  pods: 'pods',
  'count/pods': 'pods',
};

/** Pods a workload can run at once at its maximum scale, and how that number came about. */
export function podsAtMaxScale(ix: Index, o: K8sObject): { pods: number; why: string } | undefined {
  switch (o.kind) {
    case 'Pod':
      return { pods: 1, why: '1 pod' };
    case 'Job':
    case 'CronJob': {
      const spec = o.kind === 'Job' ? o.spec : o.spec?.jobTemplate?.spec;
      const n = typeof spec?.parallelism === 'number' ? spec.parallelism : 1;
      return { pods: n, why: `${n} pod(s) (parallelism)` };
    }
    case 'Deployment': {
      const max = ix.maxReplicas(o);
      const scaled = ix.scalersOf(o).length > 0;
      const strategy = o.spec?.strategy ?? {};
      let surge = 0;
      if ((strategy.type ?? 'RollingUpdate') === 'RollingUpdate') {
        const s = strategy.rollingUpdate?.maxSurge ?? '25%';
        surge =
          typeof s === 'number'
            ? s
            : /^\d+%$/.test(String(s))
              ? Math.ceil((Number(String(s).slice(0, -1)) / 100) * max)
              : (parseQuantity(s) ?? 0);
      }
      return {
        pods: max + surge,
        why: `${max} replica(s)${scaled ? ' at the autoscaler maximum' : ''}${surge ? ` + ${surge} surge` : ''}`,
      };
    }
    case 'StatefulSet':
    case 'ReplicaSet':
    case 'ReplicationController': {
      const max = ix.maxReplicas(o);
      return {
        pods: max,
        why: `${max} replica(s)${ix.scalersOf(o).length ? ' at the autoscaler maximum' : ''}`,
      };
    }
    default:
      return undefined; // DaemonSet: one per node
  }
}

/** Requests and limits of one pod (undefined: some container has none and no LimitRange default applies). */
export function podResources(ix: Index, p: PodTemplate): Record<Exclude<Key, 'pods'>, number | undefined> {
  const ranges = containerLimitRanges(ix, ix.ns(p.obj));
  const total = (kind: 'requests' | 'limits', r: Resource): number | undefined => {
    let app = 0;
    let sidecars = 0;
    let init = 0;
    for (const { c, list, sidecar } of containersOf(p)) {
      const v = effectiveResources(c, ranges)[kind][r].value;
      if (v === undefined) return undefined;
      if (list === 'containers') app += v;
      else if (sidecar) sidecars += v;
      else init = Math.max(init, sidecars + v);
    }
    return Math.max(app + sidecars, init);
  };
  return {
    'requests.cpu': total('requests', 'cpu'),
    'requests.memory': total('requests', 'memory'),
    'limits.cpu': total('limits', 'cpu'),
    'limits.memory': total('limits', 'memory'),
  };
}

export const quotaMaxScale: PolicyRule = {
  id: 'quota-max-scale',
  title: 'The ResourceQuota holds every workload at maximum scale',
  description:
    "The sum over a namespace's workloads of pods x per-pod requests and limits, each workload at its maximum (HPA/KEDA maxReplicas, plus the rolling-update surge; Jobs and sync hooks by parallelism), fits every unscoped ResourceQuota of the namespace (requests.cpu, requests.memory, limits.cpu, limits.memory, pods). A container without a value the quota tracks (and no LimitRange default) is reported too: the API server refuses such pods.",
  check(ix) {
    const out: Finding[] = [];
    for (const q of ix.byKind('ResourceQuota')) {
      if (q.spec?.scopes?.length || q.spec?.scopeSelector) continue;
      const ns = ix.ns(q);
      const hard: [string, Key, number][] = Object.entries(q.spec?.hard ?? {})
        .filter(([k]) => KEYS[k])
        .map(([k, v]) => [k, KEYS[k], parseQuantity(v) ?? NaN] as [string, Key, number])
        .filter(([, , v]) => Number.isFinite(v));
      if (!hard.length) continue;
      const totals = new Map<Key, number>();
      const parts = new Map<Key, string[]>();
      for (const p of ix.pods.filter((x) => ix.ns(x.obj) === ns)) {
        const scale = podsAtMaxScale(ix, p.obj);
        if (!scale) continue;
        const per = podResources(ix, p);
        for (const [field, key] of hard) {
          const each = key === 'pods' ? 1 : per[key];
          if (each === undefined) {
            out.push(
              finding(
                p.obj,
                `${p.specPath}/containers`,
                `${describe(p.obj)} has a container without ${key} and namespace ${ns || '(default)'} has no LimitRange default for it, while ResourceQuota ${q.metadata?.name} limits ${field}: the API server refuses its pods (set resources.${key})`,
              ),
            );
            continue;
          }
          totals.set(key, (totals.get(key) ?? 0) + each * scale.pods);
          const resource = key === 'pods' ? 'pods' : key.split('.')[1];
          parts.set(key, [
            ...(parts.get(key) ?? []),
            `${p.obj.kind} ${p.obj.metadata?.name}: ${scale.why}${key === 'pods' ? '' : ` x ${formatQuantity(resource, each)}`}`,
          ]);
        }
      }
      for (const [field, key, limit] of hard) {
        const total = totals.get(key) ?? 0;
        if (total <= limit + 1e-9) continue;
        const resource = key === 'pods' ? 'pods' : key.split('.')[1];
        out.push(
          finding(
            q,
            `/spec/hard/${pointerToken(field)}`,
            `at maximum scale the workloads of namespace ${ns || '(default)'} need ${key} ${formatQuantity(resource, total)} but ResourceQuota ${q.metadata?.name} allows ${String(q.spec.hard[field])} (${(parts.get(key) ?? []).join('; ')}): pods beyond the quota are refused when the autoscaler scales up or a rollout surges; raise the quota or lower maxReplicas/resources`,
          ),
        );
      }
    }
    return out;
  },
};
