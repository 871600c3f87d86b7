/**
 * `npm run bench [-- --quick] [-- --runs N] [-- --only workspace,validation,kubeconform,diff,scale] [-- --save]`
 *
 * Benchmarks of the workspace (not timed tests), each the median of N runs (default 5; --quick: 3, and
 * the scale sizes once each):
 *   1. workspace  full render + validate of every system through Nx (`nx run-many -t render validate`) in a
 *                 throw-away copy of this workspace: cache disabled (--skip-nx-cache), then from a warm local
 *                 cache, without the daemon (as CI runs) and with it (as a developer runs);
 *   2. validation throughput of the strict validator on a generated corpus of 10,000 resources;
 *      kubeconform: `validate` ÷ kubeconform wall time (whole process) and peak RSS at 1k, 10k and 100k
 *                 resources, side by side when kubeconform is on PATH, else against its published figure
 *                 (tools/bench/src/kubeconform.ts);
 *   3. diff       a one-system diff preview (`tsx tools/cli/src/diff.ts --system <s>`) of a commit changing it;
 *   4. scale      50, 100 and 200 synthetic systems × 3 environments rendered and validated in a child
 *                 process each: time, and peak RSS.
 * Writes tmp/bench/results.json (and docs/bench-results.json with --save) and prints a table with the targets.
 */
import { cpus, totalmem, type } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchmarkValidation } from '@gitops/validation';
import { benchAgainstKubeconform, kubeconformRows } from './kubeconform';
import { createSandbox, nxEnv, REAL_WORKSPACE, runNode, type Sandbox } from '../../nx-plugin/src/sandbox';

interface Stat {
  readonly runs: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stat = (runs: number[]): Stat => ({
  runs,
  median: median(runs),
  min: Math.min(...runs),
  max: Math.max(...runs),
});
const log = (s: string) => process.stderr.write(`${s}\n`);

function parseArgs(argv: string[]) {
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--runs');
  const runs = i >= 0 ? Number(argv[i + 1]) : quick ? 3 : 5;
  const j = argv.indexOf('--only');
  const only = j >= 0 ? argv[j + 1].split(',') : ['workspace', 'validation', 'kubeconform', 'diff', 'scale'];
  const k = argv.indexOf('--sizes');
  const sizes = k >= 0 ? argv[k + 1].split(',').map(Number) : [50, 100, 200];
  return { quick, runs, only, sizes, save: argv.includes('--save') };
}

async function nxOk(
  sb: Sandbox,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ ms: number; out: string }> {
  const r = await sb.nx(args, env);
  if (r.code !== 0)
    throw new Error(`nx ${args.join(' ')} failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return { ms: r.ms, out: r.stdout };
}

async function benchWorkspace(runs: number) {
  const sb = createSandbox({ prefix: 'gitops-bench-', withOutputs: true });
  try {
    // The README's main job in one process: render every system × environment and validate the result.
    const tsx = join(REAL_WORKSPACE, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const direct: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await runNode([tsx, 'tools/cli/src/render.ts', '--quiet'], sb.ws, nxEnv());
      if (r.code !== 0) throw new Error(`npm run render failed (${r.code}):\n${r.stderr}`);
      direct.push(r.ms);
      log(`  workspace npm run render #${i + 1}: ${r.ms} ms`);
    }
    const args = ['run-many', '-t', 'render', 'validate', '--outputStyle=static'];
    const cold: number[] = [];
    let tasks = 0;
    for (let i = 0; i < runs; i++) {
      const r = await nxOk(sb, [...args, '--skip-nx-cache']);
      cold.push(r.ms);
      tasks = Number(/ran targets? .* for (\d+) projects?/.exec(r.out)?.[1] ?? 0);
      log(`  workspace cold #${i + 1}: ${r.ms} ms`);
    }
    await nxOk(sb, args); // fill the cache
    await nxOk(sb, args);
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await nxOk(sb, args);
      if (!/from the cache instead of running the command for (\d+) out of \1 tasks/.test(r.out))
        throw new Error(`expected every task from the cache:\n${r.out}`);
      warm.push(r.ms);
      log(`  workspace warm (no daemon) #${i + 1}: ${r.ms} ms`);
    }
    const warmDaemon: number[] = [];
    const daemon = { NX_DAEMON: 'true' };
    try {
      await nxOk(sb, args, daemon); // start the daemon
      for (let i = 0; i < runs; i++) {
        const r = await nxOk(sb, args, daemon);
        warmDaemon.push(r.ms);
        log(`  workspace warm (daemon) #${i + 1}: ${r.ms} ms`);
      }
    } finally {
      await sb.nx(['daemon', '--stop'], daemon);
    }
    const systems = sb.systems();
    return {
      systems: systems.length,
      projects: tasks,
      command: `nx ${args.join(' ')}`,
      directCommand: 'npm run render',
      directMs: stat(direct),
      coldMs: stat(cold),
      warmMs: stat(warm),
      warmDaemonMs: stat(warmDaemon),
    };
  } finally {
    sb.cleanup();
  }
}

