import { relative, resolve, sep } from 'node:path';
import { createContext, Script } from 'node:vm';
import { App, Chart } from 'cdk8s';
import { z } from 'zod';
import {
  clusterSchema,
  dnsLabelSchema,
  ENVIRONMENT_NAMES,
  ENVIRONMENTS,
  type EnvironmentName,
  type EnvironmentTraits,
} from '@gitops/environments';
import type { K8sObject } from '@gitops/toolchain';
import type { ChartGuard } from './chart-guards';

/** The platform traits of an environment, as chart values. */
export const platformValuesSchema = z
  .object({
    provider: z
      .enum(['aws', 'onprem'])
      .describe('aws: EKS with ALB, EFS, EBS, Secrets Manager, IRSA; onprem: none of those'),
    ingressController: z.enum(['alb', 'nginx']).describe('Ingress controller of the cluster'),
    storageClasses: z
      .object({ readWriteMany: z.string().min(1), readWriteOnce: z.string().min(1) })
      .strict()
      .describe('Storage classes for shared (RWX) and single-node (RWO) volumes'),
    secretsProvider: z.enum(['aws-secrets-manager', 'vault']).describe('Backend of the ClusterSecretStore'),
    allowedRegistries: z.array(z.string().min(1)).min(1).describe('Registries images may come from'),
    zoneSpread: z.boolean().describe('Spread replicas across zones'),
    nodeArch: z.enum(['amd64', 'arm64']).describe('CPU architecture of the nodes'),
  })
  .strict();
export type PlatformValues = z.infer<typeof platformValuesSchema>;

/** Values every system has: where it is deployed. Systems extend this schema with their own. */
export const baseValuesSchema = z
  .object({
    namespace: dnsLabelSchema.describe('Namespace every object of the system lives in'),
    cluster: clusterSchema.describe('Destination cluster'),
    platform: platformValuesSchema.describe('Platform services of the environment'),
  })
  .strict();
export type BaseValues = z.infer<typeof baseValuesSchema>;

/** The platform values of an environment, from `@gitops/environments`. */
export function platformOf(env: EnvironmentName | EnvironmentTraits): PlatformValues {
  const t = typeof env === 'string' ? ENVIRONMENTS[env] : env;
  return {
    provider: t.provider,
    ingressController: t.ingressController,
    storageClasses: { ...t.storageClasses },
    secretsProvider: t.secretsProvider,
    allowedRegistries: [...t.allowedRegistries],
    zoneSpread: t.zoneSpread,
    nodeArch: t.nodeArch,
  };
}

export type DeepPartial<T> = T extends readonly (infer _U)[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** How Argo CD consumes a system: the chart with a values file, or the Kustomize overlay. */
export type ArgoSourceForm = 'helm' | 'kustomize';

/**
 * A deployed system: its typed values, their per-environment overrides, and the constructs they build.
 * `apps/<system>/src/system.ts` default-exports one; the render tool discovers it there.
 */
export interface SystemDefinition<V extends BaseValues = BaseValues> {
  /** The system's name: chart name, overlay folder, Argo CD application prefix. */
  readonly name: string;
  /** One line for the chart's `description` and README. */
  readonly description: string;
  /** Chart version (semver). Bump when the chart's interface changes. */
  readonly chartVersion: string;
  /** The application version the chart deploys by default. */
  readonly appVersion: string;
  /** Schema of the values; also emitted as the chart's `values.schema.json`. */
  readonly schema: z.ZodType<V>;
  /** Default values: the chart's `values.yaml` and the overlays' shared base. */
  readonly defaults: V;
  /** What each environment changes; merged over the defaults with Helm's rules (maps merge, lists replace). */
  readonly environments: { readonly [E in EnvironmentName]: DeepPartial<V> };
  /**
   * Render-time configuration: values paths (dotted) that are not part of the chart's interface
   * because the chart cannot honour every value of them (a derived number, a coupled choice, an object
   * name). They stay in `environments.ts`, are absent from `values.yaml`, and Helm refuses an override
   * naming this file. The chart-interface test lists the values that must be here. @default []
   */
  readonly renderTime?: readonly string[];
  /**
   * The cross-field rules of `schema` and of the constructs, as Helm guards (`fail` with a message
   * naming the value), so Helm refuses what the typed layer refuses. @default []
   */
  readonly chartGuards?: readonly ChartGuard[];
  /** How Argo CD consumes this system. @default 'kustomize' */
  readonly argoSource?: ArgoSourceForm;
  /** Build the system's constructs for one set of values. Names and namespaces must be explicit. */
  build(chart: Chart, values: V): void;
}

export function defineSystem<V extends BaseValues>(def: SystemDefinition<V>): SystemDefinition<V> {
  return def;
}

/** A user mistake in a system's configuration: printed without a stack trace. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm's value merge: maps merge recursively, lists and scalars replace, `null` deletes. */
export function mergeValues<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override))
    return (override === undefined ? base : override) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = k in out ? mergeValues(out[k], v) : v;
  }
  return out as T;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: any = root;
  for (const k of path) v = v == null ? undefined : v[k as any];
  return v;
}

