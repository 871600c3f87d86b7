/**
 * Whole-workspace validation: what Argo CD will sync. Every committed Argo CD Application is rendered
 * exactly as Argo CD renders it (`helm template` per values file, `kustomize build` per overlay), validated
 * strictly against its environment's Kubernetes version (CRDs included) and checked against the policies;
 * the Argo CD objects themselves and every chart's values files are validated too.
 */
import { loadAllowList } from '@gitops/secrets';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ENVIRONMENTS, isEnvironmentName } from '@gitops/environments';
import {
  ARGOCD_OUTPUT_DIR,
  discoverArgoSources,
  kustomizeBuild,
  parseManifests,
  renderArgoSource,
  type ArgoRenderSource,
  type K8sObject,
} from '@gitops/toolchain';
import { runPolicies, type PolicyContext, type PolicyViolation } from './policy';
import {
  createValidator,
  expandPaths,
  type ValidationResult,
  type Validator,
  type ValidatorOptions,
} from './validator';
import { mergeHelmValues, validateValues } from './values';
import { WORKSPACE_ROOT as VALIDATION_WORKSPACE_ROOT } from './schemas';

/** The policy context of a known environment: its allowed registries, and whether it is production. */
export function policyContextFor(environment: string, workspace?: string): PolicyContext {
  if (!isEnvironmentName(environment)) {
    throw new Error(`unknown environment ${environment}`);
  }
  const t = ENVIRONMENTS[environment];
  return {
    environment,
    allowedRegistries: [...t.allowedRegistries],
    production: environment === 'prod',
    // The reviewed allow-list is the only exemption from no-plain-secret.
    plainSecretsAllowed: loadAllowList(workspace ?? VALIDATION_WORKSPACE_ROOT).plainSecrets,
  };
}

/** The result of a source that helm or kustomize could not render. */
function renderingFailed(filename: string, err: any): ValidationResult {
  const msg = `rendering failed: ${String(err?.message ?? err).split('\n')[0]}`;
  return {
    filename,
    kind: '',
    name: '',
    namespace: '',
    version: '',
    status: 'statusError',
    msg,
    validationErrors: [],
  };
}

/** How a rendered source is named in results: `charts/shop (values-prod.yaml)` or `overlays/shop/prod`. */
export function sourceName(s: ArgoRenderSource): string {
  return s.form === 'helm' ? `${s.path} (${(s.valueFiles ?? []).join(', ') || 'values.yaml'})` : s.path;
}

export interface WorkspaceOptions extends Omit<ValidatorOptions, 'kubernetesVersion'> {
  readonly repoDir: string;
  /** Validate only these systems / environments. */
  readonly systems?: readonly string[];
  readonly environments?: readonly string[];
  /** Run the policy engine on every rendered source. @default true */
  readonly policies?: boolean;
  /** Override the Kubernetes version of every source (default: each Application's kubeVersion). */
  readonly kubernetesVersion?: string;
  /** Injection points for tests: discovery and rendering default to `@gitops/toolchain`'s. */
  readonly discover?: (repoDir: string) => ArgoRenderSource[];
  readonly render?: (repoDir: string, s: ArgoRenderSource) => string;
  /** `kustomize build` of an Argo CD objects folder. */
  readonly kustomize?: (dir: string) => string;
}

export interface WorkspaceReport {
  readonly results: ValidationResult[];
  readonly policyViolations: PolicyViolation[];
  readonly sources: readonly ArgoRenderSource[];
}

