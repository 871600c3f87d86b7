/**
 * The one place that writes outputs. A render is staged completely in a temporary folder, then the
 * output roots are swapped in. A journal makes the swap recoverable: a render killed midway is rolled
 * back by the next render (or `check`), so the committed `charts/` and `overlays/` are never left
 * half-written. A lock keeps two renders from interleaving.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import lockfile from 'proper-lockfile';
import { globSync } from 'tinyglobby';

const JOURNAL = '.render-journal.json';
const LOCK_TARGET = '.render.lock';

/** A user-facing problem with the outputs (lock held, drift). */
export class OutputError extends Error {
  override readonly name = 'OutputError';
}

interface Journal {
  staging: string;
  trash: string;
  roots: string[];
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
  const j = JSON.parse(readFileSync(jp, 'utf8')) as Journal;
  for (const root of j.roots) {
    const old = join(j.trash, root);
    if (existsSync(old)) {
      rmSync(join(workspace, root), { recursive: true, force: true });
      mkdirSync(dirname(join(workspace, root)), { recursive: true });
      renameSync(old, join(workspace, root));
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
    for (const name of readdirSync(dir).sort()) if (statSync(join(dir, name)).isDirectory()) out.push(`${top}/${name}`);
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
export async function withRenderLock<T>(workspace: string, fn: () => Promise<T>, waitMs = 60_000): Promise<T> {
  const target = join(workspace, LOCK_TARGET);
  if (!existsSync(target)) writeFileSync(target, '');
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      stale: 30_000,
      retries: { retries: Math.ceil(waitMs / 250), minTimeout: 250, maxTimeout: 250, factor: 1 },
    });
  } catch {
    throw new OutputError(`another render holds ${LOCK_TARGET} in ${workspace}; waited ${waitMs / 1000}s — try again when it has finished`);
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** Stage, validate (via beforeSwap), then swap the output roots in. */
export async function writeOutputs(workspace: string, files: ReadonlyMap<string, string>, o: WriteOptions): Promise<void> {
  recoverInterruptedRender(workspace);
  const id = `${process.pid}-${Date.now()}`;
  const staging = join(workspace, `tmp/render-staging-${id}`);
  const trash = join(workspace, `tmp/render-trash-${id}`);
  try {
    stageFiles(staging, files);
    await o.beforeSwap?.(staging);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  const journal: Journal = { staging, trash, roots: [...o.roots] };
  writeFileSync(join(workspace, JOURNAL), JSON.stringify(journal));
  for (const root of o.roots) {
    const cur = join(workspace, root);
    if (existsSync(cur)) {
      mkdirSync(dirname(join(trash, root)), { recursive: true });
      renameSync(cur, join(trash, root));
    }
    o.duringSwap?.(root);
    const next = join(staging, root);
    if (existsSync(next)) {
      mkdirSync(dirname(cur), { recursive: true });
      renameSync(next, cur);
    }
  }
  rmSync(join(workspace, JOURNAL), { force: true });
  rmSync(trash, { recursive: true, force: true });
  rmSync(staging, { recursive: true, force: true });
}

/** Differences between the files of a render and what is on disk under its roots. */
export function compareWithDisk(workspace: string, files: ReadonlyMap<string, string>, roots: readonly string[]): string[] {
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
