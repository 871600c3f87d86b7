/**
 * Files outside the repository are refused exactly as Argo CD's repo-server refuses them
 * (argo-cd util/app/path CheckOutOfBoundsSymlinks, util/io/path ResolveValueFilePathOrUrl):
 *
 * - any symlink in the repository that is absolute or whose target, walked part by part from the link's folder,
 *   leaves the repository root → "repository contains out-of-bounds symlinks. file: <path>" (Argo CD then
 *   renders no application of that revision);
 * - a Helm value file: relative to the chart, or absolute = relative to the repository root; symlinks are
 *   resolved (at most 10 deep); the result must be inside the root → "file '<f>' resolved to outside repository
 *   root"; a URL is refused unless its scheme is allowed (none are, here: remote files are not previewed).
 */
import { readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';

/** The first out-of-bounds symlink (Argo CD's rule), or undefined. `links`: repository-relative paths and raw targets. */
export function outOfBoundsSymlink(links: readonly { path: string; target: string }[]): string | undefined {
  for (const l of [...links].sort((a, b) => a.path.localeCompare(b.path))) {
    if (posix.isAbsolute(l.target)) return l.path;
    let current = posix.dirname(l.path);
    for (const part of l.target.split('/')) {
      current = posix.join(current, part);
      if (current === '..' || current.startsWith('../')) return l.path;
    }
  }
  return undefined;
}

export class OutsideRepositoryError extends Error {
  override readonly name = 'OutsideRepositoryError';
}

function resolveSymlinks(path: string, depth: number): string {
  let target: string;
  try {
    target = readlinkSync(path);
  } catch {
    return path; // not a symlink
  }
  if (depth === 0) throw new OutsideRepositoryError('maximum nesting level reached');
  return resolveSymlinks(isAbsolute(target) ? target : join(dirname(path), target), depth - 1);
}

/**
 * Resolve a Helm value file the way Argo CD does; throws OutsideRepositoryError with Argo CD's message.
 * `treeRoot`: the folder holding the repository's files; `appPath`: the chart folder (repository-relative).
 */
export function resolveValueFile(treeRoot: string, appPath: string, valueFile: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(valueFile);
  if (scheme && scheme[1].length > 1)
    throw new OutsideRepositoryError(`the URL scheme '${scheme[1]}' is not allowed`);
  const root = resolve(treeRoot);
  const joined = isAbsolute(valueFile) ? join(root, valueFile) : join(root, appPath, valueFile);
  const path = resolve(resolveSymlinks(joined, 10));
  const rel = relative(root, path);
  if (rel === '') throw new OutsideRepositoryError(`file '${valueFile}' resolved to the repository root`);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new OutsideRepositoryError(`file '${valueFile}' resolved to outside repository root`);
  return path;
}
