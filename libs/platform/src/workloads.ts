/**
 * Workloads: servers of any protocol (`Server`, and its HTTP and gRPC forms `WebService` and
 * `GrpcService`), portless `Worker`s, a `QueueWorker` scaled on queue depth, and a `MigrationJob` that
 * runs before each sync. Every pod gets the restricted security context, a `/tmp` emptyDir, explicit
 * resources, a pinned image with a `kubernetes.io/arch` node selector, and health checks of any kind.
 *
 * Lessons encoded (seed 000): slow starters get a startup probe sized from `maxStartupSeconds`, so
 * 90 s of model loading is never killed by liveness; `spec.replicas` is omitted when an HPA/KEDA
 * scales; a `ReadWriteOnce` claim can never be mounted by a workload that may run more than one pod;
 * the drain delay before shutdown needs no binary in the image (native `preStop.sleep`).
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  buildPod,
  atLeast,
  type PodExtras,
  type PodProps,
  type PortSpec,
  type WorkloadVolume,
} from './containers';
import {
  assertDnsLabel,
  assertInt,
  componentLabels,
  ConfigError,
  intOrString,
  kubeObject,
  MIGRATION_HOOK_ANNOTATIONS,
  selectorLabels,
  SYNC_WAVE,
  SYNC_WAVE_ANNOTATION,
} from './core';
import type { HealthCheck, ProbeProps } from './probes';
import {
  type AutoscalingOptions,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  type RedisQueueScalingOptions,
  RedisQueueScaledObject,
  zoneSpreadConstraints,
} from './scaling';

/** Policy exemption annotations (see `@gitops/validation`): the rule ids, and why. */
export const EXEMPT_ANNOTATION = 'policy.gitops.platform/exempt';
export const EXEMPT_REASON_ANNOTATION = 'policy.gitops.platform/exempt-reason';

/** Props of a long-running, possibly scaled workload. */
export interface ScalableProps {
  /**
   * Fixed replica count; ignored (and not emitted) when an autoscaler is set.
   * @default 2 for a WebService, 1 for a QueueWorker
   */
  readonly replicas?: number;
  /** CPU/memory HPA; `spec.replicas` is then omitted. @default none */
  readonly autoscaling?: AutoscalingOptions;
  /** Spread replicas across zones (prod). @default false */
  readonly zoneSpread?: boolean;
  /**
   * PodDisruptionBudget (maxUnavailable 1).
   * @default created when the workload always runs at least 2 pods
   */
  readonly podDisruptionBudget?: boolean;
}

interface ScaleInfo {
  readonly replicas: number | undefined;
  readonly maxReplicas: number;
  readonly minReplicas: number;
}

function scaleInfo(
  path: string,
  p: ScalableProps,
  defaultReplicas: number,
  queue?: RedisQueueScalingOptions,
): ScaleInfo {
  if (p.autoscaling && queue)
    throw new ConfigError(`${path}: set either autoscaling (HPA) or queueScaling (KEDA), not both`);
  const scaler = p.autoscaling ?? queue;
  if (scaler)
    return { replicas: undefined, minReplicas: scaler.minReplicas, maxReplicas: scaler.maxReplicas };
  const replicas = p.replicas ?? defaultReplicas;
  assertInt(path, 'replicas', replicas, 0);
  return { replicas, minReplicas: replicas, maxReplicas: replicas };
}

function assertRwoSingleReplica(
  path: string,
  volumes: readonly WorkloadVolume[] | undefined,
  s: ScaleInfo,
): void {
  for (const v of volumes ?? []) {
    if ('claim' in v && v.claim.accessMode === 'ReadWriteOnce' && s.maxReplicas > 1) {
      throw new ConfigError(
        `${path}: volume "${v.name}" (claim ${v.claim.claimName}) is ReadWriteOnce but the workload can run ${s.maxReplicas} replicas; ` +
          `a RWO volume attaches to one node only, so keep replicas and autoscaling.maxReplicas at 1 or use a ReadWriteMany claim (seed 000)`,
      );
    }
  }
}

function hasRwo(volumes: readonly WorkloadVolume[] | undefined): boolean {
  return (volumes ?? []).some((v) => 'claim' in v && v.claim.accessMode === 'ReadWriteOnce');
}

/** `lifecycle.preStop.sleep` (Kubernetes 1.29 alpha, 1.30 beta and on by default). */
export interface SleepAction {
  readonly seconds: number;
}