function benchValidation(runs: number) {
  const results = [];
  for (let i = 0; i < runs + 1; i++) {
    const r = benchmarkValidation(10_000);
    if (i > 0) results.push(r); // the first run compiles the schemas
    log(
      `  validation #${i}: ${r.resources} resources in ${(r.seconds * 1000).toFixed(0)} ms${i === 0 ? ' (warm-up)' : ''}`,
    );
  }
  return {
    resources: results[0].resources,
    ms: stat(results.map((r) => Math.round(r.seconds * 1000))),
    perSecond: stat(results.map((r) => Math.round(r.perSecond))),
  };
}

async function benchDiff(runs: number) {
  const sb = createSandbox({ prefix: 'gitops-bench-diff-', withOutputs: true });
  try {
    const system = sb.systems().includes('mini-xdr') ? 'mini-xdr' : sb.systems()[0];
    // A change the preview has to show: one system's rendered values file.
    const values = `charts/${system}/values-prod.yaml`;
    sb.write(
      values,
      sb.read(values).replace(/^(\s*replicas:\s*)(\d+)/m, (_, a, b) => `${a}${Number(b) + 1}`),
    );
    sb.commit(`bench: change ${system}`);
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await runNode(
        [
          join(REAL_WORKSPACE, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
          'tools/cli/src/diff.ts',
          '--base',
          'HEAD~1',
          '--head',
          'HEAD',
          '--system',
          system,
          '--format',
          'json',
        ],
        sb.ws,
        nxEnv(),
      );
      if (r.code !== 0 && r.code !== 2) throw new Error(`diff failed (${r.code}):\n${r.stderr}`);
      ms.push(r.ms);
      log(`  diff #${i + 1}: ${r.ms} ms`);
    }
    return {
      system,
      command: `tsx tools/cli/src/diff.ts --base HEAD~1 --head HEAD --system ${system} --format json`,
      ms: stat(ms),
    };
  } finally {
    sb.cleanup();
  }
}

