/**
 * The chart version must increase whenever a chart's templates, schema or defaults change, checked
 * against a base revision like chart-testing's version-increment check (`ct lint --check-version-increment`).
 * The author bumps `chartVersion` in `apps/<system>/src/system.ts`; the check names the chart.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from './system';

/** Files of `charts/<system>/` whose change is a change of the chart (the README and env files are not). */
export function isInterfaceFile(relative: string): boolean {
  return relative.startsWith('templates/') || relative === 'values.schema.json' || relative === 'values.yaml';
}

function git(repo: string, args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** semver comparison of `a` and `b` (pre-release after release); NaN when either is not semver. */
export function compareSemver(a: string, b: string): number {
  const re = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
  const x = re.exec(a);
  const y = re.exec(b);
  if (!x || !y) return Number.NaN;
  for (let i = 1; i <= 3; i++) if (Number(x[i]) !== Number(y[i])) return Number(x[i]) - Number(y[i]);
  if (x[4] === y[4]) return 0;
  if (x[4] === undefined) return 1;
  if (y[4] === undefined) return -1;
  return x[4] < y[4] ? -1 : 1;
}

export interface ChartVersionProblem {
  readonly chart: string;
  readonly message: string;
}

/**
 * Charts under `charts/` whose templates, schema or defaults differ between `base` and the working
 * tree while `Chart.yaml`'s version did not increase. New charts pass.
 */
export function chartVersionProblems(repo: string, base: string): ChartVersionProblem[] {
  try {
    git(repo, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`]);
  } catch {
    throw new ConfigError(`chart version check: base revision "${base}" not found in ${repo}`);
  }
  const changed = git(repo, ['diff', '--name-only', base, '--', 'charts/']).split('\n').filter(Boolean);
  const untracked = git(repo, ['ls-files', '--others', '--exclude-standard', '--', 'charts/'])
    .split('\n')
    .filter(Boolean);
  const byChart = new Map<string, string[]>();
  for (const f of [...changed, ...untracked]) {
    const m = /^charts\/([^/]+)\/(.+)$/.exec(f);
    if (!m || !isInterfaceFile(m[2])) continue;
    byChart.set(m[1], [...(byChart.get(m[1]) ?? []), m[2]]);
  }
  const problems: ChartVersionProblem[] = [];
  for (const [chart, files] of [...byChart.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    let before: string;
    try {
      before = git(repo, ['show', `${base}:charts/${chart}/Chart.yaml`]);
    } catch {
      continue; // a new chart
    }
    let now: string;
    try {
      now = readFileSync(join(repo, 'charts', chart, 'Chart.yaml'), 'utf8');
    } catch {
      continue; // a removed chart
    }
    const v0 = String(parse(before)?.version ?? '');
    const v1 = String(parse(now)?.version ?? '');
    const cmp = compareSemver(v1, v0);
    if (!(cmp > 0)) {
      problems.push({
        chart,
        message:
          `charts/${chart}: ${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''} changed since ${base} ` +
          `but the chart version ${Number.isNaN(cmp) ? `"${v1}" is not semver` : cmp < 0 ? `went down to ${v1} (was ${v0})` : `stayed ${v1}`}: ` +
          `increase chartVersion in apps/${chart}/src/system.ts and run npm run render`,
      });
    }
  }
  return problems;
}
