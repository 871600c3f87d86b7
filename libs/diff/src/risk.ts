import type { K8sObject } from '@gitops/toolchain';
import { argoNotes, type PruneOutcome } from './argo-semantics';
import { ALWAYS_ASSESSED, type ChangeType, type RiskCode, type RiskFlag } from './types';

/** What the risk rules may look at besides the object itself. */
export interface RiskContext {
  /** Environment of the application (`dev`, `prod`, …). */
  readonly environment: string;
  /** Every environment name of the platform (to spot references to another environment). */
  readonly environments: readonly string[];
  /** Assess the operational rules (replicas, images, deletions…) too: the environment is a risk environment. */
  readonly operational: boolean;
  /** All objects of the application on each side (noise removed), for rules that look across objects. */
  readonly baseObjects: readonly K8sObject[];
  readonly headObjects: readonly K8sObject[];
  /** For removals: what Argo CD does with it. */
  readonly prune?: PruneOutcome;
}

const PSA_LEVELS = ['privileged', 'baseline', 'restricted'];
const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';

/** The labels a NetworkPolicy's podSelector requires; undefined for "every pod" (empty selector). */
function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  const ml: Record<string, string> = selector?.matchLabels ?? {};
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  for (const e of (selector?.matchExpressions ?? []) as any[]) {
    const has = e?.key in labels;
    const val = labels[e?.key];
    const values: string[] = e?.values ?? [];
    if (e?.operator === 'In' && !(has && values.includes(val))) return false;
    if (e?.operator === 'NotIn' && has && values.includes(val)) return false;
    if (e?.operator === 'Exists' && !has) return false;
    if (e?.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Pod template labels of the workloads in `objects`, by namespace. */
function podLabels(objects: readonly K8sObject[]): { namespace: string; labels: Record<string, string> }[] {
  const out: { namespace: string; labels: Record<string, string> }[] = [];
  for (const o of objects) {
    const labels =
      o.kind === 'Pod'
        ? o.metadata?.labels
        : o.kind === 'CronJob'
          ? o.spec?.jobTemplate?.spec?.template?.metadata?.labels
          : podSpecOf(o)
            ? o.spec?.template?.metadata?.labels
            : undefined;
    if (podSpecOf(o)) out.push({ namespace: o.metadata?.namespace ?? '', labels: labels ?? {} });
  }
  return out;
}

function selectsAny(np: K8sObject, objects: readonly K8sObject[]): boolean {
  const ns = np.metadata?.namespace ?? '';
  return podLabels(objects).some(
    (p) => p.namespace === ns && selectorMatches(np.spec?.podSelector, p.labels),
  );
}

/** Secret store keys an object reads (ExternalSecret remoteRef/extract/find keys, SecretStore paths). */
function secretRefs(o: K8sObject): string[] {
  const out: string[] = [];
  if (!/^ExternalSecret$|^ClusterExternalSecret$|^PushSecret$/.test(o.kind)) return out;
  const spec = o.kind === 'ClusterExternalSecret' ? o.spec?.externalSecretSpec : o.spec;
  for (const d of spec?.data ?? []) if (d?.remoteRef?.key) out.push(String(d.remoteRef.key));
  for (const d of spec?.dataFrom ?? []) {
    if (d?.extract?.key) out.push(String(d.extract.key));
    if (d?.find?.path) out.push(String(d.find.path));
    if (d?.find?.name?.regexp) out.push(String(d.find.name.regexp));
  }
  return out;
}

/** Other environments a secret key names (`prod/db`, `db-prod`, `/prod/`), as whole path or word segments. */
function otherEnvironmentIn(key: string, env: string, environments: readonly string[]): string | undefined {
  const words = key
    .toLowerCase()
    .split(/[^a-z0-9-]+|(?<=[a-z0-9])-(?=[a-z])/)
    .filter(Boolean);
  const segments = key.toLowerCase().split(/[/:._]+/);
  return environments.find(
    (e) =>
      e !== env &&
      (segments.includes(e) || words.includes(e) || segments.some((s) => s.split('-').includes(e))),
  );
}

/** Annotations that steer Argo CD / Helm sync order and hooks. */
export const SYNC_ANNOTATIONS: readonly string[] = [
  'argocd.argoproj.io/sync-wave',
  'argocd.argoproj.io/hook',
  'argocd.argoproj.io/hook-delete-policy',
  'argocd.argoproj.io/sync-options',
  'helm.sh/hook',
  'helm.sh/hook-weight',
  'helm.sh/hook-delete-policy',
];

/** Annotations holding an ingress source allow-list (comma-separated CIDRs). */
export const CIDR_ANNOTATIONS: readonly string[] = [
  'alb.ingress.kubernetes.io/inbound-cidrs',
  'nginx.ingress.kubernetes.io/whitelist-source-range',
  'nginx.ingress.kubernetes.io/allowlist-source-range',
];

type Container = Record<string, any>;

/** The pod spec of a workload, if it has one. */
export function podSpecOf(o: K8sObject | undefined): Record<string, any> | undefined {
  if (!o) return undefined;
  switch (o.kind) {
    case 'Pod':
      return o.spec;
    case 'CronJob':
      return o.spec?.jobTemplate?.spec?.template?.spec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
    case 'ReplicationController':
      return o.spec?.template?.spec;
    default:
      return undefined;
  }
}

function containers(spec: Record<string, any> | undefined): Map<string, Container> {
  const m = new Map<string, Container>();
  for (const field of ['initContainers', 'containers']) {
    for (const c of (spec?.[field] ?? []) as Container[])
      if (c && typeof c === 'object') m.set(`${c.name ?? '?'}`, c);
  }
  return m;
}

// ---- IPv4 CIDR containment ----

function parseCidr(s: string): { ip: number; bits: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(s.trim());
  if (!m) return undefined;
  const ip = m.slice(1, 5).reduce((acc, x) => acc * 256 + Number(x), 0);
  return { ip, bits: m[5] === undefined ? 32 : Number(m[5]) };
}

/** Whether CIDR `inner` lies inside CIDR `outer` (IPv4; other strings compare by equality). */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  if (!a || !b) return inner.trim() === outer.trim();
  if (a.bits < b.bits) return false;
  const size = 2 ** (32 - b.bits);
  return Math.floor(a.ip / size) === Math.floor(b.ip / size);
}

/** CIDRs in `head` not covered by any CIDR of `base`. */
export function widenedCidrs(base: readonly string[], head: readonly string[]): string[] {
  return head.filter((h) => !base.some((b) => cidrWithin(h, b)));
}

const splitList = (v: unknown): string[] =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/**
 * The source allow-lists of an object, each as `{ where, cidrs }`; `cidrs: undefined` means "open to all"
 * (no allow-list where the base had one, or a NetworkPolicy ingress rule without `from`).
 */
function allowLists(o: K8sObject | undefined): Map<string, string[] | undefined> {
  const m = new Map<string, string[] | undefined>();
  if (!o) return m;
  const ann = o.metadata?.annotations ?? {};
  if (o.kind === 'Ingress' || Object.keys(ann).some((k) => CIDR_ANNOTATIONS.includes(k))) {
    for (const a of CIDR_ANNOTATIONS) m.set(`annotation ${a}`, a in ann ? splitList(ann[a]) : undefined);
  }
  if (o.kind === 'Service' && o.spec?.type === 'LoadBalancer') {
    const r = o.spec?.loadBalancerSourceRanges;
    m.set('spec.loadBalancerSourceRanges', Array.isArray(r) && r.length ? r.map(String) : undefined);
  }
  if (o.kind === 'NetworkPolicy') {
    const rules: any[] = Array.isArray(o.spec?.ingress) ? o.spec.ingress : [];
    const cidrs: string[] = [];
    let open = false;
    for (const r of rules) {
      if (!r || !Array.isArray(r.from) || r.from.length === 0) open = true;
      else for (const f of r.from) if (f?.ipBlock?.cidr) cidrs.push(String(f.ipBlock.cidr));
    }
    m.set('spec.ingress', open ? undefined : cidrs);
  }
  return m;
}

const qty = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|K|M|G|T|P|%)?$/.exec(v.trim());
  if (!m) return undefined;
  const mult: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    '%': 1,
  };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
};