/**
 * A `k8s.KubeDeployment` whose containers may use the native sleep hook: the pinned cdk8s-plus-28 API
 * is Kubernetes 1.28's, whose typed conversion drops fields it does not know (and JSON patches with
 * them), so the sleep action is added to the converted manifest, typed.
 */
export class KubeDeploymentWithSleep extends k8s.KubeDeployment {
  private readonly sleeps = new Map<number, SleepAction>();
  /** Use `lifecycle.preStop.sleep` for container `index` of the pod template. */
  preStopSleep(index: number, action: SleepAction): void {
    this.sleeps.set(index, action);
  }
  override toJson(): any {
    const json = super.toJson();
    for (const [i, sleep] of this.sleeps) {
      const c = json.spec.template.spec.containers[i];
      const merged = { ...c, lifecycle: { ...c.lifecycle, preStop: { sleep: { seconds: sleep.seconds } } } };
      // Keys in the order every other field has (cdk8s sorts them).
      json.spec.template.spec.containers[i] = Object.fromEntries(
        Object.keys(merged)
          .sort()
          .map((k) => [k, merged[k]]),
      );
    }
    return json;
  }
}

/** Shared by every Deployment-based workload. */
abstract class LongRunning extends Construct {
  /** The object name of the Deployment (and Service). */
  readonly name: string;
  readonly namespace: string;
  /** Labels selecting the pods. */
  readonly selector: Record<string, string>;
  readonly labels: Record<string, string>;
  /** Escape hatch: the Deployment object. */
  deployment!: KubeDeploymentWithSleep;

  protected constructor(scope: Construct, id: string, p: PodProps) {
    super(scope, id);
    this.name = p.name ?? `${p.system}-${p.component}`;
    assertDnsLabel(this.node.path, 'name', this.name);
    assertDnsLabel(this.node.path, 'component', p.component);
    this.namespace = p.namespace;
    this.selector = selectorLabels({ system: p.system, component: p.component });
    this.labels = componentLabels({ system: p.system, component: p.component });
  }

