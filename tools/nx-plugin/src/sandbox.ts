/**
 * Throw-away git workspaces for the Nx tests and the benchmarks: a copy of this workspace's sources
 * (tracked and untracked, not ignored; optionally without charts/ and overlays/) in os.tmpdir(), with
 * node_modules symlinked to the real one and `../shared` linked so the shared schemas resolve as in
 * the real checkout. Nx runs in it offline: no daemon, no cloud, local cache only.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The real workspace (this file is tools/nx-plugin/src/sandbox.ts). */
export const REAL_WORKSPACE = resolve(__dirname, '../../..');

export interface NxResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface Sandbox {
  /** The workspace root of the copy. */
  readonly ws: string;
  git(...args: string[]): string;
  /** Run the nx CLI in the copy (no daemon, no cloud, no TUI). Asynchronous: never blocks the event loop. */
  nx(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<NxResult>;
  write(path: string, content: string): void;
  append(path: string, content: string): void;
  read(path: string): string;
  commit(message: string): void;
  /** `nx show projects --affected` between HEAD~1 and HEAD (optionally for targets), sorted. */
  affected(targets?: readonly string[]): Promise<string[]>;
  /** The project graph (`nx graph --file`): project → the projects it depends on. */
  graph(): Promise<Record<string, string[]>>;
  /** The systems of the copy: every apps/<name>/src/system.ts. */
  systems(): string[];
  cleanup(): void;
}

export interface SandboxOptions {
  /** Copy charts/ and overlays/ too. @default false */
  readonly withOutputs?: boolean;
  /** Extra filter on workspace-relative paths. */
  readonly include?: (path: string) => boolean;
  /** Prefix of the temp folder. */
  readonly prefix?: string;
}

/** Environment for Nx in the sandbox: offline, no daemon, no TUI; the cache stays on. */
export function nxEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    NX_INTERACTIVE: 'false',
    CI: 'true',
    FORCE_COLOR: '0',
    ...extra,
  };
  delete env.NX_SKIP_NX_CACHE;
  delete env.NX_WORKSPACE_ROOT_PATH;
  // Vitest sets these; Nx must see a plain environment.
  delete env.VITEST;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  delete env.NODE_ENV;
  return env;
}

/** Run `node <args>` without blocking the event loop; collects stdout/stderr and the time taken. */
export function runNode(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<NxResult> {
  const t = Date.now();
  return new Promise((res) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', (err) =>
      res({ code: 1, stdout, stderr: `${stderr}${err.message}`, ms: Date.now() - t }),
    );
    child.on('close', (code) => res({ code: code ?? 1, stdout, stderr, ms: Date.now() - t }));
  });
}

/** Projects that depend on `project`, directly or not (from a graph of project → dependencies). */
export function dependentsOf(graph: Record<string, string[]>, project: string): string[] {
  const out = new Set<string>();
  const visit = (p: string) => {
    for (const [n, deps] of Object.entries(graph)) {
      if (deps.includes(p) && !out.has(n)) {
        out.add(n);
        visit(n);
      }
    }
  };
  visit(project);
  return [...out].sort();
}

function workspaceFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REAL_WORKSPACE,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return out.split('\0').filter((f) => f && existsSync(join(REAL_WORKSPACE, f)));
}

/** The nx CLI script of the installed nx package (its package.json `bin`). */
export function nxCliScript(workspace = REAL_WORKSPACE): string {
  const dir = join(workspace, 'node_modules', 'nx');
  const bin = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).bin;
  return join(dir, typeof bin === 'string' ? bin : bin.nx);
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), options.prefix ?? 'gitops-nx-'));
  const ws = join(root, 'ws');
  mkdirSync(ws);
  const shared = resolve(REAL_WORKSPACE, '..', 'shared');
  if (existsSync(shared)) symlinkSync(shared, join(root, 'shared'));
  for (const f of workspaceFiles()) {
    if (!options.withOutputs && (f.startsWith('charts/') || f.startsWith('overlays/'))) continue;
    if (options.include && !options.include(f)) continue;
    mkdirSync(dirname(join(ws, f)), { recursive: true });
    copyFileSync(join(REAL_WORKSPACE, f), join(ws, f));
  }
  symlinkSync(join(REAL_WORKSPACE, 'node_modules'), join(ws, 'node_modules'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: ws,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
      maxBuffer: 64 << 20,
    });
  git('init', '-q', '-b', 'main');
  git('config', 'commit.gpgsign', 'false');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  const nxBin = nxCliScript();
  const sb: Sandbox = {
    ws,
    git,
    nx(args, env) {
      return runNode([nxBin, ...args], ws, nxEnv(env));
    },
    write(path, content) {
      mkdirSync(dirname(join(ws, path)), { recursive: true });
      writeFileSync(join(ws, path), content);
    },
    append(path, content) {
      sb.write(path, sb.read(path) + content);
    },
    read(path) {
      return readFileSync(join(ws, path), 'utf8');
    },
    commit(message) {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
    },
    async affected(targets) {
      const args = [
        'show',
        'projects',
        '--affected',
        '--base=HEAD~1',
        '--head=HEAD',
        '--json',
        ...(targets?.length ? ['-t', ...targets] : []),
      ];
      const r = await sb.nx(args);
      if (r.code !== 0) throw new Error(`nx ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
      const line = r.stdout
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.trim().startsWith('['));
      if (!line) throw new Error(`unexpected nx output:\n${r.stdout}`);
      return (JSON.parse(line) as string[]).sort();
    },
    async graph() {
      const file = join(root, `graph-${Date.now()}.json`);
      const r = await sb.nx(['graph', `--file=${file}`]);
      if (r.code !== 0) throw new Error(`nx graph failed:\n${r.stderr}`);
      const g = JSON.parse(readFileSync(file, 'utf8')).graph;
      return Object.fromEntries(
        Object.keys(g.nodes).map((n) => [
          n,
          [...new Set<string>((g.dependencies[n] ?? []).map((d: { target: string }) => d.target))]
            .filter((t) => t in g.nodes)
            .sort(),
        ]),
      );
    },
    systems() {
      return readdirSync(join(ws, 'apps'))
        .filter((n) => existsSync(join(ws, 'apps', n, 'src', 'system.ts')))
        .sort();
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  return sb;
}
