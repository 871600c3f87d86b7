/**
 * Workloads: a web service (Deployment + Service + probes), a queue worker, and a migration job
 * that runs before each sync. Every pod gets the restricted security context, a `/tmp` emptyDir,
 * explicit resources, a pinned image with `kubernetes.io/arch` node selector, and probes.
 *
 * Lessons encoded (seed 000): slow starters get a startup probe sized from `maxStartupSeconds`, so
 * 90 s of model loading is never killed by liveness; `spec.replicas` is omitted when an HPA/KEDA
 * scales; a `ReadWriteOnce` claim can never be mounted by a workload that may run more than one pod.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  assertDnsLabel,
  assertInt,
  componentLabels,
  ConfigError,
  kubeObject,
  PRESYNC_HOOK_ANNOTATIONS,
  intOrString,
  parseQuantity,
  quantity,
  selectorLabels,
  SYNC_WAVE,
  SYNC_WAVE_ANNOTATION,
} from './core';
import { type ImageConstraints, type ImageRef, resolveImage } from './images';
import {
  type AutoscalingOptions,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  type RedisQueueScalingOptions,
  RedisQueueScaledObject,
  zoneSpreadConstraints,
} from './scaling';
import {
  assertUnprivilegedPort,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  type RunAsProps,
} from './security';
import type { AccessMode } from './storage';

/** CPU and memory; both required. */
export interface ResourceAmounts {
  readonly cpu: string;
  readonly memory: string;
}

/** Requests (from measured usage) and limits. Always both. */
export interface ResourceRequirements {
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
}

/** Validate resources: both requests and limits for cpu and memory, requests <= limits. */
export function renderResources(path: string, r: ResourceRequirements | undefined): k8s.ResourceRequirements {
  if (!r)
    throw new ConfigError(
      `${path}: resources are required: set requests (from measured usage) and limits for cpu and memory`,
    );
  for (const kind of ['requests', 'limits'] as const) {
    for (const res of ['cpu', 'memory'] as const) {
      const v = r[kind]?.[res];
      if (v === undefined || v === '') {
        throw new ConfigError(
          `${path}: resources.${kind}.${res} is missing: every container needs cpu and memory requests and limits (seed 000: 512Mi requested vs 1-2Gi used crashed the backend)`,
        );
      }
      parseQuantity(path, `resources.${kind}.${res}`, v);
    }
  }
  for (const res of ['cpu', 'memory'] as const) {
    if (parseQuantity(path, '', r.requests[res]) > parseQuantity(path, '', r.limits[res])) {
      throw new ConfigError(
        `${path}: resources.requests.${res} (${r.requests[res]}) exceeds resources.limits.${res} (${r.limits[res]})`,
      );
    }
  }
  return {
    requests: { cpu: quantity(r.requests.cpu), memory: quantity(r.requests.memory) },
    limits: { cpu: quantity(r.limits.cpu), memory: quantity(r.limits.memory) },
  };
}

/** An environment variable: a literal, or a key of a Secret (e.g. from an ExternalSecret). */
export type EnvVar =
  | { readonly name: string; readonly value: string }
  | {
      readonly name: string;
      /** `optional`: the variable stays unset when the Secret is absent (e.g. provider-specific credentials). */
      readonly secret: { readonly name: string; readonly key: string; readonly optional?: boolean };
    };

/** A volume mounted into the container. */
export type WorkloadVolume =
  | {
      readonly name: string;
      readonly mountPath: string;
      /** A claim, e.g. a `PersistentClaim`; its access mode drives the single-replica check. */
      readonly claim: { readonly claimName: string; readonly accessMode: AccessMode };
      readonly readOnly?: boolean;
    }
  | { readonly name: string; readonly mountPath: string; readonly emptyDir: { readonly sizeLimit: string } };

/** An HTTP check on one of the container's ports. */
export interface HttpCheck {
  readonly path: string;
  /** Port name. @default the main port */
  readonly port?: string;
  /**
   * Seconds after container start before the first check. With a startup probe this is rarely
   * needed; set it where an incident fixed a figure (seed 000: readiness 90 s, liveness 120 s).
   * @default 0 (omitted)
   */
  readonly initialDelaySeconds?: number;
}

