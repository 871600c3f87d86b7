/**
 * Container images: always pinned (a tag other than `latest`, or a digest), pulled from an allowed
 * registry, and scheduled only on nodes of the architecture the image was built for.
 *
 * Seed 002 lost hours to an arm64 manifest pushed from a Mac to amd64 EKS nodes
 * ("no match for platform in manifest"), seed 000 to `imagePullPolicy: Always` rate limits.
 */
import { ConfigError } from './core';

export type CpuArch = 'amd64' | 'arm64';

/** A pinned container image. */
export interface ImageRef {
  /** Repository without tag, e.g. `116912495274.dkr.ecr.us-east-1.amazonaws.com/mini-xdr-backend`. */
  readonly repository: string;
  /** Immutable tag such as `v1.1.8`. `latest` is rejected. One of `tag` / `digest` is required. @default none */
  readonly tag?: string;
  /** Digest `sha256:<64 hex>`; wins over `tag` for pulling when both are set. @default none */
  readonly digest?: string;
  /** The CPU architecture the image was built for; becomes the `kubernetes.io/arch` node selector. @default 'amd64' */
  readonly platform?: CpuArch;
  /**
   * Pull policy. Pinned images are immutable, so the platform pulls them once per node.
   * @default 'IfNotPresent'
   */
  readonly pullPolicy?: 'IfNotPresent' | 'Always';
}

/** What to check an image against. */
export interface ImageConstraints {
  /** Registries (host names, optionally with a path prefix) images may come from. @default any */
  readonly allowedRegistries?: readonly string[];
  /** Architecture of the nodes; the image must match it. @default not checked */
  readonly nodeArch?: CpuArch;
}

/** A resolved image: the pod spec fields it produces. */
export interface ResolvedImage {
  /** `repository:tag`, `repository@digest` or `repository:tag@digest`. */
  readonly image: string;
  readonly imagePullPolicy: 'IfNotPresent' | 'Always';
  /** `{ 'kubernetes.io/arch': <platform> }` */
  readonly nodeSelector: Record<string, string>;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const REPO = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\.[a-z0-9-]+)*(\/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*$/;

/** Validate an image reference and derive its pod spec fields; throws ConfigError naming `path`. */
export function resolveImage(path: string, ref: ImageRef, constraints: ImageConstraints = {}): ResolvedImage {
  const where = `${path}: image "${ref.repository}${ref.tag ? ':' + ref.tag : ''}${ref.digest ? '@' + ref.digest : ''}"`;
  if (!ref.repository || !REPO.test(ref.repository)) {
    throw new ConfigError(
      `${where}: repository must be an image repository without tag, e.g. registry.example.com/team/app`,
    );
  }
  if (ref.repository.includes(':') && !/:\d+\//.test(ref.repository)) {
    throw new ConfigError(`${where}: put the tag in \`tag\`, not in \`repository\``);
  }
  if (ref.tag === undefined && ref.digest === undefined) {
    throw new ConfigError(
      `${where}: an untagged image floats like "latest": pin a tag such as v1.0.1 or a sha256 digest`,
    );
  }
  if (ref.tag !== undefined) {
    if (ref.tag === 'latest') {
      throw new ConfigError(
        `${where}: the tag "latest" is not allowed: pin a version such as v1.0.1 (seed 000: versioned tags, IfNotPresent)`,
      );
    }
    if (!TAG.test(ref.tag)) throw new ConfigError(`${where}: tag must match ${TAG}, e.g. v1.0.1`);
  }
  if (ref.digest !== undefined && !DIGEST.test(ref.digest)) {
    throw new ConfigError(`${where}: digest must be sha256:<64 lower-case hex digits>`);
  }
  const allowed = constraints.allowedRegistries;
  if (
    allowed &&
    allowed.length &&
    !allowed.some((r) => ref.repository === r || ref.repository.startsWith(r.replace(/\/$/, '') + '/'))
  ) {
    throw new ConfigError(
      `${where}: registry is not allowed in this environment; allowed: ${allowed.join(', ')}`,
    );
  }
  const platform = ref.platform ?? 'amd64';
  if (constraints.nodeArch && constraints.nodeArch !== platform) {
    throw new ConfigError(
      `${where}: built for ${platform} but the nodes are ${constraints.nodeArch}; the pods would fail with ` +
        `"no match for platform in manifest" (seed 002): build with buildx --platform linux/${constraints.nodeArch}`,
    );
  }
  const image = `${ref.repository}${ref.tag !== undefined ? ':' + ref.tag : ''}${ref.digest !== undefined ? '@' + ref.digest : ''}`;
  return {
    image,
    imagePullPolicy: ref.pullPolicy ?? 'IfNotPresent',
    nodeSelector: { 'kubernetes.io/arch': platform },
  };
}