  protected identity(p: PodProps): { serviceAccountName: string; automountToken: boolean } {
    if (p.serviceAccount)
      return {
        serviceAccountName: p.serviceAccount.serviceAccountName,
        automountToken: p.serviceAccount.irsa ?? false,
      };
    kubeObject(
      this,
      'ServiceAccount',
      k8s.KubeServiceAccount,
      {
        name: this.name,
        namespace: this.namespace,
        labels: this.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.externalSecret },
      },
      { automountServiceAccountToken: false },
    );
    return { serviceAccountName: this.name, automountToken: false };
  }

  protected emitDeployment(
    p: PodProps & ScalableProps,
    s: ScaleInfo,
    extras: Omit<PodExtras, 'serviceAccountName' | 'automountToken' | 'topologySpreadConstraints'>,
    rollingUpdate: { maxSurge: number; maxUnavailable: number },
    annotations: Record<string, string> = {},
  ): void {
    const path = this.node.path;
    assertRwoSingleReplica(path, p.volumes, s);
    const id = this.identity(p);
    const template = buildPod(path, p, {
      ...extras,
      ...id,
      topologySpreadConstraints: p.zoneSpread ? zoneSpreadConstraints(this.selector) : undefined,
    });
    // A RWO volume cannot attach to the new pod while the old one holds it: replace, don't surge.
    const strategy: k8s.DeploymentStrategy = hasRwo(p.volumes)
      ? { type: 'Recreate' }
      : {
          type: 'RollingUpdate',
          rollingUpdate: {
            maxSurge: intOrString(rollingUpdate.maxSurge),
            maxUnavailable: intOrString(rollingUpdate.maxUnavailable),
          },
        };
    this.deployment = kubeObject(
      this,
      'Deployment',
      KubeDeploymentWithSleep,
      {
        name: this.name,
        namespace: this.namespace,
        labels: this.labels,
        annotations: { ...annotations, [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.workload },
      },
      {
        spec: {
          ...(s.replicas !== undefined ? { replicas: s.replicas } : {}),
          revisionHistoryLimit: 3,
          selector: { matchLabels: { ...this.selector } },
          strategy,
          template,
        },
      },
    );
    if (p.autoscaling) {
      new HorizontalPodAutoscaler(this, 'Hpa', {
        ...p.autoscaling,
        name: this.name,
        namespace: this.namespace,
        labels: this.labels,
        deploymentName: this.name,
      });
    }
    if (p.podDisruptionBudget ?? s.minReplicas >= 2) {
      new PodDisruptionBudget(this, 'Pdb', {
        name: this.name,
        namespace: this.namespace,
        labels: this.labels,
        selector: this.selector,
      });
    }
  }

  /** Emit the ClusterIP (or exposed) Service of the workload's exposed ports. */
  protected emitService(
    ports: readonly PortSpec[],
    exposure: ServiceExposure,
    annotations: Record<string, string> = {},
  ): k8s.KubeService {
    const path = this.node.path;
    const type = exposure.serviceType ?? 'ClusterIP';
    const svcAnnotations: Record<string, string> = { ...annotations };
    const spec: { -readonly [K in keyof k8s.ServiceSpec]: k8s.ServiceSpec[K] } = { type };
    if (type !== 'ClusterIP') {
      if (!exposure.exposureReason?.trim())
        throw new ConfigError(
          `${path}: serviceType ${type} exposes the workload outside the Ingress (policy prod-service-exposure refuses it in production): ` +
            `set exposureReason to say why, or keep ClusterIP behind an AppIngress`,
        );
      svcAnnotations[EXEMPT_ANNOTATION] = 'prod-service-exposure';
      svcAnnotations[EXEMPT_REASON_ANNOTATION] = exposure.exposureReason.trim();
    } else if (exposure.loadBalancer || exposure.exposureReason) {
      throw new ConfigError(
        `${path}: loadBalancer and exposureReason need serviceType LoadBalancer or NodePort`,
      );
    }
    if (type === 'LoadBalancer') {
      const lb = exposure.loadBalancer;
      if (!lb)
        throw new ConfigError(
          `${path}: serviceType LoadBalancer needs loadBalancer options (controller, scheme) so the load balancer is internal unless said otherwise`,
        );
      const scheme = lb.scheme ?? 'internal';
      if (lb.controller === 'aws-load-balancer-controller') {
        Object.assign(svcAnnotations, {
          'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
          'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
          'service.beta.kubernetes.io/aws-load-balancer-scheme': scheme,
        });
      } else {
        if (scheme !== 'internal')
          throw new ConfigError(
            `${path}: MetalLB announces addresses of its pools only: scheme must be internal`,
          );
        if (lb.addressPool) svcAnnotations['metallb.universe.tf/address-pool'] = lb.addressPool;
      }
      if (scheme === 'internet-facing' && !lb.sourceRanges?.length)
        throw new ConfigError(
          `${path}: an internet-facing load balancer needs sourceRanges (use 0.0.0.0/0 only deliberately)`,
        );
      if (lb.sourceRanges?.length) spec.loadBalancerSourceRanges = [...lb.sourceRanges];
    }
    spec.selector = { ...this.selector };
    spec.ports = ports
      .filter((p) => p.expose !== false)
      .map((p) => ({
        name: p.name,
        port: p.servicePort ?? p.port,
        targetPort: intOrString(p.name),
        protocol: p.protocol ?? 'TCP',
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      }));
    if (!spec.ports.length) throw new ConfigError(`${path}: the Service would expose no port`);
    return kubeObject(
      this,
      'Service',
      k8s.KubeService,
      {
        name: this.name,
        namespace: this.namespace,
        labels: this.labels,
        annotations: { ...svcAnnotations, [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.workload },
      },
      { spec },
    );
  }
}

/** A load balancer in front of a Service, per controller. */
export interface LoadBalancerOptions {
  /** `aws-load-balancer-controller` (an NLB, target type ip) or `metallb` (on premises). */
  readonly controller: 'aws-load-balancer-controller' | 'metallb';
  /** @default 'internal' */
  readonly scheme?: 'internal' | 'internet-facing';
  /** MetalLB address pool. @default the controller's default pool */
  readonly addressPool?: string;
  /** Allowed source CIDRs (`spec.loadBalancerSourceRanges`); required when internet-facing. @default any */
  readonly sourceRanges?: readonly string[];
}

/** How a workload's Service is reachable. */
export interface ServiceExposure {
  /**
   * `ClusterIP` (behind an Ingress), or `LoadBalancer`/`NodePort`, which policy `prod-service-exposure`
   * refuses in production unless exempted: the construct records `exposureReason` as that exemption.
   * @default 'ClusterIP'
   */
  readonly serviceType?: 'ClusterIP' | 'LoadBalancer' | 'NodePort';
  /** Load balancer settings; required for `LoadBalancer`. @default none */
  readonly loadBalancer?: LoadBalancerOptions;
  /** Why the Service is exposed outside the Ingress; required unless ClusterIP. @default none */
  readonly exposureReason?: string;
}

/** Drain delay before the container stops. */
export interface DrainProps {
  /**
   * Seconds the container keeps serving after termination starts, so load balancers and kube-proxy
   * stop sending traffic before the process exits. 0 disables the preStop hook.
   * @default 15
   */
  readonly preStopDelaySeconds?: number;
  /**
   * How the delay is implemented:
   * - `'native'`: `lifecycle.preStop.sleep` — no binary needed, works on distroless and chiseled
   *   images; Kubernetes >= 1.30 (PodLifecycleSleepAction, beta and on by default since 1.30), so
   *   `kubernetesVersion` must be given and at least 1.30.
   * - `'exec'`: `exec: sleep <n>` — for older clusters; the image must ship a `sleep` binary (the
   *   construct declares it to policy `exec-needs-binary`). Fails at every pod stop on a shell-less image.
   * @default 'native'
   */
  readonly preStopSleep?: 'native' | 'exec';
  /**
   * Must exceed `preStopDelaySeconds` to leave time for a graceful shutdown.
   * @default 30
   */
  readonly terminationGracePeriodSeconds?: number;
}

/** Props of a {@link Server}. */
export interface ServerProps extends PodProps, ScalableProps, ProbeProps, DrainProps, ServiceExposure {
  /** Main container port (unprivileged). */
  readonly port: number;
  /** Name of the main port (container and Service). @default 'http' */
  readonly portName?: string;
  /** Application protocol of the main Service port, e.g. `kubernetes.io/h2c`. @default none */
  readonly appProtocol?: string;
  /** Port of the Service. @default same as `port` */
  readonly servicePort?: number;
  /** A second container/Service port named `metrics` (Prometheus). @default none */
  readonly metricsPort?: number;
  /** More named ports of any protocol (exposed on the Service unless `expose: false`). @default none */
  readonly ports?: readonly PortSpec[];
  /** Extra Service annotations, e.g. a per-target-group `alb.ingress.kubernetes.io/healthcheck-path`. @default none */
  readonly serviceAnnotations?: Record<string, string>;
}

/** A Deployment + Service of any protocol, with health checks, drain delay, optional HPA and PDB. */
export class Server extends LongRunning {
  readonly port: number;
  readonly portName: string;
  readonly servicePort: number;
  /** The Service's name (same as the Deployment's). */
  readonly serviceName: string;
  readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: ServerProps) {
    super(scope, id, props);
    const path = this.node.path;
    this.port = props.port;
    this.portName = props.portName ?? 'http';
    this.servicePort = props.servicePort ?? props.port;
    assertInt(path, 'servicePort', this.servicePort, 1, 65535);
    const preStop = props.preStopDelaySeconds ?? 15;
    const grace = props.terminationGracePeriodSeconds ?? 30;
    assertInt(path, 'preStopDelaySeconds', preStop, 0, 600);
    assertInt(path, 'terminationGracePeriodSeconds', grace, 1, 3600);
    if (grace <= preStop) {
      throw new ConfigError(
        `${path}: terminationGracePeriodSeconds (${grace}) must exceed preStopDelaySeconds (${preStop}) or the pod is killed while the load balancer still sends traffic`,
      );
    }
    const mode = props.preStopSleep ?? 'native';
    if (preStop > 0 && mode === 'native') {
      if (!props.kubernetesVersion)
        throw new ConfigError(
          `${path}: the ${preStop}s drain delay uses the native lifecycle.preStop.sleep, which needs Kubernetes >= 1.30: ` +
            `pass kubernetesVersion (values.cluster.kubernetesVersion) so it can be checked, or choose preStopSleep: 'exec' for an image that ships sleep`,
        );
      if (!atLeast(path, props.kubernetesVersion, 1, 30))
        throw new ConfigError(
          `${path}: the cluster runs Kubernetes ${props.kubernetesVersion}, but lifecycle.preStop.sleep needs 1.30 ` +
            `(PodLifecycleSleepAction is beta and on by default from 1.30): choose preStopSleep: 'exec' if the image ships sleep, ` +
            `or preStopDelaySeconds: 0 (no drain delay) for a shell-less image`,
        );
    }
    const s = scaleInfo(path, props, 2);
    const ports: PortSpec[] = [
      {
        name: this.portName,
        port: props.port,
        servicePort: this.servicePort,
        ...(props.appProtocol ? { appProtocol: props.appProtocol } : {}),
      },
    ];
    if (props.metricsPort !== undefined) {
      if (props.metricsPort === props.port)
        throw new ConfigError(`${path}: metricsPort must differ from port (${props.port})`);
      ports.push({ name: 'metrics', port: props.metricsPort });
    }
    ports.push(...(props.ports ?? []));
    const exec = preStop > 0 && mode === 'exec';
    this.emitDeployment(
      { ...props, imageBinaries: exec ? [...(props.imageBinaries ?? []), 'sleep'] : props.imageBinaries },
      s,
      {
        ports,
        probes: props,
        lifecycle: exec ? { preStop: { exec: { command: ['sleep', String(preStop)] } } } : undefined,
        lifecycleBinaries: exec ? ['sleep'] : undefined,
        terminationGracePeriodSeconds: grace,
      },
      { maxSurge: 1, maxUnavailable: 0 },
    );
    if (preStop > 0 && mode === 'native') {
      this.deployment.preStopSleep(0, { seconds: preStop });
    }
    this.serviceName = this.name;
    this.service = this.emitService(ports, props, props.serviceAnnotations);
  }
}

