/**
 * Side by side with the real kubeconform v0.7.0: every case of libs/validation/conformance/side-by-side
 * (kubeconform's own acceptance cases, real public manifests, crafted edge cases) replayed through
 * `validate`, asserting kubeconform's recorded stdout and exit code (recordings.json, recorded by
 * tools/cli/src/record-kubeconform.ts from the real binary: CI has none, the recordings are the ground truth).
 *
 * The only cases allowed to differ are the ones named in libs/validation/README.md's table of deliberate
 * differences (`side-by-side: \`case\``); for those the test asserts that they still differ (a fixed
 * difference must leave the table) and that the exit code agrees unless the row says `exit differs`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runValidateCli } from './cli';
import { ensureSchemaDir } from './schemas';
import {
  caseCwd,
  expandArgs,
  loadCases,
  loadRecordings,
  normaliseOutput,
  SIDE_BY_SIDE_DIR,
  canonicalOutput,
  type SideBySideCase,
} from './side-by-side';

const SCHEMAS = ensureSchemaDir();
const cases = loadCases();
const recordings = loadRecordings();

interface Documented {
  /** The row says the exit code differs too. */
  readonly exitDiffers: boolean;
  /** The row says the case matches once replayed with `-` appended (stdin made explicit). */
  readonly withDash: boolean;
}

/** The README's table of deliberate differences: the side-by-side cases each row names. */
function documentedDifferences(): Map<string, Documented> {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const out = new Map<string, Documented>();
  for (const row of readme.split('\n').filter((l) => l.startsWith('|'))) {
    const m = /side-by-side(, replayed with `-`)?: ((?:`[^`]+`(?:, )?)+)/.exec(row);
    if (!m) continue;
    for (const name of m[2].matchAll(/`([^`]+)`/g))
      out.set(name[1], { exitDiffers: /exit differs/.test(row), withDash: m[1] !== undefined });
  }
  return out;
}
const differences = documentedDifferences();

function replay(c: SideBySideCase, extra: string[] = []): { stdout: string; exit: number } {
  let stdout = '';
  const exit = runValidateCli([...expandArgs(c, SCHEMAS), ...extra], {
    stdout: (s) => (stdout += s),
    stderr: () => undefined,
    cwd: caseCwd(c),
    ...(c.stdin !== undefined
      ? { stdin: () => readFileSync(join(SIDE_BY_SIDE_DIR, c.stdin!), 'utf8') }
      : { stdin: () => '' }),
  });
  return { stdout: normaliseOutput(stdout, SCHEMAS), exit };
}

describe('side by side with kubeconform v0.7.0', () => {
  it('has a recording of the real kubeconform for every case, and nothing else', () => {
    expect(recordings.kubeconform).toBe('v0.7.0');
    expect(Object.keys(recordings.cases).sort()).toEqual(cases.map((c) => c.name).sort());
    expect(cases.length).toBeGreaterThanOrEqual(150);
  });

  it('names only existing cases in the README table of differences', () => {
    expect([...differences.keys()].filter((n) => !recordings.cases[n])).toEqual([]);
  });

  for (const c of cases) {
    const want = recordings.cases[c.name];
    const documented = differences.get(c.name);
    it(`${documented === undefined ? 'matches' : 'differs as documented in'} ${c.name}`, () => {
      const theirs = canonicalOutput(want.stdout, !want.stable);
      if (documented?.withDash) {
        // Without a path `validate` validates the workspace (tested in validation.test.ts); with `-` it reads
        // stdin exactly as kubeconform does without a path.
        const dashed = replay(c, ['-']);
        expect(canonicalOutput(dashed.stdout, !want.stable)).toBe(theirs);
        expect(dashed.exit).toBe(want.exit);
        return;
      }
      const got = replay(c);
      const ours = canonicalOutput(got.stdout, !want.stable);
      if (documented === undefined) {
        expect(ours).toBe(theirs);
        expect(got.exit).toBe(want.exit);
      } else {
        expect(ours, 'documented as a difference but identical: remove it from the README').not.toBe(theirs);
        if (!documented.exitDiffers) expect(got.exit).toBe(want.exit);
      }
    });
  }
});
