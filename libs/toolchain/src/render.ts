import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { DEFAULT_TOOLCHAIN, getToolchain, type ToolchainId } from './toolchain';

const execFileAsync = promisify(execFile);

/** How Argo CD renders a Helm source: `helm template <release> <chart> -f <values>... --namespace <ns> --kube-version <v>`. */
export interface HelmTemplateOptions {
  readonly chartDir: string;
  readonly releaseName: string;
  readonly namespace: string;
  /** Value files, relative to the chart directory or absolute, applied in order. */
  readonly valueFiles?: readonly string[];
  /** Kubernetes version, e.g. `1.31.0` (Argo CD passes the destination cluster's version). */
  readonly kubeVersion?: string;
  /** API versions to pass as `--api-versions` (Argo CD passes the cluster's). */
  readonly apiVersions?: readonly string[];
  readonly toolchain?: ToolchainId;
  /** Working directory for relative paths. @default process.cwd() */
  readonly cwd?: string;
  /** More arguments after the value files (`--set`, `--set-json`, `--set-string`, …). @default [] */
  readonly extraArgs?: readonly string[];
}

/** An error from a real helm/kubectl run, with the tool's own stderr. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export function helmTemplateArgs(o: HelmTemplateOptions): string[] {
  const args = ['template', o.releaseName, o.chartDir, '--namespace', o.namespace];
  for (const f of o.valueFiles ?? []) args.push('--values', f.startsWith('/') ? f : `${o.chartDir}/${f}`);
  if (o.kubeVersion) args.push('--kube-version', o.kubeVersion);
  for (const v of o.apiVersions ?? []) args.push('--api-versions', v);
  args.push(...(o.extraArgs ?? []));
  return args;
}

function fail(tool: string, args: string[], err: any): never {
  const stderr = String(err?.stderr ?? err?.message ?? err).trim();
  throw new RenderError(`${tool} ${args.join(' ')} failed: ${stderr}`, stderr);
}

/** Render a chart with the real `helm template`; returns the multi-document YAML. */
export function helmTemplate(o: HelmTemplateOptions): string {
  const tc = getToolchain(o.toolchain ?? DEFAULT_TOOLCHAIN);
  const args = helmTemplateArgs(o);
  try {
    return execFileSync(tc.helm, args, {
      cwd: o.cwd,
      env: tc.env,
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    fail('helm', args, err);
  }
}

export async function helmTemplateAsync(o: HelmTemplateOptions): Promise<string> {
  const tc = getToolchain(o.toolchain ?? DEFAULT_TOOLCHAIN);
  const args = helmTemplateArgs(o);
  try {
    return (
      await execFileAsync(tc.helm, args, { cwd: o.cwd, env: tc.env, encoding: 'utf8', maxBuffer: 256 << 20 })
    ).stdout;
  } catch (err) {
    fail('helm', args, err);
  }
}

/** `helm lint --strict <chart> -f <values>`; returns the tool output, throws RenderError on failure. */
export function helmLint(
  chartDir: string,
  valueFiles: readonly string[],
  toolchain: ToolchainId = DEFAULT_TOOLCHAIN,
  extra: readonly string[] = [],
): string {
  const tc = getToolchain(toolchain);
  const args = ['lint', '--strict', chartDir, ...valueFiles.flatMap((f) => ['--values', f]), ...extra];
  try {
    return execFileSync(tc.helm, args, { env: tc.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err: any) {
    fail('helm', args, { stderr: `${err?.stdout ?? ''}${err?.stderr ?? ''}` });
  }
}

/** Render an overlay with the real Kustomize (`kubectl kustomize`), as Argo CD's `kustomize build`. */
export function kustomizeBuild(
  dir: string,
  toolchain: ToolchainId = DEFAULT_TOOLCHAIN,
  cwd?: string,
): string {
  const tc = getToolchain(toolchain);
  const args = ['kustomize', dir];
  try {
    return execFileSync(tc.kubectl, args, {
      cwd,
      env: tc.env,
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    fail('kustomize build', [dir], err);
  }
}

export async function kustomizeBuildAsync(
  dir: string,
  toolchain: ToolchainId = DEFAULT_TOOLCHAIN,
  cwd?: string,
): Promise<string> {
  const tc = getToolchain(toolchain);
  try {
    return (
      await execFileAsync(tc.kubectl, ['kustomize', dir], {
        cwd,
        env: tc.env,
        encoding: 'utf8',
        maxBuffer: 256 << 20,
      })
    ).stdout;
  } catch (err) {
    fail('kustomize build', [dir], err);
  }
}

/** `helm version --short` / kustomize version of a toolchain, for reports. */
export function toolVersions(toolchain: ToolchainId = DEFAULT_TOOLCHAIN): {
  helm: string;
  kustomize: string;
} {
  const tc = getToolchain(toolchain);
  const helm = execFileSync(tc.helm, ['version', '--short'], { env: tc.env, encoding: 'utf8' }).trim();
  const kustomize = execFileSync(tc.kubectl, ['version', '--client', '-o', 'json'], {
    env: tc.env,
    encoding: 'utf8',
  });
  return { helm, kustomize: JSON.parse(kustomize).kustomizeVersion };
}