/** Props of a {@link WebService}: an HTTP {@link Server} (main port `http`). */
export type WebServiceProps = ServerProps;

/** An HTTP server: Deployment + Service (port `http`) with probes, drain delay, optional HPA and PDB. */
export class WebService extends Server {}

/** Props of a {@link GrpcService}. */
export interface GrpcServiceProps extends Omit<ServerProps, 'health' | 'portName' | 'appProtocol'> {
  /** @default a gRPC health check (`grpc.health.v1.Health`) on the main port */
  readonly health?: HealthCheck;
  /** @default 'grpc' */
  readonly portName?: string;
}

/**
 * A gRPC server: main port `grpc` with `appProtocol: kubernetes.io/h2c` (HTTP/2 without TLS, so
 * ingress controllers and meshes speak HTTP/2 to it) and native gRPC health probes.
 */
export class GrpcService extends Server {
  constructor(scope: Construct, id: string, props: GrpcServiceProps) {
    super(scope, id, {
      ...props,
      portName: props.portName ?? 'grpc',
      appProtocol: 'kubernetes.io/h2c',
      health: props.health ?? { grpc: {} },
    });
  }
}

/** Props of a {@link Worker}. */
export interface WorkerProps extends PodProps, ScalableProps, Omit<Partial<ProbeProps>, 'health'> {
  /** Health check (exec or tcp without ports). @default none: then `noProbesReason` is required */
  readonly health?: HealthCheck;
  /** Ports, if any (a pure consumer has none; no Service is created). @default none */
  readonly ports?: readonly PortSpec[];
  /**
   * Why the worker has no health check; required without `health`, recorded as the exemption from
   * policy `probes-set` (a hung worker then is not restarted).
   * @default none
   */
  readonly noProbesReason?: string;
  /** Time to finish work after SIGTERM. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
}

/** A Deployment without a Service: a consumer, scheduler or loop, with or without ports and probes. */
export class Worker extends LongRunning {
  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id, props);
    const path = this.node.path;
    const grace = props.terminationGracePeriodSeconds ?? 30;
    assertInt(path, 'terminationGracePeriodSeconds', grace, 1, 3600);
    const annotations: Record<string, string> = {};
    if (!props.health) {
      if (props.readiness || props.liveness || props.maxStartupSeconds !== undefined)
        throw new ConfigError(`${path}: readiness, liveness and maxStartupSeconds need health`);
      if (!props.noProbesReason?.trim())
        throw new ConfigError(
          `${path}: a worker without health check is never restarted when it hangs: set health (an exec or tcp check) or noProbesReason`,
        );
      annotations[EXEMPT_ANNOTATION] = 'probes-set';
      annotations[EXEMPT_REASON_ANNOTATION] = props.noProbesReason.trim();
    } else if (props.noProbesReason) {
      throw new ConfigError(`${path}: noProbesReason contradicts health`);
    }
    this.emitDeployment(
      props,
      scaleInfo(path, props, 1),
      {
        ports: props.ports ?? [],
        probes: props.health ? (props as ProbeProps) : undefined,
        terminationGracePeriodSeconds: grace,
      },
      { maxSurge: 1, maxUnavailable: 0 },
      annotations,
    );
  }
}

