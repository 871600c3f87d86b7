/**
 * A render thread of {@link renderWorkspaceParallel}: loads the systems through the given source, then
 * renders the system index it is sent and replies with plain data (or the error), until terminated.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { renderSystem } from './pipeline';
import { workerError, type SystemSource } from './render-pool';
import type { LoadedSystem } from './registry';

async function main(): Promise<void> {
  const { source, names } = workerData as { source: SystemSource; names: string[] };
  let systems: Map<string, LoadedSystem> | undefined;
  let loadError: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(source.module);
    const loaded: LoadedSystem[] = await mod[source.exportName](names, ...(source.args ?? []));
    systems = new Map(loaded.map((s) => [s.definition.name, s]));
  } catch (err) {
    loadError = err;
  }
  parentPort!.on('message', (i: number) => {
    try {
      if (!systems) throw loadError;
      const s = systems.get(names[i]);
      if (!s) throw new Error(`render worker: system ${names[i]} not loaded`);
      const r = renderSystem(s.definition);
      parentPort!.postMessage({
        i,
        data: { name: names[i], samples: r.samples, chart: r.chart, overlays: r.overlays },
      });
    } catch (err) {
      parentPort!.postMessage({ i, error: workerError(err) });
    }
  });
  parentPort!.postMessage('ready');
}

void main();
