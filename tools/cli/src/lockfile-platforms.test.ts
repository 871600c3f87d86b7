import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeLockfile, platformOf } from './lockfile-platforms';

describe('package-lock.json platform packages (npm ci on this registry)', () => {
  it('records every optional platform package, so npm ci accepts the lockfile', () => {
    const lock = JSON.parse(readFileSync(join(__dirname, '../../../package-lock.json'), 'utf8'));
    expect(completeLockfile(lock), 'run npm run lock:platforms after npm install').toEqual([]);
  });

  it('reads os, cpu and libc from package names', () => {
    expect(platformOf('@nx/nx-linux-x64-musl')).toEqual({ os: ['linux'], cpu: ['x64'], libc: ['musl'] });
    expect(platformOf('@rollup/rollup-linux-arm-gnueabihf')).toEqual({
      os: ['linux'],
      cpu: ['arm'],
      libc: ['glibc'],
    });
    expect(platformOf('@rollup/rollup-win32-ia32-msvc')).toEqual({ os: ['win32'], cpu: ['ia32'] });
    expect(platformOf('@nx/nx-darwin-arm64')).toEqual({ os: ['darwin'], cpu: ['arm64'] });
    expect(platformOf('left-pad')).toBeUndefined();
  });

  it('adds a missing platform package with its version and platform', () => {
    const lock = {
      packages: {
        '': {},
        'node_modules/tool': {
          version: '1.0.0',
          optionalDependencies: { '@tool/tool-darwin-arm64': '1.0.0' },
        },
      },
    };
    expect(completeLockfile(lock)).toEqual(['@tool/tool-darwin-arm64@1.0.0']);
    expect((lock.packages as any)['node_modules/@tool/tool-darwin-arm64']).toMatchObject({
      version: '1.0.0',
      os: ['darwin'],
      cpu: ['arm64'],
      optional: true,
    });
  });
});
