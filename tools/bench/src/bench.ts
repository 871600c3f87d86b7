/**
 * `npm run bench [-- --quick] [-- --runs N] [-- --only startup,workspace,validation,kubeconform,diff,shards,scale] [-- --save]`
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
 *   0. startup    `--help` and a trivial run of the compiled CLIs vs tsx (whole processes);
 *   3. diff       diff previews in process: one system (target < 1 s) and libs-wide (target < 3 s), plus the CLI;
 *   3b. shards    4 render shards as parallel processes, merged, byte-for-byte equal to one render;
 *   4. scale      50, 100 and 200 synthetic systems × 3 environments rendered and validated in a child
 *                 process each: time, and peak RSS.
 * Writes tmp/bench/results.json (and docs/bench-results.json with --save) and prints a table with the targets.
 */
import { cpus, totalmem, type } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchmarkValidation } from '@gitops/validation';
import { benchAgainstKubeconform, kubeconformRows, validateCommand } from './kubeconform';
import { helmTemplate } from '@gitops/toolchain';
import { spawnSync } from 'node:child_process';
import { createSandbox, nxEnv, REAL_WORKSPACE, runNode, type Sandbox } from '../../nx-plugin/src/sandbox';
import { runLocalShards } from '../../nx-plugin/src/shard-local';

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
  const only =
    j >= 0
      ? argv[j + 1].split(',')
      : ['startup', 'workspace', 'validation', 'kubeconform', 'diff', 'shards', 'scale'];
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

/**
 * Diff previews in a copy of the workspace, as a pull request would be previewed (head = the checked-out working
 * tree, stale-output check on), each timed in one process by the copy's own `libs/diff/src/bench.ts`:
 *  - one system: a source change of one system, re-rendered and committed (that system's applications at base and
 *    head, its stale check and the Argo CD files'): target < 1 s;
 *  - libs-wide: a change in libs/ that Nx finds reaching every system (Nx, every system's stale check): target < 3 s.
 * The CLI's wall time of the one-system case is recorded too (process start-up included).
 */
async function benchDiff(runs: number) {
  const sb = createSandbox({ prefix: 'gitops-bench-diff-', withOutputs: true });
  const tsx = join(REAL_WORKSPACE, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const worker = async (label: string) => {
    const r = await runNode(
      [tsx, 'libs/diff/src/bench.ts', '--base', 'HEAD~1', '--runs', String(runs)],
      sb.ws,
      nxEnv(),
    );
    if (r.code !== 0) throw new Error(`diff bench (${label}) failed (${r.code}):\n${r.stderr}`);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    log(
      `  diff ${label}: ${j.timesMs.join(', ')} ms (median ${j.medianMs}; ${JSON.stringify(j.timings)}; stale ${j.stale})`,
    );
    if (j.stale !== 'fresh') throw new Error(`diff bench (${label}): stale check ${j.stale}, expected fresh`);
    return j;
  };
  try {
    const system = 'mini-xdr';
    // One system: its prod values change in the sources, re-rendered and committed.
    const envFile = `apps/${system}/src/environments.ts`;
    const text = sb.read(envFile);
    // A realistic per-environment change: prod runs one more frontend replica.
    const changed = text.replace(
      "  prod: {\n    platform: platformOf('prod'),",
      "  prod: {\n    platform: platformOf('prod'),\n    frontend: { replicas: 3 },",
    );
    if (changed === text)
      throw new Error(`${envFile}: the bench's prod change no longer applies; update tools/bench`);
    sb.write(envFile, changed);
    const render = await runNode(
      [tsx, 'tools/cli/src/render.ts', '--skip-verify', '-q', '--system', system],
      sb.ws,
      nxEnv(),
    );
    if (render.code !== 0) throw new Error(`render failed:\n${render.stderr}`);
    sb.commit(`bench: change ${system}`);
    const one = await worker(`one system (${system})`);
    const cli: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await runNode(
        ['tools/cli/bin/gitops.cjs', 'diff', '--base', 'HEAD~1', '--format', 'json'],
        sb.ws,
        nxEnv({ GITOPS_TS_CACHE_DIR: COMPILE_CACHE }),
      );
      if (r.code !== 0 && r.code !== 2) throw new Error(`diff CLI failed (${r.code}):\n${r.stderr}`);
      cli.push(r.ms);
    }
    log(`  diff CLI one system: ${cli.join(', ')} ms`);
    // Libs-wide: a library every system depends on changes (no output changes).
    const lib = 'libs/platform/src/index.ts';
    sb.append(lib, '\n// bench: a libs-wide change\n');
    sb.commit('bench: libs-wide change');
    const libs = await worker('libs-wide');
    return {
      system,
      oneSystem: { ...one, ms: stat(one.timesMs) },
      libsWide: { ...libs, ms: stat(libs.timesMs) },
      cliMs: stat(cli),
      command:
        'runPreview({ base: "HEAD~1" }) in one process (libs/diff/src/bench.ts); CLI: npm run diff -- --base HEAD~1 (compiled)',
    };
  } finally {
    sb.cleanup();
  }
}

