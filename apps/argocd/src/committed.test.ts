import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSystems, WORKSPACE_ROOT } from '@gitops/render';
import { ARGOCD_OUTPUT_DIR, kustomizeBuild } from '@gitops/toolchain';
import { bootstrapProblems, loadArgoRepository, REPOSITORY_CHECKS, type ArgoRepository } from './checks';
import { renderArgoCdFiles } from './index';

/**
 * "Done when 2", proved from the committed files alone: the Argo CD objects under overlays/argocd/,
 * and the charts and overlays they point at, rendered with the real helm and kustomize.
 * Nothing is skipped: if the files are missing, every test here fails and says so.
 * `ARGOCD_CHECK_REPO_DIR` points the checks at another checkout or render output (default: this workspace).
 */
const REPO_DIR = process.env.ARGOCD_CHECK_REPO_DIR ?? WORKSPACE_ROOT;
describe(`committed Argo CD files (${ARGOCD_OUTPUT_DIR}/)`, () => {
  let repo: ArgoRepository | undefined;
  let loadError: Error | undefined;
  const loaded = (): ArgoRepository => {
    if (!repo) throw loadError ?? new Error('repository not loaded');
    return repo;
  };

  beforeAll(() => {
    try {
      repo = loadArgoRepository(REPO_DIR);
    } catch (err) {
      loadError = err as Error;
    }
  });

  it(`${ARGOCD_OUTPUT_DIR}/ exists for every environment and parses`, () => {
    expect(
      existsSync(join(REPO_DIR, ARGOCD_OUTPUT_DIR)),
      `${ARGOCD_OUTPUT_DIR}/ is missing: run \`npm run render\` and commit the output`,
    ).toBe(true);
    expect(loaded().envs.length).toBe(3);
  });

  it.each(Object.entries(REPOSITORY_CHECKS))('%s', (_name, check) => {
    expect(check(loaded())).toEqual([]);
  });

  it('each environment bootstraps from one file whose root app syncs exactly that environment folder', () => {
    expect(bootstrapProblems(loaded(), (dir) => kustomizeBuild(dir))).toEqual([]);
  });

  it('the shipped systems are the systems of the workspace', async () => {
    const systems = (await loadSystems()).map((s) => s.definition.name).sort();
    expect(loaded().systems).toEqual(systems);
  });

  it('are up to date: renderArgoCdFiles(loadSystems()) reproduces the committed files byte for byte', async () => {
    const files = renderArgoCdFiles(await loadSystems());
    const stale = Object.entries(files)
      .filter(
        ([path, text]) =>
          !existsSync(join(REPO_DIR, path)) || readFileSync(join(REPO_DIR, path), 'utf8') !== text,
      )
      .map(([path]) => path);
    expect(stale, 'run `npm run render` and commit the output').toEqual([]);
  });

  it('docs/argocd.md documents the bootstrap command of every environment', () => {
    const doc = readFileSync(join(WORKSPACE_ROOT, 'docs/argocd.md'), 'utf8');
    for (const env of loaded().envs)
      expect(doc).toContain(`kubectl apply -n argocd -f ${env.dir}/bootstrap/root-app.yaml`);
  });
});