function formatIssues(error: z.ZodError, raw: unknown): string {
  return error.issues
    .map((i) => {
      const got = valueAt(raw, i.path);
      const shown =
        got === undefined || (typeof got === 'object' && got !== null) ? '' : ` (got ${JSON.stringify(got)})`;
      return `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}${shown}`;
    })
    .join('\n');
}

/** Environment keys of a system must be exactly the known environments. */
function checkEnvironmentNames(system: SystemDefinition<any>): void {
  const keys = Object.keys(system.environments ?? {});
  const unknown = keys.filter((k) => !(ENVIRONMENT_NAMES as readonly string[]).includes(k));
  const missing = ENVIRONMENT_NAMES.filter((e) => !keys.includes(e));
  if (unknown.length || missing.length) {
    const parts = [
      ...(unknown.length ? [`unknown environment ${unknown.map((u) => `"${u}"`).join(', ')}`] : []),
      ...(missing.length ? [`missing environment ${missing.map((m) => `"${m}"`).join(', ')}`] : []),
    ];
    throw new ConfigError(
      `apps/${system.name}/src/environments.ts: ${parts.join('; ')} in \`environments\` (expected exactly: ${ENVIRONMENT_NAMES.join(', ')})`,
    );
  }
}

/** Validate a system's values for one environment; throws {@link ConfigError} naming file and field. */
export function resolveValues<V extends BaseValues>(
  system: SystemDefinition<V>,
  env: EnvironmentName | 'defaults',
): V {
  checkEnvironmentNames(system);
  const raw = env === 'defaults' ? system.defaults : mergeValues(system.defaults, system.environments[env]);
  const parsed = system.schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `apps/${system.name}/src/environments.ts: invalid values for environment "${env}":\n${formatIssues(parsed.error, raw)}`,
    );
  }
  return parsed.data;
}

/**
 * Time budget of one `build()` call, in milliseconds: `$GITOPS_BUILD_BUDGET_MS`, default 20 s. A build that
 * runs longer (an endless loop) is stopped and reported as the system's error.
 */
export function buildBudgetMs(): number {
  const n = Number(process.env.GITOPS_BUILD_BUDGET_MS);
  return Number.isFinite(n) && n > 0 ? n : 20_000;
}

/**
 * Time budget of loading one system file (its top level and what it imports, the first one also loading the
 * shared libraries), in milliseconds: `$GITOPS_LOAD_BUDGET_MS`, default 60 s. A load that runs longer (an
 * endless loop at import time) is stopped and reported as the system's error.
 */
export function loadBudgetMs(): number {
  const n = Number(process.env.GITOPS_LOAD_BUDGET_MS);
  return Number.isFinite(n) && n > 0 ? n : 60_000;
}

