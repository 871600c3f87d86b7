/**
 * Concurrency and pruning: a second render waits for the lock (or fails clearly) instead of
 * interleaving; stale outputs are pruned only after a complete render of every system.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputError, withRenderLock, writeOutputs } from '@gitops/render';
import { expectOutputsUntouched, expectUserError } from './contract';
import { FaultWorkspace, JOURNAL } from './fault-workspace';
import type { ScratchWorkspace } from './throwaway-workspace';

let f: FaultWorkspace;
let ws: ScratchWorkspace;

beforeAll(async () => {
  f = await FaultWorkspace.create('concurrency');
  ws = f.ws;
});
afterAll(() => ws?.dispose());
beforeEach(() => f.reset());

describe('concurrent renders', () => {
  it('a second render waits for the lock held by another process, then succeeds', async () => {
    f.changeValues();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let releasedAt = 0;
    const holder = withRenderLock(ws.dir, async () => {
      await held;
      releasedAt = Date.now();
    });
    await new Promise((r) => setTimeout(r, 200));
    let waiting!: () => void;
    const reachedLock = new Promise<void>((r) => (waiting = r));
    const child = ws.run('render', ['--skip-verify'], {
      onStderr: (e) => e.includes('another render holds .render.lock (') && waiting(),
    });
    await Promise.race([
      reachedLock,
      child.then((r) => {
        throw new Error(`render finished without waiting for the lock: exit ${r.code}\n${r.stderr}`);
      }),
    ]);
    await new Promise((r) => setTimeout(r, 500));
    // Still waiting: nothing written yet.
    expectOutputsUntouched(ws);
    release();
    await holder;
    const r = await child;
    const doneAt = Date.now();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/another render holds \.render\.lock \(pid \d+ on .*\); waiting/);
    expect(doneAt).toBeGreaterThan(releasedAt);
    expect(ws.read('overlays/zz-kust/base/zz-kust-settings-configmap.yaml')).toContain('changed by the test');
  });

  it('a render that cannot get the lock in time fails clearly (OutputError), changing nothing', async () => {
    let release!: () => void;
    const holder = withRenderLock(ws.dir, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 200));
    const second = withRenderLock(ws.dir, async () => 'ran', 600);
    await expect(second).rejects.toThrow(OutputError);
    await expect(second).rejects.toThrow(
      /another render holds \.render\.lock in .* \(pid \d+ on .*\); waited 0\.6s — try again when it has finished/,
    );
    release();
    await holder;
    expectOutputsUntouched(ws);
  });

  it('two renders started together both succeed, one after the other, with the right outputs', async () => {
    f.changeValues();
    const [a, b] = await Promise.all([
      ws.run('render', ['--skip-verify']),
      ws.run('render', ['--skip-verify']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(existsSync(ws.path(JOURNAL))).toBe(false);
    expect(f.leftovers()).toEqual([]);
    expect(ws.read('overlays/zz-kust/base/zz-kust-settings-configmap.yaml')).toContain('changed by the test');
  });
});

describe('stale outputs', () => {
  it('a removed system is pruned by a complete render', async () => {
    rmSync(ws.path('apps/zz-kust'), { recursive: true });
    const r = await ws.run('render', ['--skip-verify', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(ws.path('charts/zz-kust'))).toBe(false);
    expect(existsSync(ws.path('overlays/zz-kust'))).toBe(false);
    expect(existsSync(ws.path('charts/zz-two/Chart.yaml'))).toBe(true);
  });

  it('…but not by a render that fails', async () => {
    rmSync(ws.path('apps/zz-kust'), { recursive: true });
    ws.edit('apps/zz-two/src/environments.ts', "namespace: 'zz-two'", "namespace: 'Bad_Namespace'");
    const r = await ws.run('render', ['--skip-verify', '-q']);
    expectUserError(r, ['namespace']);
    expectOutputsUntouched(ws);
    expect(existsSync(ws.path('charts/zz-kust/Chart.yaml'))).toBe(true);
  });

  it('…nor by a render of some systems only (--system)', async () => {
    rmSync(ws.path('apps/zz-kust'), { recursive: true });
    const r = await ws.run('render', ['--skip-verify', '-q', '--system', 'zz-two']);
    expect(r.code, r.stderr).toBe(0);
    expectOutputsUntouched(ws);
  });
});

describe('writeOutputs on a fresh folder', () => {
  it('stages into tmp/ and swaps in only the listed roots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitops-robustness-outputs-'));
    try {
      mkdirSync(join(dir, 'charts/keep'), { recursive: true });
      writeFileSync(join(dir, 'charts/keep/a.yaml'), 'a\n');
      await writeOutputs(dir, new Map([['charts/new/b.yaml', 'b\n']]), { roots: ['charts/new'] });
      expect(readFileSync(join(dir, 'charts/keep/a.yaml'), 'utf8')).toBe('a\n');
      expect(readFileSync(join(dir, 'charts/new/b.yaml'), 'utf8')).toBe('b\n');
      expect(existsSync(join(dir, JOURNAL))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
