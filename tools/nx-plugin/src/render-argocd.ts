/**
 * The `argocd:render` target: render only `overlays/argocd/<env>` (AppProjects, Applications, root apps)
 * from the definitions of every system, verify it (kustomize build + strict validation against the Argo CD
 * CRDs) and swap it in. `npm run render` does the same as part of the full render; `render --system <s>`
 * leaves overlays/argocd alone, so the per-system Nx targets need this one for the Argo CD objects.
 *
 *   tsx tools/nx-plugin/src/render-argocd.ts [--quiet]
 */
import { join } from 'node:path';
import {
  ARGOCD_ROOT,
  loadSystems,
  withRenderLock,
  WORKSPACE_ROOT,
  writeOutputs,
  type ArgoCdRenderer,
} from '@gitops/render';
import { runMain } from '../../cli/src/errors';
import { verifyOutputs } from '../../cli/src/verify';

export async function main(argv: string[]): Promise<number> {
  const quiet = argv.includes('--quiet') || argv.includes('-q');
  const log = (s: string) => !quiet && process.stdout.write(`${s}\n`);
  const ws = WORKSPACE_ROOT;
  const started = Date.now();
  return withRenderLock(ws, async () => {
    const mod = await import(join(ws, 'apps/argocd/src/index.ts'));
    const renderArgoCd = mod.renderArgoCdFiles as ArgoCdRenderer;
    const systems = await loadSystems();
    const files = new Map<string, string>();
    for (const [p, c] of Object.entries(renderArgoCd(systems)))
      files.set(p.startsWith(`${ARGOCD_ROOT}/`) ? p : `${ARGOCD_ROOT}/${p}`, c);
    await writeOutputs(ws, files, {
      roots: [ARGOCD_ROOT],
      beforeSwap: async (dir) => {
        const report = await verifyOutputs(dir, { systems: [], files, roots: [ARGOCD_ROOT] }, 'v35');
        for (const line of report.lines) log(line);
        if (report.problems.length) {
          process.stderr.write(`${report.problems.join('\n')}\n`);
          throw Object.assign(new Error(`${report.problems.length} problem(s) found; nothing was written`), {
            name: 'ConfigError',
          });
        }
      },
    });
    log(
      `rendered ${ARGOCD_ROOT} for ${systems.length} systems, ${files.size} files (${Date.now() - started} ms)`,
    );
    return 0;
  });
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
