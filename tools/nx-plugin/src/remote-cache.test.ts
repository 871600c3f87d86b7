/**
 * Nx's self-hosted remote cache with this workspace's targets (docs/ci-sharding.md): a server implementing Nx's
 * remote cache OpenAPI specification (PUT/GET /v1/cache/{hash}, tar bodies, bearer tokens; 403 for a token that
 * may not write, 409 for an existing entry) on 127.0.0.1, and the real Nx client talking to it through
 * NX_SELF_HOSTED_REMOTE_CACHE_SERVER. A runner with the write token stores a render; another runner (a fresh copy,
 * empty local cache) restores it from the server byte for byte; a read-only token never writes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, REAL_WORKSPACE, type Sandbox } from './sandbox';

const WRITE = 'write-token-0123456789';
const READ = 'read-token-9876543210';

/** The specification's server, in memory. */
function cacheServer() {
  const entries = new Map<string, Buffer>();
  const log: string[] = [];
  const server = createServer((req, res) => {
    const m = /^\/v1\/cache\/([^/?]+)$/.exec(req.url ?? '');
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    log.push(
      `${req.method} ${m?.[1] ?? req.url} ${token === WRITE ? 'write' : token === READ ? 'read' : 'none'}`,
    );
    if (!m) return res.writeHead(404).end();
    if (token !== WRITE && token !== READ) return res.writeHead(401).end();
    const hash = m[1];
    if (req.method === 'GET') {
      const body = entries.get(hash);
      if (!body) return res.writeHead(404).end();
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    }
    if (req.method === 'PUT') {
      if (token !== WRITE) return res.writeHead(403).end();
      if (entries.has(hash)) return res.writeHead(409).end();
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        entries.set(hash, Buffer.concat(chunks));
        res.writeHead(200).end();
      });
      return;
    }
    res.writeHead(405).end();
  });
  return { server, entries, log };
}

const filesUnder = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
};

describe('Nx self-hosted remote cache', () => {
  const { server, entries, log } = cacheServer();
  let url = '';
  const boxes: Sandbox[] = [];
  beforeAll(async () => {
    await new Promise<void>((r) => (server as Server).listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    boxes.forEach((b) => b.cleanup());
    await new Promise((r) => server.close(r));
  });

  it(
    'main stores a render; another runner restores it from the server; a read-only token never writes',
    { timeout: 600_000 },
    async () => {
      const env = (token: string) => ({
        GITOPS_TS_CACHE_DIR: join(REAL_WORKSPACE, 'dist', 'ts-cache'),
        NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url,
        NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
      });
      const main = createSandbox({ prefix: 'gitops-remote-main-' });
      const pr = createSandbox({ prefix: 'gitops-remote-pr-' });
      boxes.push(main, pr);
      const args = ['run', 'mini-xdr:render', '--outputStyle=static'];

      // A pull request runs first with the read-only token: a miss, it renders, its upload is refused.
      const first = await pr.nx(args, env(READ));
      expect(first.code, first.stderr + first.stdout).toBe(0);
      expect(entries.size).toBe(0);
      expect(log.some((l) => l.startsWith('PUT ') && l.endsWith(' read'))).toBe(true);

      // main (write token) renders and stores.
      const stored = await main.nx(args, env(WRITE));
      expect(stored.code, stored.stderr + stored.stdout).toBe(0);
      expect(entries.size).toBe(1);
      const rendered = filesUnder(join(main.ws, 'charts', 'mini-xdr'));
      expect(Object.keys(rendered)).toContain('Chart.yaml');

      // A fresh runner (empty local cache): restored from the server, nothing rendered, the same bytes.
      const fresh = createSandbox({ prefix: 'gitops-remote-fresh-' });
      boxes.push(fresh);
      const hit = await fresh.nx(args, env(READ));
      expect(hit.code, hit.stderr + hit.stdout).toBe(0);
      expect(hit.stdout).toMatch(/remote cache/);
      expect(filesUnder(join(fresh.ws, 'charts', 'mini-xdr'))).toEqual(rendered);
      expect(filesUnder(join(fresh.ws, 'overlays', 'mini-xdr'))).toEqual(
        filesUnder(join(main.ws, 'overlays', 'mini-xdr')),
      );
      expect(entries.size).toBe(1);
    },
  );
});
