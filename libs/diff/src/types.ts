import type { K8sObject } from '@gitops/toolchain';

export type { K8sObject };

export type ChangeType = 'added' | 'removed' | 'changed' | 'renamed';

/** A production risk found in one object change. */
export interface RiskFlag {
  readonly code: RiskCode;
  /** Identity of the object (`group/Kind namespace/name`). */
  readonly key: string;
  /** One line for humans; never contains a masked value. */
  readonly message: string;
}

export type RiskCode =
  | 'replicas-lowered'
  | 'pdb-lowered'
  | 'object-removed'
  | 'image-changed'
  | 'ingress-widened'
  | 'storage-changed'
  | 'probe-removed'
  | 'security-weakened'
  | 'sync-changed'
  | 'psa-downgraded'
  | 'service-exposed'
  | 'host-access'
  | 'cross-env-secret'
  | 'netpol-selects-nothing'
  | 'cluster-rbac-changed'
  | 'argocd-policy';

/** Short labels of the risk codes, for tables. */
export const RISK_LABELS: Readonly<Record<RiskCode, string>> = {
  'replicas-lowered': 'replicas lowered',
  'pdb-lowered': 'PDB lowered',
  'object-removed': 'object removed',
  'image-changed': 'image changed',
  'ingress-widened': 'ingress CIDRs widened',
  'storage-changed': 'storage changed',
  'probe-removed': 'probe removed',
  'security-weakened': 'security context weakened',
  'sync-changed': 'hook/sync-wave changed',
  'psa-downgraded': 'pod security level lowered',
  'service-exposed': 'Service exposed (LoadBalancer/NodePort)',
  'host-access': 'host access / privileged',
  'cross-env-secret': 'cross-environment secret reference',
  'netpol-selects-nothing': 'NetworkPolicy selects no pods',
  'cluster-rbac-changed': 'ClusterRole/Binding changed',
  'argocd-policy': 'Argo CD policy changed',
};

/** Risk codes assessed in every environment (security and exposure); the others only in `riskEnvironments`. */
export const ALWAYS_ASSESSED: ReadonlySet<RiskCode> = new Set<RiskCode>([
  'psa-downgraded',
  'service-exposed',
  'host-access',
  'cross-env-secret',
  'netpol-selects-nothing',
  'cluster-rbac-changed',
  'argocd-policy',
  'security-weakened',
  'ingress-widened',
]);

/** One object that differs between base and head. */
export interface ObjectChange {
  readonly type: ChangeType;
  /** Identity (`group/Kind namespace/name`) on the head side; the base side for removed objects. */
  readonly key: string;
  /** Base identity of a renamed object. */
  readonly previousKey?: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly previousName?: string;
  /** Rename similarity in [0, 1]. */
  readonly similarity?: number;
  /** Leaf paths that differ (after ignoring noise), e.g. `spec.template.spec.containers[0].image`. */
  readonly changedPaths: readonly string[];
  /** Unified diff hunks (`@@ … @@`, ` `, `-`, `+` lines) of the sorted-key YAML; secrets masked. */
  readonly diff: string;
  /** Risk flags, when risk assessment was requested. */
  readonly risks: readonly RiskFlag[];
  /** Hook phases and sync wave, when the object is a hook or not in wave 0. */
  readonly hook?: {
    readonly phases: readonly string[];
    readonly wave: number;
    readonly deletePolicy?: string;
  };
  /** For removed objects: what Argo CD does (deleted by auto-prune, stays with prune disabled, …). */
  readonly prune?: { readonly outcome: 'deleted' | 'stays' | 'manual' | 'hook'; readonly message: string };
  /** What an Argo CD object change means (sync policy, finalizers, windows, allow-lists). */
  readonly notes?: readonly string[];
}

export interface ChangeCounts {
  added: number;
  removed: number;
  changed: number;
  renamed: number;
}

