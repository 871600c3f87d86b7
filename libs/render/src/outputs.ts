/**
 * The one place that writes outputs. A render is staged completely in a temporary folder, then the
 * output roots are swapped in. A journal makes the swap recoverable: a render killed midway is rolled
 * back by the next render (or `check`), so the committed `charts/` and `overlays/` are never left
 * half-written. A lock keeps two renders from interleaving.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import lockfile from 'proper-lockfile';
import { globSync } from 'tinyglobby';

const JOURNAL = '.render-journal.json';
const LOCK_TARGET = '.render.lock';
const DEFERRED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** A user-facing problem with the outputs (lock held, drift). */
export class OutputError extends Error {
  override readonly name = 'OutputError';
}

interface Journal {
  staging: string;
  trash: string;
  roots: string[];
  /** Roots that existed before the swap; the others are removed on rollback. Absent in old journals. */
  existed?: string[];
}

/** Failures of the file system (full disk, permissions) are user-facing: nothing was changed. */
const FS_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE', 'EIO']);

function asOutputError(err: unknown, what: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (!code || !FS_ERRORS.has(code)) return err;
  return new OutputError(
    `${what} failed: ${(err as Error).message}; charts/ and overlays/ were left unchanged — free space or fix permissions and render again`,
  );
}

/**
 * Fault injection for the robustness tests: `GITOPS_RENDER_FAULT=<kind>-during-<point>[@<n>]` with kind
 * `kill` (SIGKILL), `sigterm`, `throw` (an unexpected exception) or `enospc` (a full disk); during the
 * swap it strikes at the n-th root (default 1), after the old root was moved aside.
 */
let swapFaultCount = 0;
function injectFault(point: 'stage' | 'swap'): void {
  const m = /^(kill|sigterm|throw|enospc)-during-(stage|swap)(?:@(\d+))?$/.exec(
    process.env.GITOPS_RENDER_FAULT ?? '',
  );
  if (!m || m[2] !== point) return;
  if (point === 'swap' && ++swapFaultCount !== Number(m[3] ?? 1)) return;
  const kind = m[1];
  if (kind === 'kill') process.kill(process.pid, 'SIGKILL');
  if (kind === 'sigterm') process.kill(process.pid, 'SIGTERM');
  if (kind === 'throw') throw new Error(`injected fault during ${point}`);
  if (kind === 'enospc') {
    throw Object.assign(new Error(`ENOSPC: no space left on device, write (injected during ${point})`), {
      code: 'ENOSPC',
      syscall: 'write',
    });
  }
}

/** Write a set of files into a fresh folder. */
export function stageFiles(dir: string, files: ReadonlyMap<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, content] of files) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

/** Roll back a swap that a killed render left unfinished. Returns true if one was rolled back. */
export function recoverInterruptedRender(workspace: string): boolean {
  const jp = join(workspace, JOURNAL);
  if (!existsSync(jp)) return false;
  let j: Journal;
  try {
    j = JSON.parse(readFileSync(jp, 'utf8')) as Journal;
  } catch (err: any) {
    throw new OutputError(
      `${JOURNAL} in ${workspace} is unreadable (${err?.message}): check \`git status charts overlays\`, restore with \`git checkout -- charts overlays\`, then delete ${JOURNAL}`,
    );
  }
  for (const root of j.roots) {
    const old = join(j.trash, root);
    if (existsSync(old)) {
      rmSync(join(workspace, root), { recursive: true, force: true });
      mkdirSync(dirname(join(workspace, root)), { recursive: true });
      renameSync(old, join(workspace, root));
    } else if (j.existed && !j.existed.includes(root)) {
      // A root the interrupted render was adding: not there before, so not there after.
      rmSync(join(workspace, root), { recursive: true, force: true });
    }
  }
  rmSync(j.staging, { recursive: true, force: true });
  rmSync(j.trash, { recursive: true, force: true });
  rmSync(jp, { force: true });
  return true;
}

/** Existing output roots under `charts/` and `overlays/` (for pruning what a full render no longer produces). */
export function existingRoots(workspace: string): string[] {
  const out: string[] = [];
  for (const top of ['charts', 'overlays']) {
    const dir = join(workspace, top);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort())
      if (statSync(join(dir, name)).isDirectory()) out.push(`${top}/${name}`);
  }
  return out;
}

export interface WriteOptions {
  /** Roots the render owns; each is replaced whole. Roots with no file in `files` are removed. */
  readonly roots: readonly string[];
  /** Called after staging and before the swap (validation hook); throwing aborts with nothing changed. */
  readonly beforeSwap?: (stagingDir: string) => void | Promise<void>;
  /** Test hook: called between moving roots, to simulate a crash. */
  readonly duringSwap?: (root: string) => void;
}

