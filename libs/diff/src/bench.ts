import { runPreview, type PreviewOptions } from './preview';

export interface BenchmarkResult {
  readonly system: string;
  readonly applications: number;
  readonly runs: number;
  /** Wall time of each run, ms. */
  readonly timesMs: readonly number[];
  readonly medianMs: number;
}

/**
 * Time a one-system preview (`runs` times): select the system regardless of the change
 * (as `npm run diff -- --all --system <s>` does), export the base tree, render base and head of every
 * environment with the real helm/kustomize, diff and format nothing. The first system found when none is given.
 */
export async function benchmarkPreview(
  options: PreviewOptions & { system?: string; runs?: number } = {},
): Promise<BenchmarkResult> {
  const runs = options.runs ?? 3;
  const times: number[] = [];
  let system = options.system;
  let applications = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await runPreview({
      skipUnchanged: false,
      ...options,
      all: true,
      systems: system ? [system] : options.systems,
    });
    times.push(Math.round(performance.now() - t0));
    if (!system && r.apps.length) {
      system = r.apps[0].system;
      // Re-run restricted to that one system from now on; the first timing covered every system.
      times.length = 0;
      i = -1;
      continue;
    }
    applications = r.apps.length;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    system: system ?? '(none)',
    applications,
    runs,
    timesMs: times,
    medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const get = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  benchmarkPreview({
    system: get('--system'),
    base: get('--base') ?? 'HEAD',
    runs: Number(get('--runs') ?? 3),
    repoDir: get('--repo'),
  })
    .then((r) => {
      console.log(
        `one-system diff preview (${r.system}, ${r.applications} application(s), base+head rendered): median ${r.medianMs} ms over ${r.runs} runs [${r.timesMs.join(', ')}]; target < 3000 ms`,
      );
    })
    .catch((err) => {
      console.error(`bench: ${err?.message ?? err}`);
      process.exit(1);
    });
}
