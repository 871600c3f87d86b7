/**
 * Property-based test of the chart interface (fast-check): value documents drawn per system from its
 * interface — an environment's values with a random subset of leaves moved to other values, delivered
 * randomly through a values file, `--set-json`, `--set` or `--set-string` — and:
 *  - valid documents (the typed layer accepts them): helm 3 = helm 4 = synthesis, field by field;
 *  - invalid documents (one rule of the typed layer broken): the typed layer and both helms refuse.
 *
 * Helm renders many documents per process: a throw-away umbrella chart holds the system's chart once
 * per document (`dependencies` with aliases `d0`, `d1`, …), each alias getting its document as its values,
 * and the output is split by its `# Source: umbrella/charts/d<k>/…` lines. Invalid documents are one per
 * helm run (one refusal would abort the others).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { helmTemplateAsync, RenderError, type K8sObject, type ToolchainId } from '@gitops/toolchain';
import {
  allLeaves,
  alternativesFor,
  coupledChange,
  dotted,
  getPath,
  schemaAt,
  setPath,
  typedJsonSchema,
  type Path,
} from '@gitops/render';
import type { EnvironmentName } from '@gitops/environments';
import {
  differences,
  ENVIRONMENT_NAMES,
  envValues,
  HELM_CONCURRENCY,
  helmRender,
  isHidden,
  loadCharts,
  overrideArgs,
  pool,
  scratchDir,
  synthesisOf,
  TOOLCHAINS,
  type Form,
  type LoadedChart,
} from './chart-harness';

/** Documents per system (valid + invalid); at least 200. */
const DOCS = Math.max(200, Number(process.env.CHART_PROPERTY_DOCS ?? 200));
/** Share of invalid documents (each costs two helm runs of its own). */
const INVALID_SHARE = 0.2;
/** Documents per umbrella render. */
const BATCH = 25;
const SEED = Number(process.env.CHART_PROPERTY_SEED ?? 20261130);

let charts: LoadedChart[];
let scratch: ReturnType<typeof scratchDir>;
beforeAll(async () => {
  charts = await loadCharts();
  scratch = scratchDir();
});
afterAll(() => scratch?.dispose());

type Change = [Path, unknown];

function apply(base: Record<string, unknown>, changes: readonly Change[]): Record<string, unknown> {
  return changes.reduce((v, [p, x]) => setPath(v, p, x), base);
}

/** The interface leaves of an environment with the other values each may take (accepted alone or with companions). */
function leafChoices(c: LoadedChart, env: EnvironmentName): { path: Path; options: Change[][] }[] {
  const base = envValues(c, env);
  const schema = typedJsonSchema(c.system);
  const out: { path: Path; options: Change[][] }[] = [];
  for (const path of allLeaves([{ label: env, values: base, objects: [] }])) {
    if (isHidden(c, path)) continue;
    const options: Change[][] = [];
    for (const alt of alternativesFor(getPath(base, path), schemaAt(schema, path))) {
      if (synthesisOf(c.system, setPath(base, path, alt))) options.push([[path, alt]]);
      else {
        const coupled = coupledChange(c.system, base, schema, path, alt, (p) => isHidden(c, p));
        if (coupled) options.push(coupled);
      }
    }
    if (options.length) out.push({ path, options });
  }
  return out;
}

interface Doc {
  readonly env: EnvironmentName;
  readonly changes: Change[];
  readonly form: Form | 'set-string';
}

/** Valid documents: a random subset of leaf changes the typed layer accepts as a whole. */
function validDocs(c: LoadedChart, count: number, seed: number): Doc[] {
  const byEnv = new Map(ENVIRONMENT_NAMES.map((e) => [e, leafChoices(c, e)]));
  const arb = fc
    .record({
      env: fc.constantFrom(...ENVIRONMENT_NAMES),
      picks: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 12 }),
      form: fc.constantFrom<Doc['form']>('file', 'set-json', 'set', 'set-string'),
    })
    .map(({ env, picks, form }) => {
      const leaves = byEnv.get(env)!;
      const changes: Change[] = [];
      for (const [i, j] of picks) {
        const leaf = leaves[i % leaves.length];
        const option = leaf.options[j % leaf.options.length];
        for (const ch of option)
          if (!changes.some(([p]) => dotted(p) === dotted(ch[0]))) changes.push([ch[0], ch[1]]);
      }
      return { env, changes, form } as Doc;
    })
    .filter((d) => synthesisOf(c.system, apply(envValues(c, d.env), d.changes)) !== undefined);
  return fc.sample(arb, { numRuns: count, seed });
}