/** Names a platform reserves: a system by that name would collide with the Argo CD or Kubernetes folders and namespaces. */
export const RESERVED_SYSTEM_NAMES: readonly string[] = [
  'argocd',
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'tmp',
  'bootstrap',
];

/** The first stack frame of `err` in the system's own folder (else in the workspace, outside libraries), relative. */
export function authorFrame(err: unknown, systemName: string): string | undefined {
  const stack = typeof (err as Error)?.stack === 'string' ? (err as Error).stack! : '';
  const root = resolve(__dirname, '../../..');
  const frames = stack
    .split('\n')
    .map((l) => /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({ file: m[1].replace(/^file:\/\//, ''), line: m[2], col: m[3] }))
    .filter((f) => !f.file.includes(`${sep}node_modules${sep}`));
  const own = frames.find((f) => f.file.includes(`${sep}apps${sep}${systemName}${sep}`)) ?? frames[0];
  if (!own) return undefined;
  const rel = own.file.startsWith(`${root}${sep}`) ? relative(root, own.file) : own.file;
  return `${rel}:${own.line}:${own.col}`;
}

const BUILD_SCRIPT = new Script('__build()', { filename: 'gitops-build-budget' });
const buildContext = createContext({ __build: undefined as unknown });

/**
 * Run `system.build(chart, values)` under the build() contract: synchronous (a returned Promise is refused:
 * objects created after an `await` would be lost), within the time budget, and any exception reported as
 * the system author's error (file and line), never as a platform crash.
 */
export function runBuild<V extends BaseValues>(
  system: SystemDefinition<V>,
  chart: Chart,
  values: V,
  label = 'defaults',
): void {
  const where = `apps/${system.name}/src/system.ts`;
  const budget = buildBudgetMs();
  let result: unknown;
  buildContext.__build = () => system.build(chart, values);
  try {
    result = BUILD_SCRIPT.runInContext(buildContext, { timeout: budget, breakOnSigint: true });
  } catch (err: any) {
    if (err?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new ConfigError(
        `${where}: build() of system "${system.name}" did not finish within its ${budget / 1000}s budget ` +
          `(values "${label}"): an endless loop? Stopped; raise GITOPS_BUILD_BUDGET_MS if it truly needs longer`,
      );
    }
    if (err?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') throw err;
    if (err instanceof ConfigError && err.message.startsWith('apps/')) throw err;
    const frame = authorFrame(err, system.name);
    // The message only: the error's class (TypeError…) is the author's business, the line says where.
    const what = err instanceof Error ? err.message : String(err);
    throw new ConfigError(
      `${frame ?? where}: build() of system "${system.name}" failed (values "${label}"): ${what}`,
    );
  } finally {
    buildContext.__build = undefined;
  }
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    (result as Promise<unknown>).then(
      () => {},
      () => {},
    );
    throw new ConfigError(
      `${where}: build() of system "${system.name}" returned a Promise: build() must be synchronous ` +
        '(objects created after an `await` would be silently missing from the outputs); remove async/await',
    );
  }
}

/** Synthesize a system's objects for one set of values, in-process with the cdk8s library. */
export function synthesize<V extends BaseValues>(
  system: SystemDefinition<V>,
  values: V,
  label?: string,
): K8sObject[] {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  const chart = new Chart(app, system.name, { disableResourceNameHashes: true, namespace: values.namespace });
  runBuild(system, chart, values, label);
  const objects = JSON.parse(JSON.stringify(chart.toJson())) as K8sObject[];
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.apiVersion}/${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
    if (seen.has(id)) {
      throw new ConfigError(
        `apps/${system.name}/src/system.ts: build() created two objects named ${id} (cluster ${values.cluster?.name}); ` +
          'names must be unique per kind and namespace',
      );
    }
    seen.add(id);
  }
  return objects;
}

export { ENVIRONMENT_NAMES };
