/**
 * Render parity: the chart (through `helm template`, as Argo CD runs it) and the overlay (through
 * `kustomize build`) must give the same objects, field for field, as the cdk8s synthesis.
 */
import { join } from 'node:path';
import {
  helmTemplateAsync,
  kustomizeBuildAsync,
  parseManifests,
  type K8sObject,
  type ToolchainId,
} from '@gitops/toolchain';
import { toArgoHooks } from './hooks';
import { canonical } from './values-index';
import type { SystemRender } from './pipeline';

export interface ParityTarget {
  readonly system: string;
  readonly environment: string;
  readonly namespace: string;
  readonly kubeVersion: string;
  readonly expected: readonly K8sObject[];
}

export interface ParityResult {
  readonly target: ParityTarget;
  readonly form: 'helm' | 'kustomize';
  readonly toolchain: ToolchainId;
  readonly objects: readonly K8sObject[];
  readonly problems: readonly string[];
}

function key(o: K8sObject): string {
  return `${o.apiVersion}/${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** Field-level differences between two object sets, as readable lines. */
export function compareObjectSets(expected: readonly K8sObject[], actual: readonly K8sObject[]): string[] {
  const want = new Map(expected.map((o) => [key(o), toArgoHooks(o)]));
  const got = new Map(actual.map((o) => [key(o), toArgoHooks(o)]));
  const problems: string[] = [];
  for (const [k, o] of want) {
    const a = got.get(k);
    if (!a) problems.push(`missing ${k}`);
    else if (canonical(a) !== canonical(o)) problems.push(`differs ${k}: ${firstDifference(o, a)}`);
  }
  for (const k of got.keys()) if (!want.has(k)) problems.push(`unexpected ${k}`);
  return problems;
}

function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (canonical(a) === canonical(b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of [...keys].sort()) {
      const d = firstDifference((a as any)[k], (b as any)[k], `${path}/${k}`);
      if (d) return d;
    }
  }
  return `${path || '/'}: expected ${JSON.stringify(a)}, got ${JSON.stringify(b)}`;
}

export function parityTargets(r: SystemRender): ParityTarget[] {
  return r.samples.slice(1).map((s) => ({
    system: r.system.name,
    environment: s.label,
    namespace: String((s.values as any).namespace),
    kubeVersion: String((s.values as any).cluster?.kubernetesVersion ?? ''),
    expected: s.objects,
  }));
}

/** Render one target in both forms from an output tree (the workspace, or a staging folder) and compare. */
export async function checkParity(
  outputDir: string,
  t: ParityTarget,
  toolchain: ToolchainId,
): Promise<ParityResult[]> {
  const [helmText, kustomizeText] = await Promise.all([
    helmTemplateAsync({
      chartDir: join(outputDir, 'charts', t.system),
      releaseName: t.system,
      namespace: t.namespace,
      valueFiles: [join(outputDir, 'charts', t.system, `values-${t.environment}.yaml`)],
      kubeVersion: t.kubeVersion || undefined,
      toolchain,
    }),
    kustomizeBuildAsync(join(outputDir, 'overlays', t.system, t.environment), toolchain),
  ]);
  const helm = parseManifests(helmText, `helm template charts/${t.system} -f values-${t.environment}.yaml`);
  const kust = parseManifests(kustomizeText, `kustomize build overlays/${t.system}/${t.environment}`);
  return [
    { target: t, form: 'helm', toolchain, objects: helm, problems: compareObjectSets(t.expected, helm) },
    { target: t, form: 'kustomize', toolchain, objects: kust, problems: compareObjectSets(t.expected, kust) },
  ];
}
