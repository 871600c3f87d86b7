/**
 * What Argo CD does with an object change, read from gitops-engine's rules (pkg/sync/hook, sync_context.go):
 * hook phases and waves, whether a removed object is pruned, and what a change to an Application or
 * AppProject means (sync policy, finalizers, sync windows, allow-lists).
 */
import type { K8sObject } from '@gitops/toolchain';

/** The part of an Application's sync policy that decides what a removal does. */
export interface SyncPolicySummary {
  /** Application name. */
  readonly application: string;
  readonly environment: string;
  /** `automated`: syncs on its own; `manual`: only when someone syncs; `kubectl`: applied by hand (bootstrap). */
  readonly mode: 'automated' | 'manual' | 'kubectl';
  /** `syncPolicy.automated.prune` (automated mode only). */
  readonly prune: boolean;
  /** `Prune=false` / `Prune=confirm` in the Application's syncOptions (default for every object). */
  readonly defaultPrune?: 'false' | 'confirm';
}

export interface HookLabel {
  /** Hook phases (`PreSync`, `Sync`, `PostSync`, `SyncFail`, `PreDelete`, `PostDelete`), empty for ordinary objects. */
  readonly phases: readonly string[];
  /** Sync wave (`argocd.argoproj.io/sync-wave`, else `helm.sh/hook-weight` for Helm hooks), 0 by default. */
  readonly wave: number;
  readonly deletePolicy?: string;
}

/** What a removal does in the cluster. */
export interface PruneOutcome {
  readonly outcome: 'deleted' | 'stays' | 'manual' | 'hook';
  /** One line for humans, e.g. `stays: prune disabled in prod`. */
  readonly message: string;
}

const HELM_HOOKS: Record<string, string> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
  'pre-delete': 'PreDelete',
  'post-delete': 'PostDelete',
};
const ARGO_HOOKS = new Set(['PreSync', 'Sync', 'PostSync', 'SyncFail', 'PreDelete', 'PostDelete', 'Skip']);

const csv = (v: unknown) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/** Hook phases and wave of an object, as gitops-engine reads them; undefined for an ordinary object in wave 0. */
export function hookOf(o: K8sObject): HookLabel | undefined {
  const ann = o?.metadata?.annotations ?? {};
  let phases = csv(ann['argocd.argoproj.io/hook']).filter((t) => ARGO_HOOKS.has(t));
  // gitops-engine ignores Helm hooks when an Argo CD hook is present.
  const helm = !phases.length;
  if (helm)
    phases = [
      ...new Set(
        csv(ann['helm.sh/hook'])
          .map((t) => HELM_HOOKS[t])
          .filter(Boolean),
      ),
    ];
  if (phases.length === 1 && phases[0] === 'Skip') phases = [];
  const waveText =
    ann['argocd.argoproj.io/sync-wave'] ?? (helm && phases.length ? ann['helm.sh/hook-weight'] : undefined);
  const wave = Number.parseInt(String(waveText ?? '0'), 10) || 0;
  const deletePolicy = ann['argocd.argoproj.io/hook-delete-policy'] ?? ann['helm.sh/hook-delete-policy'];
  if (!phases.length && wave === 0) return undefined;
  return { phases, wave, ...(phases.length && deletePolicy ? { deletePolicy: String(deletePolicy) } : {}) };
}

/** `PreSync hook · wave -1 · delete BeforeHookCreation`, or `wave 2`. */
export function hookText(h: HookLabel): string {
  const parts = [];
  if (h.phases.length) parts.push(`${h.phases.join('+')} hook`);
  parts.push(`wave ${h.wave}`);
  if (h.deletePolicy) parts.push(`delete ${h.deletePolicy}`);
  return parts.join(' · ');
}

/** The sync policy summary of an Application object. */
export function syncPolicyOf(app: K8sObject, environment: string): SyncPolicySummary {
  const sp = app?.spec?.syncPolicy ?? {};
  const automated = sp.automated && sp.automated.enabled !== false;
  const opts: string[] = Array.isArray(sp.syncOptions) ? sp.syncOptions.map(String) : [];
  const p = opts.find((x) => /^Prune=/.test(x))?.split('=')[1];
  return {
    application: String(app?.metadata?.name ?? ''),
    environment,
    mode: automated ? 'automated' : 'manual',
    prune: !!automated && sp.automated?.prune === true,
    ...(p === 'false' || p === 'confirm' ? { defaultPrune: p } : {}),
  };
}

