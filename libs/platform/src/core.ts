/**
 * Shared plumbing of the platform constructs: explicit identities (names, namespaces, labels),
 * Argo CD sync waves, and synth-time validation helpers.
 *
 * Every object is emitted as a plain cdk8s `ApiObject` with a body the platform builds field by
 * field, so nothing implicit (cdk8s-plus default replicas, pull policy, resources, labels or the
 * `cdk8s.io/metadata.addr` selector) ever reaches the manifests.
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import { ConfigError } from '@gitops/render';

export { ConfigError };

/**
 * Argo CD sync waves (docs/argocd.md, "Ordering"): namespace, then guardrails and stores, then
 * secrets and service accounts, then the migration (a Sync-phase hook, so it runs on every sync after
 * the database Secret exists), then workloads with their claims (a WaitForFirstConsumer claim binds
 * only once its consumer is scheduled, so a claim always syncs in its consumer's wave), then ingress.
 * Argo CD waits for each wave to be healthy before the next; `npm run plan` prints the order.
 */
export const SYNC_WAVE = {
  namespace: '-5',
  guardrails: '-4',
  secretStore: '-4',
  externalSecret: '-3',
  migration: '-2',
  claim: '0',
  workload: '0',
  ingress: '1',
} as const;

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/**
 * Argo CD hook annotations of a migration job: a `Sync`-phase hook in wave `migration`, recreated on
 * every sync (BeforeHookCreation). Not PreSync: PreSync hooks run before every Sync-phase object, so on
 * an empty cluster before the ExternalSecret that writes the database Secret the job reads.
 */
export const MIGRATION_HOOK_ANNOTATIONS: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/hook': 'Sync',
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
  'argocd.argoproj.io/sync-wave': SYNC_WAVE.migration,
};

/** @deprecated the migration is a Sync-phase hook now: use {@link MIGRATION_HOOK_ANNOTATIONS}. */
export const PRESYNC_HOOK_ANNOTATIONS = MIGRATION_HOOK_ANNOTATIONS;

/**
 * `argocd.argoproj.io/sync-options` of objects that hold data (Namespace, PersistentVolumeClaim): never
 * pruned, and kept when the Application is deleted even where its deletion cascades.
 */
export const STATEFUL_SYNC_OPTIONS = {
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
} as const;

/** The labels that identify a component: used as pod selector, never anything cdk8s generates. */
export interface ComponentIdentity {
  /** The system (`app.kubernetes.io/name`, `app.kubernetes.io/part-of`), e.g. `mini-xdr`. */
  readonly system: string;
  /** The component (`app.kubernetes.io/component`), e.g. `backend`. */
  readonly component: string;
  /** The instance (`app.kubernetes.io/instance`). @default the system name */
  readonly instance?: string;
}

/** The selector labels of a component: `app.kubernetes.io/{name,instance,component}`. */
export function selectorLabels(id: ComponentIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.system,
    'app.kubernetes.io/instance': id.instance ?? id.system,
    'app.kubernetes.io/component': id.component,
  };
}

/** Selector labels plus `app.kubernetes.io/part-of`; put on every object of the component. */
export function componentLabels(id: ComponentIdentity): Record<string, string> {
  return { ...selectorLabels(id), 'app.kubernetes.io/part-of': id.system };
}

/** The labels of system-wide objects (namespace, stores, policies). */
export function systemLabels(system: string): Record<string, string> {
  return { 'app.kubernetes.io/name': system, 'app.kubernetes.io/part-of': system };
}

export interface KubeObjectProps {
  readonly apiVersion: string;
  readonly kind: string;
  /** `metadata.name`; always explicit. */
  readonly name: string;
  /** `metadata.namespace`; required unless `clusterScoped`. */
  readonly namespace?: string;
  /** Cluster-scoped kinds (Namespace, ClusterSecretStore) carry no namespace. @default false */
  readonly clusterScoped?: boolean;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  /** Everything but apiVersion/kind/metadata, e.g. `{ spec: {...} }`. */
  readonly body?: Record<string, unknown>;
}

/** Emit one Kubernetes object with exactly the given fields. */
export function kubeObject(scope: Construct, id: string, props: KubeObjectProps): ApiObject {
  if (!props.clusterScoped && !props.namespace) {
    throw new ConfigError(
      `${scope.node.path}/${id}: ${props.kind} "${props.name}" needs an explicit metadata.namespace`,
    );
  }
  const annotations =
    props.annotations && Object.keys(props.annotations).length ? { ...props.annotations } : undefined;
  const obj = new ApiObject(scope, id, {
    apiVersion: props.apiVersion,
    kind: props.kind,
    metadata: {
      name: props.name,
      namespace: props.clusterScoped ? undefined : props.namespace,
      labels: props.labels ? { ...props.labels } : undefined,
      annotations,
    },
    ...(props.body ?? {}),
  });
  // cdk8s puts the chart's namespace on every object; cluster-scoped kinds must not have one.
  if (props.clusterScoped && Chart.of(scope).namespace)
    obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return obj;
}

/** The namespace of a construct: the explicit one, or the chart's. */
export function namespaceOf(scope: Construct, explicit?: string): string {
  const ns = explicit ?? Chart.of(scope).namespace;
  if (!ns)
    throw new ConfigError(`${scope.node.path}: no namespace: pass \`namespace\` or set it on the chart`);
  return ns;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Throw unless `name` is a DNS-1123 label (object names, port names are checked elsewhere). */
export function assertDnsLabel(path: string, field: string, name: string, max = 63): void {
  if (!DNS_LABEL.test(name) || name.length > max) {
    throw new ConfigError(
      `${path}: ${field} "${name}" must be a DNS-1123 label (lower-case letters, digits, '-'; at most ${max} characters)`,
    );
  }
}

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;
const FACTOR: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
};

/** Parse a Kubernetes quantity (`500m`, `1Gi`, `1.5`) into a number; ConfigError if malformed. */
export function parseQuantity(path: string, field: string, q: string): number {
  const m = QUANTITY.exec(String(q));
  if (!m) throw new ConfigError(`${path}: ${field} "${q}" is not a Kubernetes quantity such as 500m or 1Gi`);
  return Number(m[1]) * FACTOR[m[2] ?? ''];
}

/** Throw unless `n` is an integer within [min, max]. */
export function assertInt(
  path: string,
  field: string,
  n: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new ConfigError(`${path}: ${field} must be an integer ${range}, got ${n}`);
  }
}
