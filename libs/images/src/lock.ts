/**
 * `apps/<system>/images.lock.yaml`: what each environment deploys, per image — the tag (the release
 * of that environment; `npm run promote` moves it) and, once resolved against the registry, the digest,
 * the platforms the registry offers and the size. The render reads it (never the network): prod and
 * mini-corp reference `repository:tag@sha256:…`. An image that could not be resolved says so
 * (`unresolved: <why>`); a digest is never invented.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { parse as parseYaml, stringify } from 'yaml';
import {
  ENVIRONMENT_NAMES,
  imageRepositorySchema,
  imageTagSchema,
  type EnvironmentName,
} from '@gitops/environments';

export const LOCK_FILE = 'images.lock.yaml';

/** One image of one environment. */
export interface LockedImage {
  readonly repository: string;
  /** The tag this environment deploys. */
  readonly tag: string;
  /** `sha256:…` the tag named when it was resolved. Absent while unresolved. */
  readonly digest?: string;
  /** Platforms the registry offers for the tag, `os/arch[/variant]`. */
  readonly platforms?: readonly string[];
  /** Compressed bytes the nodes pull (config and layers of their platform). */
  readonly size?: number;
  /** Why there is no digest yet, e.g. the registry is not reachable from where resolve ran. */
  readonly unresolved?: string;
}

export interface ImageLock {
  readonly system: string;
  /** Environment → values path of the image (`backend.image`) → what it deploys. */
  readonly environments: { readonly [E in EnvironmentName]?: Readonly<Record<string, LockedImage>> };
}

/** The lock file is malformed or disagrees with the sources. A user-facing error. */
export class LockError extends Error {
  override readonly name = 'ConfigError';
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

const lockedImageSchema = z
  .object({
    repository: imageRepositorySchema,
    tag: imageTagSchema,
    digest: z.string().regex(DIGEST, 'expected sha256:<64 lower-case hex digits>').optional(),
    platforms: z
      .array(z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, 'expected os/arch[/variant]'))
      .optional(),
    size: z.number().int().min(0).optional(),
    unresolved: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.digest && e.unresolved)
      ctx.addIssue({
        code: 'custom',
        path: ['unresolved'],
        message: 'an entry with a digest is resolved: remove `unresolved`',
      });
    if (!e.digest && !e.unresolved)
      ctx.addIssue({ code: 'custom', path: ['digest'], message: 'needs a digest, or `unresolved: <why>`' });
    if (e.digest && (!e.platforms || e.size === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['platforms'],
        message: 'a resolved entry records platforms and size',
      });
  });

const lockSchema = z
  .object({
    system: z.string().min(1),
    environments: z.partialRecord(
      z.enum(ENVIRONMENT_NAMES),
      z.record(z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/), lockedImageSchema),
    ),
  })
  .strict();

