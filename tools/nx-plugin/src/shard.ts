/**
 * `npm run shard -- <command>`: spread `nx affected` render/validate over N CI runners and prove the result
 * equals a one-machine render (docs/ci-sharding.md, .github/workflows/render-shards.yml).
 *
 *   shard plan --total 4 [--base <ref> --head <ref> | --projects a,b]
 *                                                      the matrix: JSON [{ index, projects, outputs }]
 *   shard run --total 4 --index 0 [--base … --head …] [--targets render,validate]
 *                                                      remove this shard's committed outputs, then
 *                                                      `nx run-many -t <targets> --projects=<its projects>`
 *   shard outputs --projects a,b                       the output folders of those projects' render targets
 *   shard merge --out <dir> <shard-dir>...             merge shard outputs (the same file twice must agree)
 *   shard compare <dir-a> <dir-b> [--paths p,q]        byte-for-byte comparison of two trees (exit 1 naming files)
 *
 * Projects are those with a `render` target (every system, and argocd), affected ones only when --base is
 * given (`nx show projects --affected -t render`). They are dealt to shards in a fixed order, round-robin, so
 * each runner computes its own share from the same inputs; the outputs of a project are its render target's
 * `outputs` as the Nx plugin infers them (tools/nx-plugin/src/index.js), nothing hard-coded here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { globSync } from 'tinyglobby';
import { runMain, UsageError } from '../../cli/src/errors';
import { nxCliScript, nxEnv, REAL_WORKSPACE } from './sandbox';

/** The Nx plugin (CommonJS): the projects and targets it infers. */
interface GitopsPlugin {
  inferProjects: (files: readonly string[], workspaceRoot: string) => [string, any][];
  PROJECT_GLOB: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin: GitopsPlugin = require('./index.js');

export interface Shard {
  readonly index: number;
  readonly projects: readonly string[];
  /** Workspace-relative folders the shard's render targets write. */
  readonly outputs: readonly string[];
}

/** Render outputs of every project the plugin infers in `ws`: project → folders (workspace-relative). */
export function renderOutputs(ws = REAL_WORKSPACE): Map<string, string[]> {
  const files = globSync(plugin.PROJECT_GLOB, { cwd: ws }).sort();
  const out = new Map<string, string[]>();
  for (const [, result] of plugin.inferProjects(files, ws)) {
    for (const [root, p] of Object.entries<any>(result.projects ?? {})) {
      const name: string = p.name ?? root.split('/').pop();
      const outputs: string[] = p.targets?.render?.outputs ?? [];
      if (outputs.length)
        out.set(
          name,
          outputs.map((o) => o.replace('{workspaceRoot}/', '')),
        );
    }
  }
  return out;
}

/** Deal `projects` to `total` shards: sorted, round-robin. Every project lands in exactly one shard. */
export function planShards(projects: readonly string[], total: number, ws = REAL_WORKSPACE): Shard[] {
  if (!Number.isInteger(total) || total < 1) throw new UsageError(`--total must be a positive integer`);
  const outputs = renderOutputs(ws);
  const unknown = projects.filter((p) => !outputs.has(p));
  if (unknown.length)
    throw new UsageError(
      `no render target in project ${unknown.join(', ')} (projects with one: ${[...outputs.keys()].sort().join(', ')})`,
    );
  const sorted = [...new Set(projects)].sort();
  return Array.from({ length: total }, (_, index) => {
    const mine = sorted.filter((_, i) => i % total === index);
    return { index, projects: mine, outputs: mine.flatMap((p) => outputs.get(p)!) };
  });
}

function nxJson(ws: string, args: string[]): string[] {
  const out = execFileSync(process.execPath, [nxCliScript(ws), ...args, '--json'], {
    cwd: ws,
    env: nxEnv(),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = out
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('['));
  if (!line) throw new Error(`unexpected nx output: ${out.slice(0, 200)}`);
  return JSON.parse(line);
}

/** Projects with a render target: all, or those affected between base and head (`nx show projects --affected`). */
export function renderProjects(ws: string, range?: { base: string; head?: string }): string[] {
  const args = ['show', 'projects', '-t', 'render'];
  if (range) args.push('--affected', `--base=${range.base}`, ...(range.head ? [`--head=${range.head}`] : []));
  return nxJson(ws, args).sort();
}

/**
 * Every file under `dir`, or only under its `paths` (relative paths, sorted); symlinks are refused (a render
 * writes none).
 */
function filesUnder(dir: string, paths?: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p));
      else throw new UsageError(`${p}: not a regular file (outputs hold only files and folders)`);
    }
  };
  for (const start of paths?.length ? paths.map((p) => join(dir, p)) : [dir])
    if (existsSync(start)) {
      if (lstatSync(start).isDirectory()) walk(start);
      else out.push(relative(dir, start));
    }
  return [...new Set(out)].sort();
}

const digest = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

const inside = (paths: readonly string[] | undefined) => (f: string) =>
  !paths?.length || paths.some((p) => f === p || f.startsWith(`${p}/`));

/**
 * Merge shard trees into `out` (only `paths` of each, when given); a file present in two shards must be
 * byte-identical. Returns the files written.
 */
