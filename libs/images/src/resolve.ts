/**
 * Resolve one image of one environment against its registry: the digest its tag names, the
 * platforms it offers and the size the nodes pull — or a refusal naming system, environment,
 * container, tag and what the registry returned, for the failures the seeds lived through: a tag
 * that does not exist, an index without the nodes' platform (seed 002: "no match for platform in
 * manifest"), a manifest whose config is built for another architecture, and a tag that now names
 * another digest than the one recorded.
 */
import { isIndexMediaType, RegistryClient, type FetchedManifest } from './registry-client';

/** One image reference an environment deploys. */
export interface ImageTarget {
  readonly system: string;
  readonly env: string;
  /** Values path of the image, e.g. `backend.image`. */
  readonly path: string;
  /** Containers that run it, e.g. `Deployment mini-xdr-backend/backend`. */
  readonly containers: readonly string[];
  readonly repository: string;
  readonly tag: string;
  /** CPU architecture of the environment's nodes. */
  readonly nodeArch: string;
  /** The digest recorded for this repository and tag, if any: the tag must still name it. */
  readonly recordedDigest?: string;
}

/** What the registry serves for an image's tag. */
export interface ImageResolution {
  /** Digest of what the tag names (the index for a multi-platform image). */
  readonly digest: string;
  /** Platforms offered, `os/arch[/variant]`, sorted. */
  readonly platforms: readonly string[];
  /** Bytes the nodes pull for their platform: config and layers, compressed. */
  readonly size: number;
}

/** The registry answered, and the answer must not be deployed. A user-facing error. */
export class ImageRefusal extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly target: ImageTarget,
    /** What is wrong, without the target (the message is `<target>: <reason>`). */
    readonly reason: string,
  ) {
    super(`${describeTarget(target)}: ${reason}`);
  }
}

export function describeTarget(t: ImageTarget): string {
  const containers = t.containers.length ? `container ${t.containers.join(', ')}` : 'no container';
  return `${t.system} (${t.env}), ${containers}, ${t.path} ${t.repository}:${t.tag}`;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

function platformString(p: { os?: string; architecture?: string; variant?: string }): string {
  return [p.os ?? '?', p.architecture ?? '?', ...(p.variant ? [p.variant] : [])].join('/');
}

/** Entries of an index that are images (attestations are `unknown/unknown`). */
function imageEntries(index: { manifests?: Descriptor[] }): Descriptor[] {
  return (index.manifests ?? []).filter(
    (m) =>
      !(m.platform?.os === 'unknown' && m.platform?.architecture === 'unknown') &&
      m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest',
  );
}

function sizeOf(manifest: FetchedManifest): number {
  const j = manifest.json as { config?: { size?: number }; layers?: { size?: number }[] };
  return (j.config?.size ?? 0) + (j.layers ?? []).reduce((a, l) => a + (l.size ?? 0), 0);
}

/** Resolve `target` with `client` (a client of the target's repository). */
export async function resolveImage(target: ImageTarget, client: RegistryClient): Promise<ImageResolution> {
  const refuse = (why: string) => new ImageRefusal(target, why);
  const top = await client.manifest(target.tag);
  if ('notFound' in top) {
    const what =
      top.code === 'NAME_UNKNOWN'
        ? `repository ${client.repo.name} does not exist`
        : `tag "${target.tag}" does not exist`;
    throw refuse(
      `${what} in registry ${client.repo.registry} (it returned HTTP ${top.status} ${top.code}: "${top.message}")`,
    );
  }
  if (target.recordedDigest && target.recordedDigest !== top.digest) {
    throw refuse(
      `the tag moved: it was recorded as ${target.recordedDigest}, the registry now returns ${top.digest}. ` +
        'A released tag must not change (seed 001: containers running other code than the version says); ' +
        'push a new tag, or re-record it deliberately with --accept-moved-tags',
    );
  }
  const want = `linux/${target.nodeArch}`;
  let manifest: FetchedManifest;
  let platforms: string[];
  if (isIndexMediaType(top.mediaType)) {
    const entries = imageEntries(top.json);
    platforms = [...new Set(entries.map((e) => platformString(e.platform ?? {})))].sort();
    const match = entries.find(
      (e) => e.platform?.os === 'linux' && e.platform?.architecture === target.nodeArch,
    );
    if (!match) {
      throw refuse(
        `the index ${top.digest} offers ${platforms.length ? platforms.join(', ') : 'no platform'} but not ${want}, ` +
          `the architecture of the ${target.env} nodes: pods would fail with "no match for platform in manifest" (seed 002). ` +
          `Push the image for ${want} (docker buildx build --platform ${want} --push)`,
      );
    }
    const child = await client.manifest(match.digest);
    if ('notFound' in child) {
      throw refuse(
        `the index ${top.digest} lists ${match.digest} for ${want}, but the registry does not have it (HTTP ${child.status} ${child.code})`,
      );
    }
    manifest = child;
  } else {
    manifest = top;
    platforms = [];
  }
  const configDigest = (manifest.json as { config?: { digest?: string } }).config?.digest;
  if (!configDigest)
    throw refuse(`manifest ${manifest.digest} has no config (media type ${manifest.mediaType || 'unknown'})`);
  const config = (await client.blobJson(configDigest)) as {
    os?: string;
    architecture?: string;
    variant?: string;
  };
  const built = platformString(config);
  if (config.os !== 'linux' || config.architecture !== target.nodeArch) {
    const said = isIndexMediaType(top.mediaType)
      ? `the index ${top.digest} lists ${manifest.digest} as ${want}, but `
      : '';
    throw refuse(
      `${said}the image config of ${manifest.digest} says ${built}, not ${want} (the ${target.env} nodes): ` +
        'pods would fail with "exec format error" or "no match for platform in manifest" (seed 002)',
    );
  }
  if (!isIndexMediaType(top.mediaType)) platforms = [built];
  return { digest: top.digest, platforms, size: sizeOf(manifest) };
}