async function benchScale(sizes: number[], runs: number) {
  const out = [];
  const worker = join(REAL_WORKSPACE, 'tools', 'bench', 'src', 'scale-worker.ts');
  const tsx = join(REAL_WORKSPACE, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  for (const n of sizes) {
    const samples: any[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await runNode([tsx, worker, String(n)], REAL_WORKSPACE, { ...process.env });
      if (r.code !== 0) throw new Error(`scale worker ${n} failed:\n${r.stderr}`);
      const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
      samples.push({ ...j, wallMs: r.ms });
      log(
        `  scale ${n} systems #${i + 1}: ${j.totalMs} ms in-process (${r.ms} ms wall), peak ${j.maxRssMiB} MiB`,
      );
    }
    out.push({
      systems: n,
      environments: 3,
      resources: samples[0].resources,
      files: samples[0].files,
      totalMs: stat(samples.map((s) => s.totalMs)),
      renderMs: stat(samples.map((s) => s.renderMs)),
      validateMs: stat(samples.map((s) => s.validateMs)),
      wallMs: stat(samples.map((s) => s.wallMs)),
      peakRssMiB: Math.max(...samples.map((s) => s.maxRssMiB)),
    });
  }
  // The same with the real-binary parity run of `npm run render`, once per size (it dominates).
  const withParity = [];
  for (const n of sizes.filter((x) => x <= 100)) {
    const r = await runNode([tsx, worker, String(n), '--parity'], REAL_WORKSPACE, { ...process.env });
    if (r.code !== 0) throw new Error(`scale worker ${n} --parity failed:\n${r.stderr}`);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    if (j.parityProblems) throw new Error(`scale ${n}: ${j.parityProblems} parity problems`);
    withParity.push({ systems: n, wallMs: r.ms, parityMs: j.parityMs, peakRssMiB: j.maxRssMiB });
    log(
      `  scale ${n} systems with helm/kustomize parity: ${r.ms} ms wall (parity ${j.parityMs} ms), peak ${j.maxRssMiB} MiB`,
    );
  }
  // Growth: cost per system at each size, and the exponent of a power-law fit between the ends (1 = linear).
  const first = out[0];
  const last = out[out.length - 1];
  const exponent =
    out.length > 1
      ? Math.log(last.wallMs.median / first.wallMs.median) / Math.log(last.systems / first.systems)
      : NaN;
  return {
    sizes: out,
    withParity,
    msPerSystem: out.map((s) => ({ systems: s.systems, ms: Math.round(s.wallMs.median / s.systems) })),
    growthExponent: Number(exponent.toFixed(2)),
  };
}

function machine() {
  const nxVersion = JSON.parse(
    readFileSync(join(REAL_WORKSPACE, 'node_modules', 'nx', 'package.json'), 'utf8'),
  ).version;
  return {
    os: type(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    nx: nxVersion,
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const results: any = { date: new Date().toISOString(), machine: machine(), runs: o.runs, quick: o.quick };
  if (o.only.includes('workspace')) {
    log('workspace: full render + validate through Nx');
    results.workspace = await benchWorkspace(o.runs);
  }
  if (o.only.includes('validation')) {
    log('validation throughput');
    results.validation = benchValidation(o.runs);
  }
  if (o.only.includes('kubeconform')) {
    log('validate vs kubeconform at 1k, 10k and 100k resources (whole process, start-up included)');
    results.kubeconform = benchAgainstKubeconform(
      o.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000],
      Math.min(o.runs, 3),
      log,
    );
  }
  if (o.only.includes('diff')) {
    log('one-system diff preview');
    results.diff = await benchDiff(o.runs);
  }
  if (o.only.includes('scale')) {
    log('scale: synthetic systems × 3 environments');
    results.scale = await benchScale(o.sizes, o.quick ? 1 : o.runs);
  }
  const rows: [string, string, string, string][] = [];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const vs = (v: number, t: number) => `${(v / t).toFixed(2)}× target ${v <= t ? 'ok' : 'MISSED'}`;
  if (results.workspace) {
    const w = results.workspace;
    rows.push([
      `workspace render+validate, no cache: npm run render (${w.systems} systems, one process)`,
      s(w.directMs.median),
      '< 5 s',
      vs(w.directMs.median, 5000),
    ]);
    rows.push([
      'workspace render+validate, no cache: nx run-many (one process per task)',
      s(w.coldMs.median),
      '-',
      '-',
    ]);
    rows.push([
      'workspace render+validate, warm Nx cache, daemon (developer)',
      s(w.warmDaemonMs.median),
      '< 1 s',
      vs(w.warmDaemonMs.median, 1000),
    ]);
    rows.push(['workspace render+validate, warm Nx cache, no daemon (CI)', s(w.warmMs.median), '-', '-']);
  }
  if (results.validation) {
    const v = results.validation;
    rows.push([
      `validation of ${v.resources} resources`,
      `${s(v.ms.median)} (${v.perSecond.median}/s)`,
      '-',
      '-',
    ]);
  }
  if (results.kubeconform) rows.push(...kubeconformRows(results.kubeconform));
  if (results.diff)
    rows.push([`diff preview of one system (${results.diff.system})`, s(results.diff.ms.median), '-', '-']);
  if (results.scale) {
    for (const z of results.scale.sizes) {
      rows.push([
        `scale ${z.systems} systems × 3 envs`,
        `${s(z.wallMs.median)}, peak ${z.peakRssMiB} MiB`,
        z.systems === 100 ? '< 60 s, < 1 GiB' : '< 1 GiB',
        z.systems === 100 ? vs(z.wallMs.median, 60000) : z.peakRssMiB < 1024 ? 'ok' : 'MISSED',
      ]);
    }
    for (const z of results.scale.withParity ?? []) {
      rows.push([
        `scale ${z.systems} systems × 3 envs incl. real helm/kustomize parity (1 run)`,
        `${s(z.wallMs)}, peak ${z.peakRssMiB} MiB`,
        z.systems === 100 ? '< 60 s' : '-',
        z.systems === 100 ? vs(z.wallMs, 60000) : '-',
      ]);
    }
    rows.push([
      'scale growth exponent (1 = linear)',
      String(results.scale.growthExponent),
      '≈ 1',
      results.scale.growthExponent <= 1.15 ? 'ok' : 'MISSED',
    ]);
  }
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(...rows.map((r) => r[i].length), ['benchmark', 'median', 'target', 'vs target'][i].length),
  );
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  const m = results.machine;
  process.stdout.write(
    `\nmedians of ${o.runs} runs${o.quick ? ' (--quick)' : ''} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, Nx ${m.nx}\n`,
  );
  process.stdout.write(
    `${line(['benchmark', 'median', 'target', 'vs target'])}\n${rows.map(line).join('\n')}\n`,
  );
  mkdirSync(join(REAL_WORKSPACE, 'tmp', 'bench'), { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(REAL_WORKSPACE, 'tmp', 'bench', 'results.json'), json);
  if (o.save) writeFileSync(join(REAL_WORKSPACE, 'docs', 'bench-results.json'), json);
  process.stdout.write(`results: tmp/bench/results.json${o.save ? ', docs/bench-results.json' : ''}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
