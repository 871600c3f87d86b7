/**
 * Sharding across CI runners, proven here: four shards run as parallel processes, each in its own copy of the
 * workspace without committed outputs (as four runners would), each running `shard run` (Nx run-many of its
 * share of the render targets); their outputs are merged and compared byte for byte with one full
 * `npm run render` of a fifth copy.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSandbox, nxEnv, REAL_WORKSPACE, runNode, type Sandbox } from './sandbox';
import { compareTrees, mergeShards, planShards, renderOutputs } from './shard';

/** The copy's own launcher: it runs the copy's sources in the copy. */
const launcher = (b: Sandbox) => join(b.ws, 'tools', 'cli', 'bin', 'gitops.cjs');
// One compile cache for every copy (its entries are addressed by content, not by checkout).
const env = () => nxEnv({ GITOPS_TS_CACHE_DIR: join(REAL_WORKSPACE, 'dist', 'ts-cache') });

describe('shard plan', () => {
  it('deals every render project to exactly one shard, with its render outputs as the plugin infers them', () => {
    const outputs = renderOutputs();
    const projects = [...outputs.keys()];
    expect(projects).toContain('argocd');
    const shards = planShards(projects, 4);
    expect(shards.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(shards.flatMap((s) => s.projects).sort()).toEqual([...projects].sort());
    for (const s of shards) expect(s.outputs).toEqual(s.projects.flatMap((p) => outputs.get(p)!));
    expect(outputs.get('argocd')).toEqual(['overlays/argocd']);
    // More shards than projects: the extra shards are empty, none is duplicated.
    const wide = planShards(projects, projects.length + 2);
    expect(wide.filter((s) => s.projects.length === 1)).toHaveLength(projects.length);
    expect(() => planShards(projects, 0)).toThrow(/--total/);
  });

  it('merge refuses two shards that wrote the same file differently; compare names every difference', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitops-shard-unit-'));
    try {
      for (const [d, f, c] of [
        ['a', 'charts/x/Chart.yaml', 'x'],
        ['b', 'charts/y/Chart.yaml', 'y'],
        ['c', 'charts/x/Chart.yaml', 'other'],
        ['ref', 'charts/x/Chart.yaml', 'x'],
        ['ref', 'charts/y/Chart.yaml', 'y2'],
        ['ref', 'charts/z/Chart.yaml', 'z'],
      ]) {
        mkdirSync(join(dir, d, f, '..'), { recursive: true });
        writeFileSync(join(dir, d, f), c);
      }
      expect(mergeShards(join(dir, 'm'), [join(dir, 'a'), join(dir, 'b')])).toEqual([
        'charts/x/Chart.yaml',
        'charts/y/Chart.yaml',
      ]);
      expect(() => mergeShards(join(dir, 'm2'), [join(dir, 'a'), join(dir, 'c')])).toThrow(
        /charts\/x\/Chart.yaml: shards .* wrote different contents/,
      );
      expect(compareTrees(join(dir, 'm'), join(dir, 'ref'))).toEqual([
        'differs: charts/y/Chart.yaml',
        `only in ${join(dir, 'ref')}: charts/z/Chart.yaml`,
      ]);
      expect(compareTrees(join(dir, 'm'), join(dir, 'ref'), ['charts/x'])).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('4 shards in parallel = one render', () => {
  const boxes: Sandbox[] = [];
  afterAll(() => boxes.forEach((b) => b.cleanup()));

  it('merged shard outputs equal a single full render byte for byte', { timeout: 600_000 }, async () => {
    const total = 4;
    const shardBoxes = Array.from({ length: total }, () => createSandbox({ prefix: 'gitops-shard-' }));
    const single = createSandbox({ prefix: 'gitops-shard-single-' });
    boxes.push(...shardBoxes, single);
    const projects = [...renderOutputs(single.ws).keys()].sort();
    const plan = planShards(projects, total, single.ws);
    expect(plan.every((s) => s.projects.length > 0)).toBe(true);

    // The four shards at once, each in its own copy, as four runners would (render targets; validate is
    // checked by the workflow and by its own tests).
    const runs = await Promise.all(
      shardBoxes.map((b, i) =>
        runNode(
          [
            launcher(b),
            'shard',
            'run',
            '--total',
            String(total),
            '--index',
            String(i),
            '--targets',
            'render',
            '--projects',
            projects.join(','),
          ],
          b.ws,
          env(),
        ),
      ),
    );
    runs.forEach((r, i) => expect(r.code, `shard ${i}:\n${r.stdout}\n${r.stderr}`).toBe(0));
    // Each shard wrote its own outputs and nothing else.
    shardBoxes.forEach((b, i) => {
      const written = compareTrees(b.ws, join(b.ws, 'nonexistent'), ['charts', 'overlays']).map((p) =>
        p.replace(/^only in [^:]+: /, ''),
      );
      expect(written.length).toBeGreaterThan(0);
      for (const f of written) expect(plan[i].outputs.some((o) => f.startsWith(`${o}/`))).toBe(true);
    });

    const r = await runNode([launcher(single), 'render', '--quiet'], single.ws, env());
    expect(r.code, r.stderr).toBe(0);

    const merged = join(single.ws, '..', 'merged');
    // Each runner uploads its shard's output folders; the merge job merges them.
    shardBoxes.forEach((b, i) => mergeShards(join(b.ws, '..', 'upload'), [b.ws], plan[i].outputs));
    mergeShards(
      merged,
      shardBoxes.map((b) => join(b.ws, '..', 'upload')),
    );
    // Only the output folders were merged: compare those trees, all of them.
    expect(compareTrees(merged, single.ws, ['charts', 'overlays'])).toEqual([]);
    // And through the command the workflow runs.
    const cmp = await runNode(
      [launcher(single), 'shard', 'compare', merged, single.ws, '--paths', 'charts,overlays'],
      single.ws,
      env(),
    );
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).toMatch(/^identical: /);
  });
});
