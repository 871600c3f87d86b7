/**
 * Stale outputs: do the committed charts/overlays (and Argo CD files) say what the head's sources say?
 *
 * The check renders only the systems the change reaches, in process (the render library, no helm):
 * 1. every environment of each such system is synthesized from the head's sources and compared, object by
 *    object, with the head's committed chart/overlay as Argo CD renders it (the preview renders it anyway);
 * 2. the Argo CD files are regenerated (pure, from the systems' facts) and compared byte for byte;
 * 3. only when something differs, the systems are rendered in full to name the stale files exactly.
 * It runs where the head's sources are the running workspace (CI checks out the pull request's head).
 */
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifests, type K8sObject } from '@gitops/toolchain';
import { expandLists } from './diff-manifests';
import type { StaleCheck } from './types';

/** The sources of a system: `apps/<name>/src/system.ts`. */
export const systemSource = (repo: string, name: string) => join(repo, 'apps', name, 'src', 'system.ts');

/** The workspace this code belongs to (libs/diff/src → root). */
export const OWN_WORKSPACE = join(__dirname, '..', '..', '..');

/** Whether in-process rendering of `repo`'s sources is possible: the repository is the running workspace. */
export function canRenderInProcess(repo: string): boolean {
  try {
    return realpathSync(repo) === realpathSync(OWN_WORKSPACE);
  } catch {
    return false;
  }
}

/** Systems loaded and synthesized ahead of time (while Nx computes the graph), by system name. */
export interface PreparedSystems {
  readonly loaded: readonly { definition: any; root: string }[];
  readonly samples: ReadonlyMap<string, { label: string; objects: K8sObject[] }[] | Error>;
}

/** Load and synthesize every system with sources (in process): the expensive part of the check, done early. */
export async function prepareSystems(repo: string, only?: readonly string[]): Promise<PreparedSystems> {
  const render = await import('@gitops/render');
  const loaded = await render.loadSystems(undefined, repo);
  const samples = new Map<string, { label: string; objects: K8sObject[] }[] | Error>();
  for (const s of loaded) {
    if (only && !only.includes(s.definition.name)) continue;
    // Let pending IO (git, Nx, helm) progress between systems.
    await new Promise((r) => setImmediate(r));
    try {
      samples.set(s.definition.name, render.sampleSystem(s.definition) as any);
    } catch (err: any) {
      samples.set(s.definition.name, err instanceof Error ? err : new Error(String(err)));
    }
  }
  return { loaded, samples };
}

export interface StaleInputs {
  /** Systems prepared ahead of time (any superset of `systems`). */
  readonly prepared?: Promise<PreparedSystems>;
  readonly repo: string;
  /** Systems to check (those the change reaches and that have sources or committed outputs). */
  readonly systems: readonly string[];
  /** Regenerate and compare the Argo CD files too. */
  readonly argocd: boolean;
  /** Head render of the Application of (system, environment): YAML text, or an error; undefined when there is none. */
  readonly headRender: (
    system: string,
    environment: string,
  ) => Promise<{ text: string } | { error: string } | undefined>;
  /** Called with sub-phase timings (ms). */
  readonly onTiming?: (phase: string, ms: number) => void;
}

