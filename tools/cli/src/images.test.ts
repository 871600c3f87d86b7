/**
 * The image lock end to end, in a throw-away copy of this workspace whose registries point at a real
 * distribution registry on 127.0.0.1 (htpasswd-protected; credentials in a Docker config outside the
 * workspace), populated by skopeo with images built as OCI layouts:
 *
 * - `npm run images -- resolve` locks a digest for every system × environment; the seed 002 image
 *   (an index that offers only arm64) is refused naming the platforms, nothing written;
 * - the render pins prod and mini-corp to `repository:tag@sha256:…` (dev follows tags), as Argo CD
 *   renders them; `npm run check` fails when the lock and the sources disagree;
 * - `npm run promote` moves mini-xdr dev → mini-corp → prod in two commits whose previews show only
 *   the target environment; skipping an environment is refused;
 * - a registry that is down: a clear error, nothing written;
 * - `npm run images -- verify` fails on the committed seed systems, naming each unresolved image.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildOciLayout } from '../../../libs/images/src/testing/oci-layout';
import {
  missingRegistryBinaries,
  startTestRegistry,
  type TestRegistry,
} from '../../../libs/images/src/testing/registry';
import { discoverArgoSources, parseManifests, renderArgoSource } from '@gitops/toolchain';
import { createSandbox, nxEnv, runNode, type NxResult, type Sandbox } from '../../nx-plugin/src/sandbox';
import { main as imagesMain } from './images';

const missing = missingRegistryBinaries();
if (missing.length && process.env.CI) {
  throw new Error(
    `CI must run the registry tests: ${missing.join(', ')} not installed (.ci/run installs them)`,
  );
}
const suite = missing.length ? describe.skip : describe;

const ECR_USE1 = '116912495274.dkr.ecr.us-east-1.amazonaws.com';
const ECR_EUW1 = '116912495274.dkr.ecr.eu-west-1.amazonaws.com';
const MIRROR = 'registry.mini-corp.internal';
const SOURCE_FILES = [
  'libs/environments/src/environments.ts',
  'apps/mini-xdr/src/environments.ts',
  'apps/aegis-tickets/src/environments.ts',
  'apps/ode/src/environments.ts',
];

interface StatusRow {
  system: string;
  env: string;
  path: string;
  repository: string;
  tag: string;
  entry?: { repository: string; tag: string; digest?: string; platforms?: string[]; unresolved?: string };
  containers: string[];
}

function containerImages(objects: readonly unknown[]): string[] {
  const out: string[] = [];
  const visit = (n: any) => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== 'object') return;
    for (const [k, v] of Object.entries(n)) {
      if ((k === 'containers' || k === 'initContainers') && Array.isArray(v))
        out.push(...v.map((c: any) => String(c.image)));
      else visit(v);
    }
  };
  objects.forEach(visit);
  return out;
}

suite('image lock, resolve, render, check and promote against a real registry (throw-away workspace)', () => {
  let reg: TestRegistry;
  let sb: Sandbox;
  let dockerConfig: string;
  const layouts = mkdtempSync(join(tmpdir(), 'gitops-images-cli-'));
  const tsx = join(__dirname, '../../../node_modules/tsx/dist/cli.mjs');
  const run = (script: string, args: string[]): Promise<NxResult> =>
    runNode([tsx, script, ...args], sb.ws, nxEnv({ DOCKER_CONFIG: dockerConfig, CI: '' }));
  const images = (...args: string[]) => run('tools/cli/src/images.ts', args);
  const lockOf = (system: string) => parseYaml(sb.read(`apps/${system}/images.lock.yaml`));
  let pushed = 0;
  const push = async (repository: string, tag: string, platforms: string[], content: string) => {
    const dir = join(layouts, `l${++pushed}`);
    const img = buildOciLayout(dir, {
      platforms: platforms.map((architecture) => ({ architecture })),
      index: platforms.length > 1 || undefined,
      content,
    });
    await reg.push(dir, repository.slice(reg.host.length + 1), tag);
    return img;
  };

  beforeAll(async () => {
    reg = await startTestRegistry({ auth: 'htpasswd', users: { deployer: 'registry-pass-42' } });
    dockerConfig = mkdtempSync(join(tmpdir(), 'gitops-docker-config-'));
    writeFileSync(
      join(dockerConfig, 'config.json'),
      JSON.stringify({
        auths: { [reg.host]: { auth: Buffer.from('deployer:registry-pass-42').toString('base64') } },
      }),
    );
    sb = createSandbox({ withOutputs: true, prefix: 'gitops-images-' });
    for (const f of SOURCE_FILES) {
      sb.write(
        f,
        sb
          .read(f)
          .split(ECR_USE1)
          .join(`${reg.host}/ecr-use1`)
          .split(ECR_EUW1)
          .join(`${reg.host}/ecr-euw1`)
          .split(MIRROR)
          .join(`${reg.host}/mini-corp`),
      );
    }
    // Every image the environments deploy, pushed under the tag the environment deploys; the mirror of
    // mini-corp gets the same bytes (same digests), as `skopeo copy --all` mirroring does.
    const rows = JSON.parse((await images('status', '--json')).stdout) as StatusRow[];
    const byName = new Map<string, StatusRow>();
    for (const r of rows) byName.set(`${r.repository}:${r.tag}`, r);
    // Every third image is single-platform (amd64 only), the others multi-platform indexes.
    const names = [
      ...new Set(
        [...byName.values()].map(
          (r) => `${r.repository.replace(/^.*\/(ecr-use1|ecr-euw1|mini-corp(\/[^/]+)?)\//, '')}:${r.tag}`,
        ),
      ),
    ].sort();
    for (const r of [...byName.values()]) {
      const name = `${r.repository.replace(/^.*\/(ecr-use1|ecr-euw1|mini-corp(\/[^/]+)?)\//, '')}:${r.tag}`;
      const platforms = names.indexOf(name) % 3 === 2 ? ['amd64'] : ['amd64', 'arm64'];
      await push(r.repository, r.tag, platforms, name);
    }
  }, 300_000);

  afterAll(async () => {
    sb?.cleanup();
    await reg?.stop();
    rmSync(layouts, { recursive: true, force: true });
    if (dockerConfig) rmSync(dockerConfig, { recursive: true, force: true });
  }, 600_000);

  it('resolve locks a digest for every system × environment, with the platforms and size', async () => {
    const r = await images('resolve');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse((await images('status', '--json')).stdout) as StatusRow[];
    expect(rows.length).toBeGreaterThanOrEqual(21);
    for (const row of rows) {
      expect(row.entry?.digest, `${row.system} ${row.env} ${row.path}`).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(row.entry?.platforms).toContain('linux/amd64');
      expect(row.entry?.repository).toBe(row.repository);
      expect(row.containers.length).toBeGreaterThan(0);
    }
    // The mirror serves the same digest as the registry dev and prod pull from.
    const mx = lockOf('mini-xdr').environments;
    expect(mx['mini-corp']['backend.image'].digest).toBe(mx.prod['backend.image'].digest);
    expect(mx['mini-corp']['backend.image'].repository).toBe(
      `${reg.host}/mini-corp/mini-xdr/mini-xdr-backend`,
    );
    expect((await images('verify')).code).toBe(0);
  }, 600_000);

  it('seed 002: releasing an arm64-only index to amd64 dev is refused naming the platforms offered; nothing is written', async () => {
    // An index that lists only arm64, as the seed's push from a Mac did.
    const dir = join(layouts, 'seed-002');
    buildOciLayout(dir, { platforms: [{ architecture: 'arm64' }], index: true, content: 'onboarding' });
    await reg.push(dir, 'ecr-use1/mini-xdr-backend', 'onboarding-v1.0');
    await push(
      `${reg.host}/ecr-use1/mini-xdr-frontend`,
      'onboarding-v1.0',
      ['amd64', 'arm64'],
      'onboarding-frontend',
    );
    const before = sb.read('apps/mini-xdr/images.lock.yaml');
    const r = await images('resolve', '--system', 'mini-xdr', '--env', 'dev', '--tag', 'onboarding-v1.0');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('mini-xdr (dev), container ');
    expect(r.stderr).toContain('Deployment mini-xdr-backend/backend');
    expect(r.stderr).toContain('Job mini-xdr-migrate/migrate');
    expect(r.stderr).toMatch(/the index sha256:[a-f0-9]{64} offers linux\/arm64 but not linux\/amd64/);
    expect(r.stderr).toContain('nothing was written');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(sb.read('apps/mini-xdr/images.lock.yaml')).toBe(before);
  }, 600_000);

  it('the render pins prod and mini-corp to repository:tag@sha256 (as Argo CD renders them); dev follows tags; check passes', async () => {
    const render = await run('tools/cli/src/render.ts', ['--quiet']);
    expect(render.stderr).toBe('');
    expect(render.code).toBe(0);
    let checked = 0;
    for (const s of discoverArgoSources(sb.ws)) {
      const imgs = containerImages(parseManifests(renderArgoSource(sb.ws, s), s.application));
      expect(imgs.length).toBeGreaterThan(0);
      for (const img of imgs) {
        if (s.environment === 'dev') expect(img, s.application).not.toContain('@');
        else
          expect(img, s.application).toMatch(
            new RegExp(
              `^${reg.host.replace(/\./g, '\\.')}/[a-z0-9/._-]+:[A-Za-z0-9._-]+@sha256:[a-f0-9]{64}$`,
            ),
          );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    const check = await run('tools/cli/src/render.ts', ['--check', '--quiet']);
    expect(check.code).toBe(0);
    sb.commit('lock resolved against the registry');
  }, 600_000);

  it('check fails, naming the lock and the field, when the lock and the sources disagree; nothing is written', async () => {
    const lockFile = 'apps/mini-xdr/images.lock.yaml';
    const good = sb.read(lockFile);
    sb.write(
      lockFile,
      good.replace(
        `${reg.host}/mini-corp/mini-xdr/mini-xdr-frontend`,
        `${reg.host}/mini-corp/other/mini-xdr-frontend`,
      ),
    );
    const r = await run('tools/cli/src/render.ts', ['--check']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apps/mini-xdr/images.lock.yaml and the sources disagree');
    expect(r.stderr).toContain(
      `mini-corp.frontend.image.repository is ${reg.host}/mini-corp/other/mini-xdr-frontend`,
    );
    sb.write(lockFile, good);
    const envFile = 'apps/mini-xdr/src/environments.ts';
    const env = sb.read(envFile);
    sb.write(
      envFile,
      env.replace(
        "ingress: { host: 'dev.xdr.example.com'",
        "backend: { image: { tag: 'v9' } },\n    ingress: { host: 'dev.xdr.example.com'",
      ),
    );
    const r2 = await run('tools/cli/src/render.ts', ['--check']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('environment "dev" sets backend.image.tag');
    sb.write(envFile, env);
    expect(sb.git('status', '--porcelain')).toBe('');
  }, 600_000);

  it('promote moves mini-xdr dev → mini-corp → prod in two commits, each previewing only its target environment', async () => {
    // Release v1.1.9 to dev.
    for (const c of ['backend', 'frontend']) {
      for (const repo of [
        `${reg.host}/ecr-use1/mini-xdr-${c}`,
        `${reg.host}/mini-corp/mini-xdr/mini-xdr-${c}`,
      ])
        await push(repo, 'v1.1.9', ['amd64', 'arm64'], `mini-xdr-${c} v1.1.9`);
    }
    const rel = await images('resolve', '--system', 'mini-xdr', '--env', 'dev', '--tag', 'v1.1.9');
    expect(rel.stderr).toBe('');
    expect(rel.code).toBe(0);
    expect((await run('tools/cli/src/render.ts', ['--system', 'mini-xdr', '--quiet'])).code).toBe(0);
    sb.commit('release v1.1.9 to dev');
    const dev = lockOf('mini-xdr').environments.dev;

    const skip = await run('tools/cli/src/promote.ts', ['mini-xdr', '--from', 'dev', '--to', 'prod']);
    expect(skip.code).toBe(1);
    expect(skip.stderr).toContain('prod is promoted from mini-corp, not dev');
    expect(skip.stderr).toContain('--force');
    expect(sb.git('status', '--porcelain')).toBe('');

    const preview = async () => {
      const d = await run('tools/cli/src/diff.ts', ['--base', 'HEAD~1', '--format', 'json']);
      expect(d.code, d.stderr).toBe(0);
      const report = JSON.parse(d.stdout) as {
        apps: { system: string; environment: string; changes: unknown[] }[];
      };
      return report.apps.filter((a) => a.changes.length).map((a) => `${a.system}/${a.environment}`);
    };

    const toCorp = await run('tools/cli/src/promote.ts', ['mini-xdr', '--from', 'dev', '--to', 'mini-corp']);
    expect(toCorp.stderr).toBe('');
    expect(toCorp.code).toBe(0);
    expect(sb.git('log', '-1', '--format=%s')).toContain('promote mini-xdr dev → mini-corp');
    expect(sb.git('status', '--porcelain')).toBe('');
    expect(
      sb
        .git('diff', '--name-only', 'HEAD~1', 'HEAD')
        .trim()
        .split('\n')
        .every((f) => /mini-corp|images\.lock\.yaml/.test(f)),
    ).toBe(true);
    expect(await preview()).toEqual(['mini-xdr/mini-corp']);
    let lock = lockOf('mini-xdr').environments;
    expect(lock['mini-corp']['backend.image']).toMatchObject({
      tag: 'v1.1.9',
      digest: dev['backend.image'].digest,
      repository: `${reg.host}/mini-corp/mini-xdr/mini-xdr-backend`,
    });
    expect(lock.prod['backend.image'].tag).toBe('v1.1.8');

    const toProd = await run('tools/cli/src/promote.ts', ['mini-xdr', '--from', 'mini-corp', '--to', 'prod']);
    expect(toProd.code, toProd.stderr).toBe(0);
    expect(await preview()).toEqual(['mini-xdr/prod']);
    lock = lockOf('mini-xdr').environments;
    expect(lock.prod['backend.image']).toMatchObject({ tag: 'v1.1.9', digest: dev['backend.image'].digest });
    expect(sb.read('charts/mini-xdr/values-prod.yaml')).toContain(dev['backend.image'].digest);
    // The registry still serves every locked digest.
    expect((await images('verify', '--system', 'mini-xdr')).code).toBe(0);
  }, 600_000);

  it('a registry that is down: resolve fails with a clear error and writes nothing', async () => {
    await reg.stop();
    const before = sb.read('apps/ode/images.lock.yaml');
    const r = await images('resolve', '--system', 'ode', '--timeout', '3000');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`registry ${reg.host} is not reachable at http://${reg.host} (ECONNREFUSED)`);
    expect(r.stderr).toContain('nothing was written');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(sb.read('apps/ode/images.lock.yaml')).toBe(before);
    expect(sb.git('status', '--porcelain')).toBe('');
  }, 600_000);
});

describe('the committed seed systems', () => {
  it('images verify fails while their images are unresolved, naming each one (without asking any registry)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await imagesMain(['verify'], { out: (s) => out.push(s), err: (s) => err.push(s) });
    expect(code).toBe(1);
    const lines = err.filter((l) => l.startsWith('not verified: '));
    expect(lines.length).toBeGreaterThanOrEqual(21);
    for (const system of ['mini-xdr', 'aegis-tickets', 'ode'])
      for (const env of ['dev', 'prod', 'mini-corp'])
        expect(
          lines.some((l) => l.includes(`${system} (${env}), container `) && l.includes('unresolved')),
        ).toBe(true);
    expect(err.join('\n')).toContain('Deployment mini-xdr-backend/backend, backend.image');
  }, 600_000);

  it('bad input: one clear user error (unknown environment, --tag without one system and one environment, credentials in the repository)', async () => {
    await expect(imagesMain(['status', '--env', 'staging'])).rejects.toThrow(
      'unknown environment "staging" (known: dev, prod, mini-corp)',
    );
    await expect(imagesMain(['resolve', '--tag', 'v2'])).rejects.toThrow(
      '--tag releases one system to one environment',
    );
    await expect(imagesMain(['frobnicate'])).rejects.toThrow(
      /unknown command 'frobnicate'.*npm run images -- --help/,
    );
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = join(__dirname, '../../..', '.docker');
    try {
      await expect(imagesMain(['verify'])).rejects.toThrow(
        'DOCKER_CONFIG points into the repository (.docker/config.json)',
      );
    } finally {
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }
  }, 600_000);

  it('images status lists every image as resolved or unresolved, offline', async () => {
    const out: string[] = [];
    expect(await imagesMain(['status'], { out: (s) => out.push(s) })).toBe(0);
    expect(out[out.length - 1]).toMatch(/^\d+ resolved, \d+ unresolved$/);
  });
});
