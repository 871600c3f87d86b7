/**
 * The one place that writes outputs. A render is staged completely in a temporary folder, then the
 * output roots are swapped in. A journal makes the swap recoverable: a render killed midway is rolled
 * back by the next render (or `check`), so the committed `charts/` and `overlays/` are never left
 * half-written. A lock keeps two renders from interleaving.
 */
import {
  closeSync,
  cpSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { globSync } from 'tinyglobby';
import { addExitCleanup } from './exit-cleanup';
import { OutputError, userFacingFsError } from './output-error';
import { holderState } from './render-lock';

export { OutputError, fsFailureCode, userFacingFsError } from './output-error';
export { withRenderLock, LOCK_FILE, holderState, processStartTime, type LockOptions } from './render-lock';
export { addExitCleanup } from './exit-cleanup';

export const JOURNAL = '.render-journal.json';

/** The only folders a render writes: `charts/<name>`, `overlays/<name>` (a DNS-1123 label). */
const ROOT = /^(charts|overlays)\/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$/;
/** Staging and trash folders: `tmp/render-(staging|trash|check)-<pid>-<ms>`. */
const SCRATCH = /^render-(staging|trash|check)-(\d+)-(\d+)$/;

interface Journal {
  /** Workspace-relative (`tmp/render-staging-<pid>-<ms>`); absolute in journals of older versions. */
  staging: string;
  trash: string;
  roots: string[];
  /** Roots that existed before the swap; the others are removed on rollback. Absent in old journals. */
  existed?: string[];
}

/** Is `root` an output root a render may own? (`charts/<name>` or `overlays/<name>`.) */
export function isOutputRoot(root: unknown): root is string {
  return typeof root === 'string' && ROOT.test(root);
}

/**
 * The real path of `dir` inside `workspace`, refusing anything that leaves it: `..`, absolute paths
 * elsewhere, and symlinked `charts/`, `overlays/`, `tmp/` or roots pointing outside.
 */
function ownedPath(workspace: string, rel: string, what: string): string {
  const ws = realpathSync(workspace);
  const full = resolve(ws, rel);
  if (full === ws || !full.startsWith(ws + sep))
    throw new OutputError(`${what} "${rel}" is outside the workspace ${ws}`);
  // Every existing component must be a real folder (no symlink may lead elsewhere).
  let p = ws;
  for (const part of relative(ws, full).split(sep)) {
    p = join(p, part);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      break;
    }
    if (st.isSymbolicLink())
      throw new OutputError(`${what} "${rel}" goes through the symbolic link ${relative(ws, p)}`);
  }
  return full;
}

function scratchPath(workspace: string, p: unknown, field: string): string {
  if (typeof p !== 'string') throw new OutputError(`${JOURNAL}: "${field}" is not a path`);
  const ws = realpathSync(workspace);
  const rel = isAbsolute(p) ? relative(ws, p) : p;
  const ok = dirname(rel) === 'tmp' && SCRATCH.test(basename(rel)) && !rel.includes('..');
  if (!ok)
    throw new OutputError(
      `${JOURNAL}: "${field}" is "${p}", not a render's tmp/render-${field}-<pid>-<time> folder in ${ws}`,
    );
  return ownedPath(workspace, rel, `${JOURNAL} ${field}`);
}

/** Parse and validate a journal: roots are output roots, staging/trash are this workspace's tmp folders. */
function readJournal(workspace: string, jp: string): { staging: string; trash: string; j: Journal } {
  let j: Journal;
  try {
    j = JSON.parse(readFileSync(jp, 'utf8')) as Journal;
  } catch (err: any) {
    throw new OutputError(
      `${JOURNAL} in ${workspace} is unreadable (${err?.message}): check \`git status charts overlays\`, restore with \`git checkout -- charts overlays\`, then delete ${JOURNAL}`,
    );
  }
  const refuse = (why: string) =>
    new OutputError(
      `${JOURNAL} in ${workspace} was refused and nothing was touched: ${why}. A render only ever owns ` +
        `charts/<system>, overlays/<system> and tmp/render-*; if no render was interrupted, delete ${JOURNAL}, ` +
        'otherwise restore with `git checkout -- charts overlays` and delete it',
    );
  if (!j || typeof j !== 'object' || !Array.isArray(j.roots)) throw refuse('it has no list of roots');
  for (const r of [...j.roots, ...(Array.isArray(j.existed) ? j.existed : [])])
    if (!isOutputRoot(r)) throw refuse(`it names ${JSON.stringify(r)}, which is not an output root`);
  if (j.existed !== undefined && !Array.isArray(j.existed)) throw refuse('"existed" is not a list');
  try {
    const staging = scratchPath(workspace, j.staging, 'staging');
    const trash = scratchPath(workspace, j.trash, 'trash');
    for (const r of j.roots) ownedPath(workspace, r, 'root');
    return { staging, trash, j };
  } catch (err) {
    if (err instanceof OutputError) throw refuse(err.message);
    throw err;
  }
}

/**
 * Move a folder; across file systems (EXDEV) copy it, fsync every file and folder, then remove the source.
 */
