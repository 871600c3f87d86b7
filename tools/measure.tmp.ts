import { performance } from 'node:perf_hooks';
import { loadSystems } from '../libs/render/src/registry';
import { sampleSystem } from '../libs/render/src/pipeline';
import { inferTemplates } from '../libs/render/src/emit-chart';
import { findUnsoundValues, TypedRenderCache, describeUnsound, allLeaves } from '../libs/render/src/chart-interface';
(async () => {
  const systems = await loadSystems();
  for (const s of systems) {
    const samples = sampleSystem(s.definition);
    const hidden = (s.definition.renderTime ?? []).map((d: string) => d.split('.'));
    const t0 = performance.now();
    const templates = inferTemplates(s.definition, samples, hidden);
    const t1 = performance.now();
    const cache = new TypedRenderCache(s.definition);
    const uns = findUnsoundValues(s.definition, samples, templates, cache, new Set(hidden.map((h) => JSON.stringify(h))));
    const t2 = performance.now();
    console.log(`${s.definition.name}: leaves ${allLeaves(samples).length} infer ${(t1 - t0).toFixed(0)}ms check ${(t2 - t1).toFixed(0)}ms unsound ${uns.length}`);
    for (const u of uns) console.log('  ' + describeUnsound(u).slice(0, 300));
  }
})();