export function mergeShards(out: string, shardDirs: readonly string[], paths?: readonly string[]): string[] {
  const seen = new Map<string, { hash: string; from: string }>();
  for (const dir of shardDirs) {
    if (!existsSync(dir) || !lstatSync(dir).isDirectory()) throw new UsageError(`${dir}: no such folder`);
    for (const f of filesUnder(dir, paths)) {
      const hash = digest(join(dir, f));
      const prev = seen.get(f);
      if (prev && prev.hash !== hash)
        throw new UsageError(`${f}: shards ${prev.from} and ${dir} wrote different contents`);
      if (prev) continue;
      seen.set(f, { hash, from: dir });
      mkdirSync(dirname(join(out, f)), { recursive: true });
      copyFileSync(join(dir, f), join(out, f));
    }
  }
  return [...seen.keys()].sort();
}

/** Byte-for-byte differences between two trees, restricted to `paths` (folders or files) when given. */
export function compareTrees(a: string, b: string, paths?: readonly string[]): string[] {
  const fa = filesUnder(a, paths).filter(inside(paths));
  const fb = filesUnder(b, paths).filter(inside(paths));
  const sb = new Set(fb);
  const problems: string[] = [];
  for (const f of fa) {
    if (!sb.has(f)) problems.push(`only in ${a}: ${f}`);
    else if (!readFileSync(join(a, f)).equals(readFileSync(join(b, f)))) problems.push(`differs: ${f}`);
  }
  const sa = new Set(fa);
  for (const f of fb) if (!sa.has(f)) problems.push(`only in ${b}: ${f}`);
  return problems;
}

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export async function main(argv: string[], ws = REAL_WORKSPACE): Promise<number> {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const program = new Command('shard')
    .description('Spread render/validate over CI runners and check the merged outputs')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const range = (o: { base?: string; head?: string }) =>
    o.base ? { base: o.base, head: o.head } : undefined;
  let code = 0;
  program
    .command('plan')
    .requiredOption('--total <n>', 'number of shards')
    .option('--base <ref>', 'only projects affected since this ref')
    .option('--head <ref>', 'head ref (default: the working tree)')
    .option('--projects <names>', 'plan these projects (skips asking Nx)')
    .action((o) => {
      const projects = o.projects ? list(o.projects) : renderProjects(ws, range(o));
      out(JSON.stringify(planShards(projects, Number(o.total), ws)));
    });
  program
    .command('run')
    .requiredOption('--total <n>', 'number of shards')
    .requiredOption('--index <i>', 'this shard (0-based)')
    .option('--base <ref>', 'only projects affected since this ref')
    .option('--head <ref>', 'head ref (default: the working tree)')
    .option('--targets <names>', 'Nx targets to run', 'render,validate')
    .option('--projects <names>', 'the full project list (skips asking Nx; e.g. from `shard plan`)')
    .action((o) => {
      const projects = o.projects ? list(o.projects) : renderProjects(ws, range(o));
      const shards = planShards(projects, Number(o.total), ws);
      const i = Number(o.index);
      const shard = shards[i];
      if (!shard) throw new UsageError(`--index must be 0…${shards.length - 1}`);
      if (!shard.projects.length) {
        out(`shard ${i}/${shards.length}: nothing to do`);
        return;
      }
      // The shard's outputs are produced here, never taken from the checkout.
      for (const p of shard.outputs) rmSync(join(ws, p), { recursive: true, force: true });
      const args = [
        nxCliScript(ws),
        'run-many',
        '-t',
        ...list(o.targets),
        `--projects=${shard.projects.join(',')}`,
        '--outputStyle=static',
      ];
      out(`shard ${i}/${shards.length}: nx ${args.slice(1).join(' ')}`);
      const r = spawnSync(process.execPath, args, { cwd: ws, env: nxEnv(), stdio: 'inherit' });
      code = r.status ?? 1;
    });
  program
    .command('outputs')
    .requiredOption('--projects <names>', 'projects (comma-separated)')
    .action((o) => {
      const outputs = renderOutputs(ws);
      for (const p of list(o.projects)) {
        const dirs = outputs.get(p);
        if (!dirs) throw new UsageError(`project ${p} has no render target`);
        dirs.forEach((d) => out(d));
      }
    });
  program
    .command('merge')
    .requiredOption('--out <dir>', 'merged tree')
    .option('--paths <paths>', 'only these folders of each shard (comma-separated)')
    .argument('<shard-dirs...>')
    .action((dirs: string[], o) => {
      const files = mergeShards(
        resolve(o.out),
        dirs.map((d) => resolve(d)),
        o.paths ? list(o.paths) : undefined,
      );
      out(`merged ${files.length} files from ${dirs.length} shards into ${o.out}`);
    });
  program
    .command('compare')
    .argument('<a>')
    .argument('<b>')
    .option('--paths <paths>', 'only these folders (comma-separated)')
    .action((a: string, b: string, o) => {
      const problems = compareTrees(resolve(a), resolve(b), o.paths ? list(o.paths) : undefined);
      if (problems.length) {
        process.stderr.write(`error: the trees differ:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
        code = 1;
      } else out(`identical: ${a} and ${b}${o.paths ? ` (${o.paths})` : ''}`);
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    throw err;
  }
  return code;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