/** Props of a {@link QueueWorker}. */
export interface QueueWorkerProps extends PodProps, ScalableProps {
  /** Port of `/metrics` and the health endpoint, named `metrics`. @default 9090 */
  readonly metricsPort?: number;
  /** Health endpoint on the metrics port. @default '/health' */
  readonly healthPath?: string;
  /** Longest start-up (seconds), see {@link ProbeProps.maxStartupSeconds}. @default no startup probe */
  readonly maxStartupSeconds?: number;
  /** Scale on Redis queue depth with KEDA; `spec.replicas` is then omitted. @default none */
  readonly queueScaling?: RedisQueueScalingOptions;
  /** Time to finish active jobs after SIGTERM. @default 120 */
  readonly shutdownGracePeriodSeconds?: number;
  /** Expose the metrics port with a Service `<name>` (for ServiceMonitors and health checks). @default true */
  readonly metricsService?: boolean;
}

/** A Deployment consuming a queue, with graceful shutdown and optional KEDA scaling. */
export class QueueWorker extends LongRunning {
  readonly metricsPort: number;
  /** The metrics Service's name, if any. @default none (no metrics Service) */
  readonly serviceName?: string;

  constructor(scope: Construct, id: string, props: QueueWorkerProps) {
    super(scope, id, props);
    const path = this.node.path;
    this.metricsPort = props.metricsPort ?? 9090;
    const grace = props.shutdownGracePeriodSeconds ?? 120;
    assertInt(path, 'shutdownGracePeriodSeconds', grace, 1, 3600);
    const s = scaleInfo(path, props, 1, props.queueScaling);
    const ports: PortSpec[] = [{ name: 'metrics', port: this.metricsPort }];
    this.emitDeployment(
      props,
      s,
      {
        ports,
        probes: {
          health: { path: props.healthPath ?? '/health' },
          maxStartupSeconds: props.maxStartupSeconds,
        },
        terminationGracePeriodSeconds: grace,
      },
      { maxSurge: 1, maxUnavailable: 0 },
    );
    if (props.queueScaling) {
      new RedisQueueScaledObject(this, 'Keda', {
        ...props.queueScaling,
        name: this.name,
        namespace: this.namespace,
        labels: this.labels,
        deploymentName: this.name,
      });
    }
    if (props.metricsService ?? true) {
      this.serviceName = this.name;
      this.emitService(ports, {});
    }
  }
}

