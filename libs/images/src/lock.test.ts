/** The lock file: parsing with clear errors, deterministic writing, agreement with the sources, promotion rules. */
import { describe, expect, it } from 'vitest';
import { findImages, lockOverrides, lockProblems, parseLock, serializeLock, type ImageLock } from './lock';
import { promoteLock } from './promote';
import { ecrRegion, parseRepository } from './reference';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const ECR = '116912495274.dkr.ecr.us-east-1.amazonaws.com';
const MIRROR = 'registry.mini-corp.internal/app';

const lock: ImageLock = {
  system: 'app',
  environments: {
    dev: {
      'api.image': {
        repository: `${ECR}/api`,
        tag: 'v2',
        digest: D2,
        platforms: ['linux/amd64', 'linux/arm64'],
        size: 10,
      },
    },
    prod: { 'api.image': { repository: `${ECR}/api`, tag: 'v1', unresolved: 'not resolved yet' } },
    'mini-corp': {
      'api.image': {
        repository: `${MIRROR}/api`,
        tag: 'v1',
        digest: D1,
        platforms: ['linux/amd64'],
        size: 9,
      },
    },
  },
};
const src = (repository: string, extra = {}) => ({
  images: [{ path: 'api.image', repository, tag: 'v1', tagSetByEnvironment: false, ...extra }],
  nodeArch: 'amd64',
});
const sources = { dev: src(`${ECR}/api`), prod: src(`${ECR}/api`), 'mini-corp': src(`${MIRROR}/api`) };
const files = { lock: 'apps/app/images.lock.yaml', environments: 'apps/app/src/environments.ts' };

describe('lock file', () => {
  it('round-trips byte for byte, environments in render order, platforms on one line', () => {
    const text = serializeLock(lock);
    expect(serializeLock(parseLock(text, 'x'))).toBe(text);
    expect(text.indexOf('  dev:')).toBeLessThan(text.indexOf('  prod:'));
    expect(text.indexOf('  prod:')).toBeLessThan(text.indexOf('  mini-corp:'));
    expect(text).toContain('platforms: [linux/amd64, linux/arm64]');
    expect(text.startsWith('# ')).toBe(true);
  });

  it('rejects malformed entries naming the file and field', () => {
    expect(() =>
      parseLock(
        'system: app\nenvironments: {dev: {api.image: {repository: a/b, tag: v1}}}',
        'apps/app/images.lock.yaml',
      ),
    ).toThrow(
      /apps\/app\/images\.lock\.yaml: invalid image lock:\n {2}- environments\.dev\.api\.image\.digest: needs a digest, or `unresolved: <why>`/,
    );
    expect(() =>
      parseLock(
        'system: app\nenvironments: {dev: {api.image: {repository: a/b, tag: v1, digest: sha256:abc}}}',
        'f',
      ),
    ).toThrow(/digest: expected sha256:<64 lower-case hex digits>/);
    expect(() => parseLock('system: app\nenvironments: {staging: {}}', 'f')).toThrow(/environments/);
    expect(() => parseLock('system: [', 'f')).toThrow(/^f: not valid YAML/);
  });

  it('agrees with the sources it was made from', () => {
    expect(lockProblems(lock, sources, files)).toEqual([]);
  });

  it('names every disagreement: other repository, missing and stale entries, a tag set in environments.ts, a missing platform', () => {
    const problems = lockProblems(
      {
        ...lock,
        environments: {
          ...lock.environments,
          'mini-corp': {
            'api.image': { ...lock.environments['mini-corp']!['api.image'], platforms: ['linux/arm64'] },
            'old.image': lock.environments.prod!['api.image'],
          },
        },
      },
      {
        dev: src(`${ECR}/api2`),
        prod: {
          images: [
            ...src(`${ECR}/api`, { tagSetByEnvironment: true }).images,
            { path: 'web.image', repository: `${ECR}/web`, tag: 'v1', tagSetByEnvironment: false },
          ],
          nodeArch: 'amd64',
        },
        'mini-corp': src(`${MIRROR}/api`),
      },
      files,
    );
    expect(problems).toEqual([
      `apps/app/images.lock.yaml: dev.api.image.repository is ${ECR}/api but apps/app/src/environments.ts deploys ${ECR}/api2; run npm run images -- resolve`,
      'apps/app/src/environments.ts: environment "prod" sets api.image.tag; an environment\'s image versions live in apps/app/images.lock.yaml (change them with npm run images -- resolve --tag or npm run promote)',
      `apps/app/images.lock.yaml: prod: no entry for web.image (${ECR}/web); run npm run images -- resolve`,
      'apps/app/images.lock.yaml: mini-corp.api.image: the registry offers linux/arm64, not linux/amd64 of the mini-corp nodes (seed 002)',
      'apps/app/images.lock.yaml: mini-corp.old.image: no such image in apps/app/src/environments.ts; run npm run images -- resolve',
    ]);
  });

  it('gives each environment its tag, and its digest only where digests are pinned and resolved', () => {
    expect(lockOverrides(lock, 'dev', false)).toEqual({ api: { image: { tag: 'v2' } } });
    expect(lockOverrides(lock, 'dev', true)).toEqual({ api: { image: { tag: 'v2', digest: D2 } } });
    expect(lockOverrides(lock, 'prod', true)).toEqual({ api: { image: { tag: 'v1' } } });
  });

  it('finds images in values by shape and notes tags an environment sets itself', () => {
    const values = {
      api: { image: { repository: 'r/api', tag: 'v1', platform: 'amd64' } },
      db: { host: 'x' },
    };
    expect(findImages(values, { api: { image: { tag: 'v1' } } })).toEqual([
      { path: 'api.image', repository: 'r/api', tag: 'v1', tagSetByEnvironment: true },
    ]);
  });
});

