/**
 * `npm run chart-version -- [--base <ref>]`: fail, naming the chart, when a chart's templates, schema or
 * defaults changed since the base revision but its version did not increase (chart-testing's
 * version-increment check). The base defaults to `origin/main`, else `main`.
 */
import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { chartVersionProblems, WORKSPACE_ROOT } from '@gitops/render';
import { parseCommandLine, runMain } from './errors';

function defaultBase(repo: string): string {
  for (const ref of ['origin/main', 'main']) {
    try {
      execFileSync('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', ref], { stdio: 'ignore' });
      return ref;
    } catch {
      // next
    }
  }
  return 'HEAD';
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('chart-version')
    .description('check that chart versions increase when templates, schema or defaults change')
    .option('--base <ref>', 'base revision (default: origin/main, else main)')
    .option('--repo <dir>', 'repository', WORKSPACE_ROOT)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  if (!(await parseCommandLine(program, argv, 'chart-version'))) return 0;
  const o = program.opts<{ base?: string; repo: string }>();
  const base = o.base ?? defaultBase(o.repo);
  const problems = chartVersionProblems(o.repo, base);
  for (const p of problems) process.stderr.write(`${p.message}\n`);
  if (!problems.length) process.stdout.write(`chart versions: ok against ${base}\n`);
  return problems.length ? 1 : 0;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