/** What removing `o` from the rendered output does, under the Application's sync policy (gitops-engine rules). */
export function pruneOutcome(o: K8sObject, policy: SyncPolicySummary | undefined): PruneOutcome | undefined {
  if (!policy) return undefined;
  const h = hookOf(o);
  if (h?.phases.length)
    return {
      outcome: 'hook',
      message: `hook (${h.phases.join('+')}): no longer runs; hooks are never pruned`,
    };
  const own = csv(o.metadata?.annotations?.['argocd.argoproj.io/sync-options'])
    .find((x) => /^Prune=/.test(x))
    ?.split('=')[1];
  const setting = own ?? policy.defaultPrune;
  const env = policy.environment;
  if (setting === 'false')
    return {
      outcome: 'stays',
      message: `stays: Prune=false on ${own ? 'the object' : 'the Application'} (stays in ${env})`,
    };
  if (policy.mode === 'kubectl')
    return {
      outcome: 'stays',
      message: `stays: applied by hand with kubectl apply, which never deletes (remove it by hand in ${env})`,
    };
  if (policy.mode === 'manual')
    return {
      outcome: 'manual',
      message: `stays until someone syncs ${policy.application} with prune (manual sync in ${env})`,
    };
  if (!policy.prune)
    return {
      outcome: 'stays',
      message: `stays: prune disabled in ${env} (the object keeps running, shown OutOfSync)`,
    };
  if (setting === 'confirm')
    return {
      outcome: 'stays',
      message: `would be deleted after a prune confirmation (Prune=confirm) in ${env}`,
    };
  return { outcome: 'deleted', message: `would be deleted: auto-prune in ${env}` };
}

const get = (o: unknown, path: string): any =>
  path.split('.').reduce<any>((v, k) => (v == null ? undefined : v[k]), o);
const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));

function kinds(list: unknown): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(list)) for (const e of list) out.add(`${e?.group || 'core'}/${e?.kind ?? '*'}`);
  return out;
}

function windowKey(w: any): string {
  return `${w?.kind ?? '?'} ${w?.schedule ?? '?'} for ${w?.duration ?? '?'}`;
}

/**
 * Plain-language notes on an Argo CD object change (Application, ApplicationSet, AppProject): sync policy,
 * finalizers, sync windows, allow-lists, source repositories and destinations. Empty for other kinds.
 */
