import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import { authorFrame, ConfigError, RESERVED_SYSTEM_NAMES, type SystemDefinition } from './system';
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
      mod = await (options.importModule ?? ((f: string) => import(f)))(join(workspaceRoot, file));
    } catch (err: any) {
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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return loadSystems(only, workspaceRoot, { importModule: async (f) => require(f) });
}

export function hasSystem(name: string, workspaceRoot = WORKSPACE_ROOT): boolean {
  return existsSync(join(workspaceRoot, 'apps', name, 'src', 'system.ts'));
}
