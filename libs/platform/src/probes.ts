/**
 * Health checks of any kind — HTTP (with headers and scheme), gRPC (the standard health service), TCP
 * and exec — with full tuning, rendered to typed `k8s.Probe`s. Liveness waits for a startup probe sized
 * from the worst-case start-up (seed 000: 90 s of model loading must never be killed by liveness).
 */
import { k8s } from 'cdk8s-plus-28';
import { assertInt, ConfigError, intOrString } from './core';

/** Timing of a probe; each field falls back to the platform default of the probe it tunes. */
export interface ProbeTuning {
  /**
   * Seconds after container start before the first check. With a startup probe this is rarely
   * needed; set it where an incident fixed a figure (seed 000: readiness 90 s, liveness 120 s).
   * @default 0 (omitted)
   */
  readonly initialDelaySeconds?: number;
  /** Seconds between checks. @default 10 */
  readonly periodSeconds?: number;
  /** Seconds before a check counts as failed. @default 5 */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before acting. @default 3 (startup: sized from `maxStartupSeconds`) */
  readonly failureThreshold?: number;
  /** Consecutive successes to count as healthy again; must be 1 for liveness and startup. @default 1 */
  readonly successThreshold?: number;
}

/** An HTTP GET on one of the container's ports; healthy on 200-399. */
export interface HttpCheck extends ProbeTuning {
  readonly path: string;
  /** Port name or number. @default the main port */
  readonly port?: string | number;
  /** @default 'HTTP' */
  readonly scheme?: 'HTTP' | 'HTTPS';
  /** Request headers, e.g. `{ Host: 'api.internal' }`. @default none */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A gRPC health check (`grpc.health.v1.Health/Check`), native since Kubernetes 1.27. */
export interface GrpcCheck extends ProbeTuning {
  readonly grpc: {
    /** Port number (gRPC probes take no port names). @default the main port */
    readonly port?: number;
    /** Service name sent in the request. @default '' (the server's overall health) */
    readonly service?: string;
  };
}

/** A TCP connect: healthy when the port accepts a connection (caches, databases, brokers). */
export interface TcpCheck extends ProbeTuning {
  readonly tcp: {
    /** Port name or number. @default the main port */
    readonly port?: string | number;
  };
}

/**
 * A command run inside the container; healthy on exit code 0. The command's binary must be in the image
 * (`imageBinaries`): distroless and chiseled images have no shell. Prefer the other kinds.
 */
export interface ExecCheck extends ProbeTuning {
  readonly exec: { readonly command: readonly string[] };
}

/** One health check: HTTP (`path`), `grpc`, `tcp` or `exec`. */
export type HealthCheck = HttpCheck | GrpcCheck | TcpCheck | ExecCheck;

/** Probes of a long-running container. */
export interface ProbeProps {
  /** Health check used by liveness, readiness and startup (unless overridden). */
  readonly health: HealthCheck;
  /** @default health */
  readonly readiness?: HealthCheck;
  /** @default health */
  readonly liveness?: HealthCheck;
  /**
   * The longest the container may take to start (seconds). Produces a startup probe that allows
   * it (`periodSeconds * failureThreshold >= maxStartupSeconds`); liveness only starts afterwards.
   * Required when start-up can exceed the liveness window of 30 s (seed 000: 90 s of model loading).
   * @default no startup probe (the container must be live within 30 s)
   */
  readonly maxStartupSeconds?: number;
}

/** Liveness window: 3 failures x 10 s. */
export const LIVENESS_PERIOD_SECONDS = 10;
export const LIVENESS_FAILURE_THRESHOLD = 3;
export const STARTUP_PROBE_PERIOD_SECONDS = 10;

/** The main port a check falls back to. */
export interface MainPort {
  readonly name: string;
  readonly number: number;
}

/** The binary an exec check runs (`/bin/grpc_health_probe` → `grpc_health_probe`). */
export function execBinary(command: readonly string[]): string {
  return String(command[0] ?? '')
    .split('/')
    .pop()!;
}

/** The binaries the exec checks of a probe set run. */
export function execBinaries(p: Partial<ProbeProps>): string[] {
  return [p.health, p.readiness, p.liveness]
    .filter((c): c is ExecCheck => !!c && 'exec' in c)
    .map((c) => execBinary(c.exec.command));
}

/** Render one check with the defaults of the probe it serves (`period`, `failureThreshold`). */
export function renderCheck(
  path: string,
  field: string,
  check: HealthCheck,
  main: MainPort | undefined,
  defaults: { periodSeconds: number; failureThreshold: number; liveness?: boolean },
): k8s.Probe {
  const port = (p: string | number | undefined, kind: string): k8s.IntOrString => {
    const v = p ?? main?.name;
    if (v === undefined)
      throw new ConfigError(`${path}: ${field} (${kind}) needs a port: the container has no main port`);
    return intOrString(v);
  };
  let action: Pick<k8s.Probe, 'httpGet' | 'grpc' | 'tcpSocket' | 'exec'>;
  if ('grpc' in check) {
    const n = check.grpc.port ?? main?.number;
    if (n === undefined)
      throw new ConfigError(`${path}: ${field} (grpc) needs a port number: the container has no main port`);
    assertInt(path, `${field}.grpc.port`, n, 1, 65535);
    action = {
      grpc: { port: n, ...(check.grpc.service !== undefined ? { service: check.grpc.service } : {}) },
    };
  } else if ('tcp' in check) {
    action = { tcpSocket: { port: port(check.tcp.port, 'tcp') } };
  } else if ('exec' in check) {
    if (!check.exec.command.length) throw new ConfigError(`${path}: ${field}.exec.command must not be empty`);
    action = { exec: { command: [...check.exec.command] } };
  } else {
    if (!check.path.startsWith('/')) throw new ConfigError(`${path}: ${field}.path must start with /`);
    const headers = Object.entries(check.headers ?? {}).map(([name, value]) => ({ name, value }));
    action = {
      httpGet: {
        path: check.path,
        port: port(check.port, 'http'),
        scheme: check.scheme ?? 'HTTP',
        ...(headers.length ? { httpHeaders: headers } : {}),
      },
    };
  }
  const periodSeconds = check.periodSeconds ?? defaults.periodSeconds;
  const timeoutSeconds = check.timeoutSeconds ?? 5;
  const failureThreshold = check.failureThreshold ?? defaults.failureThreshold;
  const successThreshold = check.successThreshold ?? 1;
  assertInt(path, `${field}.periodSeconds`, periodSeconds, 1, 3600);
  assertInt(path, `${field}.timeoutSeconds`, timeoutSeconds, 1, 3600);
  assertInt(path, `${field}.failureThreshold`, failureThreshold, 1, 10000);
  assertInt(path, `${field}.successThreshold`, successThreshold, 1, defaults.liveness ? 1 : 100);
  if (check.initialDelaySeconds !== undefined)
    assertInt(path, `${field}.initialDelaySeconds`, check.initialDelaySeconds, 0, 3600);
  if (timeoutSeconds > periodSeconds)
    throw new ConfigError(
      `${path}: ${field}.timeoutSeconds (${timeoutSeconds}) exceeds periodSeconds (${periodSeconds}): checks would overlap`,
    );
  return {
    ...action,
    ...(check.initialDelaySeconds ? { initialDelaySeconds: check.initialDelaySeconds } : {}),
    periodSeconds,
    timeoutSeconds,
    failureThreshold,
    successThreshold,
  };
}

/** The probes of a container. */
export type Probes = Pick<k8s.Container, 'readinessProbe' | 'livenessProbe' | 'startupProbe'>;

/** Readiness, liveness and (with `maxStartupSeconds`) a startup probe sized to allow it. */
export function renderProbes(path: string, p: ProbeProps, main: MainPort | undefined): Probes {
  const readinessProbe = renderCheck(path, 'readiness', p.readiness ?? p.health, main, {
    periodSeconds: 10,
    failureThreshold: 3,
  });
  const livenessProbe = renderCheck(path, 'liveness', p.liveness ?? p.health, main, {
    periodSeconds: LIVENESS_PERIOD_SECONDS,
    failureThreshold: LIVENESS_FAILURE_THRESHOLD,
    liveness: true,
  });
  if (p.maxStartupSeconds === undefined) return { readinessProbe, livenessProbe };
  assertInt(path, 'maxStartupSeconds', p.maxStartupSeconds, 1, 3600);
  const startupProbe = renderCheck(
    path,
    'startup',
    {
      ...p.health,
      periodSeconds: STARTUP_PROBE_PERIOD_SECONDS,
      failureThreshold: Math.ceil(p.maxStartupSeconds / STARTUP_PROBE_PERIOD_SECONDS),
      successThreshold: 1,
    } as HealthCheck,
    main,
    { periodSeconds: STARTUP_PROBE_PERIOD_SECONDS, failureThreshold: 1, liveness: true },
  );
  return { readinessProbe, livenessProbe, startupProbe };
}
