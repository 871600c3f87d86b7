/**
 * Content-addressed cache of each system's render (its samples — values and synthesized objects — chart
 * and overlay files), so `npm run render` does not synthesize and infer a chart again for a system none of
 * whose inputs changed. The key of a system is a sha256 over:
 *  - the code it runs: every module its `system.ts` loads, transitively (workspace and node_modules files,
 *    by content, from the module graph of this process), every library source (`libs/<lib>/src`), the
 *    lockfile and the TypeScript path mapping, and the Node.js version;
 *  - its data: every file under `apps/<system>/` (values, image lock, anything it reads);
 *  - its name.
 * A system whose module graph this process cannot see (loaded as an ES module) is keyed on every loaded
 * module and every file under `apps/` instead. Only successful renders are stored; entries are signed like
 * the verification cache's (verify-cache.ts), in `node_modules/.cache/gitops-render/`
 * (`$GITOPS_RENDER_CACHE_DIR`). `--no-cache` renders everything.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  renderSystemsParallel,
  WORKSPACE_ROOT,
  type LoadedSystem,
  type ParallelOptions,
  type SystemRender,
} from '@gitops/render';
import { codeVersion, hashFiles, keyOf, listFiles, SignedCache } from './verify-cache';

const FORMAT = 'gitops-render-cache/1';

type CachedRender = Pick<SystemRender, 'samples' | 'chart' | 'overlays'>;

export class RenderCache extends SignedCache {
  private readonly digests = new Map<string, string>();
  private shared?: string;

  constructor(
    readonly workspaceRoot = WORKSPACE_ROOT,
    dir = process.env.GITOPS_RENDER_CACHE_DIR ??
      join(WORKSPACE_ROOT, 'node_modules', '.cache', 'gitops-render'),
  ) {
    super(dir, FORMAT);
  }

  private digest(file: string): string {
    let d = this.digests.get(file);
    if (d === undefined) {
      let body: Buffer | string;
      try {
        body = readFileSync(file);
      } catch {
        body = '(unreadable)';
      }
      d = createHash('sha256').update(body).digest('hex');
      this.digests.set(file, d);
    }
    return d;
  }

  /**
   * Loaded modules reachable from `file` (itself included), sorted; undefined when it is not in the graph.
   * The registry's edges to the systems it loads (`apps/<x>/src/system.ts` required from outside `apps/`)
   * are not dependencies of a system, so they are not followed; a system's own import of another's files is.
   */
  private closure(file: string): string[] | undefined {
    const root = require.cache[file];
    if (!root) return undefined;
    const apps = `${this.workspaceRoot}/apps/`;
    const entry = /\/apps\/[^/]+\/src\/system\.ts$/;
    const seen = new Set<string>();
    const stack: NodeJS.Module[] = [root];
    while (stack.length) {
      const m = stack.pop()!;
      if (seen.has(m.filename)) continue;
      seen.add(m.filename);
      const loader = !m.filename.startsWith(apps);
      for (const c of m.children ?? []) if (!(loader && entry.test(c.filename))) stack.push(c);
    }
    return [...seen].sort();
  }

  private hashModules(files: readonly string[]): string {
    const ws = this.workspaceRoot;
    return keyOf(
      ...files.map(
        (f) => `${isAbsolute(f) && f.startsWith(`${ws}/`) ? relative(ws, f) : f}\0${this.digest(f)}`,
      ),
    );
  }

  /** What every system's key shares: library sources, lockfile, path mapping, Node.js version. */
  private sharedPart(): string {
    this.shared ??= keyOf(
      FORMAT,
      process.version,
      codeVersion(this.workspaceRoot),
      this.digest(join(this.workspaceRoot, 'tsconfig.base.json')),
    );
    return this.shared;
  }

  /** The key of a loaded system's render. */
  systemKey(s: LoadedSystem): string {
    const ws = this.workspaceRoot;
    const entry = resolve(ws, s.root, 'src', 'system.ts');
    const modules = this.closure(entry);
    const code = modules
      ? this.hashModules(modules)
      : keyOf(
          'every-module',
          this.hashModules(Object.keys(require.cache).sort()),
          hashFiles(ws, listFiles(ws, join(ws, 'apps'))),
        );
    return keyOf(this.sharedPart(), s.definition.name, code, hashFiles(ws, listFiles(ws, join(ws, s.root))));
  }
}

/**
 * Each system's render, from the cache where its key matches, else rendered (on every core for many
 * systems) and stored. In `systems` order; the first failing system's error is thrown.
 */
export async function renderSystemsCached(
  systems: readonly LoadedSystem[],
  cache: RenderCache | undefined,
  options: ParallelOptions = {},
): Promise<{ renders: SystemRender[]; cached: number }> {
  if (!cache) return { renders: await renderSystemsParallel(systems, options), cached: 0 };
  const keys = systems.map((s) => cache.systemKey(s));
  const renders: (SystemRender | undefined)[] = systems.map((s, i) => {
    const hit = cache.get<CachedRender>(keys[i]);
    return hit && { ...hit, system: s.definition };
  });
  const missing = systems.map((_, i) => i).filter((i) => !renders[i]);
  const fresh = await renderSystemsParallel(
    missing.map((i) => systems[i]),
    options,
  );
  missing.forEach((i, k) => {
    renders[i] = fresh[k];
    const { samples, chart, overlays } = fresh[k];
    cache.put(keys[i], { samples, chart, overlays } satisfies CachedRender);
  });
  cache.prune();
  return { renders: renders as SystemRender[], cached: systems.length - missing.length };
}
