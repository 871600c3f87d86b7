import type { Selection } from './types';

/** What a changed file reaches. */
export type FileReach =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'system'; readonly system: string }
  | { readonly kind: 'argocd'; readonly environment: string }
  | { readonly kind: 'nx' };

/**
 * Documentation: reaches nothing. Nothing under `charts/` or `overlays/` is documentation — a render may read
 * any file there (a `.txt` or `.md` named by a configMapGenerator, `.Files.Get` in a template); a `.txt`
 * elsewhere may be read by code, so only `docs/`, markdown-like files and LICENSE/NOTICE/CODEOWNERS count.
 */
export function isDocFile(file: string): boolean {
  if (file.startsWith('charts/') || file.startsWith('overlays/')) return false;
  return (
    file.startsWith('docs/') ||
    /\.(md|mdx|markdown|rst|adoc)$/i.test(file) ||
    /(^|\/)(LICENSE|NOTICE|CODEOWNERS)$/.test(file)
  );
}

/**
 * Map one changed file (repository-relative) to what it reaches:
 * docs and markdown reach nothing; `charts/<s>/`, `overlays/<s>/` and `apps/<s>/` reach system `s`;
 * `overlays/argocd/<env>/` reaches the applications defined there; anything else (libs, root config) is for Nx to decide.
 * `systems` is the set of known system names: folders that are not systems go to Nx.
 */
export function classifyFile(file: string, systems: ReadonlySet<string>): FileReach {
  if (isDocFile(file)) return { kind: 'ignored' };
  const [top, second, third] = file.split('/');
  if (top === 'overlays' && second === 'argocd' && third !== undefined)
    return { kind: 'argocd', environment: third };
  if (
    (top === 'charts' || top === 'overlays' || top === 'apps') &&
    second &&
    systems.has(second) &&
    third !== undefined
  ) {
    return { kind: 'system', system: second };
  }
  return { kind: 'nx' };
}

export interface SelectInputs {
  readonly changedFiles: readonly string[];
  /** Every system with an Application on either side. */
  readonly systems: readonly string[];
  /** Applications defined in a changed `overlays/argocd/...` file, by file (both sides). */
  readonly applicationsInFile: (file: string) => readonly { application: string; system: string }[];
  /** Nx affected projects for these files, or an Error when Nx cannot tell. Called only when needed. */
  readonly nxAffected: (files: readonly string[]) => readonly string[] | Error;
}

/** Decide which systems and applications a change reaches, with reasons. Pure given its inputs. */
export function selectChanged(inputs: SelectInputs): { selection: Selection; notes: string[] } {
  const systems = new Set(inputs.systems);
  const selectedSystems = new Set<string>();
  const selectedApps = new Set<string>();
  const reasons: Record<string, string[]> = {};
  const notes: string[] = [];
  const reason = (name: string, why: string) =>
    (reasons[name] ??= []).includes(why) || reasons[name].push(why);
  const ignored: string[] = [];
  const forNx: string[] = [];

  for (const f of inputs.changedFiles) {
    const r = classifyFile(f, systems);
    if (r.kind === 'ignored') ignored.push(f);
    else if (r.kind === 'system') {
      selectedSystems.add(r.system);
      reason(r.system, f);
    } else if (r.kind === 'argocd') {
      for (const a of inputs.applicationsInFile(f)) {
        selectedApps.add(a.application);
        reason(a.application, f);
      }
    } else forNx.push(f);
  }

  let nx: Selection['nx'] = 'not-needed';
  if (forNx.length) {
    const affected = inputs.nxAffected(forNx);
    if (affected instanceof Error) {
      nx = 'failed';
      notes.push(`Nx could not compute affected projects (${affected.message}); previewing every system.`);
      for (const s of systems) {
        selectedSystems.add(s);
        reason(s, 'every system (Nx unavailable)');
      }
    } else {
      nx = 'used';
      const hits = affected.filter((p) => systems.has(p));
      // Name the changed folders (two levels, e.g. libs/render) rather than one arbitrary file.
      const folders = [
        ...new Set(
          forNx.map((f) =>
            f
              .split('/')
              .slice(0, f.includes('/') ? 2 : 1)
              .join('/'),
          ),
        ),
      ].sort();
      const via = `${folders.slice(0, 3).join(', ')}${folders.length > 3 ? ` (+${folders.length - 3} more)` : ''}`;
      for (const s of hits) {
        selectedSystems.add(s);
        reason(s, `Nx affected by ${via}`);
      }
    }
  }
  // An application whose whole system is previewed anyway: its reasons join the system's.
  for (const f of inputs.changedFiles) {
    if (classifyFile(f, systems).kind !== 'argocd') continue;
    for (const a of inputs.applicationsInFile(f)) {
      if (!selectedSystems.has(a.system)) continue;
      selectedApps.delete(a.application);
      delete reasons[a.application];
      reason(a.system, f);
    }
  }
  return {
    selection: {
      systems: [...selectedSystems].sort(),
      applications: [...selectedApps].sort(),
      reasons,
      changedFiles: [...inputs.changedFiles],
      ignoredFiles: ignored,
      nx,
    },
    notes,
  };
}
