/**
 * Resolution against a real registry: Debian's docker-registry on 127.0.0.1, populated with OCI
 * layouts pushed by skopeo. Covers the refusals of the seeds (seed 002's arm64-only index on amd64
 * nodes; a config that contradicts its index entry), a missing tag, a moved tag, basic and token
 * authentication, and a registry that is down.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { credentialsFor, fetchEcrToken } from './credentials';
import { parseRepository } from './reference';
import { RegistryClient, RegistryError } from './registry-client';
import { ImageRefusal, resolveImage, type ImageTarget } from './resolve';
import { buildOciLayout, type BuiltImage } from './testing/oci-layout';
import { freePort, missingRegistryBinaries, startTestRegistry, type TestRegistry } from './testing/registry';

const missing = missingRegistryBinaries();
if (missing.length && process.env.CI) {
  throw new Error(
    `CI must run the registry tests: ${missing.join(', ')} not installed (.ci/run installs them)`,
  );
}
const suite = missing.length ? describe.skip : describe;
if (missing.length) {
  console.warn(
    `registry tests skipped: ${missing.join(', ')} not installed (apt-get install docker-registry skopeo openssl)`,
  );
}

const tmp = mkdtempSync(join(tmpdir(), 'gitops-images-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function image(spec: Parameters<typeof buildOciLayout>[1]): BuiltImage {
  return buildOciLayout(join(tmp, `layout-${++n}`), spec);
}

function target(
  registry: TestRegistry | string,
  name: string,
  tag: string,
  extra: Partial<ImageTarget> = {},
): ImageTarget {
  const host = typeof registry === 'string' ? registry : registry.host;
  return {
    system: 'mini-xdr',
    env: 'prod',
    path: 'backend.image',
    containers: ['Deployment mini-xdr-backend/backend'],
    repository: `${host}/${name}`,
    tag,
    nodeArch: 'amd64',
    ...extra,
  };
}

function client(t: ImageTarget, credentials?: { username: string; password: string }): RegistryClient {
  return new RegistryClient(
    parseRepository(t.repository),
    credentials && { ...credentials, source: 'test' },
    { timeoutMs: 5000 },
  );
}

async function refusal(p: Promise<unknown>): Promise<ImageRefusal> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ImageRefusal);
  return err as ImageRefusal;
}

suite('resolution against a real distribution registry (anonymous)', () => {
  let reg: TestRegistry;
  let multi: BuiltImage;
  let single: BuiltImage;
  beforeAll(async () => {
    reg = await startTestRegistry();
    multi = image({ platforms: [{ architecture: 'amd64' }, { architecture: 'arm64' }], content: 'multi' });
    single = image({ platforms: [{ architecture: 'amd64' }], content: 'single' });
    await reg.push(multi.dir, 'mini-xdr-backend', 'v1.1.8');
    await reg.push(single.dir, 'mini-xdr-frontend', 'v1.1.8');
  });
  afterAll(() => reg?.stop());

  it('a multi-platform index: the digest of the index, every platform it offers, the size the amd64 nodes pull', async () => {
    const t = target(reg, 'mini-xdr-backend', 'v1.1.8');
    const r = await resolveImage(t, client(t));
    expect(r.digest).toBe(multi.digest);
    expect(r.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(r.size).toBeGreaterThan(100);
  });

  it('a single-platform manifest: its digest and the platform its config names', async () => {
    const t = target(reg, 'mini-xdr-frontend', 'v1.1.8');
    const r = await resolveImage(t, client(t));
    expect(r.digest).toBe(single.digest);
    expect(r.platforms).toEqual(['linux/amd64']);
  });

  it('seed 002: an index that lists only arm64 is refused for amd64 nodes, naming the platforms it offers', async () => {
    const arm = image({ platforms: [{ architecture: 'arm64' }], index: true, content: 'onboarding' });
    await reg.push(arm.dir, 'mini-xdr-backend', 'onboarding-v1.0');
    const t = target(reg, 'mini-xdr-backend', 'onboarding-v1.0');
    const e = await refusal(resolveImage(t, client(t)));
    expect(e.message).toContain('mini-xdr (prod)');
    expect(e.message).toContain('Deployment mini-xdr-backend/backend');
    expect(e.message).toContain(`${reg.host}/mini-xdr-backend:onboarding-v1.0`);
    expect(e.message).toContain(`the index ${arm.digest} offers linux/arm64 but not linux/amd64`);
    expect(e.message).toContain('no match for platform in manifest');
    // The same image is fine where the nodes are arm64.
    const r = await resolveImage({ ...t, nodeArch: 'arm64' }, client(t));
    expect(r.platforms).toEqual(['linux/arm64']);
  });

  it('an index entry that says amd64 for a manifest whose config says arm64 is refused', async () => {
    const liar = image({
      platforms: [{ architecture: 'amd64', configArchitecture: 'arm64' }],
      index: true,
      content: 'liar',
    });
    await reg.push(liar.dir, 'mini-xdr-backend', 'v1.1.9-liar');
    const t = target(reg, 'mini-xdr-backend', 'v1.1.9-liar');
    const e = await refusal(resolveImage(t, client(t)));
    expect(e.message).toMatch(
      /lists sha256:[a-f0-9]{64} as linux\/amd64, but the image config of .* says linux\/arm64/,
    );
  });

  it('a single manifest built for arm64 is refused for amd64 nodes', async () => {
    const armSingle = image({ platforms: [{ architecture: 'arm64' }], content: 'arm-single' });
    await reg.push(armSingle.dir, 'mini-xdr-frontend', 'arm-only');
    const t = target(reg, 'mini-xdr-frontend', 'arm-only', { path: 'frontend.image' });
    const e = await refusal(resolveImage(t, client(t)));
    expect(e.message).toContain('says linux/arm64, not linux/amd64');
  });

  it('a tag that does not exist is refused with what the registry returned', async () => {
    const t = target(reg, 'mini-xdr-backend', 'v9.9.9');
    const e = await refusal(resolveImage(t, client(t)));
    expect(e.message).toContain('tag "v9.9.9" does not exist');
    expect(e.message).toContain('HTTP 404 MANIFEST_UNKNOWN');
  });

  it('a repository that does not exist is refused as such', async () => {
    const t = target(reg, 'no-such-repo', 'v1.0.0');
    const e = await refusal(resolveImage(t, client(t)));
    expect(e.message).toMatch(/repository no-such-repo does not exist|tag "v1.0.0" does not exist/);
    expect(e.message).toMatch(/HTTP 404 (NAME|MANIFEST)_UNKNOWN/);
  });

  it('a moved tag (another digest under the recorded tag) is refused, naming both digests', async () => {
    const first = image({
      platforms: [{ architecture: 'amd64' }, { architecture: 'arm64' }],
      content: 'first',
    });
    await reg.push(first.dir, 'ode-api', 'v1.0.0');
    const t = target(reg, 'ode-api', 'v1.0.0', { system: 'ode', path: 'api.image' });
    const r = await resolveImage(t, client(t));
    expect(r.digest).toBe(first.digest);
    const second = image({
      platforms: [{ architecture: 'amd64' }, { architecture: 'arm64' }],
      content: 'second',
    });
    await reg.push(second.dir, 'ode-api', 'v1.0.0');
    const e = await refusal(resolveImage({ ...t, recordedDigest: first.digest }, client(t)));
    expect(e.message).toContain(`recorded as ${first.digest}, the registry now returns ${second.digest}`);
    // Unchanged under its recorded digest: accepted.
    expect((await resolveImage({ ...t, recordedDigest: second.digest }, client(t))).digest).toBe(
      second.digest,
    );
  });
});

suite('authentication', () => {
  for (const auth of ['htpasswd', 'token'] as const) {
    describe(auth, () => {
      let reg: TestRegistry;
      let img: BuiltImage;
      beforeAll(async () => {
        reg = await startTestRegistry({ auth, users: { ci: 'pull-secret-1' } });
        img = image({
          platforms: [{ architecture: 'amd64' }, { architecture: 'arm64' }],
          content: `auth-${auth}`,
        });
        await reg.push(img.dir, 'team/app', 'v2.0.0');
      });
      afterAll(() => reg?.stop());

      it('credentials from the Docker config (auths) are used, and only for that registry', async () => {
        const dockerDir = mkdtempSync(join(tmp, 'docker-'));
        writeFileSync(
          join(dockerDir, 'config.json'),
          JSON.stringify({
            auths: {
              [reg.host]: { auth: Buffer.from('ci:pull-secret-1').toString('base64') },
              'other.example.com': { auth: Buffer.from('x:y').toString('base64') },
            },
          }),
        );
        const creds = await credentialsFor(reg.host, { env: { DOCKER_CONFIG: dockerDir } });
        expect(creds).toMatchObject({ username: 'ci', password: 'pull-secret-1' });
        expect(creds!.source).toContain('config.json auths');
        const t = target(reg, 'team/app', 'v2.0.0');
        const r = await resolveImage(
          t,
          new RegistryClient(parseRepository(t.repository), creds, { timeoutMs: 5000 }),
        );
        expect(r.digest).toBe(img.digest);
      });

      it('without credentials: a clear error, no secret in it', async () => {
        const t = target(reg, 'team/app', 'v2.0.0');
        const err = await resolveImage(t, client(t)).catch((e) => e);
        expect(err).toBeInstanceOf(RegistryError);
        expect(err.failure).toBe('unauthorized');
        expect(err.message).toContain('requires credentials');
        expect(err.message).toContain(reg.host);
      });

      it('wrong credentials: refused, naming where they came from but not the password', async () => {
        const t = target(reg, 'team/app', 'v2.0.0');
        const err = await resolveImage(t, client(t, { username: 'ci', password: 'wrong-password-7' })).catch(
          (e) => e,
        );
        expect(err).toBeInstanceOf(RegistryError);
        expect(err.message).toContain('refused the credentials from test');
        expect(err.message).not.toContain('wrong-password-7');
      });
    });
  }
});

suite('anonymous bearer tokens (public images, as on Docker Hub)', () => {
  let reg: TestRegistry;
  let img: BuiltImage;
  beforeAll(async () => {
    reg = await startTestRegistry({ auth: 'token', users: { pusher: 'push-secret' }, anonymousPull: true });
    img = image({ platforms: [{ architecture: 'amd64' }, { architecture: 'arm64' }], content: 'public' });
    await reg.push(img.dir, 'library/nginx', '1.27.3');
  });
  afterAll(() => reg?.stop());

  it('answers the Bearer challenge without credentials and resolves', async () => {
    const t = target(reg, 'library/nginx', '1.27.3');
    const r = await resolveImage(t, client(t));
    expect(r.digest).toBe(img.digest);
    expect(r.platforms).toEqual(['linux/amd64', 'linux/arm64']);
  });
});

suite(
  'ECR: a token from GetAuthorizationToken, signed with the AWS_* credentials (the real SDK, a local endpoint)',
  () => {
    it('asks ECR with a SigV4-signed request and logs in as AWS with the token', async () => {
      const reg = await startTestRegistry({ auth: 'htpasswd', users: { AWS: 'ecr-token-password-9' } });
      const img = image({ platforms: [{ architecture: 'amd64' }], content: 'ecr' });
      await reg.push(img.dir, 'mini-xdr-backend', 'v1.1.8');
      const requests: { target?: string; authorization?: string }[] = [];
      const ecr = createServer((req, res) => {
        requests.push({
          target: String(req.headers['x-amz-target']),
          authorization: String(req.headers.authorization),
        });
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(
            JSON.stringify({
              authorizationData: [
                {
                  authorizationToken: Buffer.from('AWS:ecr-token-password-9').toString('base64'),
                  expiresAt: Date.now() / 1000 + 3600,
                  proxyEndpoint: `http://${reg.host}`,
                },
              ],
            }),
          );
        });
      });
      await new Promise<void>((r) => ecr.listen(0, '127.0.0.1', () => r()));
      const saved = { ...process.env };
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: 'AKIATESTTESTTESTTEST',
        AWS_SECRET_ACCESS_KEY: 'test-secret-key',
        AWS_ENDPOINT_URL_ECR: `http://127.0.0.1:${(ecr.address() as { port: number }).port}`,
        AWS_EC2_METADATA_DISABLED: 'true',
      });
      try {
        const creds = await fetchEcrToken(
          '116912495274.dkr.ecr.us-east-1.amazonaws.com',
          'us-east-1',
          process.env,
        );
        expect(creds).toMatchObject({ username: 'AWS', password: 'ecr-token-password-9' });
        expect(creds!.source).toContain('AWS_*');
        expect(requests).toHaveLength(1);
        expect(requests[0].target).toBe('AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken');
        expect(requests[0].authorization).toMatch(
          /^AWS4-HMAC-SHA256 Credential=AKIATESTTESTTESTTEST\/\d{8}\/us-east-1\/ecr\/aws4_request/,
        );
        const t = target(reg, 'mini-xdr-backend', 'v1.1.8');
        const r = await resolveImage(
          t,
          new RegistryClient(parseRepository(t.repository), creds, { timeoutMs: 5000 }),
        );
        expect(r.digest).toBe(img.digest);
      } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
        ecr.close();
        await reg.stop();
      }
    });
  },
);

suite('a registry that is down', () => {
  it('fails with a clear error naming the registry and the connection error', async () => {
    const port = await freePort();
    const t = target(`127.0.0.1:${port}`, 'mini-xdr-backend', 'v1.1.8');
    const err = await resolveImage(t, client(t)).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.failure).toBe('unreachable');
    expect(err.message).toBe(
      `registry 127.0.0.1:${port} is not reachable at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
  });
});
