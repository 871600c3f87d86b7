import { describe, expect, it } from 'vitest';
import {
  assertUnprivilegedPort,
  ConfigError,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from './index';

describe('restricted security contexts', () => {
  it('pod: non-root, non-zero ids, RuntimeDefault seccomp', () => {
    expect(restrictedPodSecurityContext('x')).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });
  it('container: no escalation, drop ALL, read-only root', () => {
    const c = restrictedContainerSecurityContext('x', { runAsUser: 101 });
    expect(c).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 101,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });
  it('rejects uid 0', () => {
    expect(() => restrictedPodSecurityContext('P', { runAsUser: 0 })).toThrow(ConfigError);
    expect(() => restrictedContainerSecurityContext('P', { runAsGroup: 0 })).toThrow(
      /runAsGroup must be a non-zero/,
    );
  });
  it('rejects privileged ports (nginx on 8080, not 80)', () => {
    expect(() => assertUnprivilegedPort('P', 'port', 80)).toThrow(/8080, not 80/);
    expect(() => assertUnprivilegedPort('P', 'port', 8080)).not.toThrow();
  });
});
