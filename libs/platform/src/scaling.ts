/**
 * Scaling: HPA `autoscaling/v2` with explicit behaviour, KEDA `ScaledObject` for queue depth,
 * PodDisruptionBudgets and zone topology spread.
 *
 * A workload scaled by an HPA or KEDA never sets `spec.replicas` (the workloads omit it), otherwise
 * every sync fights the autoscaler (seed 000: "HPA can override deployment replicas").
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { assertInt, ConfigError, intOrString, kubeObject, SYNC_WAVE, SYNC_WAVE_ANNOTATION } from './core';
import * as keda from './imports/keda.sh';

/** One scaling policy: at most `value` (percent or pods) per `periodSeconds`. */
export interface ScalingPolicy {
  readonly type: 'Percent' | 'Pods';
  readonly value: number;
  readonly periodSeconds: number;
}

/** Scale-up or scale-down rules. */
export interface ScalingRules {
  /** Policies; with several, `selectPolicy` picks. */
  readonly policies: readonly ScalingPolicy[];
  /** Look-back window before acting. @default 0 for scale-up, 300 for scale-down (Kubernetes defaults, made explicit) */
  readonly stabilizationWindowSeconds?: number;
  /** Which policy wins when several apply. @default 'Min' (the most conservative) */
  readonly selectPolicy?: 'Min' | 'Max' | 'Disabled';
}

