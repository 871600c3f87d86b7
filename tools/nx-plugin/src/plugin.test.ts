/** The plugin's inferred targets (pure part), and that Nx loads it offline from nx.json. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_WORKSPACE } from './sandbox';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require('./index.js');

describe('gitops nx plugin', () => {
  const result = plugin.inferProjects(
    ['apps/shop/src/system.ts', 'apps/shop/project.json', 'apps/argocd/project.json'],
    '/nonexistent',
  );
  const byRoot = Object.fromEntries(result.flatMap(([, r]: any) => Object.entries(r.projects)));

  it('exports the Nx 24 createNodes tuple under both names', () => {
    expect(plugin.createNodesV2).toBe(plugin.createNodes);
    expect(plugin.createNodes[0]).toBe('apps/*/{src/system.ts,project.json}');
    expect(typeof plugin.createNodes[1]).toBe('function');
  });

  it('infers render (cached, outputs charts/ and overlays/), validate (after render, cached) and diff (not cached) per system', () => {
    const t = byRoot['apps/shop'].targets;
    expect(t.render.command).toBe('node tools/cli/bin/gitops.cjs render --system shop --quiet');
    expect(t.render.cache).toBe(true);
    expect(t.render.outputs).toEqual(['{workspaceRoot}/charts/shop', '{workspaceRoot}/overlays/shop']);
    expect(t.render.inputs).toEqual(
      expect.arrayContaining([
        'production',
        '^production',
        'gitopsShared',
        '{workspaceRoot}/tools/cli/src/render.ts',
      ]),
    );
    expect(t.validate.dependsOn).toEqual(['render']);
    expect(t.validate.cache).toBe(true);
    expect(t.validate.inputs).toContainEqual({ dependentTasksOutputFiles: '**/*', transitive: false });
    expect(t.diff.cache).toBe(false);
    expect(t.diff.inputs).toEqual(expect.arrayContaining(['{workspaceRoot}/charts/shop/**/*']));
  });

  it('gives argocd a render target owning overlays/argocd and a dependency on every system', () => {
    expect(byRoot['apps/argocd'].implicitDependencies).toEqual(['shop']);
    expect(byRoot['apps/argocd'].targets.render.outputs).toEqual(['{workspaceRoot}/overlays/argocd']);
  });

  it('names inputs that exist: every tool file a target runs', () => {
    const files = new Set<string>();
    for (const r of Object.values(byRoot) as any[])
      for (const t of Object.values(r.targets ?? {}) as any[])
        for (const i of t.inputs ?? [])
          if (typeof i === 'string' && i.startsWith('{workspaceRoot}/tools/'))
            files.add(i.replace('{workspaceRoot}/', ''));
    for (const f of files) expect(() => readFileSync(join(REAL_WORKSPACE, f)), f).not.toThrow();
  });

  it('is registered in nx.json, offline, with the production and gitopsShared inputs', () => {
    const nx = JSON.parse(readFileSync(join(REAL_WORKSPACE, 'nx.json'), 'utf8'));
    expect(nx.plugins).toContain('./tools/nx-plugin/src/index.js');
    expect(nx.neverConnectToCloud).toBe(true);
    expect(nx.pluginsConfig['@nx/js'].analyzeSourceFiles).toBe(true);
    expect(nx.namedInputs.production).toEqual(
      expect.arrayContaining(['!{projectRoot}/**/*.test.ts', '!{projectRoot}/**/*.md']),
    );
  });
});
