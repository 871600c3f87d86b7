import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  DEFAULT_TOOLCHAIN,
  EXEC_THROUGH_FD,
  ToolchainError,
  getToolchain,
  verifyBeforeUse,
  type Toolchain,
  type VerifiedBinary,
} from './toolchain';
import type { ToolchainId } from './toolchain';

const MAX_BUFFER = 256 << 20;

interface RunOptions {
  readonly cwd?: string;
  readonly env: NodeJS.ProcessEnv;
}

/** How to start a verified binary: through its held descriptor (fd 3 of the child) where /proc allows. */
function launch(b: VerifiedBinary): { file: string; stdio: any[] } {
  verifyBeforeUse(b);
  return EXEC_THROUGH_FD
    ? { file: '/proc/self/fd/3', stdio: ['ignore', 'pipe', 'pipe', b.fd] }
    : { file: b.path, stdio: ['ignore', 'pipe', 'pipe'] };
}

/** Run a verified binary to completion; throws `{ stdout, stderr, message }` on a non-zero exit. */
export function runVerifiedSync(b: VerifiedBinary, args: readonly string[], o: RunOptions): string {
  const { file, stdio } = launch(b);
  const r = spawnSync(file, args, {
    cwd: o.cwd,
    env: o.env,
    encoding: 'utf8',
    maxBuffer: MAX_BUFFER,
    stdio,
    argv0: b.name,
  } as any);
  if (r.error) throw Object.assign(r.error, { stdout: r.stdout, stderr: r.stderr });
  if (r.status !== 0)
    throw { message: `${b.name} exited with ${r.status ?? r.signal}`, stdout: r.stdout, stderr: r.stderr };
  return r.stdout as unknown as string;
}

export function runVerified(b: VerifiedBinary, args: readonly string[], o: RunOptions): Promise<string> {
  const { file, stdio } = launch(b);
  return new Promise((res, rej) => {
    const child = spawn(file, args, { cwd: o.cwd, env: o.env, stdio, argv0: b.name } as any);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    // First: a spawn that fails (EMFILE, EAGAIN, ENOMEM) has no stdio and reports through 'error' only.
    child.on('error', (e) => rej(Object.assign(e, { stderr: Buffer.concat(err).toString('utf8') })));
    child.stdout?.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_BUFFER) child.kill('SIGKILL');
      else out.push(d);
    });
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) res(stdout);
      else
        rej({
          message:
            size > MAX_BUFFER
              ? `${b.name} output exceeds ${MAX_BUFFER} bytes`
              : `${b.name} exited with ${code ?? signal}`,
          stdout,
          stderr: stderr || (size > MAX_BUFFER ? 'output too large' : ''),
        });
    });
  });
}

function bins(tc: Toolchain) {
  return tc.binaries;
}

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

/**
 * The soft limit of open files of this process (`ulimit -n`), from /proc; undefined where unknown. Read once,
 * at load: when descriptors have run out, /proc cannot be opened to ask.
 */
export function openFileLimit(): number | undefined {
  return OPEN_FILE_LIMIT;
}
const OPEN_FILE_LIMIT = (() => {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
})();

/** Why a process could not be started, when the environment is the cause (limits, memory). */
const SPAWN_FAILURES: Readonly<Record<string, () => string>> = {
  EMFILE: () =>
    `too many open files in this process (EMFILE; ulimit -n is ${openFileLimit() ?? 'unknown'}) — raise the limit, e.g. ulimit -n 4096`,
  ENFILE: () => 'too many open files on the system (ENFILE) — close programs or raise fs.file-max',
  EAGAIN: () => 'the process limit was reached (EAGAIN; ulimit -u) — raise the limit or close programs',
  ENOMEM: () => 'not enough memory to start it (ENOMEM)',
};

function fail(tool: string, args: string[], err: any): never {
  if (err instanceof ToolchainError) throw err;
  const spawnFailure =
    typeof err?.syscall === 'string' && err.syscall.startsWith('spawn') && SPAWN_FAILURES[err.code];
  if (spawnFailure)
    throw new ToolchainError(`could not start ${tool} (${args.join(' ')}): ${spawnFailure()}`);
  const stderr = String(err?.stderr ?? err?.message ?? err).trim();
  throw new RenderError(`${tool} ${args.join(' ')} failed: ${stderr}`, stderr);
}

/** Render a chart with the real `helm template`; returns the multi-document YAML. */
export function helmTemplate(o: HelmTemplateOptions): string {
  const tc = getToolchain(o.toolchain ?? DEFAULT_TOOLCHAIN);
  const args = helmTemplateArgs(o);
  try {
    return runVerifiedSync(bins(tc).helm, args, { cwd: o.cwd, env: tc.env });
  } catch (err) {
    fail('helm', args, err);
  }
}

export async function helmTemplateAsync(o: HelmTemplateOptions): Promise<string> {
  const tc = getToolchain(o.toolchain ?? DEFAULT_TOOLCHAIN);
  const args = helmTemplateArgs(o);
  try {
    return await runVerified(bins(tc).helm, args, { cwd: o.cwd, env: tc.env });
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
    return runVerifiedSync(bins(tc).helm, args, { env: tc.env });
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
    return runVerifiedSync(bins(tc).kubectl, args, { cwd, env: tc.env });
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
    return await runVerified(bins(tc).kubectl, ['kustomize', dir], { cwd, env: tc.env });
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
  const helm = runVerifiedSync(bins(tc).helm, ['version', '--short'], { env: tc.env }).trim();
  const kustomize = runVerifiedSync(bins(tc).kubectl, ['version', '--client', '-o', 'json'], { env: tc.env });
  return { helm, kustomize: JSON.parse(kustomize).kustomizeVersion };
}