const REPLICATED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

function securityWeakening(
  where: string,
  b: Record<string, any> | undefined,
  h: Record<string, any> | undefined,
): string[] {
  const out: string[] = [];
  const bs = b ?? {};
  const hs = h ?? {};
  if (bs.runAsNonRoot === true && hs.runAsNonRoot !== true) out.push(`${where}.runAsNonRoot no longer true`);
  if (bs.privileged !== true && hs.privileged === true) out.push(`${where}.privileged now true`);
  if (bs.allowPrivilegeEscalation === false && hs.allowPrivilegeEscalation !== false)
    out.push(`${where}.allowPrivilegeEscalation no longer false`);
  if (bs.readOnlyRootFilesystem === true && hs.readOnlyRootFilesystem !== true)
    out.push(`${where}.readOnlyRootFilesystem no longer true`);
  if (bs.runAsUser !== 0 && hs.runAsUser === 0) out.push(`${where}.runAsUser now 0 (root)`);
  if (
    bs.seccompProfile?.type &&
    (!hs.seccompProfile?.type || hs.seccompProfile.type === 'Unconfined') &&
    bs.seccompProfile.type !== 'Unconfined'
  ) {
    out.push(`${where}.seccompProfile ${hs.seccompProfile?.type ? 'Unconfined' : 'removed'}`);
  }
  const bAdd: string[] = bs.capabilities?.add ?? [];
  const added = ((hs.capabilities?.add ?? []) as string[]).filter((c) => !bAdd.includes(c));
  if (added.length) out.push(`${where}.capabilities.add +${added.join(',')}`);
  const bDrop: string[] = bs.capabilities?.drop ?? [];
  const hDrop: string[] = hs.capabilities?.drop ?? [];
  const lost = bDrop.filter((c) => !hDrop.includes(c));
  if (lost.length) out.push(`${where}.capabilities.drop -${lost.join(',')}`);
  return out;
}