export function moveDir(from: string, to: string): void {
  moveDirWith(from, to, () => renameSync(from, to));
}

function fsyncTree(path: string, recurse = true): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory() && recurse) for (const e of readdirSync(path)) fsyncTree(join(path, e));
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Fault injection for the robustness tests: `GITOPS_RENDER_FAULT=<kind>-during-<point>[@<n>]` with kind
 * `kill` (SIGKILL), `sigterm`, `sigint`, `throw` (an unexpected exception), `enospc` (a full disk),
 * `exdev` (outputs on another file system: the move falls back to copy) or `pause` (hang until killed);
 * during the swap it strikes at the n-th root (default 1), after the old root was moved aside.
 */
let swapFaultCount = 0;
function faultAt(point: 'stage' | 'swap'): string | undefined {
  const m = /^(kill|sigterm|sigint|throw|enospc|pause)-during-(stage|swap)(?:@(\d+))?$/.exec(
    process.env.GITOPS_RENDER_FAULT ?? '',
  );
  if (!m || m[2] !== point) return undefined;
  if (point === 'swap' && ++swapFaultCount !== Number(m[3] ?? 1)) return undefined;
  return m[1];
}

function strike(kind: string, point: string): void {
  if (kind === 'kill') process.kill(process.pid, 'SIGKILL');
  if (kind === 'sigterm') process.kill(process.pid, 'SIGTERM');
  if (kind === 'sigint') process.kill(process.pid, 'SIGINT');
  if (kind === 'throw') throw new Error(`injected fault during ${point}`);
  if (kind === 'enospc') {
    throw Object.assign(new Error(`ENOSPC: no space left on device, write (injected during ${point})`), {
      code: 'ENOSPC',
      syscall: 'write',
    });
  }
}

/** During the swap (synchronous: a signal takes effect after it). */
function injectFault(point: 'swap'): void {
  const kind = faultAt(point);
  if (kind) strike(kind, point);
}

/** While staging/verifying (asynchronous, as verification is: signals are handled here). */
async function injectStageFault(): Promise<void> {
  const kind = faultAt('stage');
  if (!kind) return;
  strike(kind, 'stage');
  if (kind === 'pause') process.stderr.write('render: paused (injected during stage)\n');
  if (kind === 'pause' || kind === 'sigint' || kind === 'sigterm')
    await new Promise((r) => setTimeout(r, kind === 'pause' ? 600_000 : 5_000));
}

/** Moves of whole roots; `GITOPS_RENDER_FAULT=exdev` makes every rename fail as across file systems. */
function move(from: string, to: string): void {
  moveDirWith(from, to, () => {
    if (process.env.GITOPS_RENDER_FAULT === 'exdev')
      throw Object.assign(new Error(`EXDEV: cross-device link not permitted, rename '${from}'`), {
        code: 'EXDEV',
      });
    renameSync(from, to);
  });
}

function moveDirWith(from: string, to: string, rename: () => void): void {
  try {
    rename();
    return;
  } catch (err: any) {
    if (err?.code !== 'EXDEV') throw err;
  }
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true, errorOnExist: true, verbatimSymlinks: true });
  fsyncTree(to);
  fsyncTree(dirname(to), false);
  rmSync(from, { recursive: true, force: true });
}

/**
 * `mkdir -p` that reports the real cause: Node's recursive mkdir turns a failure to create an intermediate
 * folder (EDQUOT, ENOSPC on a full or over-quota file system) into ENOENT for the leaf. Then each level
 * is created in turn, so the error thrown is the file system's own.
 */
export function makeDirs(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    return;
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err;
  }
  const parent = dirname(dir);
  if (parent !== dir && !existsSync(parent)) makeDirs(parent);
  try {
    mkdirSync(dir);
  } catch (err: any) {
    if (err?.code !== 'EEXIST') throw err;
  }
}

/** Write a set of files into a fresh folder. */
export function stageFiles(dir: string, files: ReadonlyMap<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, content] of files) {
    const full = join(dir, path);
    makeDirs(dirname(full));
    writeFileSync(full, content);
  }
}

/**
 * Roll back a swap that a killed render left unfinished. Returns true if one was rolled back.
 * The journal is validated first: it may only name output roots (`charts/<name>`, `overlays/<name>`)
 * and this workspace's `tmp/render-*` folders, with no symbolic link on the way; anything else is
 * refused with an {@link OutputError} before a single file is touched.
 */
export function recoverInterruptedRender(workspace: string): boolean {
  const jp = join(workspace, JOURNAL);
  if (!existsSync(jp)) return false;
  const { staging, trash, j } = readJournal(workspace, jp);
  try {
    for (const root of j.roots) {
      const old = join(trash, root);
      const cur = join(workspace, root);
      if (existsSync(old)) {
        rmSync(cur, { recursive: true, force: true });
        mkdirSync(dirname(cur), { recursive: true });
        move(old, cur);
      } else if (j.existed && !j.existed.includes(root)) {
        // A root the interrupted render was adding: not there before, so not there after.
        rmSync(cur, { recursive: true, force: true });
      }
    }
    rmSync(staging, { recursive: true, force: true });
    rmSync(trash, { recursive: true, force: true });
    rmSync(jp, { force: true });
  } catch (err) {
    throw userFacingFsError(err, `recovering the interrupted render from ${JOURNAL}`, false) ?? err;
  }
  return true;
}

