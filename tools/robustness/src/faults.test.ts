/**
 * Faults: a render killed midway (SIGKILL, SIGTERM, an exception, a full disk) leaves the committed
 * `charts/` and `overlays/` exactly as they were (at once, or after the next render/check recovers the
 * journal); two renders never interleave; stale outputs are pruned only after a complete render.
 *
 * Faults are injected with GITOPS_RENDER_FAULT (libs/render/src/outputs.ts) into real `npm run render`
 * child processes in a throw-away copy of the workspace.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import { OutputError, withRenderLock, writeOutputs } from '@gitops/render';
import { expectOutputsUntouched, expectUserError } from './contract';
import { installFixtureSystem, ScratchWorkspace, type RunResult } from './scratch';

let ws: ScratchWorkspace;
const ENV_FILE = 'apps/zz-kust/src/environments.ts';
const JOURNAL = '.render-journal.json';

/** sha256 of every file under charts/ and overlays/. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of globSync(['charts/**/*', 'overlays/**/*'], { cwd: dir, dot: true }).sort()) {
    out[f] = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
  }
  return out;
}

/** A change to the values that changes the rendered outputs of zz-kust (and so the Argo CD objects stay). */
function changeValues(): void {
  ws.edit(ENV_FILE, "greeting: 'hello',", "greeting: 'changed by the test',");
}

function leftovers(): string[] {
  const tmp = ws.path('tmp');
  return existsSync(tmp) ? readdirSync(tmp).filter((f) => /^render-(staging|trash)-/.test(f)) : [];
}

/** A killed render leaves the lock behind; proper-lockfile treats it as stale after 30 s. Emulate the expiry. */
function expireLock(): void {
  rmSync(ws.path('.render.lock.lock'), { recursive: true, force: true });
}

/** Killed by `signal` (tsx runs the CLI in a child node and exits with 128 + the signal number). */
function expectKilledBy(r: RunResult, signal: 'SIGKILL' | 'SIGTERM'): void {
  const code = 128 + constants.signals[signal];
  expect(r.signal === signal || r.code === code, `expected death by ${signal}, got exit ${r.code} / ${r.signal}\n${r.stderr}`).toBe(true);
}

let committed: Record<string, string>;

beforeAll(async () => {
  // Two tiny systems (and the Argo CD objects): fast renders, every code path of the writer.
  ws = ScratchWorkspace.create('faults', {
    include: ['libs', 'tools/cli', 'apps/argocd', 'package.json', 'tsconfig.base.json', 'tsconfig.json', 'nx.json', '.gitignore'],
  });
  installFixtureSystem(ws);
  installFixtureSystem(ws, 'zz-two');
  const r = await ws.run('render', ['--skip-verify', '-q']);
  expect(r.code, r.stderr).toBe(0);
  ws.commitAll('rendered');
  committed = snapshot(ws.dir);
  expect(Object.keys(committed).length).toBeGreaterThan(20);
});
afterAll(() => ws?.dispose());
beforeEach(() => {
  expireLock();
  ws.reset();
});

