/**
 * Verification of a staged render, before it replaces the committed outputs: for every system ×
 * environment, render the chart with `helm template` and the overlay with `kustomize build` (the real
 * binaries, as Argo CD runs them), compare both with the synthesis (parity), validate strictly against
 * the environment's Kubernetes version and CRDs, validate the values files against values.schema.json,
 * and run the policies. The Argo CD objects are validated too.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkParity, parityTargets, type WorkspaceRender } from '@gitops/render';
import { kustomizeBuildAsync, type K8sObject, type ToolchainId } from '@gitops/toolchain';
import { checkRepositorySync, formatProblem } from '@gitops/sync-plan';
import {
  apiServerLimitProblems,
  createValidator,
  ensureSchemaDir,
  formatLimitProblems,
  formatPolicyViolations,
  policyContextFor,
  runPolicies,
  validateChartValues,
  type ValidationResult,
  type Validator,
} from '@gitops/validation';

/** Targets verified at once (each runs two binaries). */
const VERIFY_CONCURRENCY = Math.max(2, Number(process.env.GITOPS_VERIFY_CONCURRENCY) || 2);

export interface VerifyReport {
  /** One line per system × environment. */
  readonly lines: string[];
  /** Every problem, one per line, naming source, resource and field. */
  readonly problems: string[];
}

function problemsOf(results: readonly ValidationResult[]): string[] {
  return results
    .filter((r) => r.status === 'statusInvalid' || r.status === 'statusError')
    .map((r) => `${r.filename} - ${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${r.msg}`);
}

export async function verifyOutputs(
  dir: string,
  rendered: WorkspaceRender,
  toolchain: ToolchainId,
  phase: (name: string) => void = () => {},
  /** The committed outputs the staged render replaces (the previous render). @default none */
  previousDir?: string,
): Promise<VerifyReport> {
  const validators = new Map<string, Validator>();
  const validatorFor = (version: string) => {
    let v = validators.get(version);
    if (!v) validators.set(version, (v = createValidator({ kubernetesVersion: version, strict: true })));
    return v;
  };
  const targets = rendered.systems.flatMap(parityTargets);
  const lines: string[] = [];
  const problems: string[] = [];
  // Targets in parallel: each runs helm and kustomize at once; the binaries spend much of their time starting.
  const results: Awaited<ReturnType<typeof checkParity>>[] = new Array(targets.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: VERIFY_CONCURRENCY }, async () => {
      while (next < targets.length) {
        const i = next++;
        results[i] = await checkParity(dir, targets[i], toolchain);
      }
    }),
  );
  phase('helm template + kustomize build (parity)');
  targets.forEach((t, i) => {
    const before = problems.length;
    let resources = 0;
    for (const r of results[i]) {
      const source =
        r.form === 'helm'
          ? `charts/${t.system} (values-${t.environment}.yaml)`
          : `overlays/${t.system}/${t.environment}`;
      for (const p of r.problems) problems.push(`${source}: parity with the synthesis: ${p}`);
      const validation = validatorFor(t.kubeVersion).validateObjects(r.objects, source);
      problems.push(...problemsOf(validation));
      problems.push(
        ...formatLimitProblems(
          apiServerLimitProblems(r.objects, {
            schemaDir: ensureSchemaDir(),
            kubernetesVersion: t.kubeVersion,
          }),
          source,
        ),
      );
      resources = r.objects.length;
      if (r.form === 'helm') {
        problems.push(
          ...problemsOf(validateChartValues(dir, `charts/${t.system}`, [`values-${t.environment}.yaml`])),
        );
        const violations = runPolicies(r.objects, policyContextFor(t.environment), { source });
        if (violations.length) problems.push(...formatPolicyViolations(violations).trimEnd().split('\n'));
      }
    }
    const ok = problems.length === before;
    lines.push(
      `${ok ? 'ok  ' : 'FAIL'} ${t.system} ${t.environment}: ${resources} resources, chart = overlay = synthesis, schemas (k8s ${t.kubeVersion}), policies`,
    );
  });
  phase('schemas, values and policies');
  const argoDir = join(dir, 'overlays/argocd');
  if (existsSync(argoDir)) {
    // What the root app syncs (kustomize build of each environment's folder) and the bootstrap files.
    const validator = validatorFor(newestVersion(targets.map((t) => t.kubeVersion)));
    const argo: ValidationResult[] = [];
    for (const env of readdirSync(argoDir).sort()) {
      const envDir = join(argoDir, env);
      if (!existsSync(join(envDir, 'kustomization.yaml'))) continue;
      argo.push(
        ...validator.validateText(await kustomizeBuildAsync(envDir, toolchain), `overlays/argocd/${env}`),
      );
      const bootstrap = join(envDir, 'bootstrap');
      if (existsSync(bootstrap)) argo.push(...validator.validatePaths([bootstrap]));
    }
    const argoProblems = problemsOf(argo);
    problems.push(...argoProblems);
    lines.push(
      `${argoProblems.length ? 'FAIL' : 'ok  '} argocd: ${argo.length} objects validated against the Argo CD CRDs`,
    );
  }
  phase('Argo CD objects');
  if (existsSync(argoDir)) {
    // Sync plan: every Application's objects in Argo CD's order; each step's dependencies exist by then.
    // The committed outputs are the previous render: what they rendered and this one drops is pruned.
    const rendered = new Map<string, K8sObject[]>();
    targets.forEach((t, i) => {
      for (const r of results[i]) rendered.set(`${t.system}/${t.environment}/${r.form}`, [...r.objects]);
    });
    const plan = checkRepositorySync({
      repoDir: dir,
      environments: [...new Set(targets.map((t) => t.environment))],
      systems: [...new Set(targets.map((t) => t.system))],
      previousRepoDir: previousDir,
      objectsOf: (s) => {
        const objs = rendered.get(`${s.system}/${s.environment}/${s.form}`);
        if (!objs) throw new Error(`no ${s.form} render of ${s.system} ${s.environment}`);
        return objs;
      },
    });
    const planProblems = [...plan.errors, ...plan.problems.map(formatProblem)];
    problems.push(...planProblems.map((p) => `sync plan: ${p}`));
    lines.push(
      `${planProblems.length ? 'FAIL' : 'ok  '} sync plan: ${plan.applications.length} Applications ordered as Argo CD syncs them, every dependency exists at its step`,
    );
  }
  phase('sync plan');
  return { lines, problems: problems.map((p) => p.split(`${dir}/`).join('')) };
}

function newestVersion(versions: readonly string[]): string {
  const sorted = [...new Set(versions.filter(Boolean))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  return sorted[sorted.length - 1] ?? '1.31.0';
}