/** Props of a {@link MigrationJob}. */
export interface MigrationJobProps extends PodProps {
  /** The migration command, e.g. `['alembic', 'upgrade', 'head']`. */
  readonly command: readonly string[];
  /** Retries before the sync fails. @default 2 */
  readonly backoffLimit?: number;
  /** Hard time limit. @default 900 */
  readonly activeDeadlineSeconds?: number;
}

/**
 * A Job that runs on every sync, after the database Secret exists and before the workloads roll: an
 * Argo CD `Sync`-phase hook in wave `SYNC_WAVE.migration` (recreated on every sync). Helm has no hook
 * between resources, so the chart carries the same Argo CD annotations (Argo CD reads them in charts).
 *
 * It uses the namespace's default ServiceAccount with no token unless one is given.
 */
export class MigrationJob extends Construct {
  readonly name: string;
  readonly job: k8s.KubeJob;
  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    super(scope, id);
    const path = this.node.path;
    this.name = props.name ?? `${props.system}-${props.component}`;
    assertDnsLabel(path, 'name', this.name);
    if (!props.command.length) throw new ConfigError(`${path}: command must not be empty`);
    const backoffLimit = props.backoffLimit ?? 2;
    const deadline = props.activeDeadlineSeconds ?? 900;
    assertInt(path, 'backoffLimit', backoffLimit, 0, 10);
    assertInt(path, 'activeDeadlineSeconds', deadline, 1);
    if (props.sidecars?.length)
      throw new ConfigError(`${path}: a Job's sidecars would keep it from completing: use initContainers`);
    const template = buildPod(path, props, {
      ports: [],
      terminationGracePeriodSeconds: 30,
      restartPolicy: 'Never',
      serviceAccountName: props.serviceAccount?.serviceAccountName,
      automountToken: props.serviceAccount?.irsa ?? false,
    });
    const labels = componentLabels({ system: props.system, component: props.component });
    this.job = kubeObject(
      this,
      'Job',
      k8s.KubeJob,
      { name: this.name, namespace: props.namespace, labels, annotations: { ...MIGRATION_HOOK_ANNOTATIONS } },
      { spec: { backoffLimit, activeDeadlineSeconds: deadline, template } },
    );
  }
}
