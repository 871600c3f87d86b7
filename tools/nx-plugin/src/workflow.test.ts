/**
 * .github/workflows/render-shards.yml, parsed: the sharded render/validate runs what `npm run shard` does (the
 * commands tested in shard.test.ts), one matrix entry per shard, merged and compared with a single render; actions
 * pinned by commit SHA; no untrusted expression in a shell line; the remote cache write token only on main.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REAL_WORKSPACE } from './sandbox';

const text = readFileSync(join(REAL_WORKSPACE, '.github/workflows/render-shards.yml'), 'utf8');
const wf = parse(text, { uniqueKeys: true }) as any;
const steps = (job: string) => wf.jobs[job].steps as any[];
const run = (job: string, re: RegExp) => steps(job).find((s) => re.test(s.run ?? ''));

describe('.github/workflows/render-shards.yml', () => {
  it('has the plan → shard (matrix) → merge jobs, read-only, credentials not persisted', () => {
    expect(Object.keys(wf.jobs)).toEqual(['plan', 'shard', 'merge']);
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.shard.needs).toBe('plan');
    expect(wf.jobs.merge.needs).toEqual(['plan', 'shard']);
    for (const [, job] of Object.entries<any>(wf.jobs)) {
      expect(job.permissions).toEqual({ contents: 'read' });
      for (const s of job.steps) {
        if (String(s.uses).startsWith('actions/checkout@')) expect(s.with['persist-credentials']).toBe(false);
        if (s.run) expect(s.run).not.toContain('${{');
      }
    }
    expect(
      steps('plan').find((s) => String(s.uses).startsWith('actions/checkout@')).with['fetch-depth'],
    ).toBe(0);
  });

  it('pins every action by a full commit SHA (the tag only as a comment)', () => {
    const uses = Object.values<any>(wf.jobs).flatMap((j) => j.steps.filter((s: any) => s.uses));
    expect(uses.length).toBeGreaterThan(5);
    for (const s of uses) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    for (const line of text.split('\n').filter((l) => /^\s+uses:/.test(l)))
      expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('one matrix entry per shard: 0 … SHARDS-1, every shard runs render and validate on its share', () => {
    const total = Number(wf.env.SHARDS);
    expect(total).toBeGreaterThan(1);
    expect(wf.jobs.shard.strategy.matrix.index).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(wf.jobs.shard.strategy['fail-fast']).toBe(false);
    const plan = run('plan', /shard -- plan/);
    expect(plan.run).toMatch(/npm run -s shard -- plan --total "\$SHARDS"/);
    expect(plan.env.BASE).toMatch(/pull_request\.base\.sha/);
    const r = run('shard', /shard -- run/);
    expect(r.run).toBe(
      'npm run -s shard -- run --total "$SHARDS" --index "$INDEX" --projects "$PROJECTS" --targets render,validate',
    );
    expect(r.env.INDEX).toBe('${{ matrix.index }}');
    expect(r.env.PROJECTS).toBe('${{ needs.plan.outputs.projects }}');
    const upload = steps('shard').find((s) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(upload.with.name).toBe('shard-${{ matrix.index }}');
  });

  it('merges the shards and fails unless they equal one render of everything, byte for byte', () => {
    const download = steps('merge').find((s) => String(s.uses).startsWith('actions/download-artifact@'));
    expect(download.with).toMatchObject({ pattern: 'shard-*', path: 'shards' });
    const order = steps('merge').map((s) => s.run ?? '');
    const merge = order.findIndex((r) => r.startsWith('npm run -s shard -- merge --out merged shards/*'));
    const render = order.findIndex((r) => r.startsWith('npm run render'));
    const compare = order.findIndex((r) => r === 'npm run -s shard -- compare merged . --paths "$OUTPUTS"');
    expect(merge).toBeGreaterThan(-1);
    expect(render).toBeGreaterThan(merge);
    expect(compare).toBeGreaterThan(render);
  });

  it('uses Nx’s self-hosted remote cache; pull requests only read it', () => {
    expect(wf.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBe('${{ vars.NX_CACHE_URL }}');
    expect(wf.env.NX_NO_CLOUD).toBe('true');
    const tokens = Object.values<any>(wf.jobs)
      .flatMap((j) => j.steps)
      .filter((s) => s.env?.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN);
    expect(tokens).toHaveLength(1);
    expect(tokens[0].env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN).toBe(
      "${{ github.event_name == 'push' && secrets.NX_CACHE_WRITE_TOKEN || secrets.NX_CACHE_READ_TOKEN }}",
    );
    expect(wf.on.push.branches).toEqual(['main']);
    expect(text.match(/secrets\./g)).toHaveLength(2);
  });
});