/** One broken rule of the typed layer (the helm guards or schema must refuse it too). */
function invalidMutations(c: LoadedChart, base: Record<string, unknown>): [string, Change[]][] {
  const out: [string, Change[]][] = [];
  const comps = Object.keys(base).filter((k) => getPath(base, [k, 'image', 'tag']) !== undefined);
  for (const k of comps) {
    out.push([`${k} tag latest`, [[[k, 'image', 'tag'], 'latest']]]);
    out.push([`${k} foreign registry`, [[[k, 'image', 'repository'], 'quay.io/someone/app']]]);
    const arch = getPath(base, ['platform', 'nodeArch']) === 'amd64' ? 'arm64' : 'amd64';
    out.push([`${k} image platform`, [[[k, 'image', 'platform'], arch]]]);
    out.push([`${k} limits < requests`, [[[k, 'resources', 'limits', 'memory'], '1Ki']]]);
    for (const block of ['autoscaling', 'queueScaling']) {
      const max = getPath(base, [k, block, 'maxReplicas']);
      if (typeof max === 'number')
        out.push([`${k}.${block} min > max`, [[[k, block, 'minReplicas'], max + 3]]]);
    }
  }
  if (getPath(base, ['ingress', 'allowedCidrs']) !== undefined) {
    out.push(['CIDR host bits', [[['ingress', 'allowedCidrs'], ['10.1.2.3/8']]]]);
    out.push(['CIDR prefix', [[['ingress', 'allowedCidrs'], ['10.0.0.0/33']]]]);
    if (getPath(base, ['ingress', 'public']) !== true)
      out.push(['open CIDR', [[['ingress', 'allowedCidrs'], ['0.0.0.0/0']]]]);
  }
  if (
    getPath(base, ['ingress', 'tls', 'certificateArn']) !== undefined &&
    getPath(base, ['platform', 'ingressController']) === 'alb'
  )
    out.push([
      'TLS without ACM',
      [
        [['ingress', 'tls', 'enabled'], true],
        [['ingress', 'tls', 'certificateArn'], 'arn:aws:iam::1:server-certificate/x'],
      ],
    ]);
  if (c.system.name === 'mini-xdr') out.push(['RWO × replicas', [[['backend', 'replicas'], 3]]]);
  if (getPath(base, ['documents', 'irsa']) !== undefined)
    out.push(['IRSA off AWS', [[['documents', 'irsa'], !getPath(base, ['documents', 'irsa'])]]]);
  return out;
}

function invalidDocs(c: LoadedChart, count: number, seed: number): (Doc & { what: string })[] {
  const all = ENVIRONMENT_NAMES.flatMap((env) =>
    invalidMutations(c, envValues(c, env)).map(([what, changes]) => ({ env, what, changes })),
  );
  const arb = fc
    .record({
      m: fc.constantFrom(...all),
      form: fc.constantFrom<Doc['form']>('file', 'set-json', 'set'),
    })
    .map(({ m, form }) => ({ ...m, form }));
  return fc.sample(arb, { numRuns: count, seed });
}

function args(d: Doc, prefix: Path): string[] {
  if (d.form !== 'set-string') return overrideArgs(d.changes, d.form, scratch.dir, prefix);
  // Every scalar as a string (Argo CD parameters with forceString); lists as JSON.
  return d.changes.flatMap(([p, v]) =>
    Array.isArray(v) || typeof v === 'object'
      ? ['--set-json', `${dotted([...prefix, ...p])}=${JSON.stringify(v)}`]
      : [
          '--set-string',
          `${dotted([...prefix, ...p])}=${String(v).replace(/\\/g, '\\\\').replace(/,/g, '\\,')}`,
        ],
  );
}

/** The chart's own values of an environment (render-time settings removed): what its values files give. */
function chartValues(c: LoadedChart, env: EnvironmentName): Record<string, unknown> {
  const files = [parse(readChartFile(c, 'values.yaml')), parse(readChartFile(c, `values-${env}.yaml`)) ?? {}];
  return mergeHelm(files[0], files[1]);
}

function readChartFile(c: LoadedChart, f: string): string {
  return readFileSync(join(c.dir, f), 'utf8');
}
function mergeHelm(a: any, b: any): any {
  if (!a || typeof a !== 'object' || Array.isArray(a) || !b || typeof b !== 'object' || Array.isArray(b))
    return b === undefined ? a : b;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === null) delete out[k];
    else out[k] = k in out ? mergeHelm(out[k], v) : v;
  }
  return out;
}

