/**
 * Test images built as OCI image layouts by hand (the OCI image-layout spec: `oci-layout`,
 * `index.json`, `blobs/sha256/…`): one gzip layer holding one file, a config naming the OS and
 * architecture, a manifest per platform, and — for a multi-platform image — an image index whose
 * entries name each manifest's platform. An entry may lie about its platform (the index says amd64,
 * the config says arm64), as the seed 002 push did.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface PlatformSpec {
  readonly os?: string;
  readonly architecture: string;
  readonly variant?: string;
  /** What the image config says, when it differs from the index entry. @default architecture */
  readonly configArchitecture?: string;
}

export interface ImageSpec {
  /** One entry per platform. */
  readonly platforms: readonly PlatformSpec[];
  /** Write an image index (multi-platform form) even for one platform. @default platforms.length > 1 */
  readonly index?: boolean;
  /** Content of the one file in the layer: different content gives different digests. */
  readonly content: string;
}

export interface BuiltImage {
  /** Folder of the OCI layout; `oci:<dir>:latest` for skopeo. */
  readonly dir: string;
  /** Digest of what the tag will name (the index, or the single manifest). */
  readonly digest: string;
  /** `os/arch[/variant]` per index entry (or the manifest's config). */
  readonly platforms: string[];
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function digestOf(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** A ustar archive with one regular file (512-byte header, content padded, two zero blocks). */
export function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512, 0);
  const field = (s: string, offset: number, length: number) => header.write(s, offset, length, 'ascii');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0') + '\0';
  field(name, 0, 100);
  field(octal(0o644, 8), 100, 8);
  field(octal(0, 8), 108, 8);
  field(octal(0, 8), 116, 8);
  field(octal(content.length, 12), 124, 12);
  field(octal(0, 12), 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  let sum = 0;
  for (const b of header) sum += b;
  field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512, 0);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024, 0)]);
}

/** Write an OCI layout for `spec` into `dir`, tagged `latest` inside the layout. */
export function buildOciLayout(dir: string, spec: ImageSpec): BuiltImage {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const blob = (b: Buffer) => {
    const d = digestOf(b);
    writeFileSync(join(dir, 'blobs', 'sha256', d.slice('sha256:'.length)), b);
    return { digest: d, size: b.length };
  };
  const manifests = spec.platforms.map((p) => {
    const tar = tarOneFile('hello.txt', Buffer.from(`${spec.content} ${p.architecture}\n`));
    const layer = blob(gzipSync(tar));
    const config = blob(
      Buffer.from(
        JSON.stringify({
          architecture: p.configArchitecture ?? p.architecture,
          os: p.os ?? 'linux',
          ...(p.variant ? { variant: p.variant } : {}),
          config: {},
          rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
        }),
      ),
    );
    const manifest = blob(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
        }),
      ),
    );
    return { manifest, platform: p };
  });
  const platformOf = (p: PlatformSpec) =>
    [p.os ?? 'linux', p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
  let top: { digest: string; size: number; mediaType: string };
  if (spec.index ?? spec.platforms.length > 1) {
    const index = blob(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: manifests.map((m) => ({
            mediaType: OCI_MANIFEST,
            ...m.manifest,
            platform: {
              os: m.platform.os ?? 'linux',
              architecture: m.platform.architecture,
              ...(m.platform.variant ? { variant: m.platform.variant } : {}),
            },
          })),
        }),
      ),
    );
    top = { ...index, mediaType: OCI_INDEX };
  } else {
    top = { ...manifests[0].manifest, mediaType: OCI_MANIFEST };
  }
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
    }),
  );
  return {
    dir,
    digest: top.digest,
    platforms: spec.platforms.map((p) =>
      platformOf({
        ...p,
        architecture:
          p.configArchitecture && !(spec.index ?? spec.platforms.length > 1)
            ? p.configArchitecture
            : p.architecture,
      }),
    ),
  };
}
