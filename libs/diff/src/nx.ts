import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  affectedFromProjectMap,
  cacheProjectMap,
  projectMapOfGraph,
  readCachedProjectMap,
} from './project-map';

/** The environment of an Nx child process: no daemon, no Nx Cloud, no TUI (and, for queries, no cache). */
function nxChildEnv(skipCache: boolean): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    ...(skipCache ? { NX_SKIP_NX_CACHE: 'true' } : {}),
    CI: process.env.CI ?? 'false',
  };
}

/** The nx CLI script (`bin.nx` of its package.json): the workspace's own install, else the one next to this library. */
export function nxScript(repoDir: string): string | undefined {
  const candidates: string[] = [join(repoDir, 'node_modules', 'nx', 'package.json')];
  try {
    candidates.push(createRequire(__filename).resolve('nx/package.json'));
  } catch {
    // not installed beside the library
  }
  for (const pkgJson of candidates) {
    if (!existsSync(pkgJson)) continue;
    try {
      const bin = JSON.parse(readFileSync(pkgJson, 'utf8')).bin;
      const rel = typeof bin === 'string' ? bin : bin?.nx;
      if (rel && existsSync(join(dirname(pkgJson), rel))) return join(dirname(pkgJson), rel);
    } catch {
      // try the next
    }
  }
  return undefined;
}

/** Whether Nx analyses TypeScript imports in this workspace (same rule as Nx's js plugin). */
export function nxAnalyzesSources(repoDir: string): boolean {
  try {
    const nxJson = JSON.parse(readFileSync(join(repoDir, 'nx.json'), 'utf8'));
    const cfg = nxJson?.pluginsConfig?.['@nx/js'];
    if (cfg) return cfg.analyzeSourceFiles !== false;
    const pkg = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8'));
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    return ['@nx/workspace', '@nx/js', '@nx/node', '@nx/next', '@nx/react', '@nx/angular', '@nx/web'].some(
      (d) => d in deps,
    );
  } catch {
    return false;
  }
}

/**
 * `nx show projects --affected --files=<files> --json` in `repoDir` (offline: no daemon, no cloud).
 * Returns an Error (never throws) when Nx is missing, fails, or cannot see library imports.
 */
export function nxAffectedProjects(
  repoDir: string,
  files: readonly string[],
  timeoutMs = 60_000,
): string[] | Error {
  if (!existsSync(join(repoDir, 'nx.json'))) return new Error('no nx.json in the repository');
  const script = nxScript(repoDir);
  if (!script) return new Error('the nx package is not installed');
  if (files.some((f) => f.startsWith('libs/')) && !nxAnalyzesSources(repoDir)) {
    return new Error(
      'Nx does not analyse TypeScript imports here: set pluginsConfig["@nx/js"].analyzeSourceFiles to true in nx.json',
    );
  }
  try {
    const out = execFileSync(
      process.execPath,
      [script, 'show', 'projects', '--affected', `--files=${files.join(',')}`, '--json'],
      {
        cwd: repoDir,
        encoding: 'utf8',
        timeout: timeoutMs,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: nxChildEnv(true),
        maxBuffer: 64 << 20,
      },
    );
    const line = out
      .trim()
      .split('\n')
      .reverse()
      .find((l) => l.trim().startsWith('['));
    if (!line) return new Error(`unexpected nx output: ${out.trim().slice(0, 200)}`);
    const parsed = JSON.parse(line);
    if (!Array.isArray(parsed)) return new Error('unexpected nx output');
    return parsed.map(String);
  } catch (err: any) {
    const lines = String(err?.stderr || err?.message || err)
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const msg = lines.find((l) => /error/i.test(l)) ?? lines[0] ?? 'nx failed';
    return new Error(`nx show projects --affected failed: ${msg}`);
  }
}