/** `spec.behavior` of an HPA. */
export interface ScalingBehavior {
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

/** Percent-based behaviour, the seeds' vocabulary: "up to 100 % every 60 s", "down 50 % per 60 s after 5 min". */
export interface SimpleBehavior {
  /** Maximum increase per period, in percent. */
  readonly scaleUpPercent: number;
  readonly scaleUpPeriodSeconds: number;
  /** Also at most this many pods per period (the smaller wins). @default no pod cap */
  readonly scaleUpMaxPods?: number;
  /** @default 0 */
  readonly scaleUpStabilizationSeconds?: number;
  /** Maximum decrease per period, in percent. */
  readonly scaleDownPercent: number;
  readonly scaleDownPeriodSeconds: number;
  /** Wait this long at a lower recommendation before scaling down. */
  readonly scaleDownStabilizationSeconds: number;
}

/** Build an HPA `behavior` from the seeds' percent-based description. */
export function behaviorOf(b: SimpleBehavior): ScalingBehavior {
  const upPolicies: ScalingPolicy[] = [
    { type: 'Percent', value: b.scaleUpPercent, periodSeconds: b.scaleUpPeriodSeconds },
  ];
  if (b.scaleUpMaxPods !== undefined)
    upPolicies.push({ type: 'Pods', value: b.scaleUpMaxPods, periodSeconds: b.scaleUpPeriodSeconds });
  return {
    scaleUp: {
      policies: upPolicies,
      stabilizationWindowSeconds: b.scaleUpStabilizationSeconds ?? 0,
      selectPolicy: 'Min',
    },
    scaleDown: {
      policies: [{ type: 'Percent', value: b.scaleDownPercent, periodSeconds: b.scaleDownPeriodSeconds }],
      stabilizationWindowSeconds: b.scaleDownStabilizationSeconds,
      selectPolicy: 'Min',
    },
  };
}

function renderRules(
  path: string,
  field: string,
  r: ScalingRules,
  defaultWindow: number,
): k8s.HpaScalingRulesV2 {
  if (!r.policies.length) throw new ConfigError(`${path}: ${field}.policies needs at least one policy`);
  r.policies.forEach((p, i) => {
    assertInt(path, `${field}.policies[${i}].value`, p.value, 1);
    assertInt(path, `${field}.policies[${i}].periodSeconds`, p.periodSeconds, 1, 1800);
  });
  const window = r.stabilizationWindowSeconds ?? defaultWindow;
  assertInt(path, `${field}.stabilizationWindowSeconds`, window, 0, 3600);
  return {
    policies: r.policies.map((p) => ({ type: p.type, value: p.value, periodSeconds: p.periodSeconds })),
    selectPolicy: r.selectPolicy ?? 'Min',
    stabilizationWindowSeconds: window,
  };
}

/**
 * Render a behaviour to the `autoscaling/v2` shape (validated); KEDA's
 * `advanced.horizontalPodAutoscalerConfig.behavior` has the same shape.
 */
export function renderBehavior(path: string, b: ScalingBehavior): k8s.HorizontalPodAutoscalerBehaviorV2 {
  return {
    scaleUp: renderRules(path, 'behavior.scaleUp', b.scaleUp, 0),
    scaleDown: renderRules(path, 'behavior.scaleDown', b.scaleDown, 300),
  };
}

/** Replica bounds shared by HPA and KEDA. */
export interface ReplicaBounds {
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

export function assertBounds(path: string, b: ReplicaBounds): void {
  assertInt(path, 'minReplicas', b.minReplicas, 1);
  assertInt(path, 'maxReplicas', b.maxReplicas, 1);
  if (b.minReplicas > b.maxReplicas) {
    throw new ConfigError(
      `${path}: minReplicas (${b.minReplicas}) must not exceed maxReplicas (${b.maxReplicas})`,
    );
  }
}

/** CPU/memory autoscaling of a workload. */
export interface AutoscalingOptions extends ReplicaBounds {
  /** Target average CPU utilisation in percent of requests. @default none (then memory is required) */
  readonly cpuUtilization?: number;
  /** Target average memory utilisation in percent of requests. @default none */
  readonly memoryUtilization?: number;
  /** Scale-up/scale-down behaviour; always explicit on the platform. */
  readonly behavior: ScalingBehavior;
}

export interface HorizontalPodAutoscalerProps extends AutoscalingOptions {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  /** The scaled Deployment's name. */
  readonly deploymentName: string;
}

/** An `autoscaling/v2` HorizontalPodAutoscaler targeting a Deployment. */
export class HorizontalPodAutoscaler extends Construct {
  constructor(scope: Construct, id: string, props: HorizontalPodAutoscalerProps) {
    super(scope, id);
    const path = this.node.path;
    assertBounds(path, props);
    const metrics: k8s.MetricSpecV2[] = [];
    for (const [res, v] of [
      ['cpu', props.cpuUtilization],
      ['memory', props.memoryUtilization],
    ] as const) {
      if (v === undefined) continue;
      assertInt(path, `${res}Utilization`, v, 1, 100);
      metrics.push({
        type: 'Resource',
        resource: { name: res, target: { type: 'Utilization', averageUtilization: v } },
      });
    }
    if (!metrics.length)
      throw new ConfigError(`${path}: set cpuUtilization and/or memoryUtilization to scale on`);
    kubeObject(
      this,
      'Resource',
      k8s.KubeHorizontalPodAutoscalerV2,
      {
        name: props.name,
        namespace: props.namespace,
        labels: props.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.workload },
      },
      {
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deploymentName },
          minReplicas: props.minReplicas,
          maxReplicas: props.maxReplicas,
          metrics,
          behavior: renderBehavior(path, props.behavior),
        },
      },
    );
  }
}

/** KEDA scaling on the length of a Redis list (the job queue). */
export interface RedisQueueScalingOptions extends ReplicaBounds {
  /** The Redis list holding pending jobs. */
  readonly listName: string;
  /** Target pending jobs per replica; the seeds scale when the depth exceeds 100. */
  readonly listLength: number;
  /** Secret holding the Redis connection (`address` host:port, optionally `password`), e.g. from an ExternalSecret. */
  readonly connectionSecret: {
    readonly name: string;
    readonly addressKey: string;
    readonly passwordKey?: string;
  };
  /** Connect with TLS (ElastiCache in-transit encryption). @default true */
  readonly enableTLS?: boolean;
  /** HPA behaviour KEDA applies. */
  readonly behavior: ScalingBehavior;
  /** Seconds between queue polls. @default 30 */
  readonly pollingInterval?: number;
  /** Seconds to wait after the last active trigger before scaling to minReplicas. @default 300 */
  readonly cooldownPeriod?: number;
}

