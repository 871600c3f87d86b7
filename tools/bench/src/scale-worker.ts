/**
 * One scale measurement, in its own process (so its peak RSS is its own): N synthetic systems (the render
 * library's fixture system under N names) × 3 environments rendered in-process to charts and overlays
 * (`renderWorkspace`: values, synthesis, chart and overlay emitters, template inference), then every rendered
 * environment validated strictly against its Kubernetes version and checked by the policies.
 * Prints one JSON line. With `--parity`, also what `npm run render` verifies with the real binaries: the
 * outputs are staged and every system × environment is rendered with `helm template` and `kustomize build`
 * and compared with the synthesis (two targets at a time, as `npm run render` does).
 *
 *   tsx tools/bench/src/scale-worker.ts <systems> [--parity]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkParity, parityTargets, renderWorkspaceParallel, stageFiles } from '@gitops/render';
import { syntheticName, syntheticSystem } from './synthetic-systems';
import { createValidator, policyContextFor, runPolicies, type Validator } from '@gitops/validation';

async function main(): Promise<void> {
  const n = Number(process.argv[2]);
  const parity = process.argv.includes('--parity');
  if (!Number.isInteger(n) || n < 1) throw new Error('usage: scale-worker.ts <systems>');
  const t0 = performance.now();
  const systems = Array.from({ length: n }, (_, i) => syntheticSystem(syntheticName(i)));
  // On every core (worker threads, this one included), as `npm run render` renders many systems.
  const rendered = await renderWorkspaceParallel(systems, undefined, {
    source: { module: join(__dirname, 'synthetic-systems.ts'), exportName: 'loadSyntheticSystems' },
  });
  const t1 = performance.now();
  const validators = new Map<string, Validator>();
  let resources = 0;
  let invalid = 0;
  let violations = 0;
  for (const r of rendered.systems) {
    for (const sample of r.samples) {
      if (sample.label === 'defaults') continue;
      const version = (sample.values as any).cluster.kubernetesVersion as string;
      let v = validators.get(version);
      if (!v) validators.set(version, (v = createValidator({ kubernetesVersion: version, strict: true })));
      const results = v.validateObjects(sample.objects, `${r.system.name}/${sample.label}`);
      resources += results.length;
      invalid += results.filter((x) => x.status === 'statusInvalid' || x.status === 'statusError').length;
      violations += runPolicies(sample.objects, policyContextFor(sample.label), {
        source: `${r.system.name}/${sample.label}`,
      }).length;
    }
  }
  const t2 = performance.now();
  let parityProblems = 0;
  if (parity) {
    const dir = mkdtempSync(join(tmpdir(), 'gitops-scale-'));
    try {
      stageFiles(dir, rendered.files);
      const targets = rendered.systems.flatMap(parityTargets);
      let next = 0;
      await Promise.all(
        [0, 1].map(async () => {
          while (next < targets.length) {
            const t = targets[next++];
            for (const r of await checkParity(dir, t, 'v35')) parityProblems += r.problems.length;
          }
        }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const t3 = performance.now();
  const bytes = [...rendered.files.values()].reduce((a, c) => a + c.length, 0);
  process.stdout.write(
    `${JSON.stringify({
      systems: n,
      environments: 3,
      files: rendered.files.size,
      bytes,
      resources,
      invalid,
      policyViolations: violations,
      renderMs: Math.round(t1 - t0),
      validateMs: Math.round(t2 - t1),
      ...(parity ? { parityMs: Math.round(t3 - t2), parityProblems } : {}),
      totalMs: Math.round(t3 - t0),
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