/** Parse and validate a lock file's text; errors name the file and the field. */
export function parseLock(text: string, file: string): ImageLock {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new LockError(`${file}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = lockSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new LockError(`${file}: invalid image lock:\n${lines.join('\n')}`);
  }
  return parsed.data as ImageLock;
}

/** Read a lock file; undefined when the system has none yet. */
export function readLock(file: string, label = file): ImageLock | undefined {
  if (!existsSync(file)) return undefined;
  return parseLock(readFileSync(file, 'utf8'), label);
}

const HEADER = [
  'What each environment deploys, per image: the tag and, once resolved against the registry, its digest.',
  'Written by `npm run images -- resolve` and `npm run promote`; read by `npm run render` (never the network).',
  'An image without a digest is `unresolved` and fails `npm run images -- verify`. Do not edit digests by hand.',
].join('\n');

/** Deterministic YAML: environments in render order, images by path, fields in a fixed order. */
export function serializeLock(lock: ImageLock): string {
  const environments: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const env of ENVIRONMENT_NAMES) {
    const images = lock.environments[env];
    if (!images) continue;
    environments[env] = {};
    for (const path of Object.keys(images).sort()) {
      const e = images[path];
      environments[env][path] = {
        repository: e.repository,
        tag: e.tag,
        ...(e.digest ? { digest: e.digest, platforms: [...(e.platforms ?? [])], size: e.size } : {}),
        ...(e.unresolved ? { unresolved: e.unresolved } : {}),
      };
    }
  }
  const body = stringify(
    { system: lock.system, environments },
    { lineWidth: 0, flowCollectionPadding: false },
  );
  return `${HEADER.split('\n')
    .map((l) => `# ${l}`)
    .join('\n')}\n${body.replace(
    /platforms:\n((?:\s+- .+\n)+)/g,
    (_m, items: string) =>
      `platforms: [${items
        .trim()
        .split('\n')
        .map((s) => s.trim().replace(/^- /, ''))
        .join(', ')}]\n`,
  )}`;
}

/** Write a lock file atomically (a reader never sees half a file). */
export function writeLock(file: string, lock: ImageLock): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    // 'wx': never through a file or symbolic link already at that name.
    writeFileSync(tmp, serializeLock(lock), { flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** An image the sources (the system's values for one environment) deploy. */
export interface SourceImage {
  /** Values path, e.g. `backend.image`. */
  readonly path: string;
  readonly repository: string;
  /** The tag the values name (the chart default unless the environment overrides it). */
  readonly tag: string;
  /** The environment's own override sets the tag (tags per environment belong in the lock). */
  readonly tagSetByEnvironment: boolean;
}

/** Every image in a values tree: an object with string `repository` and `tag` (the platform's image values). */
export function findImages(values: unknown, envOverride?: unknown, prefix: string[] = []): SourceImage[] {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return [];
  const v = values as Record<string, unknown>;
  if (typeof v.repository === 'string' && typeof v.tag === 'string') {
    const o = envOverride as Record<string, unknown> | undefined;
    return [
      {
        path: prefix.join('.'),
        repository: v.repository,
        tag: v.tag,
        tagSetByEnvironment: typeof o === 'object' && o !== null && o.tag !== undefined,
      },
    ];
  }
  return Object.keys(v).flatMap((k) =>
    findImages(
      v[k],
      typeof envOverride === 'object' && envOverride !== null
        ? (envOverride as Record<string, unknown>)[k]
        : undefined,
      [...prefix, k],
    ),
  );
}

/** What a check compares per environment: the images the sources deploy and the nodes' architecture. */
export interface EnvironmentSources {
  readonly images: readonly SourceImage[];
  readonly nodeArch: string;
}

/**
 * Where the lock and the sources disagree, one line each (empty: they agree): an image without an
 * entry, an entry for an image that is gone, another repository, a tag set in environments.ts, a
 * resolved entry without the nodes' platform.
 */
export function lockProblems(
  lock: ImageLock,
  sources: { readonly [E in EnvironmentName]?: EnvironmentSources },
  files: { lock: string; environments: string },
): string[] {
  const out: string[] = [];
  for (const env of ENVIRONMENT_NAMES) {
    const src = sources[env];
    if (!src) continue;
    const entries = lock.environments[env] ?? {};
    for (const img of src.images) {
      const e = entries[img.path];
      if (img.tagSetByEnvironment) {
        out.push(
          `${files.environments}: environment "${env}" sets ${img.path}.tag; an environment's image versions live in ${files.lock} (change them with npm run images -- resolve --tag or npm run promote)`,
        );
      }
      if (!e) {
        out.push(
          `${files.lock}: ${env}: no entry for ${img.path} (${img.repository}); run npm run images -- resolve`,
        );
        continue;
      }
      if (e.repository !== img.repository) {
        out.push(
          `${files.lock}: ${env}.${img.path}.repository is ${e.repository} but ${files.environments} deploys ${img.repository}; run npm run images -- resolve`,
        );
      }
      if (e.digest && !(e.platforms ?? []).includes(`linux/${src.nodeArch}`)) {
        out.push(
          `${files.lock}: ${env}.${img.path}: the registry offers ${(e.platforms ?? []).join(', ') || 'no platform'}, not linux/${src.nodeArch} of the ${env} nodes (seed 002)`,
        );
      }
    }
    const known = new Set(src.images.map((i) => i.path));
    for (const path of Object.keys(entries)) {
      if (!known.has(path))
        out.push(
          `${files.lock}: ${env}.${path}: no such image in ${files.environments}; run npm run images -- resolve`,
        );
    }
  }
  for (const env of Object.keys(lock.environments) as EnvironmentName[]) {
    if (!sources[env]) out.push(`${files.lock}: environment "${env}" is not deployed by this system`);
  }
  return out;
}

/** Set `value` at a dotted path of a fresh nested object. */
function nest(out: Record<string, any>, path: string, value: Record<string, unknown>): void {
  const segs = path.split('.');
  let cur = out;
  for (const s of segs.slice(0, -1)) cur = cur[s] ??= {};
  cur[segs[segs.length - 1]] = { ...(cur[segs[segs.length - 1]] ?? {}), ...value };
}

/**
 * The values an environment gets from the lock: each image's tag, and its digest when the
 * environment pins digests (`imageReference: 'digest'`) and the image is resolved.
 */
export function lockOverrides(
  lock: ImageLock,
  env: EnvironmentName,
  pinDigests: boolean,
): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const [path, e] of Object.entries(lock.environments[env] ?? {})) {
    nest(out, path, { tag: e.tag, ...(pinDigests && e.digest ? { digest: e.digest } : {}) });
  }
  return out;
}
