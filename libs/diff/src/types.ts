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
  | 'sync-changed';

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
};

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
  readonly form: 'helm' | 'kustomize';
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
  /** Whether risk flags were assessed (production environments only). */
  readonly riskAssessed: boolean;
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
}
