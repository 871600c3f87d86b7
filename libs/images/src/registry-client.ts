/**
 * The thin part of the OCI distribution API this platform needs: fetch a manifest or index by tag or
 * digest and a config blob, with the registry's authentication challenge answered the way Docker
 * does it (`WWW-Authenticate: Basic` → basic credentials; `Bearer realm=…,service=…,scope=…` → a
 * token from the realm, with the credentials if any). Digests are computed over the exact bytes
 * served and checked against `Docker-Content-Digest`.
 *
 * No maintained npm client fits: the ones published either always use HTTPS, or compute the
 * digest of a re-serialised JSON body (wrong for any registry that does not serve compact JSON).
 */
import { createHash } from 'node:crypto';
import { parse as parseAuthHeader } from 'auth-header';
import type { RegistryCredentials } from './credentials';
import type { RegistryRepository } from './reference';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

export function isIndexMediaType(t: string): boolean {
  return t === MEDIA_TYPES.ociIndex || t === MEDIA_TYPES.dockerList;
}

/** Why a registry request failed: nothing could be learnt about the image (unlike a refusal). */
export type RegistryFailure = 'unreachable' | 'unauthorized' | 'server' | 'protocol';

/** The registry could not be asked (down, refused credentials, broken answer). A user-facing error. */
export class RegistryError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly failure: RegistryFailure,
  ) {
    super(message);
  }
}

/** A manifest or index as served, with its digest. */
export interface FetchedManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly json: any;
}

/** What the registry said when it does not have the manifest (404): its error code and message. */
export interface NotFound {
  readonly notFound: true;
  readonly status: number;
  /** e.g. `MANIFEST_UNKNOWN`, `NAME_UNKNOWN`. */
  readonly code: string;
  readonly message: string;
}

export interface RegistryClientOptions {
  /** Per-request time limit. @default 30000 */
  readonly timeoutMs?: number;
  /** The fetch implementation. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code)
    return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? `: ${cause.message}` : ''}`;
  if ((err as Error)?.name === 'TimeoutError') return 'timed out';
  return (err as Error)?.message ?? String(err);
}

/** One repository of one registry; caches the bearer token it was given. */
export class RegistryClient {
  private authorization?: string;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly doFetch: typeof fetch;

  constructor(
    readonly repo: RegistryRepository,
    private readonly credentials?: RegistryCredentials,
    options: RegistryClientOptions = {},
  ) {
    this.base = `${repo.scheme}://${repo.apiHost}/v2/${repo.name}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.doFetch = options.fetch ?? globalThis.fetch;
  }

  private where(): string {
    return `registry ${this.repo.registry}`;
  }

  private async send(url: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await this.doFetch(url, {
        headers,
        redirect: 'follow',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const origin = new URL(url).origin;
      const at = origin === `https://${this.repo.registry}` ? '' : ` at ${origin}`;
      throw new RegistryError(`${this.where()} is not reachable${at} (${describeCause(err)})`, 'unreachable');
    }
  }

  /** GET with authentication: answer one 401 challenge, then keep the authorization for later calls. */
  private async get(path: string, accept: string): Promise<Response> {
    const url = `${this.base}${path}`;
    const headers: Record<string, string> = { Accept: accept };
    if (this.authorization) headers.Authorization = this.authorization;
    let res = await this.send(url, headers);
    if (res.status !== 401) return res;
    await res.arrayBuffer().catch(() => undefined);
    this.authorization = await this.answerChallenge(res.headers.get('www-authenticate'));
    res = await this.send(url, { ...headers, Authorization: this.authorization });
    if (res.status === 401 || res.status === 403) {
      await res.arrayBuffer().catch(() => undefined);
      throw new RegistryError(
        this.credentials
          ? `${this.where()} refused the credentials from ${this.credentials.source} for ${this.repo.name} (HTTP ${res.status})`
          : `${this.where()} requires credentials for ${this.repo.name} (HTTP ${res.status}) and none were found ` +
              '(Docker config auths/credHelpers, or AWS_* for ECR)',
        'unauthorized',
      );
    }
    return res;
  }