/** The ServiceAccount a pod runs as. */
export interface PodIdentity {
  readonly serviceAccountName: string;
  /** Pods of an IRSA role need the (projected) token; everyone else gets none. @default false */
  readonly irsa?: boolean;
}

/** Props shared by every pod-running construct. */
export interface PodProps {
  /** The system, e.g. `mini-xdr` (`app.kubernetes.io/name`). */
  readonly system: string;
  /** The component, e.g. `backend` (`app.kubernetes.io/component`). */
  readonly component: string;
  /** Object names. @default `${system}-${component}` */
  readonly name?: string;
  readonly namespace: string;
  readonly image: ImageRef;
  /** Registries and node architecture the image must match (from the environment). @default not checked */
  readonly imageConstraints?: ImageConstraints;
  readonly resources: ResourceRequirements;
  /** @default the image's entrypoint */
  readonly command?: readonly string[];
  /** @default the image's cmd */
  readonly args?: readonly string[];
  /** @default none */
  readonly env?: readonly EnvVar[];
  /** Volumes besides `/tmp`. @default none */
  readonly volumes?: readonly WorkloadVolume[];
  /** Size limit of the `/tmp` emptyDir that makes a read-only root filesystem usable. @default '256Mi' */
  readonly tmpSizeLimit?: string;
  /** UID/GID and root filesystem escape hatch. @default UID/GID 10001, read-only root */
  readonly runAs?: RunAsProps;
  /**
   * The ServiceAccount. Without one, the construct creates `<name>` with no token mounted.
   * @default a dedicated ServiceAccount, `automountServiceAccountToken: false`
   */
  readonly serviceAccount?: PodIdentity;
}

function renderEnv(env: readonly EnvVar[] | undefined): k8s.EnvVar[] {
  return (env ?? []).map((e) =>
    'value' in e
      ? { name: e.name, value: e.value }
      : {
          name: e.name,
          valueFrom: {
            secretKeyRef: {
              name: e.secret.name,
              key: e.secret.key,
              ...(e.secret.optional ? { optional: true } : {}),
            },
          },
        },
  );
}

/** What `buildPod` needs beyond {@link PodProps}. */
interface PodExtras {
  readonly ports: readonly { name: string; containerPort: number }[];
  readonly probes: Probes;
  readonly lifecycle?: k8s.Lifecycle;
  readonly terminationGracePeriodSeconds: number;
  readonly restartPolicy?: 'Always' | 'Never' | 'OnFailure';
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  readonly serviceAccountName: string | undefined;
  readonly automountToken: boolean;
}

/** Build a pod template from validated props. */
function buildPod(path: string, p: PodProps, x: PodExtras): k8s.PodTemplateSpec {
  const img = resolveImage(path, p.image, p.imageConstraints);
  const tmp = p.tmpSizeLimit ?? '256Mi';
  parseQuantity(path, 'tmpSizeLimit', tmp);
  const volumes: k8s.Volume[] = [{ name: 'tmp', emptyDir: { sizeLimit: quantity(tmp) } }];
  const mounts: k8s.VolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
  const seen = new Set(['tmp']);
  const paths = new Set(['/tmp']);
  for (const v of p.volumes ?? []) {
    assertDnsLabel(path, 'volumes[].name', v.name);
    if (seen.has(v.name)) throw new ConfigError(`${path}: volume name "${v.name}" is used twice`);
    if (paths.has(v.mountPath)) throw new ConfigError(`${path}: mountPath "${v.mountPath}" is mounted twice`);
    seen.add(v.name);
    paths.add(v.mountPath);
    if ('claim' in v) {
      volumes.push({
        name: v.name,
        persistentVolumeClaim: { claimName: v.claim.claimName, ...(v.readOnly ? { readOnly: true } : {}) },
      });
      mounts.push({ name: v.name, mountPath: v.mountPath, ...(v.readOnly ? { readOnly: true } : {}) });
    } else {
      parseQuantity(path, `volumes.${v.name}.emptyDir.sizeLimit`, v.emptyDir.sizeLimit);
      volumes.push({ name: v.name, emptyDir: { sizeLimit: quantity(v.emptyDir.sizeLimit) } });
      mounts.push({ name: v.name, mountPath: v.mountPath });
    }
  }
  const container: k8s.Container = {
    name: p.component,
    image: img.image,
    imagePullPolicy: img.imagePullPolicy,
    ...(p.command ? { command: [...p.command] } : {}),
    ...(p.args ? { args: [...p.args] } : {}),
    ...(p.env?.length ? { env: renderEnv(p.env) } : {}),
    ...(x.ports.length
      ? { ports: x.ports.map((pt) => ({ name: pt.name, containerPort: pt.containerPort, protocol: 'TCP' })) }
      : {}),
    resources: renderResources(path, p.resources),
    securityContext: restrictedContainerSecurityContext(path, p.runAs),
    volumeMounts: mounts,
    ...x.probes,
    ...(x.lifecycle ? { lifecycle: x.lifecycle } : {}),
  };
  return {
    metadata: { labels: componentLabels({ system: p.system, component: p.component }) },
    spec: {
      ...(x.serviceAccountName ? { serviceAccountName: x.serviceAccountName } : {}),
      automountServiceAccountToken: x.automountToken,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext(path, p.runAs),
      nodeSelector: img.nodeSelector,
      ...(x.topologySpreadConstraints ? { topologySpreadConstraints: x.topologySpreadConstraints } : {}),
      terminationGracePeriodSeconds: x.terminationGracePeriodSeconds,
      ...(x.restartPolicy ? { restartPolicy: x.restartPolicy } : {}),
      containers: [container],
      volumes,
    },
  };
}