export function argoNotes(base: K8sObject | undefined, head: K8sObject | undefined): string[] {
  const o = head ?? base;
  if (!o || !String(o.apiVersion ?? '').startsWith('argoproj.io/')) return [];
  const notes: string[] = [];
  const name = o.metadata?.name ?? '';
  const fin = (x: K8sObject | undefined) => new Set<string>((x?.metadata?.finalizers ?? []).map(String));
  const bf = fin(base);
  const hf = fin(head);
  for (const f of hf)
    if (!bf.has(f))
      notes.push(
        /resources-finalizer/.test(f)
          ? `finalizer ${f} added: deleting ${o.kind} ${name} will cascade-delete ${o.kind === 'AppProject' ? 'nothing it does not own (project finalizer)' : 'every resource it manages'}`
          : `finalizer ${f} added`,
      );
  for (const f of bf)
    if (!hf.has(f))
      notes.push(
        /resources-finalizer/.test(f)
          ? `finalizer ${f} removed: deleting ${o.kind} ${name} will orphan its resources`
          : `finalizer ${f} removed`,
      );
  if (!base) notes.push(`new ${o.kind} ${name}`);
  if (!head) notes.push(`${o.kind} ${name} removed`);
  if (o.kind === 'Application' || o.kind === 'ApplicationSet') {
    const spec = (x: K8sObject | undefined) =>
      o.kind === 'ApplicationSet' ? x?.spec?.template?.spec : x?.spec;
    const b = spec(base);
    const h = spec(head);
    const auto = (s: any) => !!s?.syncPolicy?.automated && s.syncPolicy.automated.enabled !== false;
    if (base && head) {
      if (auto(b) !== auto(h)) notes.push(`automated sync ${auto(h) ? 'enabled' : 'disabled'}`);
      for (const f of ['prune', 'selfHeal', 'allowEmpty']) {
        const bv = get(b, `syncPolicy.automated.${f}`);
        const hv = get(h, `syncPolicy.automated.${f}`);
        if (bv !== hv)
          notes.push(
            `auto-${f} ${show(bv)} → ${show(hv)}${f === 'prune' && hv === true ? ' (removed objects will be deleted)' : ''}`,
          );
      }
      const bo = new Set<string>(get(b, 'syncPolicy.syncOptions') ?? []);
      const ho = new Set<string>(get(h, 'syncPolicy.syncOptions') ?? []);
      for (const x of ho) if (!bo.has(x)) notes.push(`sync option ${x} added`);
      for (const x of bo) if (!ho.has(x)) notes.push(`sync option ${x} removed`);
      for (const f of [
        'project',
        'destination.server',
        'destination.namespace',
        'destination.name',
        'source.repoURL',
        'source.targetRevision',
        'source.path',
      ]) {
        const bv = get(b, f);
        const hv = get(h, f);
        if (JSON.stringify(bv) !== JSON.stringify(hv)) notes.push(`${f} ${show(bv)} → ${show(hv)}`);
      }
    } else if (head && auto(h)) {
      notes.push(
        `syncs automatically (prune ${get(h, 'syncPolicy.automated.prune') === true ? 'on' : 'off'})`,
      );
    }
  }
  if (o.kind === 'AppProject' && base && head) {
    for (const list of [
      'clusterResourceWhitelist',
      'namespaceResourceWhitelist',
      'clusterResourceBlacklist',
      'namespaceResourceBlacklist',
    ]) {
      const bk = kinds(base.spec?.[list]);
      const hk = kinds(head.spec?.[list]);
      const added = [...hk].filter((k) => !bk.has(k));
      const removed = [...bk].filter((k) => !hk.has(k));
      const allow = /Whitelist$/.test(list);
      if (removed.length)
        notes.push(
          `${list}: ${removed.join(', ')} removed${allow ? ' (Argo CD will refuse to sync these kinds)' : ' (now allowed)'}`,
        );
      if (added.length)
        notes.push(`${list}: ${added.join(', ')} added${allow ? ' (now allowed)' : ' (now refused)'}`);
    }
    const bw = new Map<string, any>((base.spec?.syncWindows ?? []).map((w: any) => [windowKey(w), w]));
    const hw = new Map<string, any>((head.spec?.syncWindows ?? []).map((w: any) => [windowKey(w), w]));
    for (const [k, w] of hw)
      if (!bw.has(k)) notes.push(`sync window added: ${k}${w?.manualSync ? ', manual syncs allowed' : ''}`);
    for (const [k] of bw) if (!hw.has(k)) notes.push(`sync window removed: ${k}`);
    for (const [k, w] of hw) {
      const old = bw.get(k);
      if (old && JSON.stringify(old) !== JSON.stringify(w)) notes.push(`sync window changed: ${k}`);
    }
    for (const f of ['sourceRepos', 'destinations']) {
      const bv = JSON.stringify(base.spec?.[f] ?? []);
      const hv = JSON.stringify(head.spec?.[f] ?? []);
      if (bv !== hv) notes.push(`${f} changed`);
    }
  }
  return notes;
}

/** `automated, prune on, self-heal on` style summary of an Application's sync policy. */
export function syncPolicyText(app: K8sObject | undefined): string | undefined {
  if (!app) return undefined;
  const sp = app.spec?.syncPolicy ?? {};
  const automated = sp.automated && sp.automated.enabled !== false;
  if (!automated) return 'manual sync';
  return `automated, prune ${sp.automated?.prune === true ? 'on' : 'off'}, self-heal ${sp.automated?.selfHeal === true ? 'on' : 'off'}`;
}
