import { runPreview, type PreviewOptions } from './preview';

export interface BenchmarkResult {
  /** Applications previewed per run. */
  readonly applications: number;
  /** Systems the change reached. */
  readonly systems: readonly string[];
  readonly runs: number;
  /** Wall time of each run in this process (the first, cold, run included), ms. */
  readonly timesMs: readonly number[];
  readonly medianMs: number;
  /** Milliseconds per phase of the median run. */
  readonly timings?: Readonly<Record<string, number>>;
  readonly stale?: string;
}

/**
 * Time `runs` previews of the same change in this process (as `npm run diff` runs it: the head is the working
 * tree, the stale-output check on). The first run pays module loading and JIT and is kept in the list; the
 * median of 5 is not moved by it.
 */
export async function benchmarkPreview(
  options: PreviewOptions & { runs?: number } = {},
): Promise<BenchmarkResult> {
  const runs = options.runs ?? 5;
  const times: number[] = [];
  const reports = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await runPreview({ base: 'HEAD~1', ...options });
    times.push(Math.round(performance.now() - t0));
    reports.push(r);
  }
  const order = times.map((t, i) => [t, i]).sort((a, b) => a[0] - b[0]);
  const [medianMs, at] = order[Math.floor(order.length / 2)];
  const r = reports[at];
  return {
    applications: r.apps.length,
    systems: r.selection.systems,
    runs,
    timesMs: times,
    medianMs,
    timings: r.timings,
    stale: r.stale?.status,
  };
}

// `tsx libs/diff/src/bench.ts [--repo <dir>] [--runs N] [--base <ref>]`: prints one JSON line (the bench worker).
if (require.main === module) {
  const args = process.argv.slice(2);
  const get = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  benchmarkPreview({
    repoDir: get('--repo'),
    base: get('--base') ?? 'HEAD~1',
    runs: Number(get('--runs') ?? 5),
  })
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((err) => {
      process.stderr.write(`bench: ${err?.message ?? err}\n`);
      process.exitCode = 1;
    });
}
