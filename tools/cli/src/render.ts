/**
 * `npm run render`: render every system × environment to charts/ and overlays/, render the Argo CD
 * objects, and verify the result before anything is written: parity of chart, overlay and synthesis
 * through the real helm and kustomize, strict schema validation, values schemas and policies.
 *
 *   npm run render                       render everything, verify, write
 *   npm run render -- --check            fail (naming files) if the committed outputs differ from a fresh render
 *   npm run render -- --system mini-xdr  only that system (Argo CD objects are left alone)
 *   npm run render -- --no-cache         render and verify everything again (by default, a system whose every
 *                                        input was rendered before, and outputs verified clean before, are
 *                                        not: tools/cli/src/render-cache.ts, verify-cache.ts)
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import {
  addExitCleanup,
  compareWithDisk,
  existingRoots,
  loadSystems,
  recoverInterruptedRender,
  assembleWorkspace,
  registrySource,
  scratchDir,
  stageFiles,
  sweepAbandonedScratch,
  withRenderLock,
  WORKSPACE_ROOT,
  writeOutputs,
  type ArgoCdRenderer,
} from '@gitops/render';
import { assertNoSecrets, loadAllowList } from '@gitops/secrets';
import { TOOLCHAINS, type ToolchainId } from '@gitops/toolchain';
import { apiServerLimitProblems, formatLimitProblems } from '@gitops/validation';
import { parseCommandLine, runMain, UsageError } from './errors';
import { verifyOutputs } from './verify';
import { VerifyCache, verifyFingerprint } from './verify-cache';
import { RenderCache, renderSystemsCached } from './render-cache';

async function loadArgoCdRenderer(): Promise<ArgoCdRenderer | undefined> {
  try {
    const mod = await import(join(WORKSPACE_ROOT, 'apps/argocd/src/index.ts'));
    return mod.renderArgoCdFiles as ArgoCdRenderer | undefined;
  } catch (err: any) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('render')
    .description('Render every system to Helm charts and Kustomize overlays, verified before writing')
    .option(
      '--check',
      'compare a fresh render with the committed outputs; exit 1 naming the files that differ',
    )
    .option('--system <names...>', 'render only these systems')
    .option('--skip-verify', 'write without the parity/validation/policy checks (not for CI)')
    .option(
      '--toolchain <id>',
      `helm/kustomize toolchain for verification (${Object.keys(TOOLCHAINS).join(', ')})`,
      'v35',
    )
    .option(
      '--no-cache',
      'render and verify everything, even systems and outputs whose inputs were rendered and verified before (node_modules/.cache/gitops-render, gitops-verify)',
    )
    .option('-q, --quiet', 'print only problems')
    .option('--timing', 'print how long each phase took')
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  if (!(await parseCommandLine(program, argv, 'render'))) return 0;
  const o = program.opts<{
    check?: boolean;
    system?: string[];
    skipVerify?: boolean;
    cache: boolean;
    toolchain: string;
    quiet?: boolean;
    timing?: boolean;
  }>();
  if (!(o.toolchain in TOOLCHAINS))
    throw new UsageError(`--toolchain must be one of ${Object.keys(TOOLCHAINS).join(', ')}`);
  const toolchain = o.toolchain as ToolchainId;
  const log = (s: string) => !o.quiet && process.stdout.write(`${s}\n`);
  const ws = WORKSPACE_ROOT;
  const started = Date.now();
  let last = started;
  const phase = (name: string) => {
    if (o.timing) process.stderr.write(`timing: ${name} ${Date.now() - last} ms\n`);
    last = Date.now();
  };

  return withRenderLock(
    ws,
    async () => {
      if (recoverInterruptedRender(ws)) log('recovered the outputs of an interrupted render');
      sweepAbandonedScratch(ws);
      const systems = await loadSystems(o.system);
      const argocd = o.system ? undefined : await loadArgoCdRenderer();
      phase('load systems');
      // A system none of whose inputs changed comes from the render cache; many systems render on every
      // core (worker threads), a few in this thread (the same files either way).
      const { renders, cached } = await renderSystemsCached(
        systems,
        o.cache ? new RenderCache(ws) : undefined,
        {
          source: registrySource(ws),
        },
      );
      const rendered = assembleWorkspace(renders, systems, argocd);
      phase(`synthesize and emit (${systems.length - cached} rendered, ${cached} from the cache)`);
      // Before anything is written (and in --check): no credential in any value or emitted file.
      assertNoSecrets(
        {
          values: rendered.systems.flatMap((r) =>
            r.samples.map((s) => ({
              source: `apps/${r.system.name}/src/environments.ts`,
              label: s.label,
              value: s.values,
            })),
          ),
          files: rendered.files,
        },
        loadAllowList(ws),
      );
      phase('secret scan');
      // Limits the API server enforces that no schema states (sizes, names, CIDRs as Go parses them).
      const limits = rendered.systems.flatMap((r) =>
        r.samples.flatMap((s) =>
          formatLimitProblems(apiServerLimitProblems(s.objects), `apps/${r.system.name} (${s.label})`),
        ),
      );
      if (limits.length) {
        throw new VerificationFailed(
          `${[...new Set(limits)].join('\n')}\n${limits.length} object(s) the API server would refuse; nothing was written`,
        );
      }
      const roots = o.system
        ? rendered.roots
        : [...new Set([...rendered.roots, ...existingRoots(ws)])].sort();
      const verify = async (dir: string) => {
        if (o.skipVerify) return;
        const report = await verifyOutputs(
          dir,
          rendered,
          toolchain,
          o.timing ? (n) => phase(n) : undefined,
          ws,
          { cache: o.cache ? new VerifyCache(verifyFingerprint(toolchain, ws)) : undefined },
        );
        for (const line of report.lines) log(line);
        if (report.problems.length) {
          process.stderr.write(`${report.problems.join('\n')}\n`);
          throw new VerificationFailed(`${report.problems.length} problem(s) found; nothing was written`);
        }
      };

      if (o.check) {
        const dir = join(ws, scratchDir('check'));
        const dispose = addExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
        try {
          stageFiles(dir, rendered.files);
          await verify(dir);
        } finally {
          rmSync(dir, { recursive: true, force: true });
          dispose();
        }
        const drift = compareWithDisk(ws, rendered.files, roots);
        if (drift.length) {
          process.stderr.write(
            `committed outputs differ from a fresh render (run npm run render and commit):\n${drift.map((d) => `  ${d}`).join('\n')}\n`,
          );
          return 1;
        }
        log(`check: ${rendered.files.size} files match a fresh render (${Date.now() - started} ms)`);
        return 0;
      }
      await writeOutputs(ws, rendered.files, { roots, beforeSwap: verify });
      phase('write');
      log(
        `rendered ${systems.length} systems, ${rendered.files.size} files into ${roots.join(', ')} (${Date.now() - started} ms)`,
      );
      return 0;
    },
    { onWait: (m) => process.stderr.write(`render: ${m}\n`) },
  );
}

class VerificationFailed extends Error {
  override readonly name = 'ConfigError';
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
