/**
 * N shards of `npm run shard -- run` as parallel processes on this machine, each in its own throw-away copy of
 * the workspace without committed outputs (as N CI runners would), merged, and compared byte for byte with one
 * full `npm run render` of another copy. Used by the sharding test and by `npm run bench`.
 */
import { join } from 'node:path';
import { createSandbox, nxEnv, REAL_WORKSPACE, runNode, type NxResult, type Sandbox } from './sandbox';
import { compareTrees, mergeShards, planShards, renderOutputs, type Shard } from './shard';

export interface LocalShardsResult {
  readonly plan: readonly Shard[];
  /** Wall time of the N shards running at once, ms. */
  readonly shardsMs: number;
  /** Wall time of the single full render, ms. */
  readonly singleMs: number;
  readonly runs: readonly NxResult[];
  /** Files each shard wrote under charts/ and overlays/ (workspace-relative). */
  readonly written: readonly (readonly string[])[];
  /** Differences between the merged shards and the single render (empty: identical). */
  readonly problems: readonly string[];
  /** Files compared. */
  readonly files: number;
}

/** The copy's own launcher: it runs the copy's sources in the copy. */
export const launcherOf = (b: Sandbox) => join(b.ws, 'tools', 'cli', 'bin', 'gitops.cjs');
// One compile cache for every copy (its entries are addressed by content, not by checkout).
const env = () => nxEnv({ GITOPS_TS_CACHE_DIR: join(REAL_WORKSPACE, 'dist', 'ts-cache') });

export async function runLocalShards(
  total: number,
  options: { targets?: readonly string[]; singleArgs?: readonly string[] } = {},
): Promise<LocalShardsResult> {
  const shardBoxes = Array.from({ length: total }, () => createSandbox({ prefix: 'gitops-shard-' }));
  const single = createSandbox({ prefix: 'gitops-shard-single-' });
  try {
    const projects = [...renderOutputs(single.ws).keys()].sort();
    const plan = planShards(projects, total, single.ws);
    const t0 = Date.now();
    const runs = await Promise.all(
      shardBoxes.map((b, i) =>
        runNode(
          [
            launcherOf(b),
            'shard',
            'run',
            '--total',
            String(total),
            '--index',
            String(i),
            '--targets',
            (options.targets ?? ['render']).join(','),
            '--projects',
            projects.join(','),
          ],
          b.ws,
          env(),
        ),
      ),
    );
    const shardsMs = Date.now() - t0;
    const failed = runs.findIndex((r) => r.code !== 0);
    if (failed >= 0)
      throw new Error(
        `shard ${failed} failed (${runs[failed].code}):\n${runs[failed].stdout}\n${runs[failed].stderr}`,
      );
    const written = shardBoxes.map((b) =>
      compareTrees(b.ws, join(b.ws, '..', 'nothing'), ['charts', 'overlays']).map((p) =>
        p.replace(/^only in [^:]+: /, ''),
      ),
    );
    const r = await runNode(
      [launcherOf(single), 'render', '--quiet', ...(options.singleArgs ?? [])],
      single.ws,
      env(),
    );
    if (r.code !== 0) throw new Error(`single render failed (${r.code}):\n${r.stderr}`);
    // Each runner uploads its shard's output folders; the merge job merges them.
    shardBoxes.forEach((b, i) => mergeShards(join(b.ws, '..', 'upload'), [b.ws], plan[i].outputs));
    const merged = join(single.ws, '..', 'merged');
    const files = mergeShards(
      merged,
      shardBoxes.map((b) => join(b.ws, '..', 'upload')),
    ).length;
    const problems = compareTrees(merged, single.ws, ['charts', 'overlays']);
    return { plan, shardsMs, singleMs: r.ms, runs, written, problems, files };
  } finally {
    [...shardBoxes, single].forEach((b) => b.cleanup());
  }
}
