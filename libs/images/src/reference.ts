/**
 * Where an image repository lives: the registry host to talk to and the repository name in the
 * registry's API, with Docker's normalisation (`nginx` → `docker.io/library/nginx`, served by
 * `registry-1.docker.io`).
 */

/** An image repository split into registry and name, as the distribution API addresses it. */
export interface RegistryRepository {
  /** The repository exactly as the values name it, e.g. `116912495274.dkr.ecr.us-east-1.amazonaws.com/mini-xdr-backend`. */
  readonly repository: string;
  /** The registry as credentials are keyed: `docker.io`, `127.0.0.1:5000`, `<acct>.dkr.ecr.<region>.amazonaws.com`. */
  readonly registry: string;
  /** Host (and port) the API is served from: `registry-1.docker.io` for Docker Hub, else `registry`. */
  readonly apiHost: string;
  /** Repository name in the API path `/v2/<name>/manifests/<ref>`, e.g. `library/nginx`. */
  readonly name: string;
  /** `http` for loopback registries (Docker's default insecure range), `https` everywhere else. */
  readonly scheme: 'http' | 'https';
}

const DOCKER_HUB = 'docker.io';

function isRegistryHost(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/** True for `localhost`, `127.x.x.x` and `[::1]`, with or without a port. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[')
    ? registry.slice(0, registry.indexOf(']') + 1)
    : registry.split(':')[0];
  return host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '[::1]';
}

/** Split a repository (without tag or digest) into registry and API name. */
export function parseRepository(repository: string): RegistryRepository {
  const slash = repository.indexOf('/');
  const first = slash < 0 ? '' : repository.slice(0, slash);
  let registry: string;
  let name: string;
  if (slash >= 0 && isRegistryHost(first)) {
    registry = first;
    name = repository.slice(slash + 1);
  } else {
    registry = DOCKER_HUB;
    name = repository;
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !name.includes('/')) name = `library/${name}`;
  return {
    repository,
    registry,
    apiHost: registry === DOCKER_HUB ? 'registry-1.docker.io' : registry,
    name,
    scheme: isLoopbackRegistry(registry) ? 'http' : 'https',
  };
}

/** The AWS region of an ECR registry host, or undefined for any other registry. */
export function ecrRegion(registry: string): string | undefined {
  const m = /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(registry);
  return m?.[1];
}
