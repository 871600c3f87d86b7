/**
 * The straight line: values per environment → synthesis → chart + overlays (pure), then the
 * Argo CD objects. Produces a map of repository-relative paths to contents; `outputs.ts` writes it.
 */
import type { K8sObject } from '@gitops/toolchain';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '@gitops/environments';
import { emitChart } from './emit-chart';
import { emitOverlays } from './emit-overlay';
import { checkOwnership } from './ownership';
import type { LoadedSystem } from './registry';
import { resolveValues, synthesize, type SystemDefinition } from './system';
import type { Sample } from './values-index';

/** Everything rendered for one system. */
export interface SystemRender {
  readonly system: SystemDefinition<any>;
  /** defaults first, then one per environment. */
  readonly samples: readonly Sample<K8sObject[]>[];
  /** Files relative to `charts/<system>/`. */
  readonly chart: Record<string, string>;
  /** Files relative to `overlays/<system>/`. */
  readonly overlays: Record<string, string>;
}

export function sampleSystem(
  system: SystemDefinition<any>,
  environments: readonly EnvironmentName[] = ENVIRONMENT_NAMES,
): Sample<K8sObject[]>[] {
  return (['defaults', ...environments] as const).map((label) => {
    const values = resolveValues(system, label);
    return { label, values, objects: synthesize(system, values, label) };
  });
}

export function renderSystem(system: SystemDefinition<any>): SystemRender {
  const samples = sampleSystem(system);
  return { system, samples, chart: emitChart(system, { samples }), overlays: emitOverlays(system, samples) };
}

/** Renders the Argo CD objects for the systems: `apps/argocd` provides it. */
export type ArgoCdRenderer = (systems: LoadedSystem[]) => Record<string, string>;

export interface WorkspaceRender {
  readonly systems: readonly SystemRender[];
  /** Repository-relative path → content, for every managed output. */
  readonly files: Map<string, string>;
  /** Output roots this render owns (replaced whole on write). */
  readonly roots: readonly string[];
}

export const ARGOCD_ROOT = 'overlays/argocd';

export function renderWorkspace(systems: readonly LoadedSystem[], argocd?: ArgoCdRenderer): WorkspaceRender {
  return assembleWorkspace(
    systems.map((s) => renderSystem(s.definition)),
    systems,
    argocd,
  );
}

/** The workspace's files from every system's render (in `systems` order), checked for ownership. */
export function assembleWorkspace(
  renders: SystemRender[],
  systems: readonly LoadedSystem[],
  argocd?: ArgoCdRenderer,
): WorkspaceRender {
  const files = new Map<string, string>();
  const roots: string[] = [];
  for (const r of renders) {
    const name = r.system.name;
    roots.push(`charts/${name}`, `overlays/${name}`);
    for (const [p, c] of Object.entries(r.chart)) files.set(`charts/${name}/${p}`, c);
    for (const [p, c] of Object.entries(r.overlays)) files.set(`overlays/${name}/${p}`, c);
  }
  checkOwnership(renders);
  if (argocd) {
    roots.push(ARGOCD_ROOT);
    for (const [p, c] of Object.entries(argocd([...systems]))) {
      const path = p.startsWith(`${ARGOCD_ROOT}/`) ? p : `${ARGOCD_ROOT}/${p}`;
      files.set(path, c);
    }
  }
  return {
    systems: renders,
    files: new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b))),
    roots,
  };
}
