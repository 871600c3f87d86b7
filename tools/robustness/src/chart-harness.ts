/**
 * Drive the committed charts as a Helm or Argo CD user does — `-f`, `--set-json`, `--set` /
 * `--set-string` over an environment's values file — with the real helm 3 and helm 4, and compare
 * with the synthesis of the same values. Shared by the chart-interface sweep and property tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  helmTemplateAsync,
  parseManifests,
  RenderError,
  type K8sObject,
  type ToolchainId,
} from '@gitops/toolchain';
import {
  compareObjectSets,
  dotted,
  getPath,
  loadSystems,
  resolveValues,
  synthesize,
  type Path,
  type SystemDefinition,
} from '@gitops/render';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '@gitops/environments';
import { REPO_ROOT } from './throwaway-workspace';

export const TOOLCHAINS: readonly ToolchainId[] = ['v28', 'v35'];
export type Form = 'file' | 'set-json' | 'set';
export const FORMS: readonly Form[] = ['file', 'set-json', 'set'];

export interface LoadedChart {
  readonly system: SystemDefinition<any>;
  readonly dir: string;
  readonly hidden: readonly Path[];
}

export async function loadCharts(): Promise<LoadedChart[]> {
  const systems = await loadSystems(undefined, REPO_ROOT);
  return systems.map((s) => ({
    system: s.definition,
    dir: join(REPO_ROOT, 'charts', s.definition.name),
    hidden: (s.definition.renderTime ?? []).map((d) => d.split('.')),
  }));
}

export function isHidden(c: LoadedChart, path: Path): boolean {
  return c.hidden.some((h) => h.length <= path.length && h.every((seg, i) => seg === path[i]));
}

/** The typed values of an environment (what `npm run render` synthesizes). */
export function envValues(c: LoadedChart, env: EnvironmentName): Record<string, unknown> {
  return resolveValues(c.system, env) as Record<string, unknown>;
}

export { ENVIRONMENT_NAMES };

/** Synthesis of values, or undefined when the typed layer (zod, constructs) refuses them. */
export function synthesisOf(system: SystemDefinition<any>, values: unknown): K8sObject[] | undefined {
  const parsed = system.schema.safeParse(values);
  if (!parsed.success) return undefined;
  try {
    return synthesize(system, parsed.data);
  } catch {
    return undefined;
  }
}

/** Helm's `--set` text of a value: lists in braces, commas and backslashes escaped. */
function setText(v: unknown): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
  if (Array.isArray(v)) return `{${v.map((x) => esc(String(x))).join(',')}}`;
  return esc(String(v));
}

/** A string `--set` would turn into another type (a number, a boolean, null). */
function setWouldRetype(s: string): boolean {
  return /^(true|false|null|[-+]?[0-9]+)$/i.test(s) || s === '';
}

/** Helm arguments that apply `changes` (values paths → new values) in one form. */
export function overrideArgs(
  changes: readonly (readonly [Path, unknown])[],
  form: Form,
  scratch: string,
  prefix: Path = [],
): string[] {
  if (form === 'file') {
    const doc: Record<string, unknown> = {};
    for (const [p, v] of changes) {
      let cur: any = doc;
      const full = [...prefix, ...p];
      full.slice(0, -1).forEach((seg) => (cur = cur[seg] ??= {}));
      cur[full[full.length - 1]] = v;
    }
    const file = join(scratch, `override-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify(doc));
    return ['-f', file];
  }
  const args: string[] = [];
  for (const [p, v] of changes) {
    const key = dotted([...prefix, ...p]);
    if (form === 'set-json') args.push('--set-json', `${key}=${JSON.stringify(v)}`);
    else if (typeof v === 'string' && setWouldRetype(v)) args.push('--set-string', `${key}=${setText(v)}`);
    else if (Array.isArray(v) && v.some((x) => typeof x !== 'string' || setWouldRetype(x)))
      args.push('--set-json', `${key}=${JSON.stringify(v)}`);
    else if (v === null || typeof v === 'object') args.push('--set-json', `${key}=${JSON.stringify(v)}`);
    else args.push('--set', `${key}=${setText(v)}`);
  }
  return args;
}

/** Run at most `n` tasks at once. */
export async function pool<T>(n: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return out;
}

export const HELM_CONCURRENCY = Number(process.env.CHART_TEST_CONCURRENCY ?? 2);

export type HelmOutcome = { ok: true; objects: K8sObject[] } | { ok: false; stderr: string };

/** `helm template` of a chart for one environment plus overrides. */
export async function helmRender(
  c: LoadedChart,
  env: EnvironmentName,
  values: Record<string, unknown>,
  extraArgs: readonly string[],
  toolchain: ToolchainId,
): Promise<HelmOutcome> {
  try {
    const text = await helmTemplateAsync({
      chartDir: c.dir,
      releaseName: c.system.name,
      namespace: String(values.namespace),
      valueFiles: [join(c.dir, `values-${env}.yaml`)],
      kubeVersion: String(getPath(values, ['cluster', 'kubernetesVersion']) ?? '') || undefined,
      toolchain,
      extraArgs,
    });
    return { ok: true, objects: parseManifests(text, `helm template ${c.system.name}`) };
  } catch (err) {
    if (err instanceof RenderError) return { ok: false, stderr: err.stderr };
    throw err;
  }
}

export function scratchDir(): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'chart-interface-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Field-level differences between synthesis and helm, as lines (empty: equal). */
export function differences(expected: readonly K8sObject[], actual: readonly K8sObject[]): string[] {
  return compareObjectSets(expected, actual);
}
