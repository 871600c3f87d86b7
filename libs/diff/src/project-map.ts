/**
 * `nx show projects --affected` without Nx's project graph computation (~5 s on a 2-core machine, most of a
 * libs-wide preview), when it is safe to:
 *
 * - the **project file map** (each project's name and root, and the implicit dependencies Nx's configuration
 *   adds: `argocd` → every system) is committed in `tools/nx-plugin/project-map.json`, with the hash of
 *   everything that decides it (nx.json, the Nx plugin, every project.json / package.json / system.ts path and
 *   the project.json contents, the Nx version). When the hash of the working tree differs, the map is not used.
 * - the **import edges** are found here, in the sources of the working tree, the way Nx's TypeScript analysis
 *   finds them but wider: a project depends on another when any of its files names the other's
 *   tsconfig alias (`@gitops/render`) anywhere, or holds a relative path (`'../../libs/x/src'`) that lands in the
 *   other's root. Wider never loses a system: at worst a system is previewed that Nx would not have reached.
 * - a changed file must belong to a project (the longest root containing it). A file outside every project
 *   (package-lock.json, nx.json, tsconfig.base.json…) has its own Nx rules: the caller asks Nx.
 *
 * Affected = the projects owning a changed file or whose target inputs name it (`{workspaceRoot}/…` patterns,
 * kept in the map), plus every project depending on one of them, transitively — Nx's rules. `tools/nx-plugin/src/project-map.test.ts` checks the committed map against Nx's own graph, and
 * the affected sets against `nx show projects --affected`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import picomatch from 'picomatch';

/** The committed map, relative to the repository root. */
export const PROJECT_MAP_FILE = 'tools/nx-plugin/project-map.json';

export interface ProjectMap {
  /** Hash of the inputs of the map ({@link projectMapKey}). */
  readonly key: string;
  /** Project name → root folder (repository-relative, no trailing slash). */
  readonly projects: Readonly<Record<string, string>>;
  /** Project → projects it depends on through configuration (Nx's `implicit` edges). */
  readonly implicit: Readonly<Record<string, readonly string[]>>;
  /**
   * Project → the `{workspaceRoot}/…` file patterns of its targets' inputs: Nx counts a project touched when a
   * changed file matches one (its "implicitly touched projects" locator).
   */
  readonly inputs: Readonly<Record<string, readonly string[]>>;
  /** `{workspaceRoot}/…` patterns of nx.json's namedInputs and targetDefaults: a match touches every project. */
  readonly global: readonly string[];
}

/** The `{workspaceRoot}/…` patterns of a list of Nx inputs (strings and `{ fileset }` objects), as Nx extracts them. */
function workspaceRootPatterns(inputs: unknown): string[] {
  const out: string[] = [];
  for (const i of Array.isArray(inputs) ? inputs : []) {
    const s = typeof i === 'string' ? i : typeof i?.fileset === 'string' ? i.fileset : undefined;
    if (s?.startsWith('{workspaceRoot}/')) out.push(s.slice('{workspaceRoot}/'.length));
  }
  return out;
}
const patternsOfTargets = (targets: unknown) =>
  Object.values((targets as Record<string, { inputs?: unknown }>) ?? {}).flatMap((t) =>
    workspaceRootPatterns(t?.inputs),
  );
const patternsOfNamed = (named: unknown) =>
  Object.values((named as Record<string, unknown>) ?? {}).flatMap(workspaceRootPatterns);

/** The files that decide which projects exist and their configured edges. */
const isMapInput = (f: string) =>
  /(^|\/)(project|package)\.json$/.test(f) || /^apps\/[^/]+\/src\/system\.ts$/.test(f);
/** Files whose content decides the map (the others count by their path only). */
const contentMatters = (f: string) =>
  /(^|\/)project\.json$/.test(f) || ['nx.json', '.nxignore', 'tools/nx-plugin/src/index.js'].includes(f);
const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** The workspace's files as Nx sees them: tracked and untracked, not ignored (`git ls-files -co --exclude-standard`). */
export function workspaceFiles(repoDir: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile(
      'git',
      ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      { cwd: repoDir, maxBuffer: 256 << 20, encoding: 'utf8' },
      (err, out) => (err ? reject(err) : resolve(out.split('\0').filter(Boolean))),
    ),
  );
}