/** {@link nxAffectedProjects} without blocking the event loop (the preview works on while Nx computes the graph). */
export function nxAffectedProjectsAsync(
  repoDir: string,
  files: readonly string[],
  timeoutMs = 60_000,
): Promise<string[] | Error> {
  if (!existsSync(join(repoDir, 'nx.json')))
    return Promise.resolve(new Error('no nx.json in the repository'));
  const script = nxScript(repoDir);
  if (!script) return Promise.resolve(new Error('the nx package is not installed'));
  if (files.some((f) => f.startsWith('libs/')) && !nxAnalyzesSources(repoDir)) {
    return Promise.resolve(
      new Error(
        'Nx does not analyse TypeScript imports here: set pluginsConfig["@nx/js"].analyzeSourceFiles to true in nx.json',
      ),
    );
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, 'show', 'projects', '--affected', `--files=${files.join(',')}`, '--json'],
      {
        cwd: repoDir,
        encoding: 'utf8',
        timeout: timeoutMs,
        maxBuffer: 64 << 20,
        env: nxChildEnv(true),
      },
      (err, stdout, stderr) => {
        if (err) {
          const lines = String(stderr || err.message)
            .trim()
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean);
          resolve(
            new Error(
              `nx show projects --affected failed: ${lines.find((l) => /error/i.test(l)) ?? lines[0] ?? 'nx failed'}`,
            ),
          );
          return;
        }
        const line = stdout
          .trim()
          .split('\n')
          .reverse()
          .find((l) => l.trim().startsWith('['));
        try {
          const parsed = line ? JSON.parse(line) : undefined;
          resolve(
            Array.isArray(parsed)
              ? parsed.map(String)
              : new Error(`unexpected nx output: ${stdout.trim().slice(0, 200)}`),
          );
        } catch {
          resolve(new Error(`unexpected nx output: ${stdout.trim().slice(0, 200)}`));
        }
      },
    );
  });
}

/** `nx graph --file` in `repoDir` without blocking: the project graph JSON, or an Error. */
function nxGraphAsync(repoDir: string, timeoutMs: number): Promise<any | Error> {
  const script = nxScript(repoDir);
  if (!script) return Promise.resolve(new Error('the nx package is not installed'));
  const dir = mkdtempSync(join(tmpdir(), 'gitops-nx-graph-'));
  const file = join(dir, 'graph.json');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, 'graph', `--file=${file}`],
      {
        cwd: repoDir,
        timeout: timeoutMs,
        maxBuffer: 64 << 20,
        env: nxChildEnv(false),
      },
      (err) => {
        try {
          resolve(err ? err : JSON.parse(readFileSync(file, 'utf8')));
        } catch (e: any) {
          resolve(e instanceof Error ? e : new Error(String(e)));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  });
}

/**
 * The affected projects of `files`, from the first of:
 * 1. the committed project map, when it matches the workspace (no Nx process: see project-map.ts);
 * 2. a map Nx computed earlier for this very workspace state (node_modules/.cache/gitops-project-map/<key>.json),
 *    else computed now with `nx graph` and kept: a stale committed map costs one graph computation per state of
 *    the projects, not one per preview;
 * 3. `nx show projects --affected` ({@link nxAffectedProjectsAsync}), when a changed file belongs to no project
 *    (Nx's own rules for root files) or anything above fails.
 */
export async function affectedProjects(
  repoDir: string,
  files: readonly string[],
  timeoutMs = 60_000,
): Promise<string[] | Error> {
  const fromMap = await affectedFromProjectMap(repoDir, files).catch(
    (err) => ({ reason: String(err?.message ?? err) }) as { reason: string; key?: string },
  );
  if ('projects' in fromMap) return fromMap.projects;
  if (fromMap.key) {
    let map = readCachedProjectMap(repoDir, fromMap.key);
    if (!map) {
      const graph = await nxGraphAsync(repoDir, timeoutMs);
      if (!(graph instanceof Error)) {
        try {
          const nxJson = JSON.parse(readFileSync(join(repoDir, 'nx.json'), 'utf8'));
          map = projectMapOfGraph(graph, nxJson, fromMap.key);
          cacheProjectMap(repoDir, map);
        } catch {
          map = undefined;
        }
      }
    }
    if (map) {
      const again = await affectedFromProjectMap(repoDir, files, map).catch(() => undefined);
      if (again && 'projects' in again) return again.projects;
    }
  }
  return nxAffectedProjectsAsync(repoDir, files, timeoutMs);
}