/**
 * Remove `tmp/render-*` folders left by renders that were killed (SIGKILL cannot be caught): only folders
 * whose name matches exactly and whose process is gone, and never one a journal still needs.
 */
export function sweepAbandonedScratch(workspace: string): string[] {
  const tmp = join(workspace, 'tmp');
  if (!existsSync(tmp) || lstatSync(tmp).isSymbolicLink()) return [];
  const removed: string[] = [];
  for (const name of readdirSync(tmp)) {
    const m = SCRATCH.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid) continue;
    if (holderState({ pid, start: '', host: hostname(), since: '' }) !== 'dead') continue;
    if (existsSync(join(workspace, JOURNAL))) continue; // recovery first
    rmSync(join(tmp, name), { recursive: true, force: true });
    removed.push(`tmp/${name}`);
  }
  return removed;
}

/** Existing output roots under `charts/` and `overlays/` (for pruning what a full render no longer produces). */
export function existingRoots(workspace: string): string[] {
  const out: string[] = [];
  for (const top of ['charts', 'overlays']) {
    const dir = join(workspace, top);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const root = `${top}/${name}`;
      // Only folders a render could have written; anything else under charts/ or overlays/ is left alone.
      if (isOutputRoot(root) && lstatSync(join(dir, name)).isDirectory()) out.push(root);
    }
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

/** A fresh `tmp/render-<kind>-<pid>-<ms>` folder name (workspace-relative). */
export function scratchDir(kind: 'staging' | 'trash' | 'check', id = `${process.pid}-${Date.now()}`): string {
  return `tmp/render-${kind}-${id}`;
}

/** Stage, validate (via beforeSwap), then swap the output roots in. */
export async function writeOutputs(
  workspace: string,
  files: ReadonlyMap<string, string>,
  o: WriteOptions,
): Promise<void> {
  for (const r of o.roots)
    if (!isOutputRoot(r))
      throw new OutputError(
        `refusing to write "${r}": a render only owns charts/<system> and overlays/<system>`,
      );
  for (const p of files.keys()) {
    if (!o.roots.some((r) => p.startsWith(`${r}/`)) || p.split('/').includes('..'))
      throw new OutputError(`refusing to write "${p}": it is outside the roots this render owns`);
  }
  recoverInterruptedRender(workspace);
  sweepAbandonedScratch(workspace);
  const id = `${process.pid}-${Date.now()}`;
  const stagingRel = scratchDir('staging', id);
  const trashRel = scratchDir('trash', id);
  const staging = join(workspace, stagingRel);
  const trash = join(workspace, trashRel);
  const jp = join(workspace, JOURNAL);
  // Every exit path (exception, SIGINT/SIGTERM/SIGHUP, process.exit) leaves no staging folder and no
  // half-done swap behind.
  const dispose = addExitCleanup(() => {
    if (existsSync(jp)) recoverInterruptedRender(workspace);
    rmSync(staging, { recursive: true, force: true });
    rmSync(trash, { recursive: true, force: true });
  });
  try {
    try {
      for (const r of o.roots) ownedPath(workspace, r, 'output root');
      stageFiles(staging, files);
      await injectStageFault();
      await o.beforeSwap?.(staging);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw userFacingFsError(err, 'staging the render') ?? err;
    }
    const journal: Journal = {
      staging: stagingRel,
      trash: trashRel,
      roots: [...o.roots],
      existed: o.roots.filter((r) => existsSync(join(workspace, r))),
    };
    // The swap is synchronous: signal handlers (which run on the event loop) wait for it to finish.
    try {
      // Written beside and renamed, so a kill never leaves a torn journal.
      writeFileSync(`${jp}.tmp`, JSON.stringify(journal));
      renameSync(`${jp}.tmp`, jp);
      for (const root of o.roots) {
        const cur = join(workspace, root);
        if (existsSync(cur)) {
          mkdirSync(dirname(join(trash, root)), { recursive: true });
          move(cur, join(trash, root));
        }
        o.duringSwap?.(root);
        injectFault('swap');
        const next = join(staging, root);
        if (existsSync(next)) {
          mkdirSync(dirname(cur), { recursive: true });
          move(next, cur);
        }
      }
      rmSync(jp, { force: true });
    } catch (err) {
      // An exception midway: put the previous outputs back now rather than at the next render.
      try {
        recoverInterruptedRender(workspace);
      } finally {
        rmSync(`${jp}.tmp`, { force: true });
      }
      throw userFacingFsError(err, 'replacing the outputs') ?? err;
    }
  } finally {
    if (!existsSync(jp)) {
      rmSync(trash, { recursive: true, force: true });
      rmSync(staging, { recursive: true, force: true });
    }
    // A signal that arrived during the synchronous swap is delivered now, while the cleanup is registered.
    await new Promise((r) => setImmediate(r));
    dispose();
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
