/**
 * `npm run bench [-- --quick] [-- --runs N] [-- --only startup,workspace,validation,kubeconform,onechart,diff,shards,floor,scale] [-- --sizes 100,300,1000] [-- --save]`
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
 *      onechart: validate one rendered chart (whole process) ÷ kubeconform (on PATH, else its measured 0.16 s);
 *   0. startup    `--help` and a trivial run of the compiled CLIs vs tsx (whole processes);
 *   3. diff       diff previews in process: one system (target < 1 s) and libs-wide (target < 3 s), plus the CLI;
 *   3b. shards    4 render shards as parallel processes, merged, byte-for-byte equal to one render;
 *   4. floor      render ÷ floor: `npm run render` (its package.json command, in a copy of the workspace)
 *                 against the floor, `helm template` + `kustomize build` once for every output (what Argo CD
 *                 itself must do), run side by side with the same pool shape; cold and warm verification
 *                 cache each reported (target ≤ 1.5×);
 *   5. scale      100, 300 and 1,000 synthetic systems × 3 environments rendered (on every core) and
 *                 validated in a child process each: time, peak RSS, growth exponent (least-squares fit).
 * Writes tmp/bench/results.json (and docs/bench-results.json with --save) and prints a table with the targets.
 */
import { availableParallelism, cpus, tmpdir, totalmem, type } from 'node:os';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ENVIRONMENT_NAMES } from '@gitops/environments';
import { loadSystems, resolveValues } from '@gitops/render';
import { helmTemplate, helmTemplateAsync, kustomizeBuildAsync } from '@gitops/toolchain';
import { benchmarkValidation } from '@gitops/validation';
import {
  benchAgainstKubeconform,
  kubeconformBinary,
  kubeconformRows,
  sideBySideFlags,
  validateCommand,
} from './kubeconform';
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
      : ['startup', 'workspace', 'validation', 'kubeconform', 'diff', 'shards', 'floor', 'scale'];
  const k = argv.indexOf('--sizes');
  const sizes = k >= 0 ? argv[k + 1].split(',').map(Number) : [100, 300, 1000];
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
      const r = await runNode([tsx, 'tools/cli/src/render.ts', '--quiet', '--no-cache'], sb.ws, nxEnv());
      if (r.code !== 0) throw new Error(`npm run render failed (${r.code}):\n${r.stderr}`);
      direct.push(r.ms);
      log(`  workspace npm run render #${i + 1}: ${r.ms} ms`);
    }
    const args = ['run-many', '-t', 'render', 'validate', '--outputStyle=static'];
    const cold: number[] = [];
    let tasks = 0;
    for (let i = 0; i < runs; i++) {
      // No Nx cache, no render or verification cache: every task renders and verifies with the real binaries.
      const caches = mkdtempSync(join(tmpdir(), 'gitops-bench-caches-'));
      const r = await nxOk(sb, [...args, '--skip-nx-cache'], cacheEnv(caches));
      rmSync(caches, { recursive: true, force: true });
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
  const flags = [...sideBySideFlags(), file];
  const [node, ...validator] = validateCommand();
  const kubeconform = kubeconformBinary();
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

/** The render and verification caches of `npm run render` under `dir` (not the checkout's shared ones). */
function cacheEnv(dir: string): NodeJS.ProcessEnv {
  return { GITOPS_RENDER_CACHE_DIR: join(dir, 'render'), GITOPS_VERIFY_CACHE_DIR: join(dir, 'verify') };
}

/** Run a shell command line in `cwd` (node_modules/.bin on PATH, as npm runs scripts): wall ms and exit code. */
function runScript(
  line: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; code: number; stderr: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', line], {
      cwd,
      env: { ...env, PATH: `${join(cwd, 'node_modules', '.bin')}:${env.PATH ?? ''}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const err: Buffer[] = [];
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        ms: Math.round(performance.now() - t0),
        code: code ?? 1,
        stderr: Buffer.concat(err).toString(),
      }),
    );
  });
}

/**
 * render ÷ floor. The floor is what Argo CD itself must do for these outputs: `helm template` of every chart
 * with each environment's values file and `kustomize build` of every overlay (and of each environment's
 * Argo CD folder), with the real binaries, as many at once as `npm run render` runs (one target per core,
 * each helm and kustomize together). `npm run render` is timed as its package.json script runs it (process
 * start-up, synthesis, emit, every check, write), in the same copy of the workspace: with a cold
 * verification cache (a fresh folder each run: what CI does) and a warm one (outputs verified before).
 */
async function benchFloor(runs: number) {
  const sb = createSandbox({ prefix: 'gitops-bench-floor-', withOutputs: true });
  try {
    const script: string = JSON.parse(readFileSync(join(sb.ws, 'package.json'), 'utf8')).scripts.render;
    // A compiled CLI (dist/) is build output, not a workspace file: copied (never linked: it would resolve
    // the real workspace as its root and write there).
    if (
      /\bdist\//.test(script) &&
      existsSync(join(REAL_WORKSPACE, 'dist')) &&
      !existsSync(join(sb.ws, 'dist'))
    )
      cpSync(join(REAL_WORKSPACE, 'dist'), join(sb.ws, 'dist'), { recursive: true });
    const systems = await loadSystems(undefined, REAL_WORKSPACE);
    const jobs: (() => Promise<string>)[] = [];
    for (const s of systems) {
      const name = s.definition.name;
      for (const env of ENVIRONMENT_NAMES) {
        const v = resolveValues(s.definition, env) as {
          namespace: string;
          cluster: { kubernetesVersion: string };
        };
        jobs.push(() =>
          helmTemplateAsync({
            chartDir: join(sb.ws, 'charts', name),
            releaseName: name,
            namespace: v.namespace,
            valueFiles: [join(sb.ws, 'charts', name, `values-${env}.yaml`)],
            kubeVersion: v.cluster.kubernetesVersion,
            toolchain: 'v35',
          }),
        );
        jobs.push(() => kustomizeBuildAsync(join(sb.ws, 'overlays', name, env), 'v35'));
      }
    }
    const argo = join(sb.ws, 'overlays', 'argocd');
    for (const env of existsSync(argo) ? readdirSync(argo).sort() : []) {
      if (existsSync(join(argo, env, 'kustomization.yaml')))
        jobs.push(() => kustomizeBuildAsync(join(argo, env), 'v35'));
    }
    const processes = 2 * Math.max(2, availableParallelism());
    const floorOnce = async () => {
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: processes }, async () => {
          while (next < jobs.length) await jobs[next++]();
        }),
      );
      return Math.round(performance.now() - t0);
    };
    const render = async (cacheDir: string) => {
      const r = await runScript(`${script} --quiet`, sb.ws, nxEnv(cacheEnv(cacheDir)));
      if (r.code !== 0) throw new Error(`npm run render failed (${r.code}):\n${r.stderr}`);
      return r.ms;
    };
    await floorOnce(); // binaries extracted and verified, page cache warm
    const floor: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    const warmDir = mkdtempSync(join(tmpdir(), 'gitops-bench-caches-'));
    try {
      await render(warmDir); // fills the warm cache
      for (let i = 0; i < runs; i++) {
        // Side by side: one of each per round, so a busy moment affects all three alike.
        floor.push(await floorOnce());
        const coldDir = mkdtempSync(join(tmpdir(), 'gitops-bench-caches-'));
        try {
          cold.push(await render(coldDir));
        } finally {
          rmSync(coldDir, { recursive: true, force: true });
        }
        warm.push(await render(warmDir));
        log(
          `  floor #${i + 1}: ${floor[i]} ms (${jobs.length} binary runs); npm run render cold ${cold[i]} ms, warm ${warm[i]} ms`,
        );
      }
    } finally {
      rmSync(warmDir, { recursive: true, force: true });
    }
    const f = stat(floor);
    return {
      command: `${script} --quiet`,
      binaryRuns: jobs.length,
      processesAtOnce: processes,
      floorMs: f,
      coldMs: stat(cold),
      warmMs: stat(warm),
      coldRatio: Number((median(cold) / f.median).toFixed(2)),
      warmRatio: Number((median(warm) / f.median).toFixed(2)),
    };
  } finally {
    sb.cleanup();
  }
}

