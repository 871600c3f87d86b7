/**
 * The image lock in the render: `apps/<system>/images.lock.yaml` gives each environment its image
 * tags and, where the environment pins digests, the resolved digests (`<component>.image.digest`,
 * a plain value the chart reads). A lock that disagrees with the sources fails the render and
 * `npm run check`, naming both files. Nothing here touches the network.
 */
import { join } from 'node:path';
import { ENVIRONMENT_NAMES, ENVIRONMENTS, type EnvironmentName } from '@gitops/environments';
import {
  findImages,
  LOCK_FILE,
  lockOverrides,
  lockProblems,
  readLock,
  type EnvironmentSources,
  type ImageLock,
} from '@gitops/images';
import { ConfigError, mergeValues, resolveValues, type SystemDefinition } from './system';

/** The images each environment deploys according to the sources alone (environments.ts, no lock). */
export function imageSources(system: SystemDefinition<any>): Record<EnvironmentName, EnvironmentSources> {
  const out = {} as Record<EnvironmentName, EnvironmentSources>;
  for (const env of ENVIRONMENT_NAMES) {
    const values = resolveValues(system, env);
    out[env] = {
      images: findImages(values, system.environments[env]),
      nodeArch: values.platform.nodeArch,
    };
  }
  return out;
}

/** Workspace-relative paths of a system's lock and environments files, for messages. */
export function imageLockFiles(root: string): { lock: string; environments: string } {
  return { lock: `${root}/${LOCK_FILE}`, environments: `${root}/src/environments.ts` };
}

/** The system's lock, or undefined when it has none. Throws ConfigError naming the file when malformed. */
export function readImageLock(
  system: SystemDefinition<any>,
  root: string,
  workspaceRoot: string,
): ImageLock | undefined {
  const files = imageLockFiles(root);
  const lock = readLock(join(workspaceRoot, files.lock), files.lock);
  if (lock && lock.system !== system.name) {
    throw new ConfigError(`${files.lock}: system is "${lock.system}", expected "${system.name}"`);
  }
  return lock;
}

/** The system with the lock applied to its environments (unchanged without a lock). */
export function withImageLock(
  system: SystemDefinition<any>,
  root: string,
  workspaceRoot: string,
): SystemDefinition<any> {
  const lock = readImageLock(system, root, workspaceRoot);
  if (!lock) return system;
  const files = imageLockFiles(root);
  const problems = lockProblems(lock, imageSources(system), files);
  if (problems.length) {
    throw new ConfigError(
      `${files.lock} and the sources disagree:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  const environments = Object.fromEntries(
    ENVIRONMENT_NAMES.map((env) => [
      env,
      mergeValues(
        system.environments[env],
        lockOverrides(lock, env, ENVIRONMENTS[env].imageReference === 'digest'),
      ),
    ]),
  );
  return { ...system, environments } as SystemDefinition<any>;
}
