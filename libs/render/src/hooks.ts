/**
 * Argo CD hook annotations (what the synthesis and the overlays carry) and the Helm hook
 * annotations the chart carries instead. Argo CD maps Helm hooks to its own phases when it renders a
 * chart, so both forms run the same hook in the same phase.
 */
import type { K8sObject } from '@gitops/toolchain';

export const ARGO_HOOK = 'argocd.argoproj.io/hook';
export const ARGO_HOOK_DELETE_POLICY = 'argocd.argoproj.io/hook-delete-policy';
export const ARGO_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const HELM_HOOK = 'helm.sh/hook';
export const HELM_HOOK_DELETE_POLICY = 'helm.sh/hook-delete-policy';
export const HELM_HOOK_WEIGHT = 'helm.sh/hook-weight';

/** Argo CD phase → the Helm hooks Argo CD maps to it. */
const PHASE_TO_HELM: Record<string, string> = {
  PreSync: 'pre-install,pre-upgrade',
  PostSync: 'post-install,post-upgrade',
  PostDelete: 'post-delete',
  PreDelete: 'pre-delete',
};
const HELM_TO_PHASE: Record<string, string> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
  'post-delete': 'PostDelete',
  'pre-delete': 'PreDelete',
};
const POLICY_TO_HELM: Record<string, string> = {
  BeforeHookCreation: 'before-hook-creation',
  HookSucceeded: 'hook-succeeded',
  HookFailed: 'hook-failed',
};
const HELM_TO_POLICY = Object.fromEntries(Object.entries(POLICY_TO_HELM).map(([k, v]) => [v, k]));

function mapList(value: string, table: Record<string, string>, what: string, name: string): string {
  const out: string[] = [];
  for (const part of value.split(',').map((s) => s.trim())) {
    const mapped = table[part];
    if (!mapped)
      throw new Error(
        `${name}: ${what} "${part}" has no equivalent (known: ${Object.keys(table).join(', ')})`,
      );
    for (const m of mapped.split(',')) if (!out.includes(m)) out.push(m);
  }
  return out.join(',');
}

function withAnnotations(o: K8sObject, annotations: Record<string, string>): K8sObject {
  const metadata = { ...o.metadata, annotations };
  return { ...o, metadata };
}

/** Chart form: replace Argo CD hook annotations by the Helm hooks Argo CD maps to the same phase. */
export function toHelmHooks(o: K8sObject): K8sObject {
  const a = o.metadata.annotations;
  if (!a || !(ARGO_HOOK in a)) return o;
  // Phases Helm has no hook for (Sync, SyncFail, Skip): the chart keeps Argo CD's own annotations,
  // which Argo CD reads in charts too (hook.Types: an Argo CD hook annotation wins over Helm's).
  if (
    String(a[ARGO_HOOK])
      .split(',')
      .some((p: string) => !(p.trim() in PHASE_TO_HELM))
  )
    return o;
  const name = `${o.kind}/${o.metadata.name}`;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>(a)) {
    if (k === ARGO_HOOK) out[HELM_HOOK] = mapList(v, PHASE_TO_HELM, 'Argo CD hook', name);
    else if (k === ARGO_HOOK_DELETE_POLICY)
      out[HELM_HOOK_DELETE_POLICY] = mapList(v, POLICY_TO_HELM, 'hook delete policy', name);
    else out[k] = v;
  }
  return withAnnotations(o, out);
}

/** Inverse of {@link toHelmHooks}: how Argo CD reads a Helm hook. Used to compare both forms. */
export function toArgoHooks(o: K8sObject): K8sObject {
  const a = o.metadata.annotations;
  if (!a || !(HELM_HOOK in a)) return o;
  const name = `${o.kind}/${o.metadata.name}`;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>(a)) {
    if (k === HELM_HOOK) out[ARGO_HOOK] = mapList(v, HELM_TO_PHASE, 'Helm hook', name);
    else if (k === HELM_HOOK_DELETE_POLICY)
      out[ARGO_HOOK_DELETE_POLICY] = mapList(v, HELM_TO_POLICY, 'Helm hook delete policy', name);
    else out[k] = v;
  }
  return withAnnotations(o, out);
}