describe('a render killed midway', () => {
  it('SIGKILL during the swap: the next `render --check` rolls the journal back; outputs byte-identical to before', async () => {
    changeValues();
    const r = await ws.run('render', ['--skip-verify', '-q'], { env: { GITOPS_RENDER_FAULT: 'kill-during-swap' } });
    expectKilledBy(r, 'SIGKILL');
    // Killed after moving the first root aside: the journal records how to undo it.
    expect(existsSync(ws.path(JOURNAL))).toBe(true);
    expect(ws.status('charts', 'overlays')).not.toBe('');
    expireLock();
    ws.git('checkout', '-q', '--', 'apps');
    const check = await ws.run('render', ['--check', '--skip-verify']);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('recovered the outputs of an interrupted render');
    expect(snapshot(ws.dir)).toEqual(committed);
    expectOutputsUntouched(ws);
    expect(leftovers()).toEqual([]);
  });

  it('SIGKILL after a new system was swapped in: recovery removes it too', async () => {
    installFixtureSystem(ws, 'zz-new');
    // Roots in order: charts/zz-kust, charts/zz-new (swapped in 2nd), charts/zz-two, overlays/argocd, …; strike at the 4th.
    const r = await ws.run('render', ['--skip-verify', '-q'], { env: { GITOPS_RENDER_FAULT: 'kill-during-swap@4' } });
    expectKilledBy(r, 'SIGKILL');
    expect(existsSync(ws.path('charts/zz-new'))).toBe(true);
    expireLock();
    rmSync(ws.path('apps/zz-new'), { recursive: true });
    const check = await ws.run('render', ['--check', '--skip-verify']);
    expect(check.code, check.stderr).toBe(0);
    expect(existsSync(ws.path('charts/zz-new'))).toBe(false);
    expect(snapshot(ws.dir)).toEqual(committed);
  });

  it('SIGKILL while staging: nothing was touched', async () => {
    changeValues();
    const r = await ws.run('render', ['--skip-verify', '-q'], { env: { GITOPS_RENDER_FAULT: 'kill-during-stage' } });
    expectKilledBy(r, 'SIGKILL');
    expectOutputsUntouched(ws);
    expect(snapshot(ws.dir)).toEqual(committed);
  });

  it('SIGTERM during the swap waits for the swap to finish: the outputs are the complete new render, never half', async () => {
    changeValues();
    const r = await ws.run('render', ['--skip-verify', '-q'], { env: { GITOPS_RENDER_FAULT: 'sigterm-during-swap' } });
    expectKilledBy(r, 'SIGTERM');
    expect(existsSync(ws.path(JOURNAL))).toBe(false);
    expireLock();
    const check = await ws.run('render', ['--check', '--skip-verify', '-q']);
    expect(check.code, check.stderr).toBe(0);
    expect(ws.read('overlays/zz-kust/base/zz-kust-settings-configmap.yaml')).toContain('changed by the test');
  });

  it('an unexpected exception during the swap: rolled back at once (exit 70, outputs untouched)', async () => {
    changeValues();
    const r = await ws.run('render', ['--skip-verify', '-q'], { env: { GITOPS_RENDER_FAULT: 'throw-during-swap@3' } });
    expect(r.code).toBe(70);
    expect(r.stderr).toContain('internal error (please report)');
    expectOutputsUntouched(ws);
    expect(snapshot(ws.dir)).toEqual(committed);
    expect(leftovers()).toEqual([]);
  });

  for (const point of ['stage', 'swap']) {
    it(`a full disk (ENOSPC) while ${point === 'stage' ? 'staging' : 'swapping'}: one clear message, outputs untouched`, async () => {
      changeValues();
      const r = await ws.run('render', ['--skip-verify', '-q'], { env: { GITOPS_RENDER_FAULT: `enospc-during-${point}` } });
      expectUserError(r, ['no space left on device', 'charts/ and overlays/ were left unchanged']);
      expectOutputsUntouched(ws);
      expect(snapshot(ws.dir)).toEqual(committed);
      expect(leftovers()).toEqual([]);
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
    expect(leftovers()).toEqual([]);
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
    expect(snapshot(ws.dir)).toEqual(committed);
  });

  it('an unreadable journal is reported clearly, not as a crash', async () => {
    writeFileSync(ws.path(JOURNAL), '{"staging": "tm');
    const r = await ws.run('render', ['--check', '--skip-verify']);
    expectUserError(r, [`${JOURNAL}`, 'unreadable', 'git checkout -- charts overlays']);
    rmSync(ws.path(JOURNAL));
  });
});

describe('concurrent renders', () => {
  it('a second render waits for the lock held by another process, then succeeds', async () => {
    changeValues();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let releasedAt = 0;
    const holder = withRenderLock(ws.dir, async () => {
      await held;
      releasedAt = Date.now();
    });
    await new Promise((r) => setTimeout(r, 200));
    const child = ws.run('render', ['--skip-verify']);
    await new Promise((r) => setTimeout(r, 2500));
    // Still waiting: nothing written yet.
    expectOutputsUntouched(ws);
    release();
    await holder;
    const r = await child;
    const doneAt = Date.now();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('another render holds .render.lock; waiting');
    expect(doneAt).toBeGreaterThan(releasedAt);
    expect(ws.read('overlays/zz-kust/base/zz-kust-settings-configmap.yaml')).toContain('changed by the test');
  });

  it('a render that cannot get the lock in time fails clearly (OutputError), changing nothing', async () => {
    let release!: () => void;
    const holder = withRenderLock(ws.dir, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 200));
    const second = withRenderLock(ws.dir, async () => 'ran', 600);
    await expect(second).rejects.toThrow(OutputError);
    await expect(second).rejects.toThrow(/another render holds \.render\.lock in .*; waited 0\.6s — try again when it has finished/);
    release();
    await holder;
    expectOutputsUntouched(ws);
  });

  it('two renders started together both succeed, one after the other, with the right outputs', async () => {
    changeValues();
    const [a, b] = await Promise.all([ws.run('render', ['--skip-verify']), ws.run('render', ['--skip-verify'])]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(existsSync(ws.path(JOURNAL))).toBe(false);
    expect(leftovers()).toEqual([]);
    const check = await ws.run('render', ['--check', '--skip-verify', '-q']);
    expect(check.code, check.stderr).toBe(0);
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
    ws.edit('apps/zz-two/src/environments.ts', "namespace: 'zz-kust'", "namespace: 'Bad_Namespace'");
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
