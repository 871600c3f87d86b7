/**
 * A second render of unchanged inputs is served from the local Nx cache (offline, no daemon), deleted outputs
 * are restored from it, and a change to an input the render reads at run time is a cache miss.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from './sandbox';

describe('Nx cache of render and validate', () => {
  let sb: Sandbox;
  let s: string;
  beforeAll(() => {
    sb = createSandbox({ prefix: 'gitops-nx-cache-', withOutputs: true });
    s = sb.systems().includes('mini-xdr') ? 'mini-xdr' : sb.systems()[0];
  });
  afterAll(() => sb?.cleanup());

  const run = async (...args: string[]) => {
    const r = await sb.nx(['run', ...args, '--outputStyle=static']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    return `${r.stdout}\n${r.stderr}`;
  };

  it('renders and validates once, then serves both from the cache', async () => {
    const first = await run(`${s}:validate`);
    expect(first).not.toMatch(/local cache|existing outputs match the cache/);
    expect(first).toMatch(/Successfully ran target validate/);
    const second = await run(`${s}:validate`);
    expect(second).toMatch(
      /Nx read the output from the cache instead of running the command for 2 out of 2 tasks/,
    );
  });

  it('restores deleted outputs from the cache', async () => {
    rmSync(join(sb.ws, 'charts', s), { recursive: true, force: true });
    const out = await run(`${s}:render`);
    expect(out).toMatch(/\[local cache\]/);
    expect(existsSync(join(sb.ws, 'charts', s, 'Chart.yaml'))).toBe(true);
  });

  it('misses the cache when an input the render reads changes (a library, or the shared schemas)', async () => {
    sb.append('libs/environments/src/environments.ts', '\n// touched\n');
    const afterLib = await run(`${s}:render`, '--skip-nx-cache=false');
    expect(afterLib).not.toMatch(/\[local cache\]|existing outputs match the cache/);
    // The schemas live outside the workspace: a runtime input hashes them (and the env vars naming them).
    const inputs = JSON.parse(
      (await sb.nx(['show', 'target', 'inputs', `${s}:render`, '--json'])).stdout.replace(/^[^{]*/, ''),
    );
    expect(inputs.runtime).toContain('node tools/nx-plugin/schemas-hash.cjs');
    expect(inputs.environment).toEqual(expect.arrayContaining(['GITOPS_SCHEMAS_SRC', 'GITOPS_SCHEMAS_DIR']));
    const hash = (src?: string) =>
      execFileSync(process.execPath, ['tools/nx-plugin/schemas-hash.cjs'], {
        cwd: sb.ws,
        encoding: 'utf8',
        env: { ...process.env, GITOPS_SCHEMAS_SRC: src },
      });
    const real = hash(join(sb.ws, '..', 'shared', 'schemas'));
    expect(real).toMatch(/^[0-9a-f]{64}\n$/);
    expect(hash(join(sb.ws, 'libs', 'environments'))).not.toEqual(real);
  });
});