/** Run the stale-output check (in process). Never throws for a render problem: that is reported as stale. */
export async function checkStale(inputs: StaleInputs): Promise<StaleCheck> {
  const { repo } = inputs;
  let t0 = performance.now();
  const lap = (phase: string) => {
    const now = performance.now();
    inputs.onTiming?.(phase, Math.round(now - t0));
    t0 = now;
  };
  const render = await import('@gitops/render');
  const withSources = inputs.systems.filter((s) => existsSync(systemSource(repo, s)));
  const removed = inputs.systems.filter((s) => !withSources.includes(s));
  const objects: string[] = [];
  const files: string[] = [];
  const staleSystems = new Set<string>();

  for (const s of removed) {
    for (const root of [`charts/${s}`, `overlays/${s}`])
      if (existsSync(join(repo, root))) {
        files.push(`stale: ${root}/ (system ${s} has no sources any more)`);
        staleSystems.add(s);
      }
  }
  let loaded: Awaited<ReturnType<typeof render.loadSystems>> = [];
  let prepared: PreparedSystems | undefined;
  try {
    prepared = inputs.prepared ? await inputs.prepared : undefined;
    loaded = prepared
      ? prepared.loaded.filter((s) => withSources.includes(s.definition.name))
      : withSources.length
        ? await render.loadSystems(withSources, repo)
        : [];
    if (prepared && loaded.length < withSources.length) loaded = await render.loadSystems(withSources, repo);
  } catch (err: any) {
    return {
      status: 'stale',
      systems: inputs.systems,
      files: [],
      objects: [],
      reason: `the head's sources do not render: ${String(err?.message ?? err).split('\n')[0]}`,
    };
  }
  lap('stale.prepare');
  for (const sys of loaded) {
    const name = sys.definition.name;
    let samples: { label: string; objects: K8sObject[] }[];
    try {
      const pre = prepared?.samples.get(name);
      if (pre instanceof Error) throw pre;
      samples = pre ?? (render.sampleSystem(sys.definition) as any);
    } catch (err: any) {
      objects.push(`${name}: the sources do not render: ${String(err?.message ?? err).split('\n')[0]}`);
      staleSystems.add(name);
      continue;
    }
    for (const sample of samples.slice(1)) {
      const env = String(sample.label);
      const r = await inputs.headRender(name, env);
      if (!r) {
        objects.push(`${name} ${env}: no Argo CD Application renders it`);
        staleSystems.add(name);
        continue;
      }
      if ('error' in r) {
        objects.push(`${name} ${env}: committed output does not render`);
        staleSystems.add(name);
        continue;
      }
      let actual: K8sObject[];
      try {
        actual = expandLists(parseManifests(r.text, `${name} ${env}`));
      } catch {
        objects.push(`${name} ${env}: committed output does not parse`);
        staleSystems.add(name);
        continue;
      }
      const problems = render.compareObjectSets(sample.objects, actual);
      if (problems.length) {
        staleSystems.add(name);
        // Names and paths only: the differing values could be secret.
        for (const p of problems.slice(0, 20))
          objects.push(`${name} ${env}: ${p.replace(/: expected .*$/s, '')}`);
        if (problems.length > 20) objects.push(`${name} ${env}: … ${problems.length - 20} more`);
      }
    }
  }

  lap('stale.compare');
  let argoFiles: Map<string, string> | undefined;
  if (inputs.argocd && existsSync(join(repo, 'apps', 'argocd', 'src', 'index.ts'))) {
    try {
      const all = prepared ? prepared.loaded : await render.loadSystems(undefined, repo);
      const mod = await import(join(repo, 'apps', 'argocd', 'src', 'index.ts'));
      // The systems synthesized for step 1 are not synthesized again (same sources, same values).
      const synthesized = (system: string, env: string) => {
        const samples = prepared?.samples.get(system);
        return samples instanceof Error ? undefined : samples?.find((x) => x.label === env)?.objects;
      };
      const out: Record<string, string> = mod.renderArgoCdFiles(all, synthesized);
      argoFiles = new Map(
        Object.entries(out).map(([p, c]) => [
          p.startsWith(`${render.ARGOCD_ROOT}/`) ? p : `${render.ARGOCD_ROOT}/${p}`,
          c,
        ]),
      );
      files.push(...render.compareWithDisk(repo, argoFiles, [render.ARGOCD_ROOT]));
    } catch (err: any) {
      files.push(
        `${render.ARGOCD_ROOT}: the Argo CD objects do not render: ${String(err?.message ?? err).split('\n')[0]}`,
      );
    }
  }

  lap('stale.argocd');
  // Name the stale files exactly: render the differing systems in full (only on failure, so the cost is paid rarely).
  const exact = loaded.filter((s) => staleSystems.has(s.definition.name));
  if (exact.length) {
    try {
      const w = render.renderWorkspace(exact, undefined);
      files.push(...render.compareWithDisk(repo, w.files, w.roots));
    } catch (err: any) {
      files.push(
        `the sources of ${[...staleSystems].join(', ')} do not render: ${String(err?.message ?? err).split('\n')[0]}`,
      );
    }
  }
  const stale = files.length > 0 || objects.length > 0;
  return {
    status: stale ? 'stale' : 'fresh',
    systems: [...inputs.systems],
    files: [...new Set(files)],
    objects,
  };
}
