/**
 * Faults: a render killed midway (SIGKILL, SIGTERM, an unexpected exception, a full disk) leaves the
 * committed `charts/` and `overlays/` exactly as they were — at once, or after the next render/check
 * recovers the journal.
 *
 * Faults are injected with GITOPS_RENDER_FAULT (libs/render/src/outputs.ts) into real `npm run render`
 * child processes in a throw-away copy of the workspace.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { recoverInterruptedRender, writeOutputs } from '@gitops/render';
import { expectOutputsUntouched, expectUserError } from './contract';
import { expectKilledBy, FaultWorkspace, JOURNAL, snapshot } from './fault-workspace';
import { installFixtureSystem, type ScratchWorkspace } from './throwaway-workspace';

let f: FaultWorkspace;
let ws: ScratchWorkspace;

beforeAll(async () => {
  f = await FaultWorkspace.create('faults');
  ws = f.ws;
});
afterAll(() => ws?.dispose());
beforeEach(() => f.reset());

describe('a render killed midway', () => {
  it('SIGKILL during the swap: the next `render --check` rolls the journal back; outputs byte-identical to before', async () => {
    f.changeValues();
    const r = await ws.run('render', ['--skip-verify', '-q'], {
      env: { GITOPS_RENDER_FAULT: 'kill-during-swap' },
    });
    expectKilledBy(r, 'SIGKILL');
    // Killed after moving the first root aside: the journal records how to undo it.
    expect(existsSync(ws.path(JOURNAL))).toBe(true);
    expect(ws.status('charts', 'overlays')).not.toBe('');
    ws.git('checkout', '-q', '--', 'apps');
    const check = await ws.run('render', ['--check', '--skip-verify']);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('recovered the outputs of an interrupted render');
    expect(snapshot(ws.dir)).toEqual(f.committed);
    expectOutputsUntouched(ws);
    expect(f.leftovers()).toEqual([]);
  });

  it('SIGKILL after a new system was swapped in: recovery removes it too', async () => {
    installFixtureSystem(ws, 'zz-new');
    // Roots in order: charts/zz-kust, charts/zz-new (swapped in 2nd), charts/zz-two, overlays/argocd, …; strike at the 4th.
    const r = await ws.run('render', ['--skip-verify', '-q'], {
      env: { GITOPS_RENDER_FAULT: 'kill-during-swap@4' },
    });
    expectKilledBy(r, 'SIGKILL');
    expect(existsSync(ws.path('charts/zz-new'))).toBe(true);
    // What the next render or check does first (in-process here).
    expect(recoverInterruptedRender(ws.dir)).toBe(true);
    expect(existsSync(ws.path('charts/zz-new'))).toBe(false);
    expect(existsSync(ws.path(JOURNAL))).toBe(false);
    expect(f.leftovers()).toEqual([]);
    expect(snapshot(ws.dir)).toEqual(f.committed);
  });

  it('SIGKILL while staging: nothing was touched', async () => {
    f.changeValues();
    const r = await ws.run('render', ['--skip-verify', '-q'], {
      env: { GITOPS_RENDER_FAULT: 'kill-during-stage' },
    });
    expectKilledBy(r, 'SIGKILL');
    expectOutputsUntouched(ws);
    expect(snapshot(ws.dir)).toEqual(f.committed);
  });

  it('SIGTERM during the swap waits for the swap to finish: the outputs are the complete new render, never half', async () => {
    f.changeValues();
    const r = await ws.run('render', ['--skip-verify', '-q'], {
      env: { GITOPS_RENDER_FAULT: 'sigterm-during-swap' },
    });
    expectKilledBy(r, 'SIGTERM');
    expect(existsSync(ws.path(JOURNAL))).toBe(false);
    const check = await ws.run('render', ['--check', '--skip-verify', '-q']);
    expect(check.code, check.stderr).toBe(0);
    expect(ws.read('overlays/zz-kust/base/zz-kust-settings-configmap.yaml')).toContain('changed by the test');
  });

  it('an unexpected exception during the swap: rolled back at once (exit 70, outputs untouched)', async () => {
    f.changeValues();
    const r = await ws.run('render', ['--skip-verify', '-q'], {
      env: { GITOPS_RENDER_FAULT: 'throw-during-swap@3' },
    });
    expect(r.code).toBe(70);
    expect(r.stderr).toContain('internal error (please report)');
    expectOutputsUntouched(ws);
    expect(snapshot(ws.dir)).toEqual(f.committed);
    expect(f.leftovers()).toEqual([]);
  });

  for (const point of ['stage', 'swap']) {
    it(`a full disk (ENOSPC) while ${point === 'stage' ? 'staging' : 'swapping'}: one clear message, outputs untouched`, async () => {
      f.changeValues();
      const r = await ws.run('render', ['--skip-verify', '-q'], {
        env: { GITOPS_RENDER_FAULT: `enospc-during-${point}` },
      });
      expectUserError(r, ['no space left on device', 'charts/ and overlays/ were left unchanged']);
      expectOutputsUntouched(ws);
      expect(snapshot(ws.dir)).toEqual(f.committed);
      expect(f.leftovers()).toEqual([]);
    });
  }

  it('a verification failure before the swap: nothing is written (in-process writeOutputs)', async () => {
    const files = new Map([['charts/zz-kust/values.yaml', 'changed: true\n']]);
    await expect(
      writeOutputs(ws.dir, files, {
        roots: ['charts/zz-kust'],
        beforeSwap: () => {
          throw new Error('parity failed');
        },
      }),
    ).rejects.toThrow('parity failed');
    expectOutputsUntouched(ws);
    expect(f.leftovers()).toEqual([]);
  });

  it('an exception between two roots (duringSwap hook): rolled back at once (in-process writeOutputs)', async () => {
    const files = new Map([
      ['charts/zz-kust/values.yaml', 'changed: true\n'],
      ['overlays/zz-kust/base/kustomization.yaml', 'resources: []\n'],
    ]);
    let seen = 0;
    await expect(
      writeOutputs(ws.dir, files, {
        roots: ['charts/zz-kust', 'overlays/zz-kust'],
        duringSwap: () => {
          if (++seen === 2) throw new Error('crash between roots');
        },
      }),
    ).rejects.toThrow('crash between roots');
    expectOutputsUntouched(ws);
    expect(snapshot(ws.dir)).toEqual(f.committed);
  });

  it('an unreadable journal is reported clearly, not as a crash', async () => {
    writeFileSync(ws.path(JOURNAL), '{"staging": "tm');
    const r = await ws.run('render', ['--check', '--skip-verify']);
    expectUserError(r, [`${JOURNAL}`, 'unreadable', 'git checkout -- charts overlays']);
    rmSync(ws.path(JOURNAL));
  });
});
