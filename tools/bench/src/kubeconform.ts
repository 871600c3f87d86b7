/**
 * `validate` against kubeconform, side by side, at 1k, 10k and 100k resources: the same generated stream
 * (libs/validation generateBenchCorpus: 10 kinds incl. CRDs, ~1% invalid), the same schema folder and flags
 * (`-strict -summary -kubernetes-version 1.31.0`, the generated layout and its CRD template), whole process
 * wall time (start-up included) and peak RSS, median of N runs. The real kubeconform is used when one is on
 * PATH (`KUBECONFORM=/path/to/kubeconform` to choose); otherwise the ratio is against kubeconform's
 * published figure (README: 50,714 resources in 6.71 s on a 4-core laptop, i.e. 7,558 resources/s).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSchemaDir, generateBenchCorpus } from '@gitops/validation';

const ROOT = join(__dirname, '..', '..', '..');
export const PUBLISHED_PER_SECOND = 50_714 / 6.71;

interface Sample {
  readonly ms: number;
  readonly rssMiB?: number;
  readonly summary: string;
}

/** The kubeconform to compare with: `$KUBECONFORM` when it exists, else one on PATH, else none. */
export function kubeconformBinary(): string | undefined {
  return which('kubeconform');
}

function which(cmd: string): string | undefined {
  if (process.env.KUBECONFORM)
    return existsSync(process.env.KUBECONFORM) ? process.env.KUBECONFORM : undefined;
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * The flags both tools run with: strict, Kubernetes 1.31.0 and the same local schema folder (generated layout and
 * its CRD template) — kubeconform's default location is on the network, unreachable here.
 */
export function sideBySideFlags(): string[] {
  const schemas = ensureSchemaDir();
  return [
    '-strict',
    '-summary',
    '-kubernetes-version',
    '1.31.0',
    '-schema-location',
    schemas,
    '-schema-location',
    `${schemas}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`,
  ];
}

/**
 * The command `npm run validate` runs (package.json), without npm's own start-up: `node [node flags]
 * tools/cli/bin/validate.cjs`, so that the figures are the command users run.
 */
export function validateCommand(): string[] {
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.validate;
  const words = script.trim().split(/\s+/);
  if (words[0] !== 'node' || words.some((w) => /["'$`;&|<>]/.test(w)))
    throw new Error(`package.json scripts.validate is not a plain node command: ${script}`);
  return [process.execPath, ...words.slice(1).map((w) => (w.endsWith('.cjs') ? join(ROOT, w) : w))];
}

function runOnce(cmd: string, args: string[]): Sample {
  const started = process.hrtime.bigint();
  const r = TIME
    ? spawnSync(TIME, ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, cwd: ROOT })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, cwd: ROOT });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const summary = (r.stdout.match(/^Summary: .*$/m) ?? [''])[0];
  if (!summary) throw new Error(`${cmd} ${args.join(' ')} printed no summary:\n${r.stderr.slice(-2000)}`);
  const kb = TIME ? Number((r.stderr.trim().split('\n').pop() ?? '').trim()) : NaN;
  return { ms, summary, ...(Number.isFinite(kb) ? { rssMiB: Math.round(kb / 1024) } : {}) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export interface SideBySide {
  readonly resources: number;
  readonly validatorMs: number;
  readonly validatorRssMiB?: number;
  readonly kubeconformMs: number;
  readonly kubeconformRssMiB?: number;
  /** validator ÷ kubeconform time. */
  readonly ratio: number;
  readonly reference: 'kubeconform' | 'published figure';
}

export function benchAgainstKubeconform(
  sizes: readonly number[] = [1_000, 10_000, 100_000],
  runs = 5,
  log: (s: string) => void = () => {},
): SideBySide[] {
  const dir = join(ROOT, 'tmp', 'bench', 'kubeconform');
  mkdirSync(dir, { recursive: true });
  const flags = sideBySideFlags();
  const kubeconform = kubeconformBinary();
  const out: SideBySide[] = [];
  for (const n of sizes) {
    const file = join(dir, `corpus-${n}.yaml`);
    if (!existsSync(file)) writeFileSync(file, generateBenchCorpus(n));
    const [node, ...validator] = validateCommand();
    runOnce(node, [...validator, ...flags, file]); // builds the CLI and compiles the schemas once
    const ours: Sample[] = [];
    const theirs: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      ours.push(runOnce(node, [...validator, ...flags, file]));
      if (kubeconform) theirs.push(runOnce(kubeconform, [...flags, file]));
    }
    if (kubeconform && ours[0].summary !== theirs[0].summary)
      throw new Error(
        `summaries differ at ${n}:\n  validate:    ${ours[0].summary}\n  kubeconform: ${theirs[0].summary}`,
      );
    const validatorMs = median(ours.map((s) => s.ms));
    const kubeconformMs = kubeconform ? median(theirs.map((s) => s.ms)) : (n / PUBLISHED_PER_SECOND) * 1000;
    const rss = (xs: Sample[]) =>
      xs[0]?.rssMiB !== undefined ? median(xs.map((s) => s.rssMiB!)) : undefined;
    const row: SideBySide = {
      resources: n,
      validatorMs,
      validatorRssMiB: rss(ours),
      kubeconformMs,
      kubeconformRssMiB: kubeconform ? rss(theirs) : undefined,
      ratio: validatorMs / kubeconformMs,
      reference: kubeconform ? 'kubeconform' : 'published figure',
    };
    log(
      `  ${n} resources: validate ${validatorMs.toFixed(0)} ms${row.validatorRssMiB ? ` (${row.validatorRssMiB} MiB)` : ''}, ` +
        `${row.reference} ${kubeconformMs.toFixed(0)} ms${row.kubeconformRssMiB ? ` (${row.kubeconformRssMiB} MiB)` : ''}, ratio ${row.ratio.toFixed(2)}`,
    );
    out.push(row);
  }
  return out;
}

/** `npm run bench -- --only kubeconform` rows: [benchmark, median, target, verdict]. */
export function kubeconformRows(rows: readonly SideBySide[]): [string, string, string, string][] {
  const target = (n: number) => (n <= 1_000 ? 1.0 : 0.5);
  const memory: [string, string, string, string][] = rows
    .filter((r) => r.resources >= 100_000 && r.validatorRssMiB !== undefined)
    .map((r) =>
      r.kubeconformRssMiB
        ? [
            `validate ÷ kubeconform peak RSS, ${r.resources} resources`,
            `${(r.validatorRssMiB! / r.kubeconformRssMiB).toFixed(2)} (${r.validatorRssMiB} vs ${r.kubeconformRssMiB} MiB)`,
            '≤ 2.0',
            r.validatorRssMiB! <= 2 * r.kubeconformRssMiB ? 'ok' : 'MISSED',
          ]
        : [
            `validate peak RSS, ${r.resources} resources`,
            `${r.validatorRssMiB} MiB`,
            '≤ 2 × kubeconform',
            'n/a (kubeconform not on PATH: no published memory figure)',
          ],
    );
  return [
    ...rows.map((r): [string, string, string, string] => [
      `validate ÷ ${r.reference === 'kubeconform' ? 'kubeconform' : 'kubeconform (published 7,558/s)'}, ${r.resources} resources`,
      `${r.ratio.toFixed(2)} (${(r.validatorMs / 1000).toFixed(2)} s vs ${(r.kubeconformMs / 1000).toFixed(2)} s${
        r.validatorRssMiB
          ? `, ${r.validatorRssMiB}${r.kubeconformRssMiB ? ` vs ${r.kubeconformRssMiB}` : ''} MiB`
          : ''
      })`,
      `≤ ${target(r.resources).toFixed(1)}`,
      r.ratio <= target(r.resources) ? 'ok' : 'MISSED',
    ]),
    ...memory,
  ];
}

if (require.main === module) {
  const sizes = (process.argv[2] ?? '1000,10000,100000').split(',').map(Number);
  const runs = Number(process.argv[3] ?? 3);
  const rows = benchAgainstKubeconform(sizes, runs, (s) => process.stderr.write(s + '\n'));
  for (const r of kubeconformRows(rows)) process.stdout.write(r.join(' | ') + '\n');
}
