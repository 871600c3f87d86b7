/**
 * A real registry for the tests: Debian's `docker-registry` (the CNCF distribution registry) on
 * 127.0.0.1 on a free port, optionally protected by htpasswd (basic auth) or by token auth with a
 * token service run here (JWTs signed with a throw-away certificate the registry trusts), and
 * populated with `skopeo copy --all` from OCI layouts built by {@link buildOciLayout}.
 *
 * Binaries: `docker-registry`, `skopeo`, `openssl` (apt-get install docker-registry skopeo; .ci/run
 * installs them). {@link missingRegistryBinaries} lets a suite skip, with that reason, where they are
 * absent; CI has them.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';

export const REGISTRY_BINARIES = ['docker-registry', 'skopeo', 'openssl'] as const;

/** The binaries the registry tests need that are not on PATH (empty: all there). */
export function missingRegistryBinaries(): string[] {
  return REGISTRY_BINARIES.filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export interface TestRegistryOptions {
  /** `htpasswd`: basic auth; `token`: bearer tokens from a token service started here. @default none */
  readonly auth?: 'htpasswd' | 'token';
  /** Users allowed to pull and push. @default { tester: 'secret-pass' } */
  readonly users?: Readonly<Record<string, string>>;
  /** Token auth only: grant pull tokens without credentials, as Docker Hub does for public images. @default false */
  readonly anonymousPull?: boolean;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of image repositories. */
  readonly host: string;
  readonly users: Readonly<Record<string, string>>;
  /**
   * Push an OCI layout (tag `latest` inside it) to `<host>/<name>:<tag>`, all platforms, digests preserved.
   * Asynchronous: the token service runs in this process and must keep answering.
   */
  push(layoutDir: string, name: string, tag: string): Promise<void>;
  /** Stop the registry (and its token service); the port is closed afterwards. */
  stop(): Promise<void>;
}

function waitForRegistry(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  return new Promise((res, rej) => {
    const tick = async () => {
      if (child.exitCode !== null)
        return rej(new Error(`docker-registry exited (${child.exitCode}): ${log()}`));
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
        if (r.status === 200 || r.status === 401) return res();
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) return rej(new Error(`docker-registry did not answer on ${url}: ${log()}`));
      setTimeout(tick, 100);
    };
    void tick();
  });
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

/** The token service: checks basic credentials, grants the requested repository actions in a signed JWT. */
function startTokenService(
  dir: string,
  users: Readonly<Record<string, string>>,
  service: string,
  issuer: string,
  anonymousPull: boolean,
): Promise<{ server: Server; realm: string; certFile: string }> {
  const keyFile = join(dir, 'token-key.pem');
  const certFile = join(dir, 'token-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      `/CN=${issuer}`,
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(keyFile, 'utf8');
  const der = readFileSync(certFile, 'utf8')
    .replace(/-----[A-Z ]+-----/g, '')
    .replace(/\s+/g, '');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization ?? '';
    const [user, pass] = auth.startsWith('Basic ')
      ? Buffer.from(auth.slice(6), 'base64').toString().split(':')
      : [];
    const anonymous = !auth && anonymousPull;
    if (!anonymous && (!user || users[user] !== pass)) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ details: 'incorrect username or password' }));
    }
    const access = url.searchParams.getAll('scope').flatMap((s) => {
      const [type, name, actions] = s.split(':');
      const granted = (actions ?? '').split(',').filter((a) => !anonymous || a === 'pull');
      return type && name && granted.length ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [der] }));
    const claims = b64url(
      JSON.stringify({
        iss: issuer,
        sub: user,
        aud: service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString('hex'),
        access,
      }),
    );
    const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${header}.${claims}.${b64url(signature)}`, expires_in: 300 }));
  });
  return new Promise((res) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      res({ server, realm: `http://127.0.0.1:${port}/token`, certFile });
    }),
  );
}

/** Start a registry; call `stop()` when done (also removes its storage). */
export async function startTestRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'gitops-registry-'));
  const users = options.users ?? { tester: 'secret-pass' };
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let token: Awaited<ReturnType<typeof startTokenService>> | undefined;
  const config: string[] = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (options.auth === 'htpasswd') {
    const file = join(dir, 'htpasswd');
    writeFileSync(
      file,
      Object.entries(users)
        .map(([u, p]) => `${u}:${bcrypt.hashSync(p, 4)}`)
        .join('\n') + '\n',
    );
    config.push('auth:', '  htpasswd:', '    realm: gitops-test', `    path: ${file}`);
  } else if (options.auth === 'token') {
    token = await startTokenService(
      dir,
      users,
      'gitops-test-registry',
      'gitops-test-issuer',
      options.anonymousPull ?? false,
    );
    config.push(
      'auth:',
      '  token:',
      `    realm: ${token.realm}`,
      '    service: gitops-test-registry',
      '    issuer: gitops-test-issuer',
      `    rootcertbundle: ${token.certFile}`,
    );
  }
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'config.yml'), `${config.join('\n')}\n`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log = (log + d).slice(-4000)));
  child.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
  try {
    await waitForRegistry(`http://${host}/v2/`, child, () => log);
  } catch (err) {
    child.kill('SIGKILL');
    token?.server.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const [user, pass] = Object.entries(users)[0];
  let stopped = false;
  return {
    host,
    users,
    push(layoutDir, name, tag) {
      const args = [
        'copy',
        '--all',
        '--preserve-digests',
        '--insecure-policy',
        '--dest-tls-verify=false',
        '--quiet',
      ];
      if (options.auth) args.push('--dest-creds', `${user}:${pass}`);
      args.push(`oci:${layoutDir}:latest`, `docker://${host}/${name}:${tag}`);
      return new Promise((res, rej) => {
        const p = spawn('skopeo', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout!.on('data', (d) => (out += d));
        p.stderr!.on('data', (d) => (out += d));
        const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
        p.on('error', (e) => (clearTimeout(timer), rej(e)));
        p.on('close', (code) => {
          clearTimeout(timer);
          if (code === 0) res();
          else rej(new Error(`skopeo ${args.join(' ')} failed (${code}): ${out}\nregistry log: ${log}`));
        });
      });
    },
    stop() {
      return new Promise<void>((res) => {
        const done = () => {
          if (stopped) return res();
          stopped = true;
          token?.server.close();
          rmSync(dir, { recursive: true, force: true });
          res();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
    },
  };
}
