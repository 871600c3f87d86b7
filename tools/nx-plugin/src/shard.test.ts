/**
 * Sharding across CI runners, proven here: four shards run as parallel processes, each in its own copy of the
 * workspace without committed outputs (as four runners would), each running `shard run` (Nx run-many of its
 * share of the render targets); their outputs are merged and compared byte for byte with one full
 * `npm run render` of a fifth copy (shard-local.ts, also the bench's case).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_WORKSPACE, runNode } from './sandbox';
import { compareTrees, mergeShards, planShards, renderOutputs } from './shard';
import { runLocalShards } from './shard-local';

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
  it('merged shard outputs equal a single full render byte for byte', { timeout: 600_000 }, async () => {
    const r = await runLocalShards(4);
    expect(r.plan.every((s) => s.projects.length > 0)).toBe(true);
    // Each shard wrote its own outputs and nothing else.
    r.written.forEach((files, i) => {
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(r.plan[i].outputs.some((o) => f.startsWith(`${o}/`))).toBe(true);
    });
    expect(r.files).toBeGreaterThan(100);
    expect(r.problems).toEqual([]);
  });

  it('the compare command the workflow runs fails naming a differing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitops-shard-cmp-'));
    try {
      for (const [d, c] of [
        ['a', 'x'],
        ['b', 'y'],
      ]) {
        mkdirSync(join(dir, d, 'charts', 's'), { recursive: true });
        writeFileSync(join(dir, d, 'charts', 's', 'Chart.yaml'), c);
      }
      const launcher = join(REAL_WORKSPACE, 'tools', 'cli', 'bin', 'gitops.cjs');
      const bad = await runNode(
        [launcher, 'shard', 'compare', join(dir, 'a'), join(dir, 'b'), '--paths', 'charts'],
        dir,
        process.env,
      );
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('error: the trees differ:\n  differs: charts/s/Chart.yaml\n');
      writeFileSync(join(dir, 'b', 'charts', 's', 'Chart.yaml'), 'x');
      const ok = await runNode(
        [launcher, 'shard', 'compare', join(dir, 'a'), join(dir, 'b')],
        dir,
        process.env,
      );
      expect(ok.code, ok.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
