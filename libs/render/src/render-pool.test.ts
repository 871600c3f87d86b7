/**
 * Rendering on worker threads gives exactly the files of the single-thread render, in the same order,
 * and the same error (class and message) for the first failing system.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderWorkspace } from './pipeline';
import { registrySource, renderWorkspaceParallel } from './render-pool';
import { loadSystems, WORKSPACE_ROOT } from './registry';
import { ConfigError } from './system';

const synthetic = {
  module: join(WORKSPACE_ROOT, 'tools/bench/src/synthetic-systems.ts'),
  exportName: 'loadSyntheticSystems',
};

async function syntheticSystems(names: string[]) {
  const mod = await import('../../../tools/bench/src/synthetic-systems');
  return mod.loadSyntheticSystems(names);
}

describe('render on worker threads', () => {
  it('gives the files of the single-thread render, byte for byte and in order', async () => {
    const systems = await syntheticSystems(['gen-a', 'gen-b', 'gen-c', 'gen-d', 'gen-e']);
    const single = renderWorkspace(systems);
    const parallel = await renderWorkspaceParallel(systems, undefined, {
      source: synthetic,
      threads: 3,
      minSystems: 1,
    });
    expect([...parallel.files.keys()]).toEqual([...single.files.keys()]);
    for (const [path, text] of single.files) expect(parallel.files.get(path), path).toBe(text);
    expect(parallel.roots).toEqual(single.roots);
    expect(parallel.systems.map((s) => s.system)).toEqual(systems.map((s) => s.definition));
  }, 120_000);

  it("loads the workspace's own systems in each thread (registry source): same files", async () => {
    const systems = await loadSystems();
    const single = renderWorkspace(systems);
    const parallel = await renderWorkspaceParallel(systems, undefined, {
      source: registrySource(WORKSPACE_ROOT),
      threads: 2,
      minSystems: 1,
    });
    expect([...parallel.files]).toEqual([...single.files]);
  }, 120_000);

  it('reports the first failing system in order, as the single-thread render does: a ConfigError naming it', async () => {
    const failing = {
      module: join(WORKSPACE_ROOT, 'libs/render/src/testing/failing-systems.ts'),
      exportName: 'load',
    };
    const mod = await import('./testing/failing-systems');
    const systems = await mod.load(['gen-a', 'gen-bad-1', 'gen-b', 'gen-c', 'gen-bad-2']);
    let single: unknown;
    try {
      renderWorkspace(systems);
    } catch (err) {
      single = err;
    }
    const parallel = await renderWorkspaceParallel(systems, undefined, {
      source: failing,
      threads: 3,
      minSystems: 1,
    }).catch((err) => err);
    expect(single).toBeInstanceOf(ConfigError);
    expect(parallel).toBeInstanceOf(ConfigError);
    expect((parallel as Error).message).toBe((single as Error).message);
    expect((parallel as Error).message).toMatch(/build\(\) of system "gen-bad-1" failed .*boom/);
  }, 120_000);
});
