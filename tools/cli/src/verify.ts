/**
 * Verification of a staged render, before it replaces the committed outputs: for every system ×
 * environment, render the chart with `helm template` and the overlay with `kustomize build` (the real
 * binaries, as Argo CD runs them), compare both with the synthesis (parity), validate strictly against
 * the environment's Kubernetes version and CRDs, validate the values files against values.schema.json,
 * and run the policies. The Argo CD objects are validated too.
 */
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { checkParity, parityTargets, type ParityTarget, type WorkspaceRender } from '@gitops/render';
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
import type { CachedTarget, VerifyCache } from './verify-cache';

/**
 * Targets verified at once: one per core (`os.availableParallelism()`, or `$GITOPS_VERIFY_CONCURRENCY`),
 * at least 2. Each target runs helm and kustomize at once, then its schema and policy checks in this
 * process while the other targets' binaries run, so both cores stay busy.
 */
export function verifyConcurrency(): number {
  return Math.max(2, Number(process.env.GITOPS_VERIFY_CONCURRENCY) || availableParallelism());
}

export interface VerifyReport {
  /** One line per system × environment. */
  readonly lines: string[];
  /** Every problem, one per line, naming source, resource and field. */
  readonly problems: string[];
  /** Targets (system × environment, and the Argo CD objects) verified now, and answered from the cache. */
  readonly verified: number;
  readonly cached: number;
}

export interface VerifyOptions {
  /** Skip targets whose inputs were verified clean before (content-addressed). @default none: verify all */
  readonly cache?: VerifyCache;
}

type FormResult = { form: 'helm' | 'kustomize'; objects: readonly K8sObject[]; problems: readonly string[] };

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
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const validators = new Map<string, Validator>();
  const validatorFor = (version: string) => {
    let v = validators.get(version);
    if (!v) validators.set(version, (v = createValidator({ kubernetesVersion: version, strict: true })));
    return v;
  };
  const targets = rendered.systems.flatMap(parityTargets);
  const cache = options.cache;
  const lines: string[] = new Array(targets.length);
  const problemsOfTarget: string[][] = new Array(targets.length);
  const results: FormResult[][] = new Array(targets.length);
  let verified = 0;
  let cached = 0;
  /** Parity, schemas, API server limits, values and policies of one target: its problems. */
  const check = async (t: ParityTarget, i: number): Promise<void> => {
    const key = cache?.targetKey(dir, t);
    const hit = key ? cache!.get<CachedTarget>(key) : undefined;
    if (hit) {
      cached++;
      results[i] = [
        { form: 'helm', objects: hit.helm, problems: [] },
        { form: 'kustomize', objects: hit.kustomize, problems: [] },
      ];
      problemsOfTarget[i] = [];
      lines[i] =
        `ok   ${t.system} ${t.environment}: ${hit.resources} resources, chart = overlay = synthesis, schemas (k8s ${t.kubeVersion}), policies (verified before: same inputs)`;
      return;
    }
    verified++;
    const forms = await checkParity(dir, t, toolchain);
    results[i] = forms;
    const problems: string[] = [];
    let resources = 0;
    for (const r of forms) {
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
    problemsOfTarget[i] = problems;
    lines[i] =
      `${problems.length ? 'FAIL' : 'ok  '} ${t.system} ${t.environment}: ${resources} resources, chart = overlay = synthesis, schemas (k8s ${t.kubeVersion}), policies`;
    if (key && !problems.length) {
      const entry: CachedTarget = {
        helm: forms.find((f) => f.form === 'helm')!.objects,
        kustomize: forms.find((f) => f.form === 'kustomize')!.objects,
        resources,
      };
      cache!.put(key, entry);
    }
  };
  // A pool sized to the machine: each worker takes the next target (helm + kustomize, then its checks).
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(verifyConcurrency(), Math.max(1, targets.length)) }, async () => {
      while (next < targets.length) {
        const i = next++;
        await check(targets[i], i);
      }
    }),
  );
  const problems: string[] = problemsOfTarget.flat();
  phase(
    `helm template + kustomize build (parity), schemas, values and policies (${verified} verified, ${cached} from the cache)`,
  );
  const argoDir = join(dir, 'overlays/argocd');
  const argoVersion = newestVersion(targets.map((t) => t.kubeVersion));
  const argoKey = existsSync(argoDir) ? cache?.argoKey(dir, argoVersion) : undefined;
  const argoHit = argoKey ? cache!.get<{ objects: number }>(argoKey) : undefined;
  if (argoHit) {
    cached++;
    lines.push(
      `ok   argocd: ${argoHit.objects} objects validated against the Argo CD CRDs (verified before: same inputs)`,
    );
  } else if (existsSync(argoDir)) {
    verified++;
    // What the root app syncs (kustomize build of each environment's folder) and the bootstrap files.
    const validator = validatorFor(argoVersion);
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
    if (argoKey && !argoProblems.length) cache!.put(argoKey, { objects: argo.length });
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
  cache?.prune();
  return { lines, problems: problems.map((p) => p.split(`${dir}/`).join('')), verified, cached };
}

function newestVersion(versions: readonly string[]): string {
  const sorted = [...new Set(versions.filter(Boolean))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  return sorted[sorted.length - 1] ?? '1.31.0';
}
