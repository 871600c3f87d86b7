/**
 * The committed project map (tools/nx-plugin/project-map.json) that lets the diff preview skip Nx's project
 * graph: it must equal what Nx computes, and the affected sets computed from it must hold every project
 * `nx show projects --affected` names (the systems exactly), else a preview could miss a system.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  affectedFromProjectMap,
  affectedProjects,
  projectMapCacheFile,
  nxAffectedProjectsAsync,
  PROJECT_MAP_FILE,
  readProjectMap,
  type ProjectMap,
} from '@gitops/diff';
import { formatProjectMap, generateProjectMap } from './project-map';
import { createSandbox, REAL_WORKSPACE } from './sandbox';

const SYSTEMS = ['aegis-tickets', 'mini-xdr', 'ode', 'argocd'];

describe('project map', () => {
  let current: ProjectMap;
  beforeAll(async () => {
    current = await generateProjectMap();
  }, 120_000);

  it('the committed map is what Nx computes now, or its key no longer matches and it is not used', async () => {
    const committed = readFileSync(join(REAL_WORKSPACE, PROJECT_MAP_FILE), 'utf8');
    if (readProjectMap(REAL_WORKSPACE)?.key === current.key)
      expect(committed).toBe(formatProjectMap(current));
    else
      expect(await affectedFromProjectMap(REAL_WORKSPACE, ['libs/platform/src/index.ts'])).toEqual({
        reason: `${PROJECT_MAP_FILE} does not match the workspace's projects`,
        key: current.key,
      });
  });

  it.each([
    ['a library every system imports', 'libs/platform/src/index.ts'],
    ['a library only tools import', 'libs/diff/src/preview.ts'],
    ['a tool file that is a render target input', 'tools/cli/src/render.ts'],
    ['the Argo CD app', 'apps/argocd/src/index.ts'],
  ])(
    '%s: the map reaches every project Nx reaches, and the same systems',
    { timeout: 120_000 },
    async (_, file) => {
      const fromMap = await affectedFromProjectMap(REAL_WORKSPACE, [file], current);
      const fromNx = await nxAffectedProjectsAsync(REAL_WORKSPACE, [file]);
      if (fromNx instanceof Error) throw fromNx;
      expect('projects' in fromMap, JSON.stringify(fromMap)).toBe(true);
      const projects = (fromMap as { projects: string[] }).projects;
      for (const p of fromNx) expect(projects).toContain(p);
      expect(projects.filter((p) => SYSTEMS.includes(p))).toEqual(
        [...fromNx].filter((p) => SYSTEMS.includes(p)).sort(),
      );
    },
  );

  it('a global input (nx.json namedInputs) reaches every project; a file outside every project goes to Nx', async () => {
    const all = await affectedFromProjectMap(REAL_WORKSPACE, ['package-lock.json'], current);
    expect(all).toEqual({ projects: Object.keys(current.projects).sort() });
    expect(await affectedFromProjectMap(REAL_WORKSPACE, ['some-root-file.ts'], current)).toEqual({
      reason: expect.stringMatching(/belongs to no project/),
    });
  });

  it(
    'is not used when the projects changed since it was generated; the map Nx computes then is kept for that state',
    { timeout: 240_000 },
    async () => {
      const sb = createSandbox({ prefix: 'gitops-project-map-' });
      try {
        expect(readProjectMap(sb.ws)).toEqual(readProjectMap(REAL_WORKSPACE));
        expect(await affectedFromProjectMap(sb.ws, ['libs/platform/src/index.ts'], current)).toHaveProperty(
          'projects',
        );
        sb.write('libs/platform/project.json', '{"name":"platform","tags":["x"]}\n');
        const stale = await affectedFromProjectMap(sb.ws, ['libs/platform/src/index.ts'], current);
        expect(stale).toEqual({
          reason: `${PROJECT_MAP_FILE} does not match the workspace's projects`,
          key: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
        const key = (stale as { key: string }).key;
        expect(key).not.toBe(current.key);
        const file = projectMapCacheFile(sb.ws, key);
        rmSync(file, { force: true });
        // Nx computes the graph once for this state; the affected set is Nx's own.
        const files = ['libs/platform/src/index.ts', 'tools/cli/src/render.ts'];
        const viaGraph = await affectedProjects(sb.ws, files);
        const fromNx = await nxAffectedProjectsAsync(sb.ws, files);
        if (fromNx instanceof Error) throw fromNx;
        expect(viaGraph).toEqual([...fromNx].sort());
        expect(existsSync(file)).toBe(true);
        expect(JSON.parse(readFileSync(file, 'utf8')).key).toBe(key);
        // A cached entry for another state is never used.
        expect(await affectedProjects(sb.ws, files)).toEqual(viaGraph);
      } finally {
        sb.cleanup();
      }
    },
  );
});
