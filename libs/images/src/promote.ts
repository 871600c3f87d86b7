/**
 * Promotion: move the locked images of one environment to the next one in the release order
 * (dev → mini-corp → prod, from each environment's `promotedFrom`), tag and digest together, so the
 * next environment runs exactly the bytes the previous one ran. Pure: the CLI reads and writes.
 */
import { ENVIRONMENTS, promotionOrder, type EnvironmentName } from '@gitops/environments';
import type { EnvironmentSources, ImageLock, LockedImage } from './lock';

/** Promotion is refused (skipped environment, unresolved image, wrong platform). A user-facing error. */
export class PromotionError extends Error {
  override readonly name = 'ConfigError';
}

/** One image that changes in the target environment. */
export interface PromotedImage {
  readonly path: string;
  readonly before?: LockedImage;
  readonly after: LockedImage;
}

export interface PromotionOptions {
  /** Allow promoting from an environment that is not the target's `promotedFrom`. @default false */
  readonly force?: boolean;
}

/**
 * The lock after promoting `from` → `to`, and what changed. `targetSources` are the images the target
 * environment deploys (its repositories may differ: a mirror registry serves the same digests).
 */
export function promoteLock(
  lock: ImageLock,
  from: EnvironmentName,
  to: EnvironmentName,
  targetSources: EnvironmentSources,
  options: PromotionOptions = {},
): { lock: ImageLock; changes: PromotedImage[] } {
  const order = promotionOrder();
  if (from === to) throw new PromotionError(`--from and --to are both ${to}`);
  const expected = ENVIRONMENTS[to].promotedFrom;
  if (expected !== from && !options.force) {
    throw new PromotionError(
      expected === null
        ? `${to} is where releases start (${order.join(' → ')}): nothing is promoted into it; pass --force to copy ${from}'s images anyway`
        : `${to} is promoted from ${expected}, not ${from} (${order.join(' → ')}): promote ${from} → ${order[order.indexOf(from) + 1] ?? expected} first, or pass --force to skip an environment`,
    );
  }
  const source = lock.environments[from] ?? {};
  const target = lock.environments[to] ?? {};
  const problems: string[] = [];
  const changes: PromotedImage[] = [];
  const next: Record<string, LockedImage> = { ...target };
  for (const img of targetSources.images) {
    const s = source[img.path];
    if (!s) {
      problems.push(`${img.path}: ${from} has no locked entry for it`);
      continue;
    }
    if (!s.digest) {
      problems.push(
        `${img.path}: ${from}'s ${s.repository}:${s.tag} is unresolved (${s.unresolved}); resolve it before promoting`,
      );
      continue;
    }
    const want = `linux/${targetSources.nodeArch}`;
    if (!(s.platforms ?? []).includes(want)) {
      problems.push(
        `${img.path}: ${s.repository}:${s.tag} offers ${(s.platforms ?? []).join(', ')}, not ${want} of the ${to} nodes (seed 002)`,
      );
      continue;
    }
    const after: LockedImage = {
      repository: img.repository,
      tag: s.tag,
      digest: s.digest,
      platforms: s.platforms,
      size: s.size,
    };
    const before = target[img.path];
    next[img.path] = after;
    if (
      !before ||
      before.tag !== after.tag ||
      before.digest !== after.digest ||
      before.repository !== after.repository
    ) {
      changes.push({ path: img.path, ...(before ? { before } : {}), after });
    }
  }
  if (problems.length) {
    throw new PromotionError(
      `cannot promote ${lock.system} ${from} → ${to}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return { lock: { ...lock, environments: { ...lock.environments, [to]: next } }, changes };
}