/** The preview of one Argo CD Application. */
export interface AppPreview {
  readonly application: string;
  readonly system: string;
  readonly environment: string;
  readonly form: 'helm' | 'kustomize' | 'directory' | 'argocd';
  /** Chart or overlay path (head side, else base). */
  readonly path: string;
  readonly namespace: string;
  /** `both`: the Application exists on both sides; `added`/`removed`: only on head/base. */
  readonly presence: 'both' | 'added' | 'removed';
  /** Render or parse failure on either side. */
  readonly error?: string;
  readonly changes: readonly ObjectChange[];
  readonly counts: ChangeCounts;
  /** Objects rendered on each side; absent when the application was not rendered (inputs unchanged). */
  readonly objects?: { readonly base: number; readonly head: number };
  /** No changed file touches this application's chart/overlay folders: it was not rendered (cannot change). */
  readonly inputsUnchanged?: boolean;
  /** Whether the operational risk flags (replicas, images, deletions…) were assessed (`riskEnvironments`); security flags are assessed everywhere. */
  readonly riskAssessed: boolean;
  /** `application`: an Argo CD Application; `argocd`: the Argo CD objects of an environment (root app-of-apps); `bootstrap`: applied by hand once per cluster. */
  readonly role?: 'application' | 'argocd' | 'bootstrap';
  /** The Application's sync behaviour after merge, e.g. `automated, prune off`. */
  readonly syncPolicy?: string;
  /** Why the application was not previewed (multi-source, plugin, remote source…): never silent. */
  readonly refused?: string;
  readonly risks: readonly RiskFlag[];
}

/** Why systems and applications were selected. */
export interface Selection {
  /** Systems reached by the change, sorted. */
  readonly systems: readonly string[];
  /** Applications reached directly (their Argo CD Application changed), sorted. */
  readonly applications: readonly string[];
  /** Per system or application: the reasons, e.g. `charts/mini-xdr/values-prod.yaml`, `lib environments (Nx affected)`. */
  readonly reasons: Readonly<Record<string, readonly string[]>>;
  /** Files changed between base and head. */
  readonly changedFiles: readonly string[];
  /** Changed files that reach nothing (docs, markdown). */
  readonly ignoredFiles: readonly string[];
  /** How Nx was used: `not-needed`, `used`, `failed` (every system selected), `forced` (`all` requested). */
  readonly nx: 'not-needed' | 'used' | 'failed' | 'forced';
}

export interface RefInfo {
  /** As given, e.g. `origin/main`, or `working tree`. */
  readonly ref: string;
  /** Resolved commit; undefined for the working tree. */
  readonly sha?: string;
}

/** The full preview: everything the formatters need. Pure data, JSON-serialisable. */
export interface PreviewReport {
  readonly base: RefInfo;
  readonly head: RefInfo;
  readonly selection: Selection;
  /** Previewed applications, sorted by system, environment, name. */
  readonly apps: readonly AppPreview[];
  /** Applications known on either side that the change does not reach. */
  readonly notReached: readonly string[];
  /** Notes for the reader, e.g. fallbacks taken. */
  readonly notes: readonly string[];
  readonly durationMs?: number;
  /** Milliseconds per phase (refs, export, discover, select, render, diff). */
  readonly timings?: Readonly<Record<string, number>>;
  /** Whether the committed outputs equal a fresh render of the head's sources. */
  readonly stale?: StaleCheck;
}

/** The comparison of the committed outputs with a fresh render of the head's sources. */
export interface StaleCheck {
  /** `fresh`: outputs match; `stale`: they differ (the preview fails); `skipped`: could not be checked (see reason). */
  readonly status: 'fresh' | 'stale' | 'skipped' | 'not-applicable';
  /** Systems whose sources were rendered. */
  readonly systems: readonly string[];
  /** Output files that differ from the fresh render (`differs: …`, `missing: …`, `stale: …`). */
  readonly files: readonly string[];
  /** Objects (per application) where the committed outputs render differently from the sources. */
  readonly objects: readonly string[];
  readonly reason?: string;
}
