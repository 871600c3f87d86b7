/**
 * `npm run validate -- [kubeconform flags] FILE|DIR...`: validate manifests exactly like the kubeconform CLI.
 * With no FILE or DIR, validates the whole workspace as Argo CD renders it (see libs/validation/README.md),
 * then checks every Application's sync plan (libs/sync-plan): exit 1 if an object needs something that
 * does not exist yet at its step.
 *
 * Runs compiled (tools/cli/bin/validate.cjs). Modules are required on demand so that validating files
 * loads neither the renderers, the sync plan nor (without -environment) the policy engine: start-up stays
 * in tens of milliseconds.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import { resolve } from 'node:path';
import type * as Files from '../../../libs/validation/src/kubeconform-cli';

const files: typeof Files = require('../../../libs/validation/src/kubeconform-cli');
const io = {
  stdout: (s: string) => void process.stdout.write(s),
  stderr: (s: string) => void process.stderr.write(s),
};
const argv = process.argv.slice(2);

/** Workspace mode: the sync plan of every Application validated before. */
function syncPlanCode(flags: Files.Prepared['flags']): number {
  const { ENVIRONMENT_NAMES } = require('@gitops/environments');
  const { WORKSPACE_ROOT } = require('@gitops/render');
  const { checkRepositorySync, formatProblem } = require('@gitops/sync-plan');
  const csv = (name: string) =>
    String(flags[name] ?? '')
      .split(',')
      .filter(Boolean);
  const repoDir = resolve(process.cwd(), (flags.repo as string | undefined) ?? WORKSPACE_ROOT);
  try {
    const report = checkRepositorySync({
      repoDir,
      environments: csv('environment').length ? csv('environment') : [...ENVIRONMENT_NAMES],
      systems: csv('system'),
    });
    const problems: string[] = [...report.errors, ...report.problems.map(formatProblem)];
    if (problems.length) process.stderr.write(`${problems.map((p) => `sync plan: ${p}`).join('\n')}\n`);
    if (flags.summary === true || problems.length)
      process.stdout.write(
        `Sync plan: ${report.applications.length} Applications, ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`,
      );
    return problems.length ? 1 : 0;
  } catch (err) {
    process.stderr.write(`validate: sync plan: ${(err as Error).message.split('\n')[0]}\n`);
    return 1;
  }
}

function main(): number {
  let prepared: Files.Prepared;
  try {
    prepared = files.prepareValidate(argv, io);
  } catch (err) {
    return files.reportCliError(err, io);
  }
  if (prepared.exit !== undefined) return prepared.exit;
  if (prepared.paths.length) {
    return files.runValidateFiles(prepared, io, () => ({
      ...require('../../../libs/validation/src/policy'),
      policyContextFor: require('../../../libs/validation/src/workspace').policyContextFor,
    }));
  }
  const code: number = require('@gitops/validation').runValidateCli(argv, io);
  return code === 0 || code === 1 ? Math.max(code, syncPlanCode(prepared.flags)) : code;
}

process.exitCode = main();
