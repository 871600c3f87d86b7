/** User-facing errors of the output writer, and the file-system failures that are the environment's, not a bug. */
import { constants as osConstants } from 'node:os';

/** A user-facing problem with the outputs (lock held, journal refused, disk full, drift). */
export class OutputError extends Error {
  override readonly name = 'OutputError';
}

/** What each file-system failure means and what to do about it. */
const FS_FAILURES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device (or no free inodes) — free space',
  EDQUOT: 'disk quota exceeded — free space or raise the quota',
  EROFS: 'read-only file system — render in a writable checkout',
  EFBIG:
    'file larger than the file size limit (ulimit -f; its SIGXFSZ is ignored so the write fails instead) — raise the limit',
  EMFILE: 'too many open files in this process (ulimit -n) — raise the limit, e.g. ulimit -n 4096',
  ENFILE: 'too many open files on the system — close some programs or raise fs.file-max',
  EACCES: 'permission denied — fix the permissions of the workspace',
  EPERM: 'operation not permitted — fix the permissions of the workspace',
  EIO: 'input/output error — check the disk',
  EXDEV: 'cross-device move — outputs and tmp/ are on different file systems',
};

/** errno number → name, from the platform's own table (os.constants.errno). */
const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/**
 * The errno name of a failure, also when Node does not know it: libuv has no name for EDQUOT (Linux errno
 * 122), so Node reports `Unknown system error -122`; the number is mapped through the platform's table.
 */
export function errnoName(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code && /^E[A-Z0-9]+$/.test(e.code)) return e.code;
  return typeof e?.errno === 'number' ? ERRNO_NAMES.get(Math.abs(e.errno)) : undefined;
}

/** The errno code of a file-system failure this module explains, or undefined. */
export function fsFailureCode(err: unknown): string | undefined {
  const code = errnoName(err);
  return code && code in FS_FAILURES ? code : undefined;
}

/**
 * An {@link OutputError} for a file-system failure (naming the path and what to do), or undefined when
 * `err` is not one (then it is a bug and must keep its stack).
 */
export function userFacingFsError(err: unknown, what: string, unchanged = true): OutputError | undefined {
  const code = fsFailureCode(err);
  if (!code) return undefined;
  const e = err as NodeJS.ErrnoException;
  const path = e.path ? `${e.path}: ` : '';
  return new OutputError(
    `${what} failed: ${path}${FS_FAILURES[code]} (${code}, ${e.syscall ?? 'io'})` +
      (unchanged ? '; charts/ and overlays/ were left unchanged' : ''),
  );
}
