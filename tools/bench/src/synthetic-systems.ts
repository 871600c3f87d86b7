/**
 * Synthetic systems for the scale benchmark: the render library's fixture system under N names, each in
 * namespaces of its own (a namespace belongs to one system). Also the loader render threads call
 * (`renderWorkspaceParallel`'s SystemSource), so every thread builds the same definitions.
 */
import type { LoadedSystem } from '@gitops/render';
import { fixtureSystem } from '../../../libs/render/src/testing/fixture-system';

export function syntheticName(i: number): string {
  return `gen-${String(i).padStart(4, '0')}`;
}

export function syntheticSystem(name: string): LoadedSystem {
  const base = fixtureSystem();
  return {
    definition: fixtureSystem({
      name,
      defaults: { ...base.defaults, namespace: name },
      environments: { ...base.environments, prod: { ...base.environments.prod, namespace: `${name}-prod` } },
    }),
    root: `apps/${name}`,
  };
}

/** SystemSource loader: the synthetic systems of these names. */
export async function loadSyntheticSystems(names: readonly string[]): Promise<LoadedSystem[]> {
  return names.map(syntheticSystem);
}
