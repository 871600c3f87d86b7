/**
 * Record what the real kubeconform prints for every side-by-side case
 * (libs/validation/conformance/side-by-side/cases.json) into recordings.json, the ground truth that
 * side-by-side.test.ts replays through `validate` (CI has no kubeconform: the recordings are committed).
 *
 *   npx tsx tools/cli/src/record-kubeconform.ts [--kubeconform <binary>] [case name...]
 *
 * The binary is `kubeconform` on PATH unless --kubeconform names one; it must print v0.7.0 for -v.
 * Each case runs five times; when the outputs differ (Go map order, parallel workers) the recording is
 * marked unstable and replayed by sorted lines.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  caseCwd,
  ensureSchemaDir,
  expandArgs,
  loadCases,
  normaliseOutput,
  SIDE_BY_SIDE_DIR,
  type Recording,
  type Recordings,
} from '@gitops/validation';

const EXPECTED_VERSION = 'v0.7.0';

function main(argv: string[]): number {
  let bin = 'kubeconform';
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--kubeconform') bin = argv[++i] ?? bin;
    else only.push(argv[i]);
  }
  const probe = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    process.stderr.write(
      `record-kubeconform: cannot run ${bin} (${probe.error?.message ?? `exit ${probe.status}`}); put kubeconform ${EXPECTED_VERSION} on PATH or pass --kubeconform <binary>\n`,
    );
    return 1;
  }
  const version = probe.stdout.trim();
  if (version !== EXPECTED_VERSION) {
    process.stderr.write(`record-kubeconform: ${bin} is ${version}, not ${EXPECTED_VERSION}\n`);
    return 1;
  }
  const schemaDir = ensureSchemaDir();
  const cases = loadCases();
  const unknown = only.filter((n) => !cases.some((c) => c.name === n));
  if (unknown.length) {
    process.stderr.write(`record-kubeconform: no such case: ${unknown.join(', ')}\n`);
    return 1;
  }
  const file = join(SIDE_BY_SIDE_DIR, 'recordings.json');
  let previous: Record<string, Recording> = {};
  try {
    previous = (JSON.parse(readFileSync(file, 'utf8')) as Recordings).cases;
  } catch {
    previous = {};
  }
  const out: Record<string, Recording> = {};
  for (const c of cases) {
    if (only.length && !only.includes(c.name)) {
      if (previous[c.name]) out[c.name] = previous[c.name];
      continue;
    }
    const runs = [0, 1, 2, 3, 4].map(() => {
      const r = spawnSync(bin, expandArgs(c, schemaDir), {
        cwd: caseCwd(c),
        argv0: 'kubeconform',
        input: c.stdin ? readFileSync(join(SIDE_BY_SIDE_DIR, c.stdin)) : '',
        encoding: 'utf8',
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      if (r.error) throw new Error(`case ${c.name}: ${r.error.message}`);
      return { stdout: normaliseOutput(r.stdout, schemaDir), exit: r.status ?? -1 };
    });
    const stable = runs.every((r) => r.stdout === runs[0].stdout && r.exit === runs[0].exit);
    out[c.name] = { stdout: runs[0].stdout, exit: runs[0].exit, stable };
    process.stdout.write(`${c.name}: exit ${runs[0].exit}${stable ? '' : ' (unstable)'}\n`);
  }
  const recordings: Recordings = { kubeconform: version, cases: out };
  writeFileSync(file, `${JSON.stringify(recordings, null, 2)}\n`);
  process.stdout.write(`recorded ${Object.keys(out).length} cases into ${file}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
