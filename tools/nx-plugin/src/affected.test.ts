/**
 * `nx affected` selects exactly what a change reaches: proven in a throw-away git copy of this workspace
 * (real apps, libs, tools and Nx config; node_modules linked), with Nx offline and without the daemon.
 * Project-level (`nx show projects --affected`) and task-level (`... -t render validate diff`, what
 * `nx affected -t render validate diff` runs) are both checked.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, dependentsOf, type Sandbox } from './sandbox';

const TARGETS = ['render', 'validate', 'diff'];

describe('nx affected in a throw-away repository', () => {
  let sb: Sandbox;
  let systems: string[];
  let graph: Record<string, string[]>;
  beforeAll(async () => {
    sb = createSandbox({ prefix: 'gitops-nx-affected-' });
    systems = sb.systems();
    graph = await sb.graph();
  });
  afterAll(() => sb?.cleanup());

  /** Commit a change, then return [project-level affected, task-level affected for render validate diff]. */
  async function change(edit: () => void): Promise<{ projects: string[]; tasks: string[] }> {
    edit();
    sb.commit('change');
    const [projects, tasks] = await Promise.all([sb.affected(), sb.affected(TARGETS)]);
    return { projects, tasks };
  }

  it('has the graph the render relies on: systems depend on the libraries they import, argocd on every system', () => {
    expect(systems.length).toBeGreaterThanOrEqual(3);
    for (const s of systems) {
      expect(graph[s]).toEqual(expect.arrayContaining(['environments', 'render']));
      expect(graph[s]).not.toContain('cli'); // tools are inputs of the targets, not graph edges (see index.js)
    }
    expect(graph.argocd).toEqual(expect.arrayContaining(systems));
  });

  it('touching one system affects only that system (and the Argo CD app that lists it)', async () => {
    const s = systems.includes('mini-xdr') ? 'mini-xdr' : systems[0];
    const r = await change(() => sb.append(`apps/${s}/src/system.ts`, '\n// touched\n'));
    expect(r.projects).toEqual(['argocd', s].sort());
    expect(r.tasks).toEqual(['argocd', s].sort());
    expect(await sb.affected(['validate'])).toEqual([s]);
  });

  it("touching a system's own environment values affects only that system", async () => {
    const s =
      systems.find((n) => n !== 'mini-xdr' && existsSync(join(sb.ws, 'apps', n, 'src', 'environments.ts'))) ??
      systems[0];
    const r = await change(() => sb.append(`apps/${s}/src/environments.ts`, '\n// touched\n'));
    expect(r.projects).toEqual(['argocd', s].sort());
    expect(r.tasks).toEqual(['argocd', s].sort());
  });

  it('touching a library affects exactly its dependents', async () => {
    const r = await change(() => sb.append('libs/platform/src/workloads.ts', '\n// touched\n'));
    expect(r.projects).toEqual(['platform', ...dependentsOf(graph, 'platform')].sort());
    expect(r.projects).toEqual(expect.arrayContaining(['argocd', ...systems]));
    for (const unrelated of ['environments', 'toolchain', 'validation', 'diff'])
      expect(r.projects).not.toContain(unrelated);
    expect(r.tasks).toEqual(['argocd', ...systems].sort());
  });

  it('touching the diff library affects the diff previews, never a render or a validation', async () => {
    sb.append('libs/diff/src/select.ts', '\n// touched\n');
    sb.commit('diff lib');
    const [rv, d] = await Promise.all([sb.affected(['render', 'validate']), sb.affected(['diff'])]);
    expect(rv).toEqual([]);
    expect(d).toEqual(systems);
  });

  it('touching an environment definition affects every system deployed there', async () => {
    const r = await change(() => sb.append('libs/environments/src/environments.ts', '\n// touched\n'));
    expect(r.tasks).toEqual(['argocd', ...systems].sort());
    expect(r.projects).toEqual(['environments', ...dependentsOf(graph, 'environments')].sort());
  });

  it('touching only docs affects nothing', async () => {
    const r = await change(() => {
      sb.write(`apps/${systems[0]}/README.md`, '# a system\n');
      sb.write('libs/platform/README.md', '# platform\n');
      sb.write('docs/notes.md', '# notes\n');
      sb.write('README.md', '# workspace\n');
    });
    expect(r.projects).toEqual([]);
    expect(r.tasks).toEqual([]);
  });
});
