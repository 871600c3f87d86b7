/**
 * Pod Security Standards `restricted`, as defaults: non-root with a non-zero user, no privilege
 * escalation, every capability dropped, RuntimeDefault seccomp, read-only root filesystem (with an
 * `emptyDir` on `/tmp`, added by the workloads), and unprivileged ports only
 * (seed 003: nginx as non-root had to move from 80 to 8080).
 */
import { k8s } from 'cdk8s-plus-28';
import { ConfigError } from './core';

/** The identity a container runs as. */
export interface RunAsProps {
  /** UID; must not be 0. @default 10001 */
  readonly runAsUser?: number;
  /** GID; must not be 0. @default same as runAsUser */
  readonly runAsGroup?: number;
  /** Group owning mounted volumes. @default same as runAsGroup */
  readonly fsGroup?: number;
  /**
   * Escape hatch for images that must write their root filesystem. Keep `true` and mount an
   * emptyDir where the image writes instead.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
}

export const DEFAULT_UID = 10001;

function ids(path: string, p: RunAsProps) {
  const user = p.runAsUser ?? DEFAULT_UID;
  const group = p.runAsGroup ?? user;
  const fsGroup = p.fsGroup ?? group;
  for (const [field, v] of [
    ['runAsUser', user],
    ['runAsGroup', group],
    ['fsGroup', fsGroup],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new ConfigError(
        `${path}: securityContext.${field} must be a non-zero integer UID/GID (PSS restricted forbids root), got ${v}`,
      );
    }
  }
  return { user, group, fsGroup };
}

/** The pod-level security context of the restricted profile. */
export function restrictedPodSecurityContext(path: string, p: RunAsProps = {}): k8s.PodSecurityContext {
  const { user, group, fsGroup } = ids(path, p);
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: group,
    fsGroup,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The container-level security context of the restricted profile. */
export function restrictedContainerSecurityContext(path: string, p: RunAsProps = {}): k8s.SecurityContext {
  const { user, group } = ids(path, p);
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: p.readOnlyRootFilesystem ?? true,
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: group,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Throw unless `port` is an unprivileged port (1024-65535): non-root processes cannot bind below 1024. */
export function assertUnprivilegedPort(path: string, field: string, port: number): void {
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new ConfigError(
      `${path}: ${field} ${port} is not an unprivileged port (1024-65535); a non-root container cannot bind it ` +
        `(seed 003: run nginx on 8080, not 80)`,
    );
  }
}