export interface RedisQueueScaledObjectProps extends RedisQueueScalingOptions {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  readonly deploymentName: string;
}

/** A KEDA `ScaledObject` (plus its `TriggerAuthentication`) scaling a Deployment on Redis queue depth. */
export class RedisQueueScaledObject extends Construct {
  constructor(scope: Construct, id: string, props: RedisQueueScaledObjectProps) {
    super(scope, id);
    const path = this.node.path;
    assertBounds(path, props);
    assertInt(path, 'listLength', props.listLength, 1);
    const secretTargetRef: keda.TriggerAuthenticationSpecSecretTargetRef[] = [
      { parameter: 'address', name: props.connectionSecret.name, key: props.connectionSecret.addressKey },
    ];
    if (props.connectionSecret.passwordKey) {
      secretTargetRef.push({
        parameter: 'password',
        name: props.connectionSecret.name,
        key: props.connectionSecret.passwordKey,
      });
    }
    const annotations = { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.workload };
    kubeObject(
      this,
      'Auth',
      keda.TriggerAuthentication,
      { name: `${props.name}-redis`, namespace: props.namespace, labels: props.labels, annotations },
      { spec: { secretTargetRef } },
    );
    kubeObject(
      this,
      'Resource',
      keda.ScaledObject,
      { name: props.name, namespace: props.namespace, labels: props.labels, annotations },
      {
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deploymentName },
          minReplicaCount: props.minReplicas,
          maxReplicaCount: props.maxReplicas,
          pollingInterval: props.pollingInterval ?? 30,
          cooldownPeriod: props.cooldownPeriod ?? 300,
          advanced: {
            horizontalPodAutoscalerConfig: {
              name: props.name,
              behavior: renderBehavior(path, props.behavior),
            },
          },
          triggers: [
            {
              type: 'redis',
              metadata: {
                listName: props.listName,
                listLength: String(props.listLength),
                enableTLS: (props.enableTLS ?? true) ? 'true' : 'false',
              },
              authenticationRef: { name: `${props.name}-redis` },
            },
          ],
        },
      },
    );
  }
}

export interface PodDisruptionBudgetProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  readonly selector: Record<string, string>;
  /**
   * Pods that may be down at once. Must be >= 1 so node drains can always evict
   * (a PDB that allows no eviction blocks cluster upgrades).
   * @default 1
   */
  readonly maxUnavailable?: number;
}

/** A `policy/v1` PodDisruptionBudget that always leaves room for one eviction. */
export class PodDisruptionBudget extends Construct {
  constructor(scope: Construct, id: string, props: PodDisruptionBudgetProps) {
    super(scope, id);
    const maxUnavailable = props.maxUnavailable ?? 1;
    assertInt(this.node.path, 'maxUnavailable', maxUnavailable, 1);
    kubeObject(
      this,
      'Resource',
      k8s.KubePodDisruptionBudget,
      {
        name: props.name,
        namespace: props.namespace,
        labels: props.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.workload },
      },
      {
        spec: {
          maxUnavailable: intOrString(maxUnavailable),
          selector: { matchLabels: { ...props.selector } },
        },
      },
    );
  }
}

/** Spread pods across availability zones (and nodes). */
export function zoneSpreadConstraints(
  selector: Record<string, string>,
  whenUnsatisfiable: 'ScheduleAnyway' | 'DoNotSchedule' = 'ScheduleAnyway',
): k8s.TopologySpreadConstraint[] {
  return [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable,
      labelSelector: { matchLabels: { ...selector } },
    },
    {
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { ...selector } },
    },
  ];
}