async function benchScale(sizes: number[], runs: number) {
  const out: any[] = [];
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
  // Growth: cost per system at each size, and the exponent b of a least-squares fit time = a·n^b over every
  // size (1 = linear), of the in-process time (render + validate) and of the whole process.
  const fit = (ys: number[]) => {
    const xs = out.map((z) => Math.log(z.systems));
    const ls = ys.map((y) => Math.log(y));
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ls.reduce((a, b) => a + b, 0) / ls.length;
    const num = xs.reduce((a, x, i) => a + (x - mx) * (ls[i] - my), 0);
    const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    return out.length > 1 && den > 0 ? Number((num / den).toFixed(2)) : NaN;
  };
  const first = out[0];
  const last = out[out.length - 1];
  return {
    sizes: out,
    withParity,
    msPerSystem: out.map((s) => ({ systems: s.systems, ms: Math.round(s.totalMs.median / s.systems) })),
    growthExponent: fit(out.map((z) => z.totalMs.median)),
    growthExponentWall: fit(out.map((z) => z.wallMs.median)),
    // Memory per system beyond the process's base: flat means this stays small as n grows.
    rssMiBPerSystem:
      out.length > 1
        ? Number(((last.peakRssMiB - first.peakRssMiB) / (last.systems - first.systems)).toFixed(3))
        : NaN,
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
  if (o.only.includes('floor')) {
    log('render ÷ floor: npm run render against helm template + kustomize build of every output');
    results.floor = await benchFloor(o.runs);
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
  if (results.floor) {
    const f = results.floor;
    const ratio = (r: number) => `${r.toFixed(2)}× target ≤ 1.5 ${r <= 1.5 ? 'ok' : 'MISSED'}`;
    rows.push([
      `floor: helm template + kustomize build of every output (${f.binaryRuns} runs, ${f.processesAtOnce} at once)`,
      s(f.floorMs.median),
      '-',
      '-',
    ]);
    rows.push([
      'npm run render ÷ floor, cold render and verification caches (as CI)',
      `${s(f.coldMs.median)}`,
      '≤ 1.5×',
      ratio(f.coldRatio),
    ]);
    rows.push([
      'npm run render ÷ floor, warm caches (inputs rendered and verified before)',
      `${s(f.warmMs.median)}`,
      '≤ 1.5×',
      ratio(f.warmRatio),
    ]);
  }
  if (results.scale) {
    for (const z of results.scale.sizes) {
      rows.push([
        `scale ${z.systems} systems × 3 envs, render + validate in process (wall of the process)`,
        `${s(z.totalMs.median)} (${s(z.wallMs.median)}), peak ${z.peakRssMiB} MiB`,
        z.systems === 1000 ? '< 60 s, < 1 GiB' : '< 1 GiB',
        z.systems === 1000
          ? `${vs(z.totalMs.median, 60000)}${z.peakRssMiB < 1024 ? '' : ', memory MISSED'}`
          : z.peakRssMiB < 1024
            ? 'ok'
            : 'MISSED',
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
    const sizes = results.scale.sizes.map((z: any) => z.systems).join('/');
    rows.push([
      `scale growth exponent, least-squares over ${sizes} systems (1 = linear; process wall)`,
      `${results.scale.growthExponent} (${results.scale.growthExponentWall})`,
      '≈ 1',
      results.scale.growthExponent <= 1.15 ? 'ok' : 'MISSED',
    ]);
    rows.push([
      'scale memory per added system (peak RSS growth ÷ systems added)',
      `${results.scale.rssMiBPerSystem} MiB`,
      'flat',
      '-',
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
