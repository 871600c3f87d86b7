/**
 * Registry credentials from the places Docker, skopeo and the AWS tooling keep them — never from the
 * repository: the Docker config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`) with its
 * `auths`, `credHelpers` and `credsStore` (a `docker-credential-<helper> get` program, e.g.
 * `ecr-login`), and for ECR an authorization token obtained with the `AWS_*` credentials of the
 * environment. Secrets are returned to the caller only; no message ever contains them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** User name and password (or token) for one registry, and where they came from (for messages). */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
  /** e.g. `~/.docker/config.json auths`, `docker-credential-ecr-login`; never the secret. */
  readonly source: string;
}

/** A problem with the credential sources themselves (unreadable config, failing helper). */
export class CredentialsError extends Error {
  override readonly name = 'ConfigError';
}

/** Where credentials are looked up. Tests point it at a temporary Docker config. */
export interface CredentialOptions {
  /** Environment to read `DOCKER_CONFIG`, `HOME` and `AWS_*` from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Obtain an ECR token for an ECR registry when no Docker config entry exists. @default fetchEcrToken */
  readonly ecrToken?: (
    registry: string,
    region: string,
    env: NodeJS.ProcessEnv,
  ) => Promise<RegistryCredentials | undefined>;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The Docker config file in effect. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  return join(dir, 'config.json');
}

/** `https://index.docker.io/v1/` → `docker.io`; `https://host:5000/` → `host:5000`. */
export function normalizeRegistryKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

function readDockerConfig(path: string): DockerConfig | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DockerConfig;
  } catch (err) {
    throw new CredentialsError(`${path}: not a readable Docker config (${(err as Error).message})`);
  }
}

function fromHelper(
  helper: string,
  registry: string,
  env: NodeJS.ProcessEnv,
): RegistryCredentials | undefined {
  const program = `docker-credential-${helper}`;
  let out: string;
  try {
    out = execFileSync(program, ['get'], {
      input: registry,
      env,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 30_000,
    });
  } catch (err: any) {
    if (err?.code === 'ENOENT') {
      throw new CredentialsError(
        `the Docker config names the credential helper "${helper}" for ${registry}, but ${program} is not installed`,
      );
    }
    const said = String(err?.stdout ?? err?.stderr ?? '').trim();
    if (/credentials not found/i.test(said)) return undefined;
    throw new CredentialsError(
      `${program} get failed for ${registry}: ${said.split('\n')[0] || err?.message}`,
    );
  }
  try {
    const r = JSON.parse(out) as { Username?: string; Secret?: string };
    if (!r.Secret) return undefined;
    return { username: r.Username ?? '', password: r.Secret, source: program };
  } catch {
    throw new CredentialsError(`${program} get printed something that is not JSON for ${registry}`);
  }
}

/** Credentials for `registry` (as {@link parseRepository} names it), or undefined for anonymous access. */
export async function credentialsFor(
  registry: string,
  options: CredentialOptions = {},
): Promise<RegistryCredentials | undefined> {
  const env = options.env ?? process.env;
  const path = dockerConfigPath(env);
  const config = readDockerConfig(path);
  if (config) {
    const helper = Object.entries(config.credHelpers ?? {}).find(
      ([k]) => normalizeRegistryKey(k) === registry,
    )?.[1];
    if (helper) {
      const c = fromHelper(helper, registry, env);
      if (c) return c;
    }
    const entry = Object.entries(config.auths ?? {}).find(([k]) => normalizeRegistryKey(k) === registry)?.[1];
    if (entry) {
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon < 0)
          throw new CredentialsError(`${path}: auths["${registry}"].auth is not base64 of user:password`);
        return {
          username: decoded.slice(0, colon),
          password: decoded.slice(colon + 1),
          source: `${path} auths`,
        };
      }
      if (entry.username && entry.password) {
        return { username: entry.username, password: entry.password, source: `${path} auths` };
      }
      if (entry.identitytoken)
        return { username: '<token>', password: entry.identitytoken, source: `${path} auths` };
    }
    if (config.credsStore && !helper) {
      const c = fromHelper(config.credsStore, registry, env);
      if (c) return c;
    }
  }
  const { ecrRegion } = await import('./reference');
  const region = ecrRegion(registry);
  if (region) return (options.ecrToken ?? fetchEcrToken)(registry, region, env);
  return undefined;
}

/**
 * An ECR authorization token (user `AWS`) from `GetAuthorizationToken`, signed with the `AWS_*`
 * credentials of the environment (access key, session token, profile, web identity). Undefined when no
 * AWS credentials are configured; the SDK is loaded only when an ECR registry is resolved.
 */
export async function fetchEcrToken(
  registry: string,
  region: string,
  env: NodeJS.ProcessEnv,
): Promise<RegistryCredentials | undefined> {
  const hasAws =
    env.AWS_ACCESS_KEY_ID ||
    env.AWS_PROFILE ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  if (!hasAws) return undefined;
  let sdk: typeof import('@aws-sdk/client-ecr');
  try {
    sdk = await import('@aws-sdk/client-ecr');
  } catch {
    throw new CredentialsError(
      'AWS credentials are set but @aws-sdk/client-ecr is not installed (run npm ci)',
    );
  }
  const client = new sdk.ECRClient({ region });
  try {
    const out = await client.send(new sdk.GetAuthorizationTokenCommand({}));
    const token = out.authorizationData?.[0]?.authorizationToken;
    if (!token) return undefined;
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return {
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      source: 'ECR GetAuthorizationToken (AWS_* credentials)',
    };
  } catch (err) {
    throw new CredentialsError(
      `could not get an ECR token for ${registry} with the AWS credentials of the environment: ${(err as Error).name}: ${(err as Error).message}`,
    );
  } finally {
    client.destroy();
  }
}
