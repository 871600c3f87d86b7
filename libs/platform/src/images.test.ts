import { describe, expect, it } from 'vitest';
import { ConfigError, resolveImage } from './index';

const repo = '116912495274.dkr.ecr.us-east-1.amazonaws.com/mini-xdr-backend';

describe('resolveImage', () => {
  it('pins a tag, pulls IfNotPresent and selects the image architecture', () => {
    expect(resolveImage('x', { repository: repo, tag: 'v1.1.8' })).toEqual({
      image: `${repo}:v1.1.8`,
      imagePullPolicy: 'IfNotPresent',
      nodeSelector: { 'kubernetes.io/arch': 'amd64' },
    });
  });
  it('accepts a digest', () => {
    const d = 'sha256:' + 'a'.repeat(64);
    expect(resolveImage('x', { repository: repo, digest: d }).image).toBe(`${repo}@${d}`);
  });
  it('rejects latest with a clear message', () => {
    expect(() => resolveImage('Sys/Backend', { repository: repo, tag: 'latest' })).toThrow(ConfigError);
    expect(() => resolveImage('Sys/Backend', { repository: repo, tag: 'latest' })).toThrow(
      /Sys\/Backend.*"latest" is not allowed/,
    );
  });
  it('rejects an untagged image', () => {
    expect(() => resolveImage('x', { repository: repo })).toThrow(/untagged image/);
  });
  it('rejects a tag inside the repository and malformed digests', () => {
    expect(() => resolveImage('x', { repository: `${repo}:v1`, tag: 'v1' })).toThrow(ConfigError);
    expect(() => resolveImage('x', { repository: repo, digest: 'sha256:abc' })).toThrow(/digest/);
  });
  it('rejects registries the environment does not allow', () => {
    expect(() =>
      resolveImage(
        'x',
        { repository: 'docker.io/library/nginx', tag: '1.27' },
        { allowedRegistries: ['registry.mini-corp.internal'] },
      ),
    ).toThrow(/not allowed.*registry.mini-corp.internal/);
    expect(
      resolveImage(
        'x',
        { repository: 'registry.mini-corp.internal/a/b', tag: 'v1' },
        { allowedRegistries: ['registry.mini-corp.internal'] },
      ).image,
    ).toBe('registry.mini-corp.internal/a/b:v1');
  });
  it('rejects an arm64 image on amd64 nodes (seed 002)', () => {
    expect(() =>
      resolveImage('x', { repository: repo, tag: 'v1', platform: 'arm64' }, { nodeArch: 'amd64' }),
    ).toThrow(/no match for platform in manifest/);
  });
});
