/**
 * Argo CD's sync rules, re-implemented from its source (argoproj/argo-cd, `gitops-engine/pkg/sync`):
 * hook detection and phases (`hook/hook.go`, `hook/helm/type.go`, `sync_phase.go`), waves
 * (`syncwaves/waves.go`), the kind order (`sync_tasks.go`), sync options
 * (`common/types.go`) and AppProject permissions (`pkg/apis/application/v1alpha1`).
 */
import type { K8sObject } from '@gitops/toolchain';
import { groupOf } from './scope';

export const ANNOTATION = {
  hook: 'argocd.argoproj.io/hook',
  hookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  syncWave: 'argocd.argoproj.io/sync-wave',
  syncOptions: 'argocd.argoproj.io/sync-options',
  ignoreHealthcheck: 'argocd.argoproj.io/ignore-healthcheck',
  helmHook: 'helm.sh/hook',
  helmHookWeight: 'helm.sh/hook-weight',
  helmHookDeletePolicy: 'helm.sh/hook-delete-policy',
} as const;

/** The phases a sync runs, in order (`syncPhaseOrder` in sync_tasks.go). SyncFail runs only when a sync fails. */
export const SYNC_PHASES = ['PreSync', 'Sync', 'PostSync', 'SyncFail'] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number];

/**
 * Argo CD's kind order inside one phase and wave (`kindOrder` in sync_tasks.go, taken from Helm's
 * kind_sorter). Kinds not listed (custom resources) sort after all of them (order 0).
 */
export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];
const KIND_RANK = new Map(KIND_ORDER.map((k, i) => [k, i - KIND_ORDER.length]));

/** The rank Argo CD sorts a kind by: negative for listed kinds, 0 for everything else. Matches on kind only, not group. */
export const kindRank = (kind: string): number => KIND_RANK.get(kind) ?? 0;

const annotationsOf = (o: K8sObject): Record<string, string> => o.metadata?.annotations ?? {};
const csv = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const ARGO_HOOK_TYPES = ['PreSync', 'Sync', 'PostSync', 'SyncFail', 'PostDelete', 'PreDelete', 'Skip'];
/** Helm hooks Argo CD understands (`hook/helm/type.go`); other Helm hooks are ignored. */
const HELM_HOOK_TO_ARGO: Record<string, string> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
};

/** Hook types of an object: Argo CD's own annotation wins; Helm hooks are read only without it. */
export function hookTypes(o: K8sObject): string[] {
  const a = annotationsOf(o);
  const argo = csv(a[ANNOTATION.hook]).filter((t) => ARGO_HOOK_TYPES.includes(t));
  if (argo.length) return argo;
  return [
    ...new Set(
      csv(a[ANNOTATION.helmHook])
        .map((t) => HELM_HOOK_TO_ARGO[t])
        .filter(Boolean),
    ),
  ];
}

/** `Skip` as the only hook type: Argo CD neither applies nor runs the object. */
export function isSkipped(o: K8sObject): boolean {
  const t = hookTypes(o);
  return t.length === 1 && t[0] === 'Skip';
}

/** Whether Argo CD treats the object as a hook (`hook.IsHook`): it is run in its phases, never pruned or tracked. */
export function isHook(o: K8sObject): boolean {
  const a = annotationsOf(o);
  if (a[ANNOTATION.hook] !== undefined) return !isSkipped(o);
  return a[ANNOTATION.helmHook] !== undefined && a[ANNOTATION.helmHook] !== 'crd-install';
}

/** The sync phases an object runs in (`syncPhases`): hooks in each of their sync phases, resources in Sync. */
export function syncPhasesOf(o: K8sObject): SyncPhase[] {
  if (isSkipped(o)) return [];
  if (!isHook(o)) return ['Sync'];
  const types = hookTypes(o);
  return SYNC_PHASES.filter((p) => types.includes(p));
}

/** The wave (`syncwaves.Wave`): `sync-wave` if it parses as an integer, else `helm.sh/hook-weight`, else 0. */
export function waveOf(o: K8sObject): number {
  const a = annotationsOf(o);
  const parse = (v: string | undefined) => (v !== undefined && /^[+-]?\d+$/.test(v.trim()) ? Number(v) : NaN);
  const w = parse(a[ANNOTATION.syncWave]);
  if (!Number.isNaN(w)) return w;
  const h = parse(a[ANNOTATION.helmHookWeight]);
  return Number.isNaN(h) ? 0 : h;
}

/** Hook delete policies (`hook.DeletePolicies`): both annotations; none given means BeforeHookCreation. */
export function hookDeletePolicies(o: K8sObject): string[] {
  const a = annotationsOf(o);
  const helm: Record<string, string> = {
    'before-hook-creation': 'BeforeHookCreation',
    'hook-succeeded': 'HookSucceeded',
    'hook-failed': 'HookFailed',
  };
  const out = [
    ...csv(a[ANNOTATION.hookDeletePolicy]).filter((p) =>
      ['BeforeHookCreation', 'HookSucceeded', 'HookFailed'].includes(p),
    ),
    ...csv(a[ANNOTATION.helmHookDeletePolicy])
      .map((p) => helm[p])
      .filter(Boolean),
  ];
  return out.length ? [...new Set(out)] : ['BeforeHookCreation'];
}

/** The `argocd.argoproj.io/sync-options` of an object, e.g. `{ Prune: 'false', Delete: 'false' }`. */
export function syncOptionsOf(o: K8sObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const opt of csv(annotationsOf(o)[ANNOTATION.syncOptions])) {
    const [k, v = ''] = opt.split('=');
    out[k.trim()] = v.trim();
  }
  return out;
}

/** Go's `filepath.Match` for names without path separators: `*`, `?`, `[...]`, `\\` escapes. */
export function globMatch(pattern: string, value: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`).test(value);
}
const escapeRe = (s: string) => s.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');

/**
 * `AppProject.IsGroupKindNamePermitted`: a namespaced kind is permitted when `namespaceResourceWhitelist`
 * is absent or lists it (an empty list permits nothing) and no blacklist entry matches; a cluster-scoped
 * object needs a `clusterResourceWhitelist` entry matching group, kind and — when the entry has one — name.
 */
export function projectPermitsObject(
  project: K8sObject,
  gk: { group: string; kind: string },
  name: string,
  namespaced: boolean,
): boolean {
  const s = project.spec ?? {};
  const inList = (list: any[] | undefined, withName: boolean) =>
    (list ?? []).some(
      (e) =>
        globMatch(e.kind ?? '', gk.kind) &&
        globMatch(e.group ?? '', gk.group) &&
        (!withName || !e.name || globMatch(e.name, name)),
    );
  if (namespaced) {
    const white = s.namespaceResourceWhitelist;
    const whiteListed = white === undefined || white === null || (white.length > 0 && inList(white, false));
    return whiteListed && !inList(s.namespaceResourceBlacklist, false);
  }
  const white = s.clusterResourceWhitelist ?? [];
  return white.length > 0 && inList(white, true) && !inList(s.clusterResourceBlacklist, true);
}

export { groupOf };
