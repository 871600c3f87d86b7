/**
 * Namespace guardrails: Pod Security Standards `restricted` labels, the ALB pod readiness-gate
 * label (so rollouts wait for targets to be healthy), a ResourceQuota and a LimitRange.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import {
  assertDnsLabel,
  kubeObject,
  parseQuantity,
  quantities,
  STATEFUL_SYNC_OPTIONS,
  SYNC_WAVE,
  SYNC_WAVE_ANNOTATION,
} from './core';

export const READINESS_GATE_LABEL = 'elbv2.k8s.aws/pod-readiness-gate-inject';

/** Namespace-wide totals. */
export interface QuotaProps {
  readonly requestsCpu: string;
  readonly requestsMemory: string;
  readonly limitsCpu: string;
  readonly limitsMemory: string;
  /** @default none */
  readonly pods?: number;
  /** @default none */
  readonly persistentVolumeClaims?: number;
  /** @default none */
  readonly requestsStorage?: string;
}

/** Per-container defaults and bounds (defaults only apply to containers the platform did not size). */
export interface LimitRangeProps {
  readonly defaultRequest: { readonly cpu: string; readonly memory: string };
  readonly defaultLimit: { readonly cpu: string; readonly memory: string };
  readonly max: { readonly cpu: string; readonly memory: string };
}

export interface GuardedNamespaceProps {
  readonly name: string;
  /**
   * Base name of the ResourceQuota (`<base>-quota`) and LimitRange (`<base>-limits`). Keep it the same
   * in every environment (e.g. the system name) so the objects keep their identity when the namespace
   * name differs per environment.
   * @default the namespace name
   */
  readonly guardrailsName?: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  /** Label the namespace for ALB pod readiness gates (needed by target-type ip). @default false */
  readonly albReadinessGate?: boolean;
  /** PSS level enforced. @default 'restricted' */
  readonly podSecurity?: 'restricted' | 'baseline';
  readonly quota: QuotaProps;
  readonly limitRange: LimitRangeProps;
}

/** A Namespace with PSS labels, ResourceQuota and LimitRange. */
export class GuardedNamespace extends Construct {
  readonly namespaceName: string;
  constructor(scope: Construct, id: string, props: GuardedNamespaceProps) {
    super(scope, id);
    const path = this.node.path;
    assertDnsLabel(path, 'name', props.name);
    this.namespaceName = props.name;
    const level = props.podSecurity ?? 'restricted';
    const labels: Record<string, string> = {
      ...props.labels,
      'kubernetes.io/metadata.name': props.name,
      'pod-security.kubernetes.io/enforce': level,
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    };
    if (props.albReadinessGate) labels[READINESS_GATE_LABEL] = 'enabled';
    kubeObject(
      this,
      'Namespace',
      k8s.KubeNamespace,
      {
        name: props.name,
        clusterScoped: true,
        labels,
        // Deleting the namespace deletes every claim in it: never pruned, kept when the Application is deleted.
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.namespace, ...STATEFUL_SYNC_OPTIONS },
      },
      {},
    );
    const q = props.quota;
    const hard: Record<string, string> = {
      'requests.cpu': q.requestsCpu,
      'requests.memory': q.requestsMemory,
      'limits.cpu': q.limitsCpu,
      'limits.memory': q.limitsMemory,
    };
    if (q.pods !== undefined) hard.pods = String(q.pods);
    if (q.persistentVolumeClaims !== undefined)
      hard.persistentvolumeclaims = String(q.persistentVolumeClaims);
    if (q.requestsStorage !== undefined) hard['requests.storage'] = q.requestsStorage;
    for (const [k, v] of Object.entries(hard)) parseQuantity(path, `quota.${k}`, v);
    const common = {
      namespace: props.name,
      labels: props.labels,
      annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.guardrails },
    };
    kubeObject(
      this,
      'Quota',
      k8s.KubeResourceQuota,
      { ...common, name: `${props.guardrailsName ?? props.name}-quota` },
      { spec: { hard: quantities(hard) } },
    );
    const lr = props.limitRange;
    for (const [k, v] of Object.entries({
      ...prefix('defaultRequest', lr.defaultRequest),
      ...prefix('default', lr.defaultLimit),
      ...prefix('max', lr.max),
    })) {
      parseQuantity(path, `limitRange.${k}`, v);
    }
    kubeObject(
      this,
      'LimitRange',
      k8s.KubeLimitRange,
      { ...common, name: `${props.guardrailsName ?? props.name}-limits` },
      {
        spec: {
          limits: [
            {
              type: 'Container',
              defaultRequest: quantities(lr.defaultRequest),
              default: quantities(lr.defaultLimit),
              max: quantities(lr.max),
            },
          ],
        },
      },
    );
  }
}

function prefix(p: string, o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [`${p}.${k}`, v]));
}
