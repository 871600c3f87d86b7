/**
 * The render cache of `npm run render`, through the real CLI (the compiled launcher) in a copy of the workspace: a system is
 * answered from the cache only while none of its inputs changed; a change to its own folder re-renders
 * that system alone, a change to a library re-renders every system, and a changed value reaches the
 * outputs (never a stale render). `--no-cache` renders everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, nxEnv, REAL_WORKSPACE, runNode, type Sandbox } from '../../nx-plugin/src/sandbox';

let sb: Sandbox;
let caches: string;

beforeAll(() => {
  sb = createSandbox({ prefix: 'render-cache-', withOutputs: true });
  caches = mkdtempSync(join(tmpdir(), 'render-cache-dirs-'));
});
afterAll(() => {
  sb?.cleanup();
  rmSync(caches, { recursive: true, force: true });
});

/** `render --check --timing` in the copy (verification skipped: verify-cache.test.ts covers it). */
async function check(...extra: string[]) {
  const r = await runNode(
    // What `npm run render` runs: the copy's compiled launcher (its compile cache shared with this checkout).
    [
      join(sb.ws, 'tools', 'cli', 'bin', 'gitops.cjs'),
      'render',
      '--check',
      '--skip-verify',
      '--timing',
      ...extra,
    ],
    sb.ws,
    nxEnv({
      GITOPS_RENDER_CACHE_DIR: join(caches, 'render'),
      GITOPS_TS_CACHE_DIR: join(REAL_WORKSPACE, 'dist', 'ts-cache'),
    }),
  );
  const m = /synthesize and emit \((\d+) rendered, (\d+) from the cache\)/.exec(r.stderr);
  return { code: r.code, stderr: r.stderr, rendered: Number(m?.[1]), cached: Number(m?.[2]) };
}

describe('render cache', () => {
  it('renders every system once, then only what an input change reaches, never a stale output', async () => {
    const cold = await check();
    expect(cold.stderr).not.toMatch(/differ/);
    expect({ code: cold.code, rendered: cold.rendered, cached: cold.cached }).toEqual({
      code: 0,
      rendered: 3,
      cached: 0,
    });
    const warm = await check();
    expect({ code: warm.code, rendered: warm.rendered, cached: warm.cached }).toEqual({
      code: 0,
      rendered: 0,
      cached: 3,
    });

    // A file of one system (here a comment): that system alone.
    sb.append('apps/mini-xdr/src/environments.ts', '\n// a comment\n');
    const one = await check();
    expect({ code: one.code, rendered: one.rendered, cached: one.cached }).toEqual({
      code: 0,
      rendered: 1,
      cached: 2,
    });

    // A library every system loads: all of them.
    sb.append('libs/platform/src/index.ts', '\n// a comment\n');
    const all = await check();
    expect({ code: all.code, rendered: all.rendered }).toEqual({ code: 0, rendered: 3 });

    // A value that changes the outputs: the fresh render differs from the committed files.
    const envFile = 'apps/mini-xdr/src/environments.ts';
    const text = sb.read(envFile);
    const changed = text.replace(
      "  prod: {\n    platform: platformOf('prod'),",
      "  prod: {\n    platform: platformOf('prod'),\n    frontend: { replicas: 3 },",
    );
    expect(changed).not.toBe(text);
    sb.write(envFile, changed);
    const drift = await check();
    expect(drift.code).toBe(1);
    expect(drift.rendered).toBe(1);
    expect(drift.stderr).toMatch(/charts\/mini-xdr\/values-prod\.yaml/);

    // --no-cache renders everything.
    const none = await check('--no-cache');
    expect(none.rendered).toBe(3);
  }, 600_000);
});