const KUSTOMIZATION = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function validateWorkspace(options: WorkspaceOptions): WorkspaceReport {
  const repoDir = options.repoDir;
  const discover = options.discover ?? discoverArgoSources;
  const render = options.render ?? renderArgoSource;
  const strict = options.strict ?? true;
  const validators = new Map<string, Validator>();
  const validatorFor = (version: string) => {
    let v = validators.get(version);
    if (!v) {
      v = createValidator({ ...options, strict, kubernetesVersion: version });
      validators.set(version, v);
    }
    return v;
  };
  const results: ValidationResult[] = [];
  const policyViolations: PolicyViolation[] = [];
  const sources = discover(repoDir).filter(
    (s) =>
      (!options.systems?.length || options.systems.includes(s.system)) &&
      (!options.environments?.length || options.environments.includes(s.environment)),
  );
  const versionOfEnv = new Map<string, string>();
  for (const s of sources) {
    const version = options.kubernetesVersion || s.kubeVersion || 'master';
    versionOfEnv.set(s.environment, version);
    const name = sourceName(s);
    let text: string;
    try {
      text = render(repoDir, s);
    } catch (err: any) {
      results.push(renderingFailed(name, err));
      continue;
    }
    const rendered = validatorFor(version).validateText(text, name);
    for (const r of rendered) results.push(r);
    if (options.policies !== false) {
      let objs: K8sObject[];
      try {
        objs = parseManifests(text, name);
      } catch {
        continue; // already reported as a validation error
      }
      const ctx = isEnvironmentName(s.environment) ? policyContextFor(s.environment, repoDir) : undefined;
      if (!ctx) {
        results.push({
          filename: name,
          kind: '',
          name: '',
          namespace: '',
          version: '',
          status: 'statusError',
          msg: `unknown environment ${s.environment}: no policy context`,
          validationErrors: [],
        });
        continue;
      }
      for (const v of runPolicies(objs, ctx, { source: name })) policyViolations.push(v);
    }
    if (s.form === 'helm')
      for (const r of validateChartValues(repoDir, s.path, s.valueFiles ?? [])) results.push(r);
  }
  // The Argo CD objects themselves, as the root Application syncs them (`kustomize build` of a folder with a
  // kustomization, the files otherwise), against their environment's version when their folder names one.
  const argoDir = join(repoDir, ARGOCD_OUTPUT_DIR);
  if (existsSync(argoDir)) {
    const kustomize = options.kustomize ?? ((dir: string) => kustomizeBuild(dir));
    const versionFor = (rel: string) => {
      const env = rel.split('/').find((seg) => versionOfEnv.has(seg));
      return { env, version: options.kubernetesVersion || (env ? versionOfEnv.get(env)! : 'master') };
    };
    const built = new Set<string>();
    for (const file of expandPaths([argoDir])) {
      const rel = relative(repoDir, file);
      const dir = dirname(file);
      const { env, version } = versionFor(rel);
      if (options.environments?.length && env && !options.environments.includes(env)) continue;
      if (KUSTOMIZATION.some((k) => existsSync(join(dir, k)))) {
        if (built.has(dir)) continue;
        built.add(dir);
        const name = relative(repoDir, dir);
        try {
          for (const r of validatorFor(version).validateText(kustomize(dir), name)) results.push(r);
        } catch (err: any) {
          results.push(renderingFailed(name, err));
        }
        continue;
      }
      for (const r of validatorFor(version).validateText(readFileSync(file, 'utf8'), rel)) results.push(r);
    }
  }
  return { results: dedupeValues(results), policyViolations, sources };
}

/** Validate a chart's values.yaml merged with each value file against its values.schema.json. */
export function validateChartValues(
  repoDir: string,
  chartPath: string,
  valueFiles: readonly string[],
): ValidationResult[] {
  const chartDir = join(repoDir, chartPath);
  const schemaFile = join(chartDir, 'values.schema.json');
  if (!existsSync(schemaFile)) return [];
  const rel = (f: string) => relative(repoDir, f.startsWith('/') ? f : join(chartDir, f));
  const load = (f: string) =>
    parseYaml(readFileSync(f.startsWith('/') ? f : join(chartDir, f), 'utf8'), { uniqueKeys: true }) ?? {};
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
  } catch (err: any) {
    return [
      {
        filename: relative(repoDir, schemaFile),
        kind: 'Values',
        name: 'values.schema.json',
        namespace: '',
        version: 'helm.sh/v1',
        status: 'statusError',
        msg: `invalid JSON: ${err?.message}`,
        validationErrors: [],
      },
    ];
  }
  const files = valueFiles.length
    ? valueFiles
    : readdirSync(chartDir)
        .filter((f) => /^values-.+\.ya?ml$/.test(f))
        .sort();
  const out: ValidationResult[] = [];
  let base: unknown = {};
  try {
    base = existsSync(join(chartDir, 'values.yaml')) ? load('values.yaml') : {};
  } catch (err: any) {
    out.push({
      filename: rel('values.yaml'),
      kind: 'Values',
      name: 'values.yaml',
      namespace: '',
      version: 'helm.sh/v1',
      status: 'statusError',
      msg: `error unmarshalling values: ${String(err?.message).split('\n')[0]}`,
      validationErrors: [],
    });
  }
  for (const f of files) {
    if (f === 'values.yaml') continue;
    try {
      out.push(validateValues(mergeHelmValues(base, load(f)), schema, rel(f)));
    } catch (err: any) {
      out.push({
        filename: rel(f),
        kind: 'Values',
        name: f,
        namespace: '',
        version: 'helm.sh/v1',
        status: 'statusError',
        msg: `error unmarshalling values: ${String(err?.message).split('\n')[0]}`,
        validationErrors: [],
      });
    }
  }
  if (!files.length) out.push(validateValues(base, schema, rel('values.yaml')));
  return out;
}

function dedupeValues(results: ValidationResult[]): ValidationResult[] {
  const seen = new Set<string>();
  return results.filter((r) => {
    if (r.kind !== 'Values') return true;
    const k = `${r.filename}\0${r.status}\0${r.msg}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