function httpProbe(
  check: HttpCheck,
  defaultPort: string,
  period: number,
  failureThreshold: number,
): k8s.Probe {
  return {
    httpGet: { path: check.path, port: intOrString(check.port ?? defaultPort), scheme: 'HTTP' },
    ...(check.initialDelaySeconds ? { initialDelaySeconds: check.initialDelaySeconds } : {}),
    periodSeconds: period,
    timeoutSeconds: 5,
    failureThreshold,
    successThreshold: 1,
  };
}

/** Probe settings of a long-running container. */
export interface ProbeProps {
  /** Health endpoint used by liveness and readiness (unless overridden). */
  readonly health: HttpCheck;
  /** @default health */
  readonly readiness?: HttpCheck;
  /** @default health */
  readonly liveness?: HttpCheck;
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

/** The probes of a container. */
type Probes = Pick<k8s.Container, 'readinessProbe' | 'livenessProbe' | 'startupProbe'>;

function renderProbes(path: string, p: ProbeProps, defaultPort: string): Probes {
  const out: { -readonly [K in keyof Probes]: Probes[K] } = {
    readinessProbe: httpProbe(p.readiness ?? p.health, defaultPort, 10, 3),
    livenessProbe: httpProbe(
      p.liveness ?? p.health,
      defaultPort,
      LIVENESS_PERIOD_SECONDS,
      LIVENESS_FAILURE_THRESHOLD,
    ),
  };
  if (p.maxStartupSeconds !== undefined) {
    assertInt(path, 'maxStartupSeconds', p.maxStartupSeconds, 1, 3600);
    out.startupProbe = httpProbe(
      p.health,
      defaultPort,
      STARTUP_PROBE_PERIOD_SECONDS,
      Math.ceil(p.maxStartupSeconds / STARTUP_PROBE_PERIOD_SECONDS),
    );
  }
  return out;
}

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

/** Shared by WebService and QueueWorker. */
abstract class LongRunning extends Construct {
  /** The object name of the Deployment (and Service). */
  readonly name: string;
  readonly namespace: string;
  /** Labels selecting the pods. */
  readonly selector: Record<string, string>;
  readonly labels: Record<string, string>;
  /** Escape hatch: the Deployment object (`addJsonPatch`). */
  deployment!: k8s.KubeDeployment;

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
      k8s.KubeDeployment,
      {
        name: this.name,
        namespace: this.namespace,
        labels: this.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.workload },
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
}

/** Props of a {@link WebService}. */
export interface WebServiceProps extends PodProps, ScalableProps, ProbeProps {
  /** Container port (unprivileged), named `http`. */
  readonly port: number;
  /** Port of the Service. @default same as `port` */
  readonly servicePort?: number;
  /**
   * Seconds the container keeps serving after termination starts, so the load balancer
   * deregisters the target before the process stops. 0 disables the preStop hook.
   * @default 15
   */
  readonly preStopDelaySeconds?: number;
  /**
   * Must exceed `preStopDelaySeconds` to leave time for a graceful shutdown.
   * @default 30
   */
  readonly terminationGracePeriodSeconds?: number;
  /** A second container/Service port named `metrics` (Prometheus). @default none */
  readonly metricsPort?: number;
  /** Extra Service annotations, e.g. a per-target-group `alb.ingress.kubernetes.io/healthcheck-path`. @default none */
  readonly serviceAnnotations?: Record<string, string>;
}

/** A Deployment + ClusterIP Service with probes, optional HPA and PDB. */
export class WebService extends LongRunning {
  readonly port: number;
  readonly servicePort: number;
  /** The Service's name (same as the Deployment's). */
  readonly serviceName: string;
  readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id, props);
    const path = this.node.path;
    assertUnprivilegedPort(path, 'port', props.port);
    this.port = props.port;
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
    const s = scaleInfo(path, props, 2);
    const ports = [{ name: 'http', containerPort: props.port }];
    if (props.metricsPort !== undefined) {
      assertUnprivilegedPort(path, 'metricsPort', props.metricsPort);
      if (props.metricsPort === props.port)
        throw new ConfigError(`${path}: metricsPort must differ from port (${props.port})`);
      ports.push({ name: 'metrics', containerPort: props.metricsPort });
    }
    this.emitDeployment(
      props,
      s,
      {
        ports,
        probes: renderProbes(path, props, 'http'),
        lifecycle: preStop > 0 ? { preStop: { exec: { command: ['sleep', String(preStop)] } } } : undefined,
        terminationGracePeriodSeconds: grace,
      },
      { maxSurge: 1, maxUnavailable: 0 },
    );
    this.serviceName = this.name;
    this.service = kubeObject(
      this,
      'Service',
      k8s.KubeService,
      {
        name: this.name,
        namespace: this.namespace,
        labels: this.labels,
        annotations: { ...props.serviceAnnotations, [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.workload },
      },
      {
        spec: {
          type: 'ClusterIP',
          selector: { ...this.selector },
          ports: [
            { name: 'http', port: this.servicePort, targetPort: intOrString('http'), protocol: 'TCP' },
            ...(props.metricsPort !== undefined
              ? [
                  {
                    name: 'metrics',
                    port: props.metricsPort,
                    targetPort: intOrString('metrics'),
                    protocol: 'TCP',
                  },
                ]
              : []),
          ],
        },
      },
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
  /** The metrics Service's name, if any. */
  readonly serviceName?: string;

  constructor(scope: Construct, id: string, props: QueueWorkerProps) {
    super(scope, id, props);
    const path = this.node.path;
    this.metricsPort = props.metricsPort ?? 9090;
    assertUnprivilegedPort(path, 'metricsPort', this.metricsPort);
    const grace = props.shutdownGracePeriodSeconds ?? 120;
    assertInt(path, 'shutdownGracePeriodSeconds', grace, 1, 3600);
    const s = scaleInfo(path, props, 1, props.queueScaling);
    this.emitDeployment(
      props,
      s,
      {
        ports: [{ name: 'metrics', containerPort: this.metricsPort }],
        probes: renderProbes(
          path,
          { health: { path: props.healthPath ?? '/health' }, maxStartupSeconds: props.maxStartupSeconds },
          'metrics',
        ),
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
      kubeObject(
        this,
        'Service',
        k8s.KubeService,
        {
          name: this.name,
          namespace: this.namespace,
          labels: this.labels,
          annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.workload },
        },
        {
          spec: {
            type: 'ClusterIP',
            selector: { ...this.selector },
            ports: [
              {
                name: 'metrics',
                port: this.metricsPort,
                targetPort: intOrString('metrics'),
                protocol: 'TCP',
              },
            ],
          },
        },
      );
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
 * A Job that runs before each sync: an Argo CD `PreSync` hook (recreated on every sync). The chart
 * emitter maps the hook to `helm.sh/hook: pre-install,pre-upgrade` for the chart form.
 *
 * It uses the namespace's default ServiceAccount with no token: hooks run before the sync phase
 * creates the system's own ServiceAccounts.
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
    const template = buildPod(path, props, {
      ports: [],
      probes: {},
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
      { name: this.name, namespace: props.namespace, labels, annotations: { ...PRESYNC_HOOK_ANNOTATIONS } },
      { spec: { backoffLimit, activeDeadlineSeconds: deadline, template } },
    );
  }
}
