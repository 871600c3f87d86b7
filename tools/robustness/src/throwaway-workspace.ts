/**
 * Throw-away workspaces for the robustness suites: a copy of this repository's sources (apps, libs,
 * tools, configs) in the system temp folder, with `node_modules` symlinked, under its own git so a
 * test can assert that a failed render left `charts/` and `overlays/` exactly as committed.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** This repository (tools/robustness/src → ../../..). */
export const REPO_ROOT = resolve(__dirname, '../../..');

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Called with everything written to stderr so far, whenever more arrives. */
  readonly onStderr?: (stderrSoFar: string) => void;
}

export interface ScratchOptions {
  /** Workspace-relative folders and files to copy. @default the shared libs and tools, mini-xdr and argocd */
  readonly include?: readonly string[];
  /** Also copy this repository's charts/ and overlays/. @default false (render them with `render()` instead) */
  readonly copyOutputs?: boolean;
  /** Extra files to write before the first commit (path → content). */
  readonly files?: Readonly<Record<string, string>>;
}

const DEFAULT_INCLUDE = [
  'libs',
  'tools/cli',
  'apps/mini-xdr',
  'apps/argocd',
  'package.json',
  'tsconfig.base.json',
  'tsconfig.json',
  'nx.json',
  'vitest.config.ts',
  '.gitignore',
];

/** The platform without any system but the Argo CD app: for workspaces that install a fixture system. */
export const PLATFORM_WITHOUT_SYSTEMS: readonly string[] = [
  'libs',
  'tools/cli',
  'apps/argocd',
  'package.json',
  'tsconfig.base.json',
  'tsconfig.json',
  'nx.json',
  '.gitignore',
];

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'robustness',
  GIT_AUTHOR_EMAIL: 'robustness@example.invalid',
  GIT_COMMITTER_NAME: 'robustness',
  GIT_COMMITTER_EMAIL: 'robustness@example.invalid',
};

/** The environment of a child CLI: this process's, minus any fault injection or output redirection. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const k of Object.keys(env))
    if (k.startsWith('GITOPS_RENDER_FAULT') || k.startsWith('VITEST')) delete env[k];
  return { ...env, ...extra };
}

export class ScratchWorkspace {
  private constructor(readonly dir: string) {}

  /** Copy the sources into a fresh temp folder and commit them. */
  static create(label: string, o: ScratchOptions = {}): ScratchWorkspace {
    const dir = mkdtempSync(join(tmpdir(), `gitops-robustness-${label}-`));
    const ws = new ScratchWorkspace(dir);
    const include = [...(o.include ?? DEFAULT_INCLUDE), ...(o.copyOutputs ? ['charts', 'overlays'] : [])];
    for (const p of include) {
      const from = join(REPO_ROOT, p);
      if (!existsSync(from)) continue;
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      cpSync(from, join(dir, p), {
        recursive: true,
        filter: (src) => !/\/(node_modules|tmp|\.nx)(\/|$)/.test(src.slice(REPO_ROOT.length)),
      });
    }
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    for (const [p, c] of Object.entries(o.files ?? {})) ws.write(p, c);
    ws.git('init', '-q', '-b', 'main');
    ws.commitAll('scratch: sources');
    return ws;
  }

  path(p: string): string {
    return join(this.dir, p);
  }

  read(p: string): string {
    return readFileSync(this.path(p), 'utf8');
  }

  write(p: string, content: string): void {
    mkdirSync(dirname(this.path(p)), { recursive: true });
    writeFileSync(this.path(p), content);
  }

  /** Replace one exact occurrence of `from` in a file; fails loudly when the text is not there. */
  edit(p: string, from: string | RegExp, to: string): void {
    const text = this.read(p);
    const next = text.replace(from, to);
    if (next === text) throw new Error(`scratch edit: ${String(from)} not found in ${p}`);
    this.write(p, next);
  }

  git(...args: string[]): string {
    const r = spawnSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: { ...process.env, ...GIT_ENV },
    });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${this.dir}: ${r.stderr}`);
    return r.stdout;
  }

  commitAll(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
  }

  /** `git status --porcelain` of the given paths ('' when untouched). */
  status(...paths: string[]): string {
    return this.git(
      'status',
      '--porcelain',
      '--untracked-files=all',
      '--',
      ...(paths.length ? paths : ['.']),
    ).trim();
  }

  /** Back to the last commit: tracked files restored, untracked (non-ignored) files removed. */
  reset(): void {
    this.git('checkout', '-q', '--', '.');
    this.git('clean', '-fdq');
    rmSync(this.path('.render-journal.json'), { force: true });
    rmSync(this.path('tmp'), { recursive: true, force: true });
  }

  /** Run a CLI of tools/cli (`render`, `validate`, `diff`, `schemas`) in this workspace. */
  run(cli: string, args: readonly string[] = [], o: RunOptions = {}): Promise<RunResult> {
    return runProcess(
      join(this.dir, 'node_modules/.bin/tsx'),
      [join('tools/cli/src', `${cli}.ts`), ...args],
      this.dir,
      o,
    );
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Run a process to completion, capturing its output (never rejects on a non-zero exit). */
export function runProcess(
  command: string,
  args: readonly string[],
  cwd: string,
  o: RunOptions = {},
): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(command, args, { cwd, env: childEnv(o.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      o.onStderr?.(stderr);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 90_000);
    child.on('error', rej);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr });
    });
  });
}

/** Run a CLI of tools/cli in this repository (read-only commands only). */
export function runRepoCli(
  cli: string,
  args: readonly string[] = [],
  o: RunOptions = {},
): Promise<RunResult> {
  return runProcess(
    join(REPO_ROOT, 'node_modules/.bin/tsx'),
    [join('tools/cli/src', `${cli}.ts`), ...args],
    REPO_ROOT,
    o,
  );
}

/** Install the tiny `zz-kust` fixture system (tools/robustness/src/fixtures/zz-kust) as `apps/<name>`. */
export function installFixtureSystem(ws: ScratchWorkspace, name = 'zz-kust'): void {
  const from = join(__dirname, 'fixtures/zz-kust');
  for (const f of ['system.ts', 'environments.ts']) {
    let text = readFileSync(join(from, f), 'utf8');
    if (f === 'system.ts')
      text = text.replace("export const SYSTEM_NAME = 'zz-kust';", `export const SYSTEM_NAME = '${name}';`);
    // One namespace per system (two systems in one namespace is a render error).
    else text = text.replace("namespace: 'zz-kust',", `namespace: '${name}',`);
    ws.write(`apps/${name}/src/${f}`, text);
  }
}
