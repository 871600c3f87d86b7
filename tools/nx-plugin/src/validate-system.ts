/**
 * The `<system>:validate` target: validate ONE system exactly as Argo CD renders it (the validate CLI's
 * workspace mode: helm template / kustomize build per Application, strict schemas, values schemas, policies),
 * reading nothing that belongs to another system.
 *
 * `npm run validate -- -system <s>` discovers the Applications in the committed overlays/argocd, whose files
 * also hold every other system's Applications: an Nx task that read them would depend on every system (and on
 * argocd:render running first). Here the system's own Argo CD objects are rendered in memory (the same pure
 * `renderArgoCdFiles` as `npm run render`, for this system alone) into a private view of the repository next to
 * copies of charts/<s> and overlays/<s>, and the validate CLI runs on that view (`-repo`). So the result depends
 * on the system's render outputs and definition, the argocd app's code and the validation code: exactly the
 * target's inputs. overlays/argocd itself is verified by argocd:render.
 *
 *   tsx tools/nx-plugin/src/validate-system.ts <system> [validate flags...]
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ARGOCD_ROOT, loadSystems, WORKSPACE_ROOT, type ArgoCdRenderer } from '@gitops/render';
import { runValidateCli } from '@gitops/validation';

export async function main(argv: string[]): Promise<number> {
  const [system, ...flags] = argv;
  if (!system || system.startsWith('-')) {
    process.stderr.write('usage: validate-system.ts <system> [validate flags...]\n');
    return 1;
  }
  const ws = WORKSPACE_ROOT;
  for (const root of [`charts/${system}`, `overlays/${system}`]) {
    if (!existsSync(join(ws, root))) {
      process.stderr.write(`validate: ${root} does not exist: render it first (nx run ${system}:render)\n`);
      return 1;
    }
  }
  const mod = await import(join(ws, 'apps/argocd/src/index.ts'));
  const renderArgoCd = mod.renderArgoCdFiles as ArgoCdRenderer;
  const systems = await loadSystems([system]);
  mkdirSync(join(ws, 'tmp'), { recursive: true });
  const view = mkdtempSync(join(ws, 'tmp', `validate-${system}-`));
  try {
    for (const root of [`charts/${system}`, `overlays/${system}`])
      cpSync(join(ws, root), join(view, root), { recursive: true });
    for (const [p, content] of Object.entries(renderArgoCd(systems))) {
      const path = join(view, p.startsWith(`${ARGOCD_ROOT}/`) ? p : `${ARGOCD_ROOT}/${p}`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
    const out: string[] = [];
    const code = runValidateCli(['-system', system, '-repo', view, ...flags], {
      stdout: (s) => out.push(s),
      stderr: (s) => process.stderr.write(s.split(`${view}/`).join('')),
    });
    process.stdout.write(out.join('').split(`${view}/`).join(''));
    return code;
  } finally {
    rmSync(view, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`validate: ${err?.message ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