/** Render a batch of documents of one environment in one helm process (umbrella chart). */
async function renderBatch(
  c: LoadedChart,
  env: EnvironmentName,
  namespace: string,
  docs: readonly Doc[],
  tc: ToolchainId,
  tag: string,
): Promise<{ ok: true; perDoc: K8sObject[][] } | { ok: false; stderr: string }> {
  const dir = join(scratch.dir, `umbrella-${c.system.name}-${tag}`);
  mkdirSync(join(dir, 'charts'), { recursive: true });
  cpSync(c.dir, join(dir, 'charts', c.system.name), { recursive: true });
  writeFileSync(
    join(dir, 'Chart.yaml'),
    stringify({
      apiVersion: 'v2',
      name: 'umbrella',
      version: '0.0.0',
      dependencies: docs.map((_, k) => ({
        name: c.system.name,
        version: c.system.chartVersion,
        alias: `d${k}`,
      })),
    }),
  );
  // Each alias gets the environment's chart values; file-form changes go in here too.
  const values: Record<string, unknown> = {};
  const extra: string[] = [];
  docs.forEach((d, k) => {
    let v = chartValues(c, env);
    if (d.form === 'file') v = apply(v, d.changes);
    else extra.push(...args(d, [`d${k}`]));
    values[`d${k}`] = v;
  });
  writeFileSync(join(dir, 'values.yaml'), stringify(values));
  const base = envValues(c, env);
  try {
    const text = await helmTemplateAsync({
      chartDir: dir,
      releaseName: c.system.name,
      namespace,
      kubeVersion: String(getPath(base, ['cluster', 'kubernetesVersion'])),
      toolchain: tc,
      extraArgs: extra,
    });
    const perDoc: K8sObject[][] = docs.map(() => []);
    for (const part of text.split(/^---\s*$/m)) {
      const m = /^# Source: umbrella\/charts\/d(\d+)\//m.exec(part);
      if (!m) continue;
      const o = parse(part) as K8sObject | null;
      if (o) perDoc[Number(m[1])].push(o);
    }
    return { ok: true, perDoc };
  } catch (err) {
    if (err instanceof RenderError) return { ok: false, stderr: err.stderr };
    throw err;
  }
}

const show = (d: Doc) =>
  `${d.env} via ${d.form}: ${d.changes.map(([p, v]) => `${dotted(p)}=${JSON.stringify(v)}`).join(' ')}`;

describe('chart interface, property-based (fast-check, real helm 3 and helm 4)', () => {
  it(`≥${DOCS} documents per system: valid ones render as the synthesis, invalid ones are refused by both`, async () => {
    const failures: string[] = [];
    const tasks: (() => Promise<void>)[] = [];
    const counts: string[] = [];
    for (const [ci, c] of charts.entries()) {
      const nInvalid = Math.ceil(DOCS * INVALID_SHARE);
      const valid = validDocs(c, DOCS - nInvalid, SEED + ci);
      const invalid = invalidDocs(c, nInvalid, SEED + 100 + ci);
      counts.push(`${c.system.name}: ${valid.length} valid, ${invalid.length} invalid`);
      expect(valid.length + invalid.length).toBeGreaterThanOrEqual(DOCS);
      // One umbrella render per environment and namespace (the release namespace is shared).
      const groups = new Map<string, Doc[]>();
      for (const d of valid) {
        const ns = String(apply(envValues(c, d.env), d.changes).namespace);
        const key = `${d.env} ${ns}`;
        groups.set(key, [...(groups.get(key) ?? []), d]);
      }
      for (const [key, docs] of groups) {
        const env = key.split(' ')[0] as EnvironmentName;
        const namespace = key.split(' ')[1];
        for (let i = 0; i < docs.length; i += BATCH) {
          const batch = docs.slice(i, i + BATCH);
          for (const tc of TOOLCHAINS) {
            tasks.push(async () => {
              const out = await renderBatch(c, env, namespace, batch, tc, `${env}-${namespace}-${i}-${tc}`);
              if (!out.ok) {
                failures.push(
                  `${c.system.name} ${env} (${tc}): helm refused a batch of valid documents: ${out.stderr}`,
                );
                return;
              }
              batch.forEach((d, k) => {
                const want = synthesisOf(c.system, apply(envValues(c, env), d.changes))!;
                const diff = differences(want, out.perDoc[k]);
                if (diff.length) failures.push(`${c.system.name} ${show(d)} (${tc}): ${diff.join('; ')}`);
              });
            });
          }
        }
      }
      for (const d of invalid) {
        const values = apply(envValues(c, d.env), d.changes);
        if (synthesisOf(c.system, values)) {
          failures.push(
            `${c.system.name} ${d.what} ${show(d)}: the typed layer accepts it (generator is wrong)`,
          );
          continue;
        }
        for (const tc of TOOLCHAINS)
          tasks.push(async () => {
            const out = await helmRender(c, d.env, values, args(d, []), tc);
            if (out.ok)
              failures.push(
                `${c.system.name} ${d.what} ${show(d)} (${tc}): helm rendered what the platform refuses`,
              );
          });
      }
    }
    await pool(HELM_CONCURRENCY, tasks);
    console.log(`chart property: ${counts.join('; ')}; ${tasks.length} helm runs`);
    expect(failures.slice(0, 20)).toEqual([]);
  }, 900_000);
});
