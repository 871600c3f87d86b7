import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A mistake of the user (bad ref, not a git repository, unknown system…): reported as one line, never a stack trace. */
export class DiffUserError extends Error {
  override readonly name = 'DiffUserError';
}

export async function git(cwd: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', args as string[], {
      cwd,
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    });
    return stdout;
  } catch (err: any) {
    const msg = String(err?.stderr || err?.message || err)
      .trim()
      .split('\n')[0];
    throw new Error(`git ${args.join(' ')}: ${msg}`);
  }
}

export function gitSync(cwd: string, args: readonly string[]): string {
  return execFileSync('git', args as string[], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 << 20,
  });
}

/** The repository's top folder; throws DiffUserError outside a git repository. */
export async function repoRoot(dir: string): Promise<string> {
  try {
    return (await git(dir, ['rev-parse', '--show-toplevel'])).trim();
  } catch {
    throw new DiffUserError(`${dir} is not inside a git repository`);
  }
}

/** Resolve a ref to a commit sha; throws DiffUserError for unknown refs. */
export async function resolveCommit(dir: string, ref: string): Promise<string> {
  if (ref.startsWith('-')) throw new DiffUserError(`invalid git ref "${ref}"`);
  try {
    return (await git(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
  } catch {
    throw new DiffUserError(
      `unknown git ref "${ref}" (fetch it first, e.g. git fetch origin ${ref.replace(/^origin\//, '')})`,
    );
  }
}

/** The merge base of two commits, or undefined when they share no history. */
export async function mergeBase(dir: string, a: string, b: string): Promise<string | undefined> {
  try {
    return (await git(dir, ['merge-base', a, b])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The default base: `merge-base HEAD origin/main`, else `merge-base HEAD main`. */
export async function defaultBase(dir: string): Promise<{ ref: string; sha: string }> {
  for (const ref of ['origin/main', 'main', 'origin/master', 'master']) {
    let sha: string;
    try {
      sha = await resolveCommit(dir, ref);
    } catch {
      continue;
    }
    return { ref, sha };
  }
  throw new DiffUserError(
    'no main branch found (tried origin/main, main, origin/master, master): pass --base <ref>',
  );
}

/** Files changed between two commits, or between a commit and the working tree (tracked changes plus untracked files). */
export async function changedFiles(dir: string, base: string, head: string | undefined): Promise<string[]> {
  const files = new Set<string>();
  const diff = await git(dir, [
    'diff',
    '--name-only',
    '--no-renames',
    '-z',
    base,
    ...(head ? [head] : []),
    '--',
  ]);
  for (const f of diff.split('\0')) if (f) files.add(f);
  if (!head) {
    const untracked = await git(dir, ['ls-files', '--others', '--exclude-standard', '-z']);
    for (const f of untracked.split('\0')) if (f) files.add(f);
  }
  return [...files].sort();
}

/** Export `paths` (those that exist) of a commit into `dest` with `git archive | tar -x`: no worktree, no index change. */
export async function exportTree(
  dir: string,
  sha: string,
  paths: readonly string[],
  dest: string,
): Promise<void> {
  const present = (await git(dir, ['ls-tree', '--name-only', sha, '--', ...paths]))
    .split('\n')
    .filter(Boolean);
  if (!present.length) return;
  await new Promise<void>((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', sha, '--', ...present], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tar = spawn('tar', ['-x', '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    archive.stderr.on('data', (d) => (err += d));
    tar.stderr.on('data', (d) => (err += d));
    archive.stdout.pipe(tar.stdin);
    let done = 0;
    let failed = false;
    const finish = (code: number | null) => {
      if (code !== 0) failed = true;
      if (++done < 2) return;
      if (failed) reject(new Error(`git archive ${sha} | tar -x failed: ${err.trim()}`));
      else resolve();
    };
    archive.on('error', reject);
    tar.on('error', reject);
    archive.on('close', finish);
    tar.on('close', finish);
  });
}

/** The content of `path` at commit `sha`, or undefined when it does not exist there. */
export async function showFile(dir: string, sha: string, path: string): Promise<string | undefined> {
  try {
    return await git(dir, ['show', `${sha}:${path}`]);
  } catch {
    return undefined;
  }
}

/** Symlinks of a commit (`git ls-tree -r`, mode 120000) with their targets, or of the working tree (tracked and untracked, not ignored). */
export async function symlinksOf(
  dir: string,
  sha: string | undefined,
): Promise<{ path: string; target: string }[]> {
  const out: { path: string; target: string }[] = [];
  if (sha) {
    const tree = await git(dir, ['ls-tree', '-r', '-z', sha]);
    const links: { path: string; obj: string }[] = [];
    for (const entry of tree.split('\0')) {
      const m = /^120000 blob ([0-9a-f]+)\t(.*)$/s.exec(entry);
      if (m) links.push({ obj: m[1], path: m[2] });
    }
    for (const l of links) out.push({ path: l.path, target: await git(dir, ['cat-file', 'blob', l.obj]) });
    return out;
  }
  const { lstatSync, readlinkSync } = await import('node:fs');
  const { join } = await import('node:path');
  const files = [
    ...(await git(dir, ['ls-files', '-z'])).split('\0'),
    ...(await git(dir, ['ls-files', '--others', '--exclude-standard', '-z'])).split('\0'),
  ].filter(Boolean);
  for (const f of files) {
    try {
      if (lstatSync(join(dir, f)).isSymbolicLink()) out.push({ path: f, target: readlinkSync(join(dir, f)) });
    } catch {
      // deleted in the working tree
    }
  }
  return out;
}