/**
 * kubeconform's wall time for one rendered chart (mini-xdr prod, 21 resources) measured on this 2-core machine
 * when issue 18 was filed (0.16 s); the reference when no kubeconform binary is on PATH (none is packaged here).
 */
const KUBECONFORM_ONE_CHART_MS = 160;

/**
 * Validate one rendered chart, whole process (what a developer or a CI step runs on one chart): `helm template`
 * of the committed mini-xdr chart with its prod values, validated by `npm run validate`'s command with
 * kubeconform's flags, median of N; side by side with kubeconform when it is on PATH (KUBECONFORM=…), else
 * against kubeconform's measured 0.16 s.
 */
function benchOneChart(runs: number) {
  const dir = join(REAL_WORKSPACE, 'tmp', 'bench', 'one-chart');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'mini-xdr-prod.yaml');
  writeFileSync(
    file,
    helmTemplate({
      chartDir: join(REAL_WORKSPACE, 'charts', 'mini-xdr'),
      releaseName: 'mini-xdr',
      namespace: 'mini-xdr',
      valueFiles: ['values-prod.yaml'],
      kubeVersion: '1.31.0',
    }),
  );
  const resources = (readFileSync(file, 'utf8').match(/^kind:/gm) ?? []).length;
  const flags = ['-strict', '-summary', '-kubernetes-version', '1.31.0', file];
  const [node, ...validator] = validateCommand();
  const kubeconform =
    process.env.KUBECONFORM && existsSync(process.env.KUBECONFORM)
      ? process.env.KUBECONFORM
      : (() => {
          const r = spawnSync('sh', ['-c', 'command -v kubeconform'], { encoding: 'utf8' });
          return r.status === 0 ? r.stdout.trim() : undefined;
        })();
  const time = (cmd: string, args: string[]) => {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: REAL_WORKSPACE, maxBuffer: 1 << 26 });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (!/^Summary: /m.test(r.stdout)) throw new Error(`${cmd} ${args.join(' ')}: no summary\n${r.stderr}`);
    return ms;
  };
  time(node, [...validator, ...flags]); // builds the bundle and its caches once
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(Math.round(time(node, [...validator, ...flags])));
    if (kubeconform) theirs.push(Math.round(time(kubeconform, flags)));
  }
  log(
    `  validate one chart (${resources} resources): ${ours.join(', ')} ms${kubeconform ? `; kubeconform ${theirs.join(', ')} ms` : ''}`,
  );
  const validateMs = stat(ours);
  const kubeconformMs = kubeconform ? median(theirs) : KUBECONFORM_ONE_CHART_MS;
  return {
    resources,
    validateMs,
    kubeconformMs,
    reference: kubeconform ? 'kubeconform' : 'kubeconform measured when issue 18 was filed',
    ratio: Number((validateMs.median / kubeconformMs).toFixed(2)),
  };
}

/** The compile cache of this checkout: the sandboxes share it (entries are addressed by content). */
const COMPILE_CACHE = join(REAL_WORKSPACE, 'dist', 'ts-cache');

/**
 * Start-up of the command-line tools: `--help` and a trivial run (`plan mini-xdr prod`), compiled (what
 * `npm run <command>` runs: tools/cli/bin/gitops.cjs) and through tsx (transpiling at start, as before), each a
 * whole process, median of N. `npm run` itself adds the same ~0.3 s to both.
 */