/** Acquire the render lock; waits for a concurrent render up to `waitMs`, then fails clearly. */
export async function withRenderLock<T>(
  workspace: string,
  fn: () => Promise<T>,
  waitMs = 60_000,
  onWait?: (message: string) => void,
): Promise<T> {
  const target = join(workspace, LOCK_TARGET);
  if (!existsSync(target)) writeFileSync(target, '');
  let release: () => Promise<void>;
  try {
    if (onWait && (await lockfile.check(target, { realpath: false, stale: 30_000 }))) {
      onWait(
        `another render holds ${LOCK_TARGET}; waiting up to ${waitMs / 1000}s (a lock left by a killed render expires after 30s)`,
      );
    }
    release = await lockfile.lock(target, {
      realpath: false,
      stale: 30_000,
      retries: { retries: Math.ceil(waitMs / 250), minTimeout: 250, maxTimeout: 250, factor: 1 },
    });
  } catch {
    throw new OutputError(
      `another render holds ${LOCK_TARGET} in ${workspace}; waited ${waitMs / 1000}s — try again when it has finished`,
    );
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** Stage, validate (via beforeSwap), then swap the output roots in. */
export async function writeOutputs(
  workspace: string,
  files: ReadonlyMap<string, string>,
  o: WriteOptions,
): Promise<void> {
  recoverInterruptedRender(workspace);
  const id = `${process.pid}-${Date.now()}`;
  const staging = join(workspace, `tmp/render-staging-${id}`);
  const trash = join(workspace, `tmp/render-trash-${id}`);
  try {
    stageFiles(staging, files);
    injectFault('stage');
    await o.beforeSwap?.(staging);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw asOutputError(err, 'staging the render');
  }
  const journal: Journal = {
    staging,
    trash,
    roots: [...o.roots],
    existed: o.roots.filter((r) => existsSync(join(workspace, r))),
  };
  // SIGINT/SIGTERM/SIGHUP wait for the (synchronous) swap to finish, then take effect.
  const deferred: NodeJS.Signals[] = [];
  const defer = (s: NodeJS.Signals) => void deferred.push(s);
  for (const s of DEFERRED_SIGNALS) process.on(s, defer);
  try {
    // Written beside and renamed, so a kill never leaves a torn journal.
    writeFileSync(join(workspace, `${JOURNAL}.tmp`), JSON.stringify(journal));
    renameSync(join(workspace, `${JOURNAL}.tmp`), join(workspace, JOURNAL));
    for (const root of o.roots) {
      const cur = join(workspace, root);
      if (existsSync(cur)) {
        mkdirSync(dirname(join(trash, root)), { recursive: true });
        renameSync(cur, join(trash, root));
      }
      o.duringSwap?.(root);
      injectFault('swap');
      const next = join(staging, root);
      if (existsSync(next)) {
        mkdirSync(dirname(cur), { recursive: true });
        renameSync(next, cur);
      }
    }
    rmSync(join(workspace, JOURNAL), { force: true });
  } catch (err) {
    // An exception midway: put the previous outputs back now rather than at the next render.
    recoverInterruptedRender(workspace);
    rmSync(join(workspace, `${JOURNAL}.tmp`), { force: true });
    throw asOutputError(err, 'replacing the outputs');
  } finally {
    if (!existsSync(join(workspace, JOURNAL))) {
      rmSync(trash, { recursive: true, force: true });
      rmSync(staging, { recursive: true, force: true });
    }
    await new Promise((r) => setImmediate(r));
    for (const s of DEFERRED_SIGNALS) process.off(s, defer);
    if (deferred.length) process.kill(process.pid, deferred[0]);
  }
}

/** Differences between the files of a render and what is on disk under its roots. */
export function compareWithDisk(
  workspace: string,
  files: ReadonlyMap<string, string>,
  roots: readonly string[],
): string[] {
  const problems: string[] = [];
  const onDisk = new Set<string>();
  for (const root of roots) {
    for (const f of globSync(`${root}/**/*`, { cwd: workspace, dot: true })) onDisk.add(f);
  }
  for (const [path, content] of files) {
    if (!onDisk.has(path)) problems.push(`missing: ${path}`);
    else if (readFileSync(join(workspace, path), 'utf8') !== content) problems.push(`differs: ${path}`);
    onDisk.delete(path);
  }
  for (const extra of [...onDisk].sort()) problems.push(`stale: ${extra}`);
  return problems;
}

export function relativeTo(workspace: string, p: string): string {
  return relative(workspace, p) || '.';
}