  private basic(): string | undefined {
    if (!this.credentials) return undefined;
    return `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
  }

  private async answerChallenge(header: string | null): Promise<string> {
    if (!header)
      throw new RegistryError(
        `${this.where()} answered 401 without a WWW-Authenticate challenge`,
        'protocol',
      );
    let challenge: { scheme: string; params: Record<string, string | string[]> };
    try {
      challenge = parseAuthHeader(header) as typeof challenge;
    } catch {
      throw new RegistryError(`${this.where()} sent an unreadable WWW-Authenticate challenge`, 'protocol');
    }
    const scheme = challenge.scheme.toLowerCase();
    if (scheme === 'basic') {
      const basic = this.basic();
      if (!basic) {
        throw new RegistryError(
          `${this.where()} requires credentials (basic auth) for ${this.repo.name} and none were found ` +
            '(Docker config auths/credHelpers, or AWS_* for ECR)',
          'unauthorized',
        );
      }
      return basic;
    }
    if (scheme !== 'bearer') {
      throw new RegistryError(
        `${this.where()} asks for ${challenge.scheme} authentication, which is not supported`,
        'protocol',
      );
    }
    const param = (k: string) => {
      const v = challenge.params[k];
      return Array.isArray(v) ? v[0] : v;
    };
    const realm = param('realm');
    if (!realm) throw new RegistryError(`${this.where()}: the Bearer challenge names no realm`, 'protocol');
    const tokenUrl = new URL(realm);
    const service = param('service');
    if (service) tokenUrl.searchParams.set('service', service);
    tokenUrl.searchParams.set('scope', param('scope') ?? `repository:${this.repo.name}:pull`);
    const headers: Record<string, string> = { Accept: 'application/json' };
    const basic = this.basic();
    if (basic) headers.Authorization = basic;
    const res = await this.send(tokenUrl.toString(), headers);
    if (res.status === 401 || res.status === 403) {
      throw new RegistryError(
        this.credentials
          ? `the token service ${tokenUrl.origin} of ${this.where()} refused the credentials from ${this.credentials.source} (HTTP ${res.status})`
          : `the token service ${tokenUrl.origin} of ${this.where()} requires credentials (HTTP ${res.status}) and none were found`,
        'unauthorized',
      );
    }
    if (!res.ok) {
      throw new RegistryError(
        `the token service ${tokenUrl.origin} of ${this.where()} answered HTTP ${res.status}`,
        'server',
      );
    }
    let body: { token?: string; access_token?: string };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new RegistryError(
        `the token service ${tokenUrl.origin} of ${this.where()} did not answer JSON`,
        'protocol',
      );
    }
    const token = body.token ?? body.access_token;
    if (!token)
      throw new RegistryError(
        `the token service ${tokenUrl.origin} of ${this.where()} returned no token`,
        'protocol',
      );
    return `Bearer ${token}`;
  }

  private async failure(res: Response, what: string): Promise<RegistryError> {
    const text = await res.text().catch(() => '');
    return new RegistryError(
      `${this.where()} answered HTTP ${res.status} for ${what}${text ? `: ${text.trim().slice(0, 200)}` : ''}`,
      res.status >= 500 || res.status === 429 ? 'server' : 'protocol',
    );
  }

  /** The manifest or index a tag or digest names, or what the registry said when it has none. */
  async manifest(reference: string): Promise<FetchedManifest | NotFound> {
    const res = await this.get(`/manifests/${reference}`, ACCEPT);
    if (res.status === 404) {
      const text = await res.text().catch(() => '');
      let code = 'NOT_FOUND';
      let message = text.trim().slice(0, 200);
      try {
        const e = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
        if (e?.code) code = e.code;
        if (e?.message) message = e.message;
      } catch {
        /* not a distribution error body */
      }
      return { notFound: true, status: 404, code, message };
    }
    if (!res.ok) throw await this.failure(res, `manifest ${reference} of ${this.repo.name}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = sha256Digest(bytes);
    const served = res.headers.get('docker-content-digest');
    if (served && served !== digest) {
      throw new RegistryError(
        `${this.where()} served ${this.repo.name}:${reference} with Docker-Content-Digest ${served}, but its bytes hash to ${digest}`,
        'protocol',
      );
    }
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw new RegistryError(
        `${this.where()} served other bytes than ${reference} for ${this.repo.name}`,
        'protocol',
      );
    }
    let json: any;
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw new RegistryError(
        `${this.where()} served a manifest for ${this.repo.name}:${reference} that is not JSON`,
        'protocol',
      );
    }
    const mediaType = json.mediaType ?? (res.headers.get('content-type') ?? '').split(';')[0].trim();
    return { digest, mediaType, size: bytes.length, json };
  }

  /** A JSON blob (an image config) by digest, checked against it. */
  async blobJson(digest: string): Promise<any> {
    const res = await this.get(`/blobs/${digest}`, '*/*');
    if (!res.ok) throw await this.failure(res, `blob ${digest} of ${this.repo.name}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (sha256Digest(bytes) !== digest) {
      throw new RegistryError(
        `${this.where()} served other bytes than ${digest} for ${this.repo.name}`,
        'protocol',
      );
    }
    try {
      return JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw new RegistryError(`the config blob ${digest} of ${this.repo.name} is not JSON`, 'protocol');
    }
  }
}