async function benchStartup(runs: number) {
  const tsx = join(REAL_WORKSPACE, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const launcher = join(REAL_WORKSPACE, 'tools', 'cli', 'bin', 'gitops.cjs');
  const cases: { name: string; compiled: string[]; tsx: string[] }[] = [
    ...['render', 'diff', 'plan', 'images'].map((c) => ({
      name: `${c} --help`,
      compiled: [launcher, c, '--help'],
      tsx: [tsx, `tools/cli/src/${c}.ts`, '--help'],
    })),
    {
      name: 'plan mini-xdr prod',
      compiled: [launcher, 'plan', 'mini-xdr', 'prod'],
      tsx: [tsx, 'tools/cli/src/plan.ts', 'mini-xdr', 'prod'],
    },
  ];
  const out = [];
  for (const c of cases) {
    const times = { compiled: [] as number[], tsx: [] as number[] };
    for (let i = 0; i < runs; i++) {
      for (const mode of ['compiled', 'tsx'] as const) {
        const r = await runNode(c[mode], REAL_WORKSPACE, nxEnv());
        if (r.code !== 0) throw new Error(`${c.name} (${mode}) failed (${r.code}):\n${r.stderr}`);
        times[mode].push(r.ms);
      }
    }
    log(`  start-up ${c.name}: compiled ${times.compiled.join(', ')} ms; tsx ${times.tsx.join(', ')} ms`);
    out.push({ name: c.name, compiledMs: stat(times.compiled), tsxMs: stat(times.tsx) });
  }
  return out;
}

/**
 * Four shards of the render as parallel processes, each in its own copy of the workspace (as four CI runners),
 * merged and compared byte for byte with one full render (tools/nx-plugin/src/shard-local.ts). On one 2-core
 * machine the shards compete for the same cores: the figure proves equality and shows the overhead, the speed-up
 * is the runners'.
 */
async function benchShards(runs: number) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const r = await runLocalShards(4);
    if (r.problems.length)
      throw new Error(`4 shards differ from the single render:\n${r.problems.join('\n')}`);
    samples.push(r);
    log(
      `  4 shards #${i + 1}: ${r.shardsMs} ms in parallel, single render ${r.singleMs} ms, ${r.files} files identical`,
    );
  }
  return {
    shards: 4,
    files: samples[0].files,
    identical: true,
    shardsMs: stat(samples.map((s) => s.shardsMs)),
    singleMs: stat(samples.map((s) => s.singleMs)),
    command: 'npm run shard -- run --total 4 --index <i> --targets render (4 copies at once); npm run render',
  };
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
  if (o.only.includes('startup')) {
    log('start-up of the command-line tools: compiled vs tsx');
    results.startup = await benchStartup(o.runs);
  }
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
  if (o.only.includes('kubeconform') || o.only.includes('onechart')) {
    log('validate one rendered chart vs kubeconform (whole process)');
    results.oneChart = benchOneChart(o.runs);
  }
  if (o.only.includes('diff')) {
    log('one-system diff preview');
    results.diff = await benchDiff(o.runs);
  }
  if (o.only.includes('shards')) {
    log('4-shard render vs one render');
    results.shards = await benchShards(o.quick ? 1 : Math.min(o.runs, 3));
  }
  if (o.only.includes('scale')) {
    log('scale: synthetic systems × 3 environments');
    results.scale = await benchScale(o.sizes, o.quick ? 1 : o.runs);
  }
  const rows: [string, string, string, string][] = [];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const vs = (v: number, t: number) => `${(v / t).toFixed(2)}× target ${v <= t ? 'ok' : 'MISSED'}`;
  for (const c of results.startup ?? []) {
    rows.push([
      `start-up: ${c.name}, compiled (tsx before)`,
      `${s(c.compiledMs.median)} (${s(c.tsxMs.median)})`,
      '-',
      `${(c.tsxMs.median / c.compiledMs.median).toFixed(1)}× faster`,
    ]);
  }
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
  if (results.oneChart) {
    const c = results.oneChart;
    rows.push([
      `validate one chart (mini-xdr prod, ${c.resources} resources) ÷ ${c.reference}`,
      `${c.ratio.toFixed(2)} (${s(c.validateMs.median)} vs ${s(c.kubeconformMs)})`,
      '≤ 1.0',
      c.ratio <= 1 ? 'ok' : 'MISSED',
    ]);
  }
  if (results.diff) {
    const d = results.diff;
    rows.push([
      `diff preview, one system (${d.system}: ${d.oneSystem.applications} apps, stale check), in process`,
      s(d.oneSystem.ms.median),
      '< 1 s',
      vs(d.oneSystem.ms.median, 1000),
    ]);
    rows.push([
      `diff preview, libs-wide (${d.libsWide.systems.length} systems via the project map, stale check), in process`,
      s(d.libsWide.ms.median),
      '< 3 s',
      vs(d.libsWide.ms.median, 3000),
    ]);
    rows.push([
      'diff preview, one system, CLI wall time (process start-up included)',
      s(d.cliMs.median),
      '-',
      '-',
    ]);
  }
  if (results.shards) {
    const z = results.shards;
    rows.push([
      `4-shard render (parallel processes, ${z.files} files) = single render, byte for byte`,
      `${s(z.shardsMs.median)} (single ${s(z.singleMs.median)})`,
      'identical',
      z.identical ? 'ok' : 'MISSED',
    ]);
  }
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
