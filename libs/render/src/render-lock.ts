/**
 * The render lock: a file `.render.lock` naming its holder (pid, the process's start time from
 * /proc/<pid>/stat, host). It is *held*, not guessed: a lock whose holder is alive is never taken over,
 * however long it has been held (a paused render keeps its lock); a lock whose holder is dead (no such pid,
 * or the pid was reused by a process that started later) is taken over at once. A lock from another host
 * cannot be checked, so it is never taken over; the error says how to remove it.
 *
 * Acquisition is atomic: the holder record is written to a private file that is then hard-linked to
 * `.render.lock` (link fails when the lock exists). Taking over a dead holder's lock is serialised by a
 * second, short-lived lock (`.render.lock.takeover`) so two waiting renders never both take it.
 */
import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { addExitCleanup } from './exit-cleanup';
import { OutputError, userFacingFsError } from './output-error';

export const LOCK_FILE = '.render.lock';
const TAKEOVER = `${LOCK_FILE}.takeover`;

/** Who holds a lock. */
export interface LockHolder {
  readonly pid: number;
  /** Start time of the process in clock ticks since boot (field 22 of /proc/<pid>/stat); '' when unknown. */
  readonly start: string;
  readonly host: string;
  /** ISO time the lock was taken (for messages only). */
  readonly since: string;
}

/** Start time of a process (clock ticks since boot), or undefined when /proc has no such process. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export function currentHolder(): LockHolder {
  return {
    pid: process.pid,
    start: processStartTime(process.pid) ?? '',
    host: hostname(),
    since: new Date().toISOString(),
  };
}

/** 'alive' (the very process that took the lock runs), 'dead', or 'unknown' (another host). */
export function holderState(h: LockHolder): 'alive' | 'dead' | 'unknown' {
  if (h.host !== hostname()) return 'unknown';
  try {
    process.kill(h.pid, 0);
  } catch (err: any) {
    if (err?.code === 'ESRCH') return 'dead';
    // EPERM: the process exists (another user's).
  }
  const start = processStartTime(h.pid);
  if (start !== undefined && h.start && start !== h.start) return 'dead'; // pid reused
  return 'alive';
}

function readHolder(path: string): LockHolder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err: any) {
    if (err?.code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const h = JSON.parse(text);
    if (Number.isInteger(h?.pid) && h.pid > 0 && typeof h.start === 'string' && typeof h.host === 'string')
      return h as LockHolder;
  } catch {
    // below
  }
  return 'unreadable';
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.start === b.start && a.host === b.host;
}

/** Create `path` holding `h` atomically; false when it exists. */
function createExclusive(workspace: string, path: string, h: LockHolder): boolean {
  const tmp = join(workspace, `${LOCK_FILE}.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(h)}\n`, { mode: 0o644 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err: any) {
    if (err?.code === 'EEXIST') return false;
    throw err;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // gone already
    }
  }
}

/** Remove `path` when it still holds exactly `expected` (a dead holder's record or an unreadable file). */
function removeIfUnchanged(path: string, expected: LockHolder | 'unreadable'): void {
  const now = readHolder(path);
  if (now === 'missing') return;
  if (expected === 'unreadable' ? now !== 'unreadable' : now === 'unreadable' || !sameHolder(now, expected))
    return;
  try {
    unlinkSync(path);
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err;
  }
}

/** Take over a dead holder's lock, serialised by the takeover lock. Returns true when it tried. */
function takeOver(workspace: string, lock: string, dead: LockHolder | 'unreadable'): boolean {
  const takeover = join(workspace, TAKEOVER);
  const me = currentHolder();
  if (!createExclusive(workspace, takeover, me)) {
    const other = readHolder(takeover);
    if (other === 'missing') return false;
    // A takeover lock lives for milliseconds; one whose holder died (or is unreadable and old) is removed.
    const old = (() => {
      try {
        return Date.now() - statSync(takeover).mtimeMs > 5_000;
      } catch {
        return false;
      }
    })();
    if ((other === 'unreadable' && old) || (other !== 'unreadable' && holderState(other) === 'dead'))
      removeIfUnchanged(takeover, other);
    return false;
  }
  try {
    removeIfUnchanged(lock, dead);
  } finally {
    try {
      unlinkSync(takeover);
    } catch {
      // already gone
    }
  }
  return true;
}

function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host}, since ${h.since}`;
}

export interface LockOptions {
  /** How long to wait for a live holder. @default 60_000 */
  readonly waitMs?: number;
  /** Called once when the lock is held by a live render and this one starts waiting. */
  readonly onWait?: (message: string) => void;
  /** Poll interval. @default 100 */
  readonly pollMs?: number;
}

/**
 * Acquire the render lock of a workspace, run `fn`, release. Waits for a live holder up to `waitMs`,
 * takes over a dead holder's lock at once. File system failures (read-only, full disk) are reported as such.
 */
export async function withRenderLock<T>(
  workspace: string,
  fn: () => Promise<T>,
  waitMsOrOptions: number | LockOptions = {},
  onWaitArg?: (message: string) => void,
): Promise<T> {
  const o: LockOptions =
    typeof waitMsOrOptions === 'number' ? { waitMs: waitMsOrOptions, onWait: onWaitArg } : waitMsOrOptions;
  const waitMs = o.waitMs ?? 60_000;
  const lock = join(workspace, LOCK_FILE);
  const me = currentHolder();
  const deadline = Date.now() + waitMs;
  let told = false;
  let last: LockHolder | undefined;
  for (;;) {
    try {
      if (createExclusive(workspace, lock, me)) break;
      const h = readHolder(lock);
      if (h === 'missing') continue;
      if (h === 'unreadable') {
        // Written by an older version (an empty file) or damaged: nobody can be holding it.
        takeOver(workspace, lock, 'unreadable');
        continue;
      }
      const state = holderState(h);
      if (state === 'dead') {
        takeOver(workspace, lock, h);
        continue;
      }
      last = h;
      if (state === 'unknown' && Date.now() >= deadline) {
        throw new OutputError(
          `${LOCK_FILE} in ${workspace} is held by a render on another host (${describeHolder(h)}); ` +
            `if no render runs there, delete ${LOCK_FILE}`,
        );
      }
    } catch (err) {
      if (err instanceof OutputError) throw err;
      throw userFacingFsError(err, `taking ${LOCK_FILE}`) ?? err;
    }
    if (Date.now() >= deadline) {
      throw new OutputError(
        `another render holds ${LOCK_FILE} in ${workspace} (${last ? describeHolder(last) : 'unknown holder'}); ` +
          `waited ${waitMs / 1000}s — try again when it has finished`,
      );
    }
    if (!told && o.onWait) {
      told = true;
      o.onWait(
        `another render holds ${LOCK_FILE} (${last ? describeHolder(last) : '?'}); waiting up to ${waitMs / 1000}s`,
      );
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 100));
  }
  const release = () => removeIfUnchanged(lock, me);
  const dispose = addExitCleanup(release);
  try {
    return await fn();
  } finally {
    await new Promise((r) => setImmediate(r));
    dispose();
    release();
  }
}
