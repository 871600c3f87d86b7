/**
 * `npm run plan -- <system> <env>`: the order in which Argo CD will sync the committed Application
 * `<system>-<env>` (phase, wave, kind, name, what it waits for), from the committed files rendered
 * exactly as Argo CD renders them, followed by the sync-plan problems, if any (exit 1).
 *
 *   npm run plan -- mini-xdr prod
 *   npm run plan -- mini-xdr prod --json
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ENVIRONMENT_NAMES, isEnvironmentName } from '@gitops/environments';
import { checkRepositorySync, formatPlanTable, formatProblem } from '@gitops/sync-plan';
import { discoverArgoSources } from '@gitops/toolchain';
import { parseCommandLine, runMain, UsageError } from './errors';

/** The workspace (tools/cli/src → root), without loading the render library (cdk8s) the plan does not need. */
const WORKSPACE_ROOT = resolve(__dirname, '../../..');

export async function main(
  argv: string[],
  out: (s: string) => void = (s) => void process.stdout.write(s),
): Promise<number> {
  const program = new Command('plan')
    .description('Print the order in which Argo CD syncs one Application, and check it')
    .argument('<system>', 'system name, e.g. mini-xdr')
    .argument('<env>', `environment (${ENVIRONMENT_NAMES.join(', ')})`)
    .option('--repo <dir>', 'repository to read (default: this workspace)')
    .option('--json', 'print the plan as JSON')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => out(s) });
  if (!(await parseCommandLine(program, argv, 'plan'))) return 0;
  const [system, env] = program.args;
  const o = program.opts<{ repo?: string; json?: boolean }>();
  const repoDir = o.repo ?? WORKSPACE_ROOT;
  if (!isEnvironmentName(env))
    throw new UsageError(`unknown environment "${env}" (expected one of ${ENVIRONMENT_NAMES.join(', ')})`);
  const known = [...new Set(discoverArgoSources(repoDir).map((s) => s.system))].sort();
  if (!known.includes(system))
    throw new UsageError(
      `no Application for system "${system}" under overlays/argocd/${env} (known: ${known.join(', ') || 'none: run npm run render'})`,
    );
  const report = checkRepositorySync({ repoDir, environments: [env], systems: [system] });
  if (report.errors.length) throw new UsageError(report.errors.join('\n'));
  const result = report.applications[0];
  if (o.json) {
    out(
      `${JSON.stringify(
        {
          application: result.source.application,
          steps: result.report.plan.steps.map((s) => ({
            step: s.index + 1,
            phase: s.phase,
            wave: s.wave,
            awaited: s.awaited,
            tasks: s.tasks.map((t) => ({
              kind: t.kind,
              group: t.group,
              name: t.name,
              namespace: t.namespace,
              hook: t.hook,
              waitsFor: t.waitsFor ?? null,
              note: t.note ?? null,
            })),
          })),
          problems: result.report.problems,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    out(
      formatPlanTable(
        result.report.plan,
        `Argo CD sync plan of ${result.source.application} (${result.source.form === 'helm' ? `helm template ${result.source.path} -f ${(result.source.valueFiles ?? []).join(', ')}` : `kustomize build ${result.source.path}`}), destination namespace ${result.source.namespace}:`,
      ),
    );
    out(
      result.report.problems.length
        ? `\n${result.report.problems.length} problem(s):\n${result.report.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`
        : '\nEvery object finds what it needs at its step.\n',
    );
  }
  return result.report.problems.length ? 1 : 0;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
