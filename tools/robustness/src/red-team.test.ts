/**
 * Red team: what an attacker or a clumsy user does to the render pipeline, one test per case, each in a
 * throw-away workspace (two tiny systems, rendered and committed), each bounded in time.
 *
 *  - journal: a crafted `.render-journal.json` can never make recovery touch anything but the output roots
 *  - exit paths: SIGINT, SIGKILL, a paused render: no staging left, a lock that is held, not guessed
 *  - build(): endless loops, throws, async builds and bad imports are the system author's errors (exit 1)
 *  - ownership: two systems in one namespace or emitting one object; reserved names
 *  - environment faults: outputs on another file system (EXDEV), a full disk, a read-only checkout, ulimit -f
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputError, processStartTime, recoverInterruptedRender, withRenderLock } from '@gitops/render';
import { expectOutputsUntouched, expectUserError } from './contract';
import { FaultWorkspace, JOURNAL, snapshot } from './fault-workspace';
import { installFixtureSystem, runProcess, type ScratchWorkspace } from './throwaway-workspace';

let f: FaultWorkspace;
let ws: ScratchWorkspace;
const outside: string[] = [];

/** A folder outside the workspace with a file in it: must survive every case. */
function victim(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gitops-red-team-victim-${label}-`));
  writeFileSync(join(dir, 'precious.txt'), 'do not delete\n');
  outside.push(dir);
  return dir;
}

function expectVictimIntact(dir: string): void {
  expect(readFileSync(join(dir, 'precious.txt'), 'utf8')).toBe('do not delete\n');
}

function writeJournal(j: unknown): void {
  writeFileSync(ws.path(JOURNAL), JSON.stringify(j));
}

function expectSourcesIntact(): void {
  for (const p of ['apps/zz-kust/src/system.ts', 'libs/render/src/outputs.ts', '.git/HEAD', 'package.json'])
    expect(existsSync(ws.path(p)), p).toBe(true);
  expect(snapshot(ws.dir)).toEqual(f.committed);
}

beforeAll(async () => {
  f = await FaultWorkspace.create('red-team');
  ws = f.ws;
});
afterAll(() => {
  ws?.dispose();
  for (const d of outside) rmSync(d, { recursive: true, force: true });
});
beforeEach(() => f.reset());

describe('a crafted journal never makes recovery touch what the render does not own', () => {
  it('root "." (deleted the whole repository before): refused, exit 1, nothing touched', async () => {
    writeJournal({
      staging: 'tmp/render-staging-1-1',
      trash: 'tmp/render-trash-1-1',
      roots: ['.'],
      existed: [],
    });
    const r = await ws.run('render', ['--check', '--skip-verify'], { timeoutMs: 60_000 });
    expectUserError(r, [JOURNAL, 'refused', 'nothing was touched', '"."']);
    expectSourcesIntact();
    expect(existsSync(ws.path(JOURNAL))).toBe(true); // left for the user to inspect
  });

  it('roots, staging and trash outside the workspace: refused, the outside folders intact', () => {
    const v = victim('paths');
    const cases: unknown[] = [
      { staging: 'tmp/render-staging-1-1', trash: 'tmp/render-trash-1-1', roots: [`../${v}`] },
      { staging: 'tmp/render-staging-1-1', trash: 'tmp/render-trash-1-1', roots: ['charts/../../x'] },
      { staging: v, trash: 'tmp/render-trash-1-1', roots: ['charts/zz-kust'] },
      { staging: 'tmp/render-staging-1-1', trash: join(v, 'trash'), roots: ['charts/zz-kust'] },
      { staging: 'tmp/../apps', trash: 'tmp/render-trash-1-1', roots: ['charts/zz-kust'] },
      { staging: 'tmp/render-staging-1-1', trash: 'tmp/render-trash-1-1', roots: ['apps'] },
      {
        staging: 'tmp/render-staging-1-1',
        trash: 'tmp/render-trash-1-1',
        roots: ['charts/zz-kust'],
        existed: ['.git'],
      },
      { staging: 'tmp/render-staging-1-1', trash: 'tmp/render-trash-1-1', roots: 'charts/zz-kust' },
    ];
    for (const j of cases) {
      writeJournal(j);
      expect(() => recoverInterruptedRender(ws.dir), JSON.stringify(j)).toThrow(OutputError);
      expect(() => recoverInterruptedRender(ws.dir)).toThrow(/refused and nothing was touched/);
      expectVictimIntact(v);
      expectSourcesIntact();
    }
  });

  it('charts/ replaced by a symbolic link to a folder outside: refused, the outside folder intact', () => {
    const v = victim('symlink');
    mkdirSync(join(v, 'zz-kust'));
    writeFileSync(join(v, 'zz-kust', 'keep.txt'), 'keep\n');
    rmSync(ws.path('charts'), { recursive: true });
    symlinkSync(v, ws.path('charts'));
    writeJournal({
      staging: 'tmp/render-staging-1-1',
      trash: 'tmp/render-trash-1-1',
      roots: ['charts/zz-kust'],
      existed: [],
    });
    expect(() => recoverInterruptedRender(ws.dir)).toThrow(/symbolic link charts/);
    expectVictimIntact(v);
    expect(readFileSync(join(v, 'zz-kust', 'keep.txt'), 'utf8')).toBe('keep\n');
    rmSync(ws.path('charts'));
  });

  it('a journal of an older version (absolute paths inside the workspace) is still recovered', () => {
    mkdirSync(ws.path('tmp/render-trash-7-7/charts'), { recursive: true });
    // The interrupted render had moved charts/zz-kust aside and not yet put the new one in.
    renameSync(ws.path('charts/zz-kust'), ws.path('tmp/render-trash-7-7/charts/zz-kust'));
    writeJournal({
      staging: ws.path('tmp/render-staging-7-7'),
      trash: ws.path('tmp/render-trash-7-7'),
      roots: ['charts/zz-kust'],
    });
    expect(recoverInterruptedRender(ws.dir)).toBe(true);
    expect(snapshot(ws.dir)).toEqual(f.committed);
    expect(f.leftovers()).toEqual([]);
  });
});

describe('every exit path cleans up; the lock is held, not guessed', () => {
  it('SIGINT while verifying: dies by SIGINT, no staging folder, no lock, outputs untouched', async () => {
    f.changeValues();
    const r = await ws.run('render', ['--skip-verify', '-q'], {
      env: { GITOPS_RENDER_FAULT: 'sigint-during-stage' },
      timeoutMs: 60_000,
    });
    expect(r.signal === 'SIGINT' || r.code === 130, `exit ${r.code} / ${r.signal}\n${r.stderr}`).toBe(true);
    expect(f.leftovers()).toEqual([]);
    expect(existsSync(ws.path('.render.lock'))).toBe(false);
    expectOutputsUntouched(ws);
  });

  it('SIGKILL while staging: the next render removes the staging folder and does not wait for the lock', async () => {
    f.changeValues();
    const killed = await ws.run('render', ['--skip-verify', '-q'], {
      env: { GITOPS_RENDER_FAULT: 'kill-during-stage' },
      timeoutMs: 60_000,
    });
    expect(killed.signal === 'SIGKILL' || killed.code === 137).toBe(true);
    expect(f.leftovers().length).toBeGreaterThan(0);
    expect(existsSync(ws.path('.render.lock'))).toBe(true);
    const started = Date.now();
    const next = await ws.run('render', ['--check', '--skip-verify', '-q'], { timeoutMs: 60_000 });
    expect(next.stderr).not.toContain('waiting');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(f.leftovers()).toEqual([]);
    expect(existsSync(ws.path('.render.lock'))).toBe(false);
  });

  it('a paused render keeps its lock however long it is paused; once it is dead the lock is taken at once', async () => {
    let paused!: () => void;
    const reached = new Promise<void>((r) => (paused = r));
    const holder = ws.run('render', ['--skip-verify', '-q'], {
      env: { GITOPS_RENDER_FAULT: 'pause-during-stage' },
      onStderr: (e) => e.includes('paused') && paused(),
      timeoutMs: 90_000,
    });
    await reached;
    const lock = JSON.parse(readFileSync(ws.path('.render.lock'), 'utf8'));
    expect(lock.start).toBe(processStartTime(lock.pid));
    process.kill(lock.pid, 'SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await expect(withRenderLock(ws.dir, async () => 'stole it', { waitMs: 2000 })).rejects.toThrow(
        /another render holds \.render\.lock .*pid \d+/,
      );
      expect(JSON.parse(readFileSync(ws.path('.render.lock'), 'utf8'))).toEqual(lock);
    } finally {
      process.kill(lock.pid, 'SIGKILL');
      process.kill(lock.pid, 'SIGCONT');
    }
    await holder;
    const t = Date.now();
    expect(await withRenderLock(ws.dir, async () => 'ran', { waitMs: 10_000 })).toBe('ran');
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('a lock whose pid was reused by another process (start time differs) is dead: taken at once', async () => {
    writeFileSync(
      ws.path('.render.lock'),
      JSON.stringify({ pid: process.pid, start: '1', host: hostname(), since: 'x' }),
    );
    const t = Date.now();
    expect(await withRenderLock(ws.dir, async () => 'ran', { waitMs: 5000 })).toBe('ran');
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('a lock held by a live process is never taken over, and one from another host is reported', async () => {
    const me = { pid: process.pid, start: processStartTime(process.pid), host: hostname(), since: 'x' };
    writeFileSync(ws.path('.render.lock'), JSON.stringify(me));
    await expect(withRenderLock(ws.dir, async () => 'ran', { waitMs: 500 })).rejects.toThrow(
      /another render holds \.render\.lock/,
    );
    writeFileSync(ws.path('.render.lock'), JSON.stringify({ ...me, host: 'ci-runner-7' }));
    await expect(withRenderLock(ws.dir, async () => 'ran', { waitMs: 300 })).rejects.toThrow(
      /held by a render on another host \(pid \d+ on ci-runner-7.*delete \.render\.lock/,
    );
    rmSync(ws.path('.render.lock'));
  });
});

describe('a signal at any point of a render leaves no staging, no lock to wait out, and whole outputs', () => {
  // The fault workspace has 5 output roots; a signal before the swap and during the swap at the first,
  // a middle and the last root, for SIGKILL (uncatchable) and SIGINT (Ctrl-C).
  const points = ['stage', 'swap@1', 'swap@3', 'swap@5'];
  for (const signal of ['kill', 'sigint'] as const) {
    for (const point of points) {
      it(`${signal === 'kill' ? 'SIGKILL' : 'SIGINT'} during ${point}`, async () => {
        f.changeValues();
        const [where, at] = point.split('@');
        const r = await ws.run('render', ['--skip-verify', '-q'], {
          env: { GITOPS_RENDER_FAULT: `${signal}-during-${where}${at ? `@${at}` : ''}` },
          timeoutMs: 60_000,
        });
        expect(r.code === 0, `the fault did not strike:\n${r.stderr}`).toBe(false);
        if (signal === 'sigint') {
          // Caught: cleaned up at once, and a swap under way was completed (never half).
          expect(f.leftovers()).toEqual([]);
          expect(existsSync(ws.path('.render.lock'))).toBe(false);
          expect(existsSync(ws.path(JOURNAL))).toBe(false);
        }
        // The next render (here a check) recovers what a SIGKILL left, without waiting for the dead lock.
        const t = Date.now();
        const next = await ws.run('render', ['--check', '--skip-verify', '-q'], { timeoutMs: 60_000 });
        expect(next.stderr).not.toContain('waiting');
        expect(Date.now() - t).toBeLessThan(30_000);
        expect(f.leftovers()).toEqual([]);
        expect(existsSync(ws.path('.render.lock'))).toBe(false);
        expect(existsSync(ws.path(JOURNAL))).toBe(false);
        // Whole outputs: exactly the committed ones, or exactly a fresh render of the changed values.
        const whole = snapshot(ws.dir);
        if (JSON.stringify(whole) !== JSON.stringify(f.committed)) expect(next.code, next.stderr).toBe(0);
      });
    }
  }
});

describe('build() is the system author’s code: its failures are theirs (exit 1, file and line), never a hang', () => {
  const SYSTEM = 'apps/zz-kust/src/system.ts';
  const BUILD = 'build(chart, v) {';
  const cases: [string, string, (string | RegExp)[], NodeJS.ProcessEnv?][] = [
    [
      'an endless loop: stopped at the budget, naming the system',
      `${BUILD}\n    for (;;) {}\n`,
      ['build() of system "zz-kust" did not finish within its 1.5s budget', 'GITOPS_BUILD_BUDGET_MS'],
      { GITOPS_BUILD_BUDGET_MS: '1500' },
    ],
    [
      'a throw',
      `${BUILD}\n    if (v.replicas >= 0) throw new Error('the author broke it');\n`,
      [/apps\/zz-kust\/src\/system\.ts:\d+:\d+: build\(\) of system "zz-kust" failed/, 'the author broke it'],
    ],
    [
      'a TypeError',
      `${BUILD}\n    (v as any).nothing.here = 1;\n`,
      [
        /apps\/zz-kust\/src\/system\.ts:\d+:\d+: build\(\) of system "zz-kust" failed .*Cannot set properties of undefined/,
      ],
    ],
    [
      'an async build() (objects after an await would be lost)',
      `async ${BUILD}\n    await Promise.resolve();\n`,
      ['returned a Promise', 'must be synchronous'],
    ],
  ];
  for (const [title, replacement, mentions, env] of cases) {
    it(title, async () => {
      ws.edit(SYSTEM, BUILD, replacement);
      const t = Date.now();
      const r = await ws.run('render', ['--skip-verify', '-q'], { env, timeoutMs: 60_000 });
      expectUserError(r, mentions);
      expect(Date.now() - t).toBeLessThan(45_000);
      expectOutputsUntouched(ws);
    });
  }

  it('an endless loop at import time (top level of system.ts): stopped at the budget, naming the file', async () => {
    ws.edit(
      SYSTEM,
      "export const SYSTEM_NAME = 'zz-kust';",
      "export const SYSTEM_NAME = 'zz-kust';\nfor (;;) {}",
    );
    const t = Date.now();
    const r = await ws.run('render', ['--skip-verify', '-q'], {
      env: { GITOPS_BUILD_BUDGET_MS: '4000' },
      timeoutMs: 60_000,
    });
    expectUserError(r, [
      'apps/zz-kust/src/system.ts: loading system "zz-kust" did not finish within its 4s budget',
      'GITOPS_BUILD_BUDGET_MS',
    ]);
    expect(Date.now() - t).toBeLessThan(45_000);
    expectOutputsUntouched(ws);
    expect(existsSync(ws.path('.render.lock'))).toBe(false);
  });

  it('an endless loop in a module the system imports: stopped, naming the system file', async () => {
    ws.write('apps/zz-kust/src/slow.ts', 'export const slow = (() => { for (;;) {} })();\n');
    ws.edit(
      SYSTEM,
      "import { defaults, environments } from './environments';",
      "import { defaults, environments } from './environments';\nimport { slow } from './slow';\nvoid slow;",
    );
    const r = await ws.run('render', ['--skip-verify', '-q'], {
      env: { GITOPS_BUILD_BUDGET_MS: '4000' },
      timeoutMs: 60_000,
    });
    expectUserError(r, ['apps/zz-kust/src/system.ts: loading system "zz-kust" did not finish']);
    expectOutputsUntouched(ws);
  });

  it('a timer left running by a system file does not keep the render alive', async () => {
    ws.edit(
      SYSTEM,
      "export const SYSTEM_NAME = 'zz-kust';",
      "export const SYSTEM_NAME = 'zz-kust';\nsetInterval(() => {}, 60_000);",
    );
    const t = Date.now();
    const r = await ws.run('render', ['--check', '--skip-verify', '-q'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t).toBeLessThan(45_000);
  });

  it('a throw at import time names the file and line', async () => {
    ws.edit(
      SYSTEM,
      "export const SYSTEM_NAME = 'zz-kust';",
      "export const SYSTEM_NAME = 'zz-kust';\nif (SYSTEM_NAME.length > 0) throw new Error('broken at import');",
    );
    const r = await ws.run('render', ['--skip-verify', '-q'], { timeoutMs: 60_000 });
    expectUserError(r, [
      /apps\/zz-kust\/src\/system\.ts:\d+:\d+: loading system "zz-kust" failed: broken at import/,
    ]);
    expectOutputsUntouched(ws);
  });

  it('a missing import names the file', async () => {
    ws.edit(
      SYSTEM,
      "import { defaults, environments } from './environments';",
      "import { defaults, environments } from './environments';\nimport { nothing } from './no-such-file';\nvoid nothing;",
    );
    const r = await ws.run('render', ['--skip-verify', '-q'], { timeoutMs: 60_000 });
    expectUserError(r, ['apps/zz-kust/src/system.ts', 'no-such-file']);
    expectOutputsUntouched(ws);
  });
});

describe('one owner per object and per namespace; reserved names', () => {
  it('two systems in one namespace: exit 1 naming both systems and the namespace', async () => {
    ws.edit('apps/zz-two/src/environments.ts', "namespace: 'zz-two',", "namespace: 'zz-kust',");
    const r = await ws.run('render', ['--skip-verify', '-q'], { timeoutMs: 60_000 });
    expectUserError(r, ['systems "zz-kust" and "zz-two" both deploy into namespace "zz-kust"']);
    expectOutputsUntouched(ws);
  });

  it('two systems emitting the same object (a ConfigMap in the other’s namespace): exit 1 naming it', async () => {
    ws.edit(
      'apps/zz-two/src/system.ts',
      'metadata: { name: `${SYSTEM_NAME}-settings`,',
      "metadata: { name: 'zz-kust-settings', namespace: 'zz-kust',",
    );
    const r = await ws.run('render', ['--skip-verify', '-q'], { timeoutMs: 60_000 });
    expectUserError(r, ['systems "zz-kust" and "zz-two" both emit core/ConfigMap zz-kust/zz-kust-settings']);
    expectOutputsUntouched(ws);
  });

  it('a system named argocd (collides with overlays/argocd): exit 1, reserved', async () => {
    installFixtureSystem(ws, 'argocd');
    const r = await ws.run('render', ['--skip-verify', '-q'], { timeoutMs: 60_000 });
    expectUserError(r, ['apps/argocd/src/system.ts', '"argocd" is a reserved name']);
    expectOutputsUntouched(ws);
  });
});

describe('the environment’s faults are reported as such (exit 1), and never leave a half-written render', () => {
  it('outputs on another file system (EXDEV): falls back to copy + fsync; the render is complete', async () => {
    f.changeValues();
    const r = await ws.run('render', ['--skip-verify', '-q'], {
      env: { GITOPS_RENDER_FAULT: 'exdev' },
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(ws.read('overlays/zz-kust/base/zz-kust-settings-configmap.yaml')).toContain('changed by the test');
    expect(f.leftovers()).toEqual([]);
    expect(existsSync(ws.path(JOURNAL))).toBe(false);
  });

  /** Why the mount-based cases cannot run here ('' when they can): they need root (CI runs as root). */
  const mountSkip = (() => {
    if (process.getuid?.() !== 0) return 'skipped: not root — mounting a tmpfs needs root (CI runs as root)';
    const d = mkdtempSync(join(tmpdir(), 'gitops-mount-probe-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', d], { encoding: 'utf8' });
    if (r.status === 0) spawnSync('umount', [d]);
    rmSync(d, { recursive: true, force: true });
    return r.status === 0
      ? ''
      : `skipped: mount -t tmpfs failed (${(r.stderr || r.error?.message || '').trim()})`;
  })();
  const canMount = !mountSkip;
  const why = (reason: string) => (reason ? ` (${reason})` : '');

  /** Why the quota case cannot run ('' when it can): root, btrfs (kernel + btrfs-progs) and loop devices. */
  const quotaSkip = (() => {
    if (mountSkip) return mountSkip;
    if (spawnSync('mkfs.btrfs', ['--version']).status !== 0)
      return 'skipped: mkfs.btrfs not installed (apt-get install btrfs-progs; .ci/run installs it)';
    return '';
  })();

  it.skipIf(!canMount)(
    `outputs on another file system for real (a tmpfs on tmp/: EXDEV): copy + fsync, the render is complete${why(mountSkip)}`,
    async () => {
      f.changeValues();
      mkdirSync(ws.path('tmp'), { recursive: true });
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', ws.path('tmp')]).status).toBe(0);
      try {
        const r = await ws.run('render', ['--skip-verify', '-q'], { timeoutMs: 60_000 });
        expect(r.code, r.stderr).toBe(0);
        expect(ws.read('overlays/zz-kust/base/zz-kust-settings-configmap.yaml')).toContain(
          'changed by the test',
        );
        expect(f.leftovers()).toEqual([]);
        expect(existsSync(ws.path(JOURNAL))).toBe(false);
        // The outputs are on the workspace's file system, not on the tmpfs the staging folder was on.
        expect(statSync(ws.path('charts/zz-kust')).dev).toBe(statSync(ws.path('apps')).dev);
        expect(statSync(ws.path('tmp')).dev).not.toBe(statSync(ws.path('apps')).dev);
      } finally {
        spawnSync('umount', [ws.path('tmp')]);
      }
    },
  );

  it.skipIf(!!quotaSkip)(
    `past a disk quota for real (a btrfs qgroup limit on tmp/: EDQUOT): named, outputs untouched${why(quotaSkip)}`,
    async () => {
      // A value large enough that its staged file cannot fit in the quota.
      ws.edit('apps/zz-kust/src/environments.ts', "greeting: 'hello',", "greeting: 'hello '.repeat(40_000),");
      const scratch = mkdtempSync(join(tmpdir(), 'gitops-red-team-quota-'));
      outside.push(scratch);
      const image = join(scratch, 'fs.img');
      const mnt = join(scratch, 'mnt');
      mkdirSync(mnt);
      const sh = (cmd: string, ...args: string[]) => {
        const r = spawnSync(cmd, args, { encoding: 'utf8' });
        expect(r.status, `${cmd} ${args.join(' ')}: ${r.stderr}`).toBe(0);
      };
      sh('truncate', '-s', '128M', image);
      sh('mkfs.btrfs', '-q', image);
      sh('mount', '-o', 'loop', image, mnt);
      mkdirSync(ws.path('tmp'), { recursive: true });
      try {
        sh('btrfs', 'quota', 'enable', mnt);
        sh('btrfs', 'subvolume', 'create', join(mnt, 'tmp'));
        sh('btrfs', 'qgroup', 'limit', '64k', join(mnt, 'tmp'));
        sh('mount', '--bind', join(mnt, 'tmp'), ws.path('tmp'));
        try {
          const r = await ws.run('render', ['--skip-verify', '-q'], { timeoutMs: 60_000 });
          expectUserError(r, ['disk quota exceeded', 'EDQUOT', 'charts/ and overlays/ were left unchanged']);
          expectOutputsUntouched(ws);
          expect(readdirSync(ws.path('tmp'))).toEqual([]);
        } finally {
          spawnSync('umount', [ws.path('tmp')]);
        }
      } finally {
        spawnSync('umount', [mnt]);
      }
    },
  );

  it('helm and kustomize that cannot be started for lack of file descriptors (EMFILE): named with the limit, no crash', async () => {
    // A real EMFILE: a child under `ulimit -n 64` uses up its descriptors, then asks for helm and kustomize
    // (the async and the sync path). Each must fail as a ToolchainError naming the cause — before this, the
    // async path crashed the process with an unhandled 'error' event.
    const dir = mkdtempSync(join(tmpdir(), 'gitops-red-team-emfile-'));
    outside.push(dir);
    mkdirSync(join(dir, 'chart', 'templates'), { recursive: true });
    writeFileSync(join(dir, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
    writeFileSync(
      join(dir, 'chart', 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
    );
    const script = join(dir, 'emfile.ts');
    writeFileSync(
      script,
      `import { openSync } from 'node:fs';
import { getToolchain, helmTemplate, helmTemplateAsync, kustomizeBuild } from '@gitops/toolchain';
const o = { chartDir: ${JSON.stringify(join(dir, 'chart'))}, releaseName: 'c', namespace: 'x' };
getToolchain('v35'); // verified while descriptors are free
const held: number[] = [];
try { for (;;) held.push(openSync('/dev/null', 'r')); } catch (e: any) { if (e.code !== 'EMFILE') throw e; }
const out: string[] = [\`held \${held.length}\`];
void (async () => {
for (const run of [() => helmTemplateAsync(o), async () => helmTemplate(o), async () => kustomizeBuild(${JSON.stringify(dir)})]) {
  try { await run(); out.push('ran'); } catch (e: any) { out.push(\`\${e.name}: \${e.message}\`); }
}
console.log(out.join('\\n'));
})();
`,
    );
    const r = await runProcess(
      'bash',
      ['-c', `ulimit -n 64 && exec node_modules/.bin/tsx ${script}`],
      join(__dirname, '../../..'),
      { timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^held \d+$/);
    expect(lines.slice(1)).toHaveLength(3);
    for (const l of lines.slice(1)) {
      expect(l).toMatch(
        /^ToolchainError: could not start (helm|kustomize build) \(.*\): too many open files in this process \(EMFILE; ulimit -n is 64\) — raise the limit/,
      );
    }
  });

  it.skipIf(!canMount)(
    `a full disk (a 16 KiB tmpfs on tmp/): ENOSPC named, outputs untouched${why(mountSkip)}`,
    async () => {
      f.changeValues();
      mkdirSync(ws.path('tmp'), { recursive: true });
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', ws.path('tmp')]).status).toBe(0);
      try {
        const r = await ws.run('render', ['--skip-verify', '-q'], { timeoutMs: 60_000 });
        expectUserError(r, [
          'no space left on device',
          'ENOSPC',
          'charts/ and overlays/ were left unchanged',
        ]);
        expectOutputsUntouched(ws);
        expect(readdirSync(ws.path('tmp'))).toEqual([]);
      } finally {
        spawnSync('umount', [ws.path('tmp')]);
      }
    },
  );

  for (const [what, fill] of [
    ['no space left', 'bytes'],
    ['no free inodes', 'inodes'],
  ] as const) {
    it.skipIf(!canMount)(
      `a whole checkout with ${what} (a full tmpfs): the lock says so at once, not "another render holds the lock"${why(mountSkip)}`,
      async () => {
        const mnt = mkdtempSync(join(tmpdir(), 'gitops-red-team-full-'));
        outside.push(mnt);
        expect(
          spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=48m,nr_inodes=4000', 'tmpfs', mnt]).status,
        ).toBe(0);
        try {
          const cp = spawnSync('cp', ['-a', `${ws.dir}/.`, mnt], { encoding: 'utf8' });
          expect(cp.status, cp.stderr).toBe(0);
          if (fill === 'bytes') spawnSync('sh', ['-c', `cat /dev/zero > ${mnt}/filler`]);
          else
            spawnSync('sh', [
              '-c',
              `mkdir ${mnt}/many && cd ${mnt}/many && i=0; while : > f$i; do i=$((i+1)); done`,
            ]);
          const t = Date.now();
          const r = await runProcess(
            join(mnt, 'node_modules/.bin/tsx'),
            ['tools/cli/src/render.ts', '--skip-verify', '-q'],
            mnt,
            { timeoutMs: 60_000 },
          );
          expectUserError(r, [
            'taking .render.lock failed',
            'no space left on device (or no free inodes)',
            'ENOSPC',
          ]);
          expect(r.stderr).not.toContain('another render holds');
          expect(Date.now() - t).toBeLessThan(30_000);
          expect(existsSync(join(mnt, '.render.lock'))).toBe(false);
        } finally {
          spawnSync('umount', [mnt]);
        }
      },
    );
  }

  it.skipIf(!canMount)(`a read-only checkout (EROFS): named, exit 1${why(mountSkip)}`, async () => {
    const ro = mkdtempSync(join(tmpdir(), 'gitops-red-team-ro-'));
    outside.push(ro);
    expect(spawnSync('mount', ['--bind', ws.dir, ro]).status).toBe(0);
    try {
      expect(spawnSync('mount', ['-o', 'remount,bind,ro', ro]).status).toBe(0);
      const r = await runProcess(
        join(ro, 'node_modules/.bin/tsx'),
        ['tools/cli/src/render.ts', '--skip-verify', '-q'],
        ro,
        {
          timeoutMs: 60_000,
        },
      );
      expectUserError(r, ['read-only file system', 'EROFS']);
    } finally {
      spawnSync('umount', [ro]);
    }
    expectOutputsUntouched(ws);
  });

  it('past the file size limit (ulimit -f): EFBIG named, exit 1, not killed by SIGXFSZ', async () => {
    // A value larger than the limit, so the staged file cannot be written.
    ws.edit('apps/zz-kust/src/environments.ts', "greeting: 'hello',", "greeting: 'hello '.repeat(40_000),");
    const r = await runProcess(
      'bash',
      ['-c', 'ulimit -f 100 && exec node_modules/.bin/tsx tools/cli/src/render.ts --skip-verify -q'],
      ws.dir,
      { timeoutMs: 60_000 },
    );
    expectUserError(r, ['EFBIG', 'ulimit -f']);
    expectOutputsUntouched(ws);
    expect(f.leftovers()).toEqual([]);
  });
});