/** The key of the map's inputs in `repoDir` (files: {@link workspaceFiles}). */
export function projectMapKey(repoDir: string, files: readonly string[]): string {
  const h = createHash('sha256');
  let nxVersion = 'absent';
  try {
    nxVersion = JSON.parse(readFileSync(join(repoDir, 'node_modules', 'nx', 'package.json'), 'utf8')).version;
  } catch {
    // no Nx: the key still differs from any map generated with Nx
  }
  h.update(`gitops-project-map/1 nx ${nxVersion}\0`);
  const inputs = new Set(files.filter(isMapInput));
  for (const f of ['nx.json', '.nxignore', 'tools/nx-plugin/src/index.js']) inputs.add(f);
  for (const f of [...inputs].sort()) {
    h.update(f).update('\0');
    try {
      if (f === 'package.json') {
        // The root package.json decides projects only through its npm workspaces and `nx` fields (its
        // scripts and dependency versions do not move a project edge).
        const pkg = JSON.parse(readFileSync(join(repoDir, f), 'utf8'));
        h.update(sha(JSON.stringify({ workspaces: pkg.workspaces, nx: pkg.nx })));
      } else if (contentMatters(f)) h.update(sha(readFileSync(join(repoDir, f))));
    } catch {
      h.update('absent');
    }
    h.update('\0');
  }
  return h.digest('hex');
}

/** A map from JSON text, when well-formed. */
export function parseProjectMap(text: string): ProjectMap | undefined {
  try {
    const m = JSON.parse(text);
    const ok =
      typeof m?.key === 'string' &&
      m.projects &&
      typeof m.projects === 'object' &&
      Object.values(m.projects).every((r) => typeof r === 'string') &&
      [m.implicit, m.inputs].every(
        (rec) =>
          rec &&
          typeof rec === 'object' &&
          Object.values(rec).every((d) => Array.isArray(d) && d.every((x) => typeof x === 'string')),
      ) &&
      Array.isArray(m.global) &&
      m.global.every((x: unknown) => typeof x === 'string');
    return ok ? (m as ProjectMap) : undefined;
  } catch {
    return undefined;
  }
}

