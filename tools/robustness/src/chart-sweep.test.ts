/**
 * The chart interface, swept: every leaf of every chart, changed once per environment, through `-f`,
 * `--set-json` and `--set`, rendered by the real helm 3 and helm 4 and compared field by field with the
 * synthesis of the same values — 0 values that do nothing, 0 that render something else. Leaves are
 * changed many at a time (the synthesis of the combined change is the expectation, so a value that does
 * nothing shows as a difference); a failing group is split to name the value. Also: every render-time
 * setting is refused by Helm naming where to change it, and the refusals the typed layer makes (RWO ×
 * replicas, `latest`, a foreign registry, 0.0.0.0/0, min > max, limits < requests) are Helm's too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allLeaves,
  alternativesFor,
  dotted,
  findUnsoundValues,
  getPath,
  inferTemplates,
  sampleSystem,
  schemaAt,
  setPath,
  typedJsonSchema,
  TypedRenderCache,
  describeUnsound,
  type Path,
} from '@gitops/render';
import type { EnvironmentName } from '@gitops/environments';
import {
  differences,
  ENVIRONMENT_NAMES,
  envValues,
  FORMS,
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

let charts: LoadedChart[];
let scratch: ReturnType<typeof scratchDir>;
beforeAll(async () => {
  charts = await loadCharts();
  scratch = scratchDir();
});
afterAll(() => scratch?.dispose());

type Change = readonly [Path, unknown];

/** One valid change per leaf of an environment, grouped so that each group is accepted as a whole. */
/**
 * A change that needs companions (the node architecture and every image's platform): set the leaf, then
 * move each enum or boolean value the typed layer names in its refusal to another allowed value.
 */
function coupledChange(
  c: LoadedChart,
  base: Record<string, unknown>,
  schema: unknown,
  path: Path,
  alt: unknown,
): Change[] | undefined {
  let changes: Change[] = [[path, alt]];
  for (let round = 0; round < 3; round++) {
    const values = apply(base, changes);
    const parsed = c.system.schema.safeParse(values);
    if (parsed.success) return synthesisOf(c.system, values) ? changes : undefined;
    const more: Change[] = [];
    for (const issue of parsed.error.issues) {
      const p = issue.path as Path;
      if (!p.length || changes.some(([q]) => dotted(q) === dotted(p)) || isHidden(c, p)) continue;
      const cur = getPath(values, p);
      const s = schemaAt(schema, p) as { enum?: unknown[] } | undefined;
      if (typeof cur !== 'boolean' && !Array.isArray(s?.enum)) continue;
      // Companion value: the one the changed leaf now has, when allowed (arm64 → image platform arm64).
      const next =
        typeof cur === 'boolean' ? !cur : s!.enum!.includes(alt) ? alt : s!.enum!.find((e) => e !== cur);
      if (!more.some(([q]) => dotted(q) === dotted(p))) more.push([p, next]);
    }
    if (!more.length) return undefined;
    changes = [...changes, ...more];
  }
  return undefined;
}

function sweepGroups(
  c: LoadedChart,
  env: EnvironmentName,
): { groups: Change[][]; untested: Path[]; refusedOnly: Change[] } {
  const base = envValues(c, env);
  const schema = typedJsonSchema(c.system);
  const groups: Change[][] = [];
  const untested: Path[] = [];
  const refusedOnly: Change[] = [];
  const covered = new Set<string>();
  let current: Change[] = [];
  let currentValues = base;
  const baseObjects = JSON.stringify(synthesisOf(c.system, base));
  for (const path of allLeaves([{ label: env, values: base, objects: [] }])) {
    if (isHidden(c, path)) continue;
    const alts = alternativesFor(getPath(base, path), schemaAt(schema, path));
    // A change the typed layer accepts alone, preferring one that changes the synthesis.
    let chosen: unknown;
    let inert: unknown;
    for (const alt of alts) {
      const objs = synthesisOf(c.system, setPath(base, path, alt));
      if (!objs) continue;
      if (JSON.stringify(objs) !== baseObjects) {
        chosen = alt;
        break;
      }
      inert ??= alt;
    }
    chosen ??= inert;
    if (chosen === undefined) {
      if (covered.has(dotted(path))) continue;
      // Coupled values change together (one group of their own); a leaf no change of which the typed
      // layer accepts here must be refused by Helm too.
      const coupled = alts.map((a) => coupledChange(c, base, schema, path, a)).find(Boolean);
      if (coupled) {
        groups.push(coupled);
        for (const [p] of coupled) covered.add(dotted(p));
      } else if (alts.length) refusedOnly.push([path, alts[0]]);
      else untested.push(path);
      continue;
    }
    const combined = setPath(currentValues, path, chosen);
    if (current.length < 25 && synthesisOf(c.system, combined)) {
      current.push([path, chosen]);
      currentValues = combined;
    } else {
      if (current.length) groups.push(current);
      current = [[path, chosen]];
      currentValues = setPath(base, path, chosen);
    }
  }
  if (current.length) groups.push(current);
  return { groups, untested, refusedOnly };
}

