/**
 * The image lock in the render, on the real mini-xdr system: tags per environment and digests where
 * the environment pins them flow through the plain value `<component>.image.digest`; the inferred
 * chart renders exactly the synthesis with the real helm (both versions) and kustomize, whether every
 * environment, some, or none are pinned.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TOOLCHAINS, type ToolchainId } from '@gitops/toolchain';
import { serializeLock, type ImageLock } from '@gitops/images';
import {
  checkParity,
  loadSystems,
  parityTargets,
  renderSystem,
  stageFiles,
  withImageLock,
  type SystemDefinition,
  type SystemRender,
} from './index';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
let mx: SystemDefinition<any>;
const tmp = mkdtempSync(join(tmpdir(), 'image-lock-render-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  [{ definition: mx }] = await loadSystems(['mini-xdr'], undefined, { images: 'sources' });
});

/** The lock of mini-xdr for the sources, with `resolved` environments given digests (others unresolved). */
function lockFor(resolved: readonly string[], devTag = 'v1.1.8'): ImageLock {
  const env = (name: string, registry: string, tag: string) => ({
    'backend.image': {
      repository: `${registry}/mini-xdr-backend`,
      tag,
      ...(resolved.includes(name)
        ? {
            digest: digest(name === 'dev' ? 'd' : name === 'prod' ? 'a' : 'c'),
            platforms: ['linux/amd64'],
            size: 1,
          }
        : { unresolved: 'not resolved yet' }),
    },
    'frontend.image': {
      repository: `${registry}/mini-xdr-frontend`,
      tag,
      ...(resolved.includes(name)
        ? {
            digest: digest(name === 'dev' ? 'e' : name === 'prod' ? 'b' : 'f'),
            platforms: ['linux/amd64', 'linux/arm64'],
            size: 2,
          }
        : { unresolved: 'not resolved yet' }),
    },
  });
  const ecr = '116912495274.dkr.ecr.us-east-1.amazonaws.com';
  return {
    system: 'mini-xdr',
    environments: {
      dev: env('dev', ecr, devTag),
      prod: env('prod', ecr, 'v1.1.8'),
      'mini-corp': env('mini-corp', 'registry.mini-corp.internal/mini-xdr', 'v1.1.8'),
    },
  };
}

function renderWith(lock: ImageLock, name: string): { r: SystemRender; dir: string } {
  const ws = join(tmp, name);
  mkdirSync(join(ws, 'apps/mini-xdr'), { recursive: true });
  writeFileSync(join(ws, 'apps/mini-xdr/images.lock.yaml'), serializeLock(lock));
  const r = renderSystem(withImageLock(mx, 'apps/mini-xdr', ws));
  const files = new Map<string, string>();
  for (const [p, c] of Object.entries(r.chart)) files.set(`charts/mini-xdr/${p}`, c);
  for (const [p, c] of Object.entries(r.overlays)) files.set(`overlays/mini-xdr/${p}`, c);
  const dir = join(ws, 'out');
  stageFiles(dir, files);
  return { r, dir };
}

function images(r: SystemRender, env: string): string[] {
  const s = r.samples.find((x) => x.label === env)!;
  return s.objects.flatMap((o: any) =>
    (o.spec?.template?.spec?.containers ?? []).map((c: { image: string }) => c.image),
  );
}

describe('image lock applied by the render (mini-xdr)', () => {
  it.each([
    ['prod and mini-corp pinned, dev follows tags (a newer dev tag)', ['dev', 'prod', 'mini-corp'], 'v1.1.9'],
    ['only prod resolved', ['prod'], 'v1.1.8'],
    ['nothing resolved', [], 'v1.1.8'],
  ])(
    '%s: helm (both versions) and kustomize render exactly the synthesis',
    async (name, resolved, devTag) => {
      const { r, dir } = renderWith(lockFor(resolved, devTag), name.replace(/\W+/g, '-'));
      for (const tc of Object.keys(TOOLCHAINS) as ToolchainId[]) {
        for (const t of parityTargets(r)) {
          for (const res of await checkParity(dir, t, tc)) {
            expect(res.problems, `${res.form} ${t.environment} (${tc})`).toEqual([]);
          }
        }
      }
      for (const env of ['prod', 'mini-corp']) {
        for (const img of images(r, env)) {
          if (resolved.includes(env)) expect(img).toMatch(/:v1\.1\.8@sha256:[a-f0-9]{64}$/);
          else expect(img).not.toContain('@');
        }
      }
      for (const img of images(r, 'dev'))
        expect(img).toMatch(new RegExp(`:${devTag.replace(/\./g, '\\.')}$`));
    },
  );

  it('the digest is a plain value of the environment that pins it; the template adds @digest only when it is set', () => {
    const { r } = renderWith(lockFor(['dev', 'prod', 'mini-corp'], 'v1.1.9'), 'values');
    expect(parse(r.chart['values-prod.yaml']).backend.image).toEqual({ digest: digest('a') });
    expect(parse(r.chart['values-mini-corp.yaml']).frontend.image).toMatchObject({ digest: digest('f') });
    expect(parse(r.chart['values-dev.yaml']).backend.image).toEqual({ tag: 'v1.1.9' });
    expect(parse(r.chart['values.yaml']).backend.image.digest).toBeUndefined();
    expect(r.chart['templates/mini-xdr-backend-deployment.yaml']).toContain(
      'image: {{ printf "%s%s" (printf "%s:%s" .Values.backend.image.repository .Values.backend.image.tag) (ternary (printf "@%s" (toString .Values.backend.image.digest)) "" (not (empty .Values.backend.image.digest))) | toJson }}',
    );
  });

  it('a lock that disagrees with the sources fails, naming both files', () => {
    const lock = lockFor([]);
    const bad: ImageLock = {
      ...lock,
      environments: {
        ...lock.environments,
        prod: { 'backend.image': lock.environments.prod!['backend.image'] },
      },
    };
    expect(() => renderWith(bad, 'bad')).toThrow(
      /apps\/mini-xdr\/images\.lock\.yaml and the sources disagree:\n {2}- apps\/mini-xdr\/images\.lock\.yaml: prod: no entry for frontend\.image/,
    );
  });
});