/** The committed map, when present and well-formed. */
export function readProjectMap(repoDir: string): ProjectMap | undefined {
  try {
    return parseProjectMap(readFileSync(join(repoDir, PROJECT_MAP_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The map of Nx's project graph JSON (`nx graph --file=<f>.json`) and nx.json, for `key`. */
export function projectMapOfGraph(graphJson: any, nxJson: any, key: string): ProjectMap {
  const g = graphJson.graph ?? graphJson;
  const names = Object.keys(g.nodes).sort();
  const projects: Record<string, string> = {};
  const implicit: Record<string, string[]> = {};
  const inputs: Record<string, string[]> = {};
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  for (const n of names) {
    projects[n] = String(g.nodes[n].data.root).replace(/\/+$/, '');
    const own = uniq([
      ...patternsOfTargets(g.nodes[n].data.targets),
      ...patternsOfNamed(g.nodes[n].data.namedInputs),
    ]);
    if (own.length) inputs[n] = own;
    const deps = [
      ...new Set<string>(
        (g.dependencies[n] ?? [])
          .filter((d: any) => d.type === 'implicit' && d.target in g.nodes)
          .map((d: any) => d.target),
      ),
    ].sort();
    if (deps.length) implicit[n] = deps;
  }
  const global = uniq([
    ...patternsOfNamed(nxJson?.namedInputs),
    ...patternsOfTargets(nxJson?.targetDefaults),
  ]);
  return { key, projects, implicit, inputs, global };
}

/** The project whose root holds `file` (the longest root), or undefined. */
export function ownerOf(map: ProjectMap, file: string): string | undefined {
  let best: string | undefined;
  let bestLen = -1;
  for (const [name, root] of Object.entries(map.projects)) {
    const inside = root === '' || root === '.' ? true : file === root || file.startsWith(`${root}/`);
    const len = root === '.' ? 0 : root.length;
    if (inside && len > bestLen) {
      best = name;
      bestLen = len;
    }
  }
  return best;
}

/** tsconfig.base.json `paths` without wildcards: alias → project; undefined when a wildcard alias exists. */
function aliasProjects(repoDir: string, map: ProjectMap): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let paths: Record<string, string[]> = {};
  try {
    paths =
      JSON.parse(readFileSync(join(repoDir, 'tsconfig.base.json'), 'utf8'))?.compilerOptions?.paths ?? {};
  } catch {
    return out;
  }
  for (const [alias, targets] of Object.entries(paths)) {
    if (alias.includes('*')) return undefined;
    for (const t of targets ?? []) {
      const owner = ownerOf(map, posix.normalize(t));
      if (owner) out.set(alias, owner);
    }
  }
  return out;
}

/**
 * Project → the projects it may depend on (import edges found in the sources, widened as described above,
 * plus the configured implicit edges).
 */
export function dependencyEdges(
  repoDir: string,
  map: ProjectMap,
  files: readonly string[],
): Map<string, Set<string>> | undefined {
  const aliases = aliasProjects(repoDir, map);
  if (!aliases) return undefined;
  const edges = new Map<string, Set<string>>(Object.keys(map.projects).map((p) => [p, new Set<string>()]));
  for (const [p, deps] of Object.entries(map.implicit)) for (const d of deps) edges.get(p)?.add(d);
  const relativeSpecifier = /['"`](\.{1,2}\/[^'"`\n]*)['"`]/g;
  for (const f of files) {
    if (!SOURCE.test(f) || f.includes('node_modules/')) continue;
    const owner = ownerOf(map, f);
    if (!owner) continue;
    let text: string;
    try {
      text = readFileSync(join(repoDir, f), 'utf8');
    } catch {
      continue;
    }
    const deps = edges.get(owner)!;
    for (const [alias, target] of aliases) if (target !== owner && text.includes(alias)) deps.add(target);
    if (!text.includes('./')) continue;
    for (const m of text.matchAll(relativeSpecifier)) {
      const target = ownerOf(map, posix.normalize(posix.join(posix.dirname(f), m[1])));
      if (target && target !== owner) deps.add(target);
    }
  }
  return edges;
}

/** Affected projects (sorted) from a map and the edges: owners of the changed files and their dependents. */
export function affectedOf(
  map: ProjectMap,
  edges: Map<string, Set<string>>,
  changedFiles: readonly string[],
): string[] | undefined {
  const touched = new Set<string>();
  const matches = (patterns: readonly string[]) => {
    if (!patterns.length) return false;
    const isMatch = picomatch([...patterns], { dot: true });
    return changedFiles.some((f) => isMatch(f));
  };
  // A global input (nx.json) touches every project; a target input touches its project.
  if (matches(map.global)) return Object.keys(map.projects).sort();
  for (const [p, patterns] of Object.entries(map.inputs)) if (matches(patterns)) touched.add(p);
  for (const f of changedFiles) {
    const owner = ownerOf(map, f);
    if (!owner) return undefined; // a root file: Nx's own rules
    touched.add(owner);
  }
  const dependents = new Map<string, string[]>();
  for (const [p, deps] of edges)
    for (const d of deps) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(p);
  const out = new Set<string>();
  const visit = (p: string) => {
    if (out.has(p)) return;
    out.add(p);
    for (const q of dependents.get(p) ?? []) visit(q);
  };
  touched.forEach(visit);
  return [...out].sort();
}

/**
 * The affected projects of `changedFiles` from the committed project map, or a reason why Nx must decide:
 * no map, a map whose inputs changed (then `key` is the workspace's: a map Nx computes for it may be cached), a
 * changed file outside every project, a wildcard alias.
 */
export async function affectedFromProjectMap(
  repoDir: string,
  changedFiles: readonly string[],
  committed: ProjectMap | undefined = readProjectMap(repoDir),
): Promise<{ projects: string[] } | { reason: string; key?: string }> {
  if (!existsSync(join(repoDir, 'nx.json'))) return { reason: 'no nx.json' };
  const files = await workspaceFiles(repoDir);
  const key = projectMapKey(repoDir, files);
  const map = committed;
  if (!map) return { reason: `no ${PROJECT_MAP_FILE}`, key };
  if (map.key !== key) return { reason: `${PROJECT_MAP_FILE} does not match the workspace's projects`, key };
  if (Object.values(map.projects).some((r) => r === '' || r === '.'))
    return { reason: 'a project at the workspace root (Nx decides which root files it owns)' };
  const global = map.global.length ? picomatch([...map.global], { dot: true }) : () => false;
  if (changedFiles.some((f) => !ownerOf(map, f) && !global(f)))
    return { reason: 'a changed file belongs to no project (Nx has its own rules for those)' };
  const edges = dependencyEdges(repoDir, map, files);
  if (!edges) return { reason: 'tsconfig.base.json has wildcard paths' };
  const projects = affectedOf(map, edges, changedFiles);
  return projects ? { projects } : { reason: 'a changed file belongs to no project' };
}

/** Where maps Nx computed for a workspace state are kept (machine-local, not committed), by key. */
export const projectMapCacheFile = (repoDir: string, key: string) =>
  join(repoDir, 'node_modules', '.cache', 'gitops-project-map', `${key}.json`);

/** A cached map for `key`, when present, well-formed and made for that key. */
export function readCachedProjectMap(repoDir: string, key: string): ProjectMap | undefined {
  try {
    const m = parseProjectMap(readFileSync(projectMapCacheFile(repoDir, key), 'utf8'));
    return m?.key === key ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Keep `map` for its key (atomically; nothing when node_modules is absent or read-only). */
export function cacheProjectMap(repoDir: string, map: ProjectMap): void {
  const file = projectMapCacheFile(repoDir, map.key);
  try {
    if (!existsSync(join(repoDir, 'node_modules'))) return;
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(map));
    renameSync(tmp, file);
  } catch {
    // a cache only
  }
}
