/**
 * The compiled command-line tools (tools/cli/bin): `npm run <command>` runs the launcher, which loads each
 * TypeScript file through the content-addressed compile cache that `npm ci` (prepare) fills.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNode } from '../../nx-plugin/src/sandbox';

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'tools', 'cli', 'bin');
const LAUNCHER = join(BIN, 'gitops.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { COMMANDS } = require('../bin/gitops.cjs') as { COMMANDS: Record<string, string[]> };
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'gitops-compiled-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const env = (extra: Record<string, string> = {}) => ({ ...process.env, NO_COLOR: '1', ...extra });

describe('compiled CLIs', () => {
  it('every command script runs the launcher (no tsx), and npm ci fills the compile cache (prepare)', () => {
    for (const c of ['render', 'check', 'chart-version', 'plan', 'schemas', 'diff', 'images', 'promote'])
      expect(pkg.scripts[c]).toBe(`node tools/cli/bin/gitops.cjs ${c}`);
    expect(pkg.scripts.validate).toMatch(/^node (--[\w-]+=\S+ )*tools\/cli\/bin\/validate\.cjs$/);
    expect(pkg.scripts.prepare).toBe('node tools/cli/bin/build.cjs');
    for (const [c, [file]] of Object.entries(COMMANDS))
      expect(readdirSync(join(ROOT, file, '..')), `${c}: ${file}`).toContain(file.split('/').pop());
  });

  it('each command answers --help (exit 0, its usage)', { timeout: 180_000 }, async () => {
    const names = ['render', 'check', 'chart-version', 'plan', 'diff', 'images', 'promote', 'shard'];
    const runs = await Promise.all(names.map((c) => runNode([LAUNCHER, c, '--help'], ROOT, env())));
    runs.forEach((r, i) => {
      expect(r.code, `${names[i]}: ${r.stderr}`).toBe(0);
      expect(r.stdout + r.stderr, names[i]).toMatch(/Usage|usage/);
    });
  });

  it('an unknown command is one clear line, exit 1', () => {
    const r = spawnSync(process.execPath, [LAUNCHER, 'rendr'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^gitops: unknown command "rendr"; one of: validate, render, check/);
  });

  it('prepare compiles every non-test TypeScript file into the cache; an edit gets a new entry', () => {
    const cache = join(scratch, 'cache');
    const r = spawnSync(process.execPath, [join(BIN, 'build.cjs')], {
      encoding: 'utf8',
      env: env({ GITOPS_TS_CACHE_DIR: cache }),
    });
    expect(r.status, r.stderr).toBe(0);
    const n = Number(/(\d+) TypeScript files \((\d+) compiled/.exec(r.stderr)?.[2]);
    expect(n).toBeGreaterThan(100);
    const entries = readdirSync(cache).flatMap((d) => readdirSync(join(cache, d)));
    expect(entries).toHaveLength(n);
    // Nothing left to compile the second time.
    const again = spawnSync(process.execPath, [join(BIN, 'build.cjs')], {
      encoding: 'utf8',
      env: env({ GITOPS_TS_CACHE_DIR: cache }),
    });
    expect(again.stderr).toMatch(/\(0 compiled, 0 stale entries removed\)/);
  });

  it('runs user TypeScript with its own line numbers, never a stale or truncated entry', () => {
    const cache = join(scratch, 'user-cache');
    const dir = join(scratch, 'user');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'system.ts');
    const run = () =>
      spawnSync(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(join(BIN, 'ts-hook.cjs'))}).register();
           try { console.log(require(${JSON.stringify(file)}).value); } catch (e) { console.log(e.stack.split('\\n')[1].trim()); }`,
        ],
        { encoding: 'utf8', env: env({ GITOPS_TS_CACHE_DIR: cache }) },
      ).stdout.trim();
    writeFileSync(
      file,
      'interface A {\n  x: number;\n}\nconst a: A = { x: 1 };\nexport const value: number = a.x;\n',
    );
    expect(run()).toBe('1');
    writeFileSync(file, 'type T = number;\nexport const value: T = 2;\n');
    expect(run()).toBe('2'); // the content changed: a new key, never the old entry
    writeFileSync(
      file,
      'interface B {\n  y: string;\n}\n\nexport const value = (() => {\n  throw new Error("boom");\n})();\n',
    );
    expect(run()).toContain(`${file}:6:9`);
    // A truncated entry (a write cut short) is recompiled, never executed.
    writeFileSync(file, 'export const value: string = "whole";\n');
    expect(run()).toBe('whole');
    const [shard] = readdirSync(cache).filter((d) => readdirSync(join(cache, d)).length);
    for (const d of readdirSync(cache))
      for (const e of readdirSync(join(cache, d))) {
        const p = join(cache, d, e);
        const text = readFileSync(p, 'utf8');
        if (text.includes('"whole"')) writeFileSync(p, text.slice(0, text.indexOf('"whole"')));
      }
    expect(shard).toBeDefined();
    expect(run()).toBe('whole');
  });

  it('a file that does not compile is esbuild’s message naming the file, not a stack', () => {
    const cache = join(scratch, 'bad-cache');
    const file = join(scratch, 'bad.ts');
    writeFileSync(file, 'export const x: number = ;\n');
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(join(BIN, 'ts-hook.cjs'))}).register();
         try { require(${JSON.stringify(file)}) } catch (e) { console.log(e.message) }`,
      ],
      { encoding: 'utf8', env: env({ GITOPS_TS_CACHE_DIR: cache }) },
    );
    expect(r.stdout).toMatch(/^Transform failed with 1 error:\n/);
    expect(r.stdout).toContain(`${file}:1:25: ERROR:`);
  });
});