/**
 * Production risks of one object change (objects already normalized and masked).
 * Pure: looks only at the two objects.
 */
export function assessRisks(
  type: ChangeType,
  key: string,
  base: K8sObject | undefined,
  head: K8sObject | undefined,
  previousKey?: string,
  context?: RiskContext,
): RiskFlag[] {
  const flags = assessAll(type, key, base, head, previousKey, context);
  return context && !context.operational ? flags.filter((f) => ALWAYS_ASSESSED.has(f.code)) : flags;
}

function assessAll(
  type: ChangeType,
  key: string,
  base: K8sObject | undefined,
  head: K8sObject | undefined,
  previousKey: string | undefined,
  ctx: RiskContext | undefined,
): RiskFlag[] {
  const flags: RiskFlag[] = [];
  const flag = (code: RiskCode, message: string) => flags.push({ code, key, message });
  const env = ctx?.environment ?? '';
  const o = (head ?? base)!;

  // RBAC at cluster scope: any change.
  if (/^ClusterRole(Binding)?$/.test(o.kind) && o.apiVersion?.startsWith('rbac.authorization.k8s.io/'))
    flag('cluster-rbac-changed', `${o.kind} ${o.metadata?.name ?? ''} ${type}`);

  // Argo CD objects: policy changes that change what Argo CD does.
  for (const n of argoNotes(base, head)) {
    if (
      /auto-prune .*→ true|automated sync enabled|cascade-delete|sync window (removed|inverted|changed)|refuse to sync|Whitelist: .* added|Blacklist: .* removed|destination|sourceRepos|destinations|removed$/.test(
        n,
      )
    )
      flag('argocd-policy', n);
  }

  if (type === 'removed') {
    const p = ctx?.prune;
    if (
      base?.kind === 'Application' &&
      (base.metadata?.finalizers ?? []).some((f: string) => /resources-finalizer/.test(f)) &&
      p?.outcome === 'deleted'
    )
      flag(
        'argocd-policy',
        `Application ${base.metadata?.name} would be deleted with every resource it manages (resources finalizer, auto-prune)`,
      );
    if (!p || p.outcome === 'deleted' || p.outcome === 'manual') {
      flag(
        base?.kind === 'PodDisruptionBudget' ? 'pdb-lowered' : 'object-removed',
        `${key} removed${p ? `: ${p.message}` : ''}`,
      );
      if (base?.kind === 'PodDisruptionBudget') flag('object-removed', `${key} removed`);
    }
    // A NetworkPolicy that still exists but no longer selects anything is checked on the head side below.
    return flags;
  }
  if (type === 'renamed') flag('object-removed', `${previousKey} deleted and recreated as ${key}`);

  // Pod security admission level of a Namespace.
  if (head?.kind === 'Namespace') {
    const lvl = (x: K8sObject | undefined) => x?.metadata?.labels?.[PSA_ENFORCE];
    const h = lvl(head);
    const b = lvl(base);
    const rank = (v: string | undefined) => (v === undefined ? -1 : PSA_LEVELS.indexOf(v));
    if (base && b !== undefined && (h === undefined || rank(h) < rank(b)))
      flag('psa-downgraded', `${PSA_ENFORCE}: ${b} → ${h ?? '(none: cluster default)'}`);
    if (!base && (h === 'privileged' || (h === undefined && ctx?.operational)))
      flag('psa-downgraded', `new Namespace with ${PSA_ENFORCE}=${h ?? '(none: cluster default)'}`);
  }

  // Services reachable from outside the cluster.
  if (head?.kind === 'Service') {
    const t = head.spec?.type ?? 'ClusterIP';
    const bt = base?.spec?.type ?? 'ClusterIP';
    if ((t === 'LoadBalancer' || t === 'NodePort') && t !== bt)
      flag('service-exposed', `${base ? `type ${bt} → ${t}` : `new ${t} Service`}${env ? ` in ${env}` : ''}`);
  }

  // Host access and privileged containers, for new workloads too.
  const hpod = podSpecOf(head);
  if (hpod && !podSpecOf(base)) {
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC'])
      if (hpod[f] === true) flag('host-access', `new workload with ${f}: true`);
    for (const [name, c] of containers(hpod)) {
      if (c.securityContext?.privileged === true) flag('host-access', `new container ${name}: privileged`);
      if (c.securityContext?.allowPrivilegeEscalation === true)
        flag('host-access', `new container ${name}: allowPrivilegeEscalation`);
    }
    for (const v of hpod.volumes ?? [])
      if (v?.hostPath) flag('host-access', `new workload mounts hostPath ${v.hostPath.path}`);
  } else if (hpod) {
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC'])
      if (hpod[f] === true && podSpecOf(base)?.[f] !== true) flag('host-access', `${f} now true`);
    const bc = containers(podSpecOf(base));
    for (const [name, c] of containers(hpod))
      if (c.securityContext?.privileged === true && bc.get(name)?.securityContext?.privileged !== true)
        flag('host-access', `container ${name}: privileged now true`);
  }

  // Secret references into another environment's store.
  if (head && ctx?.environments.length) {
    const before = new Set(base ? secretRefs(base) : []);
    for (const ref of secretRefs(head)) {
      if (before.has(ref)) continue;
      const other = otherEnvironmentIn(ref, env, ctx.environments);
      if (other)
        flag('cross-env-secret', `${env || 'this environment'} reads secret key "${ref}" of ${other}`);
    }
  }

  // Hooks and sync waves.
  const bAnn = base?.metadata?.annotations ?? {};
  const hAnn = head?.metadata?.annotations ?? {};
  for (const a of SYNC_ANNOTATIONS) {
    if (bAnn[a] === hAnn[a]) continue;
    if (!base) {
      // A new object's sync wave is ordinary; a new hook runs something on every sync: flag that.
      if (/hook$/.test(a)) flag('sync-changed', `new ${a}=${hAnn[a]}`);
    } else flag('sync-changed', `${a}: ${bAnn[a] ?? '(none)'} → ${hAnn[a] ?? '(none)'}`);
  }

  // Ingress allow-lists.
  const bLists = allowLists(base);
  for (const [where, hc] of allowLists(head)) {
    if (!base) {
      if (hc?.some((c) => c === '0.0.0.0/0' || c === '::/0'))
        flag('ingress-widened', `${where} allows ${hc.join(', ')}`);
      continue;
    }
    if (!bLists.has(where)) continue;
    const bc = bLists.get(where);
    if (bc === undefined) continue; // was already open
    if (hc === undefined)
      flag('ingress-widened', `${where}: allow-list removed (was ${bc.join(', ') || 'empty'})`);
    else {
      const wider = widenedCidrs(bc, hc);
      if (wider.length) flag('ingress-widened', `${where}: now also allows ${wider.join(', ')}`);
    }
  }

  if (!base || !head) return flags;

  // Replicas.
  if (REPLICATED.has(head.kind)) {
    const br = base.spec?.replicas ?? 1;
    const hr = head.spec?.replicas ?? 1;
    if (typeof br === 'number' && typeof hr === 'number' && hr < br)
      flag('replicas-lowered', `replicas ${br} → ${hr}`);
  }
  if (head.kind === 'HorizontalPodAutoscaler') {
    for (const f of ['minReplicas', 'maxReplicas']) {
      const b = base.spec?.[f] ?? (f === 'minReplicas' ? 1 : undefined);
      const h = head.spec?.[f] ?? (f === 'minReplicas' ? 1 : undefined);
      if (typeof b === 'number' && typeof h === 'number' && h < b)
        flag('replicas-lowered', `${f} ${b} → ${h}`);
    }
  }
  if (head.kind === 'PodDisruptionBudget') {
    const b = base.spec ?? {};
    const h = head.spec ?? {};
    if ('minAvailable' in b && !('minAvailable' in h))
      flag('pdb-lowered', `minAvailable ${b.minAvailable} removed`);
    else if ('minAvailable' in b) {
      const bv = qty(b.minAvailable);
      const hv = qty(h.minAvailable);
      if (bv !== undefined && hv !== undefined && hv < bv)
        flag('pdb-lowered', `minAvailable ${b.minAvailable} → ${h.minAvailable}`);
    }
    if ('maxUnavailable' in h) {
      const bv = 'maxUnavailable' in b ? qty(b.maxUnavailable) : undefined;
      const hv = qty(h.maxUnavailable);
      if (!('maxUnavailable' in b) || (bv !== undefined && hv !== undefined && hv > bv)) {
        flag('pdb-lowered', `maxUnavailable ${b.maxUnavailable ?? '(none)'} → ${h.maxUnavailable}`);
      }
    }
  }

  // Pod specs: images, probes, security contexts.
  const bp = podSpecOf(base);
  const hp = podSpecOf(head);
  if (bp || hp) {
    const bc = containers(bp);
    const hc = containers(hp);
    for (const [name, c] of hc) {
      const old = bc.get(name);
      if (old && old.image !== c.image) flag('image-changed', `container ${name}: ${old.image} → ${c.image}`);
      if (!old && c.image) flag('image-changed', `new container ${name}: ${c.image}`);
      if (old) {
        for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
          if (old[p] && !c[p]) flag('probe-removed', `container ${name}: ${p} removed`);
        }
        for (const m of securityWeakening(
          `container ${name} securityContext`,
          old.securityContext,
          c.securityContext,
        )) {
          flag('security-weakened', m);
        }
      }
    }
    for (const m of securityWeakening('pod securityContext', bp?.securityContext, hp?.securityContext))
      flag('security-weakened', m);
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (bp?.[f] !== true && hp?.[f] === true) flag('security-weakened', `pod ${f} now true`);
    }
    if (bp?.automountServiceAccountToken === false && hp?.automountServiceAccountToken !== false) {
      flag('security-weakened', 'pod automountServiceAccountToken no longer false');
    }
  }

  // Storage.
  const storage = (o: K8sObject): Map<string, { cls?: string; size?: string }> => {
    const m = new Map<string, { cls?: string; size?: string }>();
    if (o.kind === 'PersistentVolumeClaim')
      m.set('', { cls: o.spec?.storageClassName, size: o.spec?.resources?.requests?.storage });
    if (o.kind === 'StatefulSet') {
      for (const t of o.spec?.volumeClaimTemplates ?? []) {
        m.set(`volumeClaimTemplate ${t?.metadata?.name ?? '?'}: `, {
          cls: t?.spec?.storageClassName,
          size: t?.spec?.resources?.requests?.storage,
        });
      }
    }
    return m;
  };
  const bs = storage(base);
  for (const [where, h] of storage(head)) {
    const b = bs.get(where);
    if (!b) continue;
    if (b.cls !== h.cls)
      flag('storage-changed', `${where}storageClassName ${b.cls ?? '(default)'} → ${h.cls ?? '(default)'}`);
    if (b.size !== h.size)
      flag('storage-changed', `${where}size ${b.size ?? '(none)'} → ${h.size ?? '(none)'}`);
  }
  if (head.kind === 'StorageClass' && JSON.stringify(base) !== JSON.stringify(head))
    flag('storage-changed', 'StorageClass changed');
  return flags;
}