describe('promotion', () => {
  it('moves tag and digest one step; the target keeps its own repository (a mirror serves the same digest)', () => {
    const { lock: next, changes } = promoteLock(lock, 'dev', 'mini-corp', sources['mini-corp']);
    expect(next.environments['mini-corp']!['api.image']).toEqual({
      repository: `${MIRROR}/api`,
      tag: 'v2',
      digest: D2,
      platforms: ['linux/amd64', 'linux/arm64'],
      size: 10,
    });
    expect(next.environments.prod).toBe(lock.environments.prod);
    expect(changes.map((c) => c.path)).toEqual(['api.image']);
    expect(promoteLock(next, 'dev', 'mini-corp', sources['mini-corp']).changes).toEqual([]);
  });

  it('refuses to skip an environment unless forced, and to promote into where releases start', () => {
    expect(() => promoteLock(lock, 'dev', 'prod', sources.prod)).toThrow(
      /prod is promoted from mini-corp, not dev \(dev → mini-corp → prod\).*--force/,
    );
    expect(promoteLock(lock, 'dev', 'prod', sources.prod, { force: true }).changes).toHaveLength(1);
    expect(() => promoteLock(lock, 'prod', 'dev', sources.dev)).toThrow(/dev is where releases start/);
  });

  it('refuses unresolved images and images without the target platform', () => {
    const unresolved = {
      ...lock,
      environments: {
        ...lock.environments,
        dev: { 'api.image': { repository: `${ECR}/api`, tag: 'v2', unresolved: 'down' } },
      },
    };
    expect(() => promoteLock(unresolved, 'dev', 'mini-corp', sources['mini-corp'])).toThrow(
      /api\.image: dev's .*:v2 is unresolved \(down\); resolve it before promoting/,
    );
    expect(() =>
      promoteLock(lock, 'dev', 'mini-corp', { ...sources['mini-corp'], nodeArch: 's390x' }),
    ).toThrow(/not linux\/s390x of the mini-corp nodes/);
  });
});

describe('image references', () => {
  it("normalises Docker Hub names and knows ECR's region", () => {
    expect(parseRepository('nginx')).toMatchObject({
      registry: 'docker.io',
      apiHost: 'registry-1.docker.io',
      name: 'library/nginx',
      scheme: 'https',
    });
    expect(parseRepository('bitnami/redis')).toMatchObject({ registry: 'docker.io', name: 'bitnami/redis' });
    expect(parseRepository(`${ECR}/mini-xdr-backend`)).toMatchObject({
      registry: ECR,
      name: 'mini-xdr-backend',
      scheme: 'https',
    });
    expect(parseRepository('127.0.0.1:5000/team/app')).toMatchObject({
      registry: '127.0.0.1:5000',
      name: 'team/app',
      scheme: 'http',
    });
    expect(parseRepository('localhost/app').scheme).toBe('http');
    expect(ecrRegion(ECR)).toBe('us-east-1');
    expect(ecrRegion('registry.mini-corp.internal')).toBeUndefined();
  });
});
