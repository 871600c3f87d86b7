/**
 * Stale outputs on a throw-away copy of this workspace (real systems, real sources): a pull request that edits
 * a system's environments without re-rendering must fail its preview with the stale files, never preview as
 * "0 changes"; an edit that does not change the outputs passes. The copy runs its own CLI, as CI does.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyWorkspace, WORKSPACE_ROOT } from './fixture';

const TSX = join(WORKSPACE_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** `node args` in `cwd`, asynchronously, offline for Nx. */
function runNode(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_TUI: 'false',
      CI: 'true',
    };
    for (const k of ['VITEST', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'NODE_ENV']) delete env[k];
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code: code ?? 1, stdout, stderr }));
  });
}

interface Sandbox {
  ws: string;
  read(p: string): string;
  write(p: string, c: string): void;
  append(p: string, c: string): void;
  commit(m: string): void;
  cleanup(): void;
}
function createSandbox(): Sandbox {
  const c = copyWorkspace('gitops-diff-stale-');
  return {
    ws: c.ws,
    read: (p) => readFileSync(join(c.ws, p), 'utf8'),
    write: (p, content) => writeFileSync(join(c.ws, p), content),
    append: (p, content) => appendFileSync(join(c.ws, p), content),
    commit: (m) => {
      c.git('add', '-A');
      c.git('commit', '-q', '-m', m);
    },
    cleanup: c.cleanup,
  };
}

describe('stale outputs (copy of this workspace)', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = createSandbox();
  });
  afterAll(() => sb?.cleanup());
  const diff = (...args: string[]) =>
    runNode([TSX, 'tools/cli/src/diff.ts', '--base', 'HEAD~1', ...args], sb.ws);

  it('editing apps/ode/src/environments.ts without re-rendering fails with the stale files and objects', async () => {
    const file = 'apps/ode/src/environments.ts';
    const before = sb.read(file);
    const after = before.replace(/(viewer: \{[\s\S]*?replicas: )2,/, '$13,');
    expect(after).not.toBe(before);
    sb.write(file, after);
    sb.commit('ode: three viewers');
    const r = await diff('--format', 'json');
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.stale.status).toBe('stale');
    expect(report.stale.systems).toContain('ode');
    expect(
      report.stale.objects.some((o: string) =>
        /^ode prod: differs apps\/v1\/Deployment ode\/ode-viewer/.test(o),
      ),
    ).toBe(true);
    expect(report.stale.files.some((f: string) => /^differs: (charts|overlays)\/ode\//.test(f))).toBe(true);
    expect(r.stderr).toContain('committed outputs are stale');
    const md = await diff('--format', 'markdown');
    expect(md.code).toBe(1);
    expect(md.stdout).toContain('❌ **Committed outputs are stale**');
    expect(md.stdout).toContain('stale outputs');
  });

  it('a source edit that does not change the outputs passes the check', async () => {
    sb.append('apps/ode/src/environments.ts', '\n// a comment changes no output\n');
    // Undo the previous commit's change so only the comment differs from HEAD~1... by re-rendering instead:
    const render = await runNode(
      [TSX, 'tools/cli/src/render.ts', '--skip-verify', '-q', '--system', 'ode'],
      sb.ws,
    );
    expect(render.code, render.stderr).toBe(0);
    sb.commit('ode: re-rendered');
    sb.append('apps/ode/src/environments.ts', '// another comment\n');
    sb.commit('ode: comment only');
    const r = await diff('--format', 'json', '--exit-code');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.stale).toMatchObject({ status: 'fresh', files: [], objects: [] });
    expect(report.stale.systems).toContain('ode');
  });
});