/**
 * Risks that only show across objects, checked on the whole application (objects need not have changed):
 * a NetworkPolicy whose podSelector matches no pod of the application on the head side (for example after a
 * component rename changed the pods' labels), while it matched some on the base side or is new.
 */
export function applicationRisks(
  baseObjects: readonly K8sObject[],
  headObjects: readonly K8sObject[],
): RiskFlag[] {
  const flags: RiskFlag[] = [];
  const keyOf = (o: K8sObject) =>
    `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const baseNps = new Map(baseObjects.filter((o) => o.kind === 'NetworkPolicy').map((o) => [keyOf(o), o]));
  for (const np of headObjects) {
    if (np.kind !== 'NetworkPolicy') continue;
    const sel = np.spec?.podSelector;
    const empty =
      !sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length);
    if (empty || selectsAny(np, headObjects)) continue;
    const old = baseNps.get(keyOf(np));
    const was = old ? selectsAny(old, baseObjects) : true;
    if (!was) continue; // selected nothing before either: not this change's doing
    flags.push({
      code: 'netpol-selects-nothing',
      key: keyOf(np),
      message: `podSelector ${JSON.stringify(sel.matchLabels ?? sel)} matches no pod of this application${old ? ' any more' : ''}: the pods it was meant for are not covered`,
    });
  }
  return flags;
}
