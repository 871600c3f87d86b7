/**
 * `npm run promote -- <system> --from dev --to mini-corp` (then `--from mini-corp --to prod`): move the
 * locked images of one environment to the next one — tag and digest together, so the next environment
 * runs exactly the bytes the previous one ran — re-render that system, and commit the lock and the
 * outputs. Only the target environment's values file and overlay change, so the commit's preview shows
 * only that environment. Refuses to skip an environment (unless --force), to promote an unresolved
 * image, or an image without the target nodes' platform.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import {
  ENVIRONMENT_NAMES,
  isEnvironmentName,
  promotionOrder,
  type EnvironmentName,
} from '@gitops/environments';
import { promoteLock, writeLock, type PromotedImage } from '@gitops/images';
import { imageLockFiles, imageSources, loadSystems, readImageLock, WORKSPACE_ROOT } from '@gitops/render';
import { parseCommandLine, runMain, UsageError } from './errors';
import { main as renderMain } from './render';

type Out = (s: string) => void;

function short(digest?: string): string {
  return digest ? digest.slice(0, 'sha256:'.length + 12) : 'unresolved';
}

function describeChange(c: PromotedImage): string {
  const from = c.before ? `${c.before.tag} (${short(c.before.digest)})` : '(none)';
  return `${c.path} ${from} → ${c.after.tag} (${short(c.after.digest)})`;
}

export async function main(
  argv: string[],
  io: { out?: Out; err?: Out; workspaceRoot?: string } = {},
): Promise<number> {
  const out: Out = io.out ?? ((s) => process.stdout.write(`${s}\n`));
  const ws = io.workspaceRoot ?? WORKSPACE_ROOT;
  const program = new Command('promote')
    .description(
      `Promote a system's locked images one environment further (${promotionOrder().join(' → ')}) and commit`,
    )
    .argument('<system>', 'the system to promote')
    .requiredOption('--from <env>', 'environment the images come from')
    .requiredOption('--to <env>', 'environment that receives them')
    .option('--force', 'allow skipping an environment of the promotion order')
    .option('--no-commit', 'write the lock and the outputs, but do not commit')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => out(s.trimEnd()) });
  if (!(await parseCommandLine(program, argv, 'promote'))) return 0;
  const o = program.opts<{ from: string; to: string; force?: boolean; commit: boolean }>();
  const systemName = program.args[0];
  for (const e of [o.from, o.to]) {
    if (!isEnvironmentName(e))
      throw new UsageError(`unknown environment "${e}" (known: ${ENVIRONMENT_NAMES.join(', ')})`);
  }
  const from = o.from as EnvironmentName;
  const to = o.to as EnvironmentName;
  const [system] = await loadSystems([systemName], ws, { images: 'sources' });
  const files = imageLockFiles(system.root);
  const lock = readImageLock(system.definition, system.root, ws);
  if (!lock) throw new UsageError(`${files.lock} does not exist: run npm run images -- resolve first`);
  const paths = [files.lock, `charts/${systemName}`, `overlays/${systemName}`];
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: ws, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (o.commit) {
    const dirty = git('status', '--porcelain', '--', ...paths).trim();
    if (dirty) {
      throw new UsageError(
        `uncommitted changes in what the promotion commits (commit or stash them first):\n${dirty
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')}`,
      );
    }
  }
  const { lock: next, changes } = promoteLock(lock, from, to, imageSources(system.definition)[to], {
    force: o.force,
  });
  if (!changes.length) {
    out(`nothing to promote: ${to} already deploys what ${from} deploys for ${systemName}`);
    return 0;
  }
  const lockFile = join(ws, files.lock);
  const before = readFileSync(lockFile, 'utf8');
  writeLock(lockFile, next);
  try {
    const code = await renderMain(['--system', systemName, '--quiet']);
    if (code !== 0)
      throw new UsageError(`the render after promotion failed (exit ${code}); ${files.lock} was restored`);
  } catch (e) {
    writeFileSync(lockFile, before);
    throw e;
  }
  for (const c of changes) out(`${systemName} ${to}: ${describeChange(c)}`);
  if (!o.commit) {
    out(`wrote ${files.lock} and re-rendered ${systemName}; not committed (--no-commit)`);
    return 0;
  }
  const message = [
    `promote ${systemName} ${from} → ${to}`,
    '',
    ...changes.map((c) => `- ${describeChange(c)}`),
    '',
    `Only ${to} changes: ${files.lock} and its values/overlay of ${systemName}.`,
  ].join('\n');
  git('add', '--', ...paths);
  git('commit', '-q', '-m', message, '--', ...paths);
  out(`committed ${git('rev-parse', '--short', 'HEAD').trim()}: promote ${systemName} ${from} → ${to}`);
  return 0;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
