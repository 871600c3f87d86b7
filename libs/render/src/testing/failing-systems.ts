/** Test source for render threads: synthetic systems, where a name starting with `gen-bad` fails in build(). */
import type { LoadedSystem } from '../registry';
import { fixtureSystem } from './fixture-system';

export async function load(names: readonly string[]): Promise<LoadedSystem[]> {
  return names.map((name) => {
    const base = fixtureSystem();
    const definition = fixtureSystem({
      name,
      defaults: { ...base.defaults, namespace: name },
      environments: { ...base.environments, prod: { ...base.environments.prod, namespace: `${name}-prod` } },
      ...(name.startsWith('gen-bad')
        ? {
            build() {
              throw new Error('boom');
            },
          }
        : {}),
    });
    return { definition, root: `apps/${name}` };
  });
}
