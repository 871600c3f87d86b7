/**
 * `npm run validate -- [kubeconform flags] FILE|DIR...`: validate manifests exactly like the kubeconform CLI.
 * With no FILE or DIR, validates the whole workspace as Argo CD renders it (see libs/validation/README.md),
 * then checks every Application's sync plan (libs/sync-plan): exit 1 if an object needs something that
 * does not exist yet at its step.
 */
import { resolve } from 'node:path';
import { ENVIRONMENT_NAMES } from '@gitops/environments';
import { WORKSPACE_ROOT } from '@gitops/render';
import { checkRepositorySync, formatProblem } from '@gitops/sync-plan';
import { parseGoFlags, runValidateCli, VALIDATE_FLAGS } from '@gitops/validation';

const argv = process.argv.slice(2);
let code = runValidateCli(argv, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});

/** Workspace mode (no paths, no -h/-v): the sync plan of every Application validated above. */
function syncPlanCode(): number {
  let parsed;
  try {
    parsed = parseGoFlags(argv, VALIDATE_FLAGS);
  } catch {
    return 0; // reported by runValidateCli
  }
  const { flags, paths } = parsed;
  if (paths.length || flags.h || flags.v) return 0;
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
    const problems = [...report.errors, ...report.problems.map(formatProblem)];
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

if (code === 0 || code === 1) code = Math.max(code, syncPlanCode());
process.exitCode = code;
