/**
 * The sync-plan part of `npm run validate` in workspace mode (no FILE or DIR): every committed
 * Application planned as Argo CD syncs it (libs/sync-plan). Returns the exit code (1 on any problem).
 */
import { resolve } from 'node:path';
import { ENVIRONMENT_NAMES } from '@gitops/environments';
import { WORKSPACE_ROOT } from '@gitops/render';
import { checkRepositorySync, formatProblem } from '@gitops/sync-plan';
import { parseGoFlags, VALIDATE_FLAGS } from '@gitops/validation';

export interface SyncPlanIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly cwd?: string;
}

export function syncPlanExitCode(argv: readonly string[], io: SyncPlanIo): number {
  let parsed;
  try {
    parsed = parseGoFlags(argv, VALIDATE_FLAGS);
  } catch {
    return 0; // a usage error: reported by the validator
  }
  const { flags, paths } = parsed;
  if (paths.length || flags.h || flags.v) return 0;
  const csv = (name: string) =>
    String(flags[name] ?? '')
      .split(',')
      .filter(Boolean);
  const repoDir = resolve(io.cwd ?? process.cwd(), (flags.repo as string | undefined) ?? WORKSPACE_ROOT);
  try {
    const report = checkRepositorySync({
      repoDir,
      environments: csv('environment').length ? csv('environment') : [...ENVIRONMENT_NAMES],
      systems: csv('system'),
    });
    const problems = [...report.errors, ...report.problems.map(formatProblem)];
    if (problems.length) io.stderr(`${problems.map((p) => `sync plan: ${p}`).join('\n')}\n`);
    if (flags.summary === true || problems.length)
      io.stdout(
        `Sync plan: ${report.applications.length} Applications, ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`,
      );
    return problems.length ? 1 : 0;
  } catch (err) {
    io.stderr(`validate: sync plan: ${(err as Error).message.split('\n')[0]}\n`);
    return 1;
  }
}