function apply(base: Record<string, unknown>, changes: readonly Change[]): Record<string, unknown> {
  return changes.reduce((v, [p, x]) => setPath(v, p, x), base);
}

interface Finding {
  readonly system: string;
  readonly env: string;
  readonly form: Form;
  readonly toolchain: string;
  readonly change: string;
  readonly problem: string;
}

describe('chart interface sweep (real helm 3 and helm 4)', () => {
  it('the inferred templates honour every leaf in every environment (in-process check)', async () => {
    const problems: string[] = [];
    for (const c of charts) {
      // Each chart is seconds of synchronous work: let the worker answer the runner in between.
      await new Promise((r) => setImmediate(r));
      const samples = sampleSystem(c.system);
      const templates = inferTemplates(c.system, samples, c.hidden);
      const skip = new Set(c.hidden.map((h) => JSON.stringify(h)));
      const found = findUnsoundValues(c.system, samples, templates, new TypedRenderCache(c.system), skip);
      for (const u of found.filter((x) => x.kind !== 'dead'))
        problems.push(
          `${c.system.name}: ${describeUnsound(u)} — fix the inference or add "${dotted(u.path)}" to renderTime in apps/${c.system.name}/src/environments.ts`,
        );
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it('every leaf, per environment, via -f, --set-json and --set: helm 3 = helm 4 = synthesis', async () => {
    const findings: Finding[] = [];
    const tasks: (() => Promise<void>)[] = [];
    let leaves = 0;
    let refused = 0;
    const untestedAll: string[] = [];
    for (const c of charts) {
      for (const env of ENVIRONMENT_NAMES) {
        const base = envValues(c, env);
        const { groups, untested, refusedOnly } = sweepGroups(c, env);
        refused += refusedOnly.length;
        for (const change of refusedOnly) {
          for (const tc of TOOLCHAINS) {
            tasks.push(async () => {
              const out = await helmRender(
                c,
                env,
                apply(base, [change]),
                overrideArgs([change], 'file', scratch.dir),
                tc,
              );
              if (out.ok)
                findings.push({
                  system: c.system.name,
                  env,
                  form: 'file',
                  toolchain: tc,
                  change: `${dotted(change[0])}=${JSON.stringify(change[1])}`,
                  problem: 'the typed layer refuses this value here, helm renders it',
                });
            });
          }
        }
        untestedAll.push(...untested.map((p) => `${c.system.name} ${env} ${dotted(p)}`));
        leaves += groups.reduce((n, g) => n + g.length, 0);
        for (const group of groups) {
          const values = apply(base, group);
          const expected = synthesisOf(c.system, values)!;
          for (const form of FORMS) {
            for (const tc of TOOLCHAINS) {
              tasks.push(async () => {
                const run = async (changes: readonly Change[]) =>
                  helmRender(c, env, apply(base, changes), overrideArgs(changes, form, scratch.dir), tc);
                const out = await run(group);
                const problems = out.ok ? differences(expected, out.objects) : [`refused: ${out.stderr}`];
                if (!problems.length) return;
                // Name the value: each change alone (when the typed layer accepts it alone).
                let named = 0;
                if (group.length > 1) {
                  for (const change of group) {
                    const want = synthesisOf(c.system, apply(base, [change]));
                    if (!want) continue;
                    const alone = await run([change]);
                    const p = alone.ok ? differences(want, alone.objects) : [`refused: ${alone.stderr}`];
                    if (!p.length) continue;
                    named++;
                    findings.push({
                      system: c.system.name,
                      env,
                      form,
                      toolchain: tc,
                      change: `${dotted(change[0])}=${JSON.stringify(change[1])}`,
                      problem: p.join('; '),
                    });
                  }
                }
                if (!named)
                  findings.push({
                    system: c.system.name,
                    env,
                    form,
                    toolchain: tc,
                    change: group.map(([p, v]) => `${dotted(p)}=${JSON.stringify(v)}`).join(' '),
                    problem: problems.join('; '),
                  });
              });
            }
          }
        }
      }
    }
    await pool(HELM_CONCURRENCY, tasks);
    // Every leaf outside renderTime has a change the typed layer accepts.
    expect(untestedAll, 'leaves with no accepted change (cannot be swept)').toEqual([]);
    expect(leaves).toBeGreaterThan(150);
    console.log(
      `chart sweep: ${leaves} leaf changes rendered (${tasks.length} helm runs), ${refused} refused by both sides`,
    );
    expect(
      findings.map((f) => `${f.system} ${f.env} ${f.form} ${f.toolchain}: ${f.change}: ${f.problem}`),
    ).toEqual([]);
  }, 600_000);

  it('every render-time setting is refused by helm 3 and 4, naming where to change it', async () => {
    const tasks: (() => Promise<string | undefined>)[] = [];
    for (const c of charts) {
      const base = envValues(c, 'prod');
      for (const h of c.hidden) {
        for (const tc of TOOLCHAINS) {
          tasks.push(async () => {
            const v = getPath(base, h);
            const out = await helmRender(
              c,
              'prod',
              base,
              overrideArgs([[h, v]], 'set-json', scratch.dir),
              tc,
            );
            if (out.ok) return `${c.system.name} ${dotted(h)} (${tc}): accepted`;
            if (
              !out.stderr.includes(`apps/${c.system.name}/src/environments.ts`) ||
              !out.stderr.includes(dotted(h))
            )
              return `${c.system.name} ${dotted(h)} (${tc}): message does not say where: ${out.stderr}`;
            return undefined;
          });
        }
      }
    }
    expect((await pool(HELM_CONCURRENCY, tasks)).filter(Boolean)).toEqual([]);
  }, 300_000);

  it('a release namespace other than the chart namespace is refused', async () => {
    const c = charts.find((x) => x.system.name === 'mini-xdr')!;
    const base = envValues(c, 'prod');
    for (const tc of TOOLCHAINS) {
      const out = await helmRender(c, 'prod', { ...base, namespace: 'elsewhere' }, [], tc);
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.stderr).toContain('release namespace "elsewhere" differs');
    }
  }, 120_000);
});

/** The refusals of the issue, per system: the typed layer refuses, and helm 3 and 4 refuse naming the value. */
function forbidden(c: LoadedChart, base: Record<string, unknown>): [string, Change[], string][] {
  const out: [string, Change[], string][] = [];
  const comps = Object.keys(base).filter((k) => getPath(base, [k, 'image', 'tag']) !== undefined);
  const first = comps[0];
  out.push(['image tag latest', [[[first, 'image', 'tag'], 'latest']], `${first}.image.tag`]);
  out.push([
    'foreign registry',
    [[[first, 'image', 'repository'], 'docker.io/library/nginx']],
    `${first}.image.repository`,
  ]);
  out.push([
    'arm64 image on amd64 nodes',
    [[[first, 'image', 'platform'], 'arm64']],
    `${first}.image.platform`,
  ]);
  const open = getPath(base, ['ingress', 'public']) === true ? undefined : ['ingress', 'allowedCidrs'];
  if (open) out.push(['0.0.0.0/0 in the CIDR list', [[open, ['0.0.0.0/0']]], 'ingress.allowedCidrs']);
  else out.push(['0.0.0.0/0 without public', [[['ingress', 'public'], false]], 'ingress.allowedCidrs']);
  out.push([
    'host bits in a CIDR',
    [[['ingress', 'allowedCidrs'], ['10.0.0.1/16']]],
    'ingress.allowedCidrs[0]',
  ]);
  for (const [k, v] of Object.entries(base)) {
    for (const block of ['autoscaling', 'queueScaling']) {
      const b = getPath(v, [block]) as { maxReplicas?: number } | undefined;
      if (b?.maxReplicas !== undefined)
        out.push([
          `${k}.${block} min > max`,
          [[[k, block, 'minReplicas'], b.maxReplicas + 1]],
          `${k}.${block}.minReplicas`,
        ]);
    }
    if (getPath(v, ['resources', 'limits', 'cpu']) !== undefined)
      out.push([
        `${k} limits < requests`,
        [[[k, 'resources', 'limits', 'cpu'], '1m']],
        `${k}.resources.requests.cpu`,
      ]);
  }
  if (c.system.name === 'mini-xdr')
    out.push([
      'backend.replicas=2 with the RWO data volume',
      [[['backend', 'replicas'], 2]],
      'backend.replicas',
    ]);
  return out;
}

describe('Helm refuses what the platform refuses (prod, helm 3 and 4)', () => {
  it('RWO × replicas, latest, foreign registry, 0.0.0.0/0, min > max, limits < requests, CIDR host bits', async () => {
    const tasks: (() => Promise<string | undefined>)[] = [];
    for (const c of charts) {
      const base = envValues(c, 'prod');
      for (const [what, changes, names] of forbidden(c, base)) {
        const values = apply(base, changes);
        if (synthesisOf(c.system, values)) {
          tasks.push(async () => `${c.system.name}: ${what}: the typed layer accepts it (test is wrong)`);
          continue;
        }
        for (const form of ['set', 'file'] as Form[])
          for (const tc of TOOLCHAINS)
            tasks.push(async () => {
              const out = await helmRender(c, 'prod', values, overrideArgs(changes, form, scratch.dir), tc);
              if (out.ok) return `${c.system.name}: ${what} (${form}, ${tc}): helm accepted it`;
              const pointer = `/${names
                .replace(/\[(\d+)\]/g, '.$1')
                .split('.')
                .join('/')}`;
              if (!out.stderr.includes(names) && !out.stderr.includes(pointer))
                return `${c.system.name}: ${what} (${form}, ${tc}): message does not name ${names}: ${out.stderr}`;
              return undefined;
            });
      }
    }
    expect((await pool(HELM_CONCURRENCY, tasks)).filter(Boolean)).toEqual([]);
  }, 300_000);
});
