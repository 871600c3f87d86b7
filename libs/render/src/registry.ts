import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { createContext, Script } from 'node:vm';
import { globSync } from 'tinyglobby';
import {
  authorFrame,
  buildBudgetMs,
  ConfigError,
  RESERVED_SYSTEM_NAMES,
  type SystemDefinition,
} from './system';
import { withImageLock } from './image-lock';

/** The workspace root (this file is libs/render/src/registry.ts). */
export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

/** A system found in `apps/<name>/src/system.ts`. */
export interface LoadedSystem {
  readonly definition: SystemDefinition<any>;
  /** Workspace-relative folder, e.g. `apps/mini-xdr`. */
  readonly root: string;
}

/** The system files under `apps/`: every `apps/<name>/src/system.ts`, sorted. */
export function systemFiles(workspaceRoot = WORKSPACE_ROOT): string[] {
  return globSync('apps/*/src/system.ts', { cwd: workspaceRoot }).sort();
}

const LOAD_SCRIPT = new Script('__load()', { filename: 'gitops-load-budget' });
const loadContext = createContext({ __load: undefined as unknown });

/**
 * Import a system file within the time budget: an endless loop at import time (the top level of
 * `system.ts` or of a module it imports) is stopped, like one in `build()`, instead of hanging the render.
 * Under the CLIs (TypeScript compiled by the CommonJS loader hook) the file is required synchronously inside
 * a `vm` script with a timeout, so V8 interrupts a runaway top level; elsewhere (an in-process test runner
 * with its own module loader) it is imported without the bound.
 */
export function importWithinBudget(file: string, budgetMs = buildBudgetMs()): Promise<any> {
  if (!(typeof require === 'function' && require.extensions?.['.ts'])) return import(file);
  return loadWithinBudget(() => requireDetached(file), budgetMs);
}

/**
 * `require(file)` from a parent module of its own (not this one): a system's module is then nobody's child in
 * the module graph, so the graph walked from one system (the render cache's key) does not reach the others
 * through `@gitops/render`.
 */
export function requireDetached(file: string): any {
  return createRequire(file)(file);
}

/** Run a synchronous module load within the time budget (a `vm` timeout interrupts a runaway top level). */
export function loadWithinBudget(load: () => any, budgetMs = buildBudgetMs()): Promise<any> {
  loadContext.__load = load;
  try {
    return Promise.resolve(LOAD_SCRIPT.runInContext(loadContext, { timeout: budgetMs, breakOnSigint: true }));
  } catch (err) {
    return Promise.reject(err);
  } finally {
    loadContext.__load = undefined;
  }
}

/** How loadSystems treats each system's images.lock.yaml. */
export interface LoadOptions {
  /** `locked`: apply the lock (tags, digests) after checking it agrees with the sources; `sources`: ignore it. @default 'locked' */
  readonly images?: 'locked' | 'sources';
  /** How a system file is loaded. @default dynamic `import()` */
  readonly importModule?: (file: string) => Promise<any>;
}

/**
 * Load every system of the workspace. Adding a system is adding a folder: nothing here lists them.
 * @param only restrict to these system names (unknown names are an error)
 */
export async function loadSystems(
  only?: readonly string[],
  workspaceRoot = WORKSPACE_ROOT,
  options: LoadOptions = {},
): Promise<LoadedSystem[]> {
  const out: LoadedSystem[] = [];
  for (const file of systemFiles(workspaceRoot)) {
    const root = dirname(dirname(file));
    if (only && !only.includes(basename(root))) continue;
    const name = basename(root);
    if (RESERVED_SYSTEM_NAMES.includes(name)) {
      throw new ConfigError(
        `${file}: "${name}" is a reserved name (${RESERVED_SYSTEM_NAMES.join(', ')}): overlays/argocd holds the Argo CD objects ` +
          'and the others are Kubernetes namespaces or platform folders; rename the folder and the system',
      );
    }
    if (!/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/.test(name)) {
      throw new ConfigError(
        `${file}: the folder name "${name}" must be a DNS-1123 label of at most 40 characters (lower-case letters, digits, '-'): ` +
          'it names the chart, the overlay, the namespace and the Argo CD Applications (<system>-<environment>)',
      );
    }
    let mod: any;
    try {
      mod = await (options.importModule ?? importWithinBudget)(join(workspaceRoot, file));
    } catch (err: any) {
      if (err?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new ConfigError(
          `${file}: loading system "${name}" did not finish within its ${buildBudgetMs() / 1000}s budget: an endless ` +
            'loop at the top level of the file or of a module it imports? Stopped; raise GITOPS_BUILD_BUDGET_MS if it truly needs longer',
        );
      }
      if (err?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') throw err;
      // A file that does not compile keeps esbuild's own message (printed by the CLI).
      if (/^(Transform|Build) failed with \d+ error/.test(String(err?.message))) throw err;
      if (err instanceof ConfigError) throw err;
      const first = String(err?.message ?? err)
        .split('\n')[0]
        .split(`${workspaceRoot}/`)
        .join('');
      if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND')
        throw new ConfigError(`${file}: an import cannot be resolved: ${first}`);
      throw new ConfigError(`${authorFrame(err, name) ?? file}: loading system "${name}" failed: ${first}`);
    }
    const definition: SystemDefinition<any> | undefined = mod.default ?? mod.system;
    if (!definition || typeof definition.build !== 'function') {
      throw new ConfigError(`${file}: expected a default export created with defineSystem({...})`);
    }
    if (definition.name !== basename(root)) {
      throw new ConfigError(
        `${file}: system name "${definition.name}" must equal its folder name "${basename(root)}"`,
      );
    }
    out.push({
      definition: options.images === 'sources' ? definition : withImageLock(definition, root, workspaceRoot),
      root,
    });
  }
  if (only) {
    const found = new Set(out.map((s) => s.definition.name));
    const missing = only.filter((n) => !found.has(n));
    if (missing.length) {
      const known = systemFiles(workspaceRoot).map((f) => basename(dirname(dirname(f))));
      throw new ConfigError(
        `unknown system ${missing.map((m) => `"${m}"`).join(', ')} (known: ${known.join(', ')})`,
      );
    }
  }
  return out;
}

/**
 * {@link loadSystems} through `require` (a render thread: tsx's ESM loader is not available in worker
 * threads on Node 20, its CommonJS one is).
 */
export function loadSystemsInThread(
  only: readonly string[] | undefined,
  workspaceRoot = WORKSPACE_ROOT,
): Promise<LoadedSystem[]> {
  return loadSystems(only, workspaceRoot, {
    importModule: (f) => loadWithinBudget(() => requireDetached(f)),
  });
}

export function hasSystem(name: string, workspaceRoot = WORKSPACE_ROOT): boolean {
  return existsSync(join(workspaceRoot, 'apps', name, 'src', 'system.ts'));
}
