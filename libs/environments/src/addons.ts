import type { EnvironmentName } from './environments';

/**
 * The cluster add-ons each environment runs, as data: which API groups, versions and kinds they
 * serve, which IngressClass they implement, and how their storage classes bind. The sync-plan check
 * (`libs/sync-plan`) refuses an object whose kind no declared add-on (nor Kubernetes itself) serves,
 * an Ingress whose class no add-on implements, and a claim whose class waits for a consumer that
 * syncs later. Versions are the chart versions installed by the platform team's cluster bootstrap.
 */

/** An API group/version served by an add-on's CRDs, and the kinds in it. */
export interface ServedApi {
  readonly group: string;
  readonly versions: readonly string[];
  readonly kinds: readonly string[];
}

/** One cluster add-on (a Helm release installed before any system syncs). */
export interface ClusterAddOn {
  /** Helm chart name, e.g. `external-secrets`. */
  readonly name: string;
  /** Chart version, e.g. `0.19.2`. */
  readonly version: string;
  /** What it serves (CRDs). */
  readonly serves: readonly ServedApi[];
  /** IngressClass names it implements. @default none */
  readonly ingressClasses?: readonly string[];
  /**
   * For ingress controllers: whether it writes the load balancer address into `Ingress.status`.
   * Argo CD's built-in Ingress health stays `Progressing` until it does.
   * @default true
   */
  readonly publishesIngressStatus?: boolean;
}

/** How a StorageClass binds claims (`volumeBindingMode`). */
export type VolumeBindingMode = 'Immediate' | 'WaitForFirstConsumer';

const EXTERNAL_SECRETS: ClusterAddOn = {
  name: 'external-secrets',
  version: '0.19.2',
  serves: [
    {
      group: 'external-secrets.io',
      versions: ['v1', 'v1beta1'],
      kinds: [
        'ExternalSecret',
        'SecretStore',
        'ClusterSecretStore',
        'ClusterExternalSecret',
        'PushSecret',
        'ClusterPushSecret',
      ],
    },
  ],
};

const KEDA: ClusterAddOn = {
  name: 'keda',
  version: '2.16.1',
  serves: [
    {
      group: 'keda.sh',
      versions: ['v1alpha1'],
      kinds: ['ScaledObject', 'ScaledJob', 'TriggerAuthentication', 'ClusterTriggerAuthentication'],
    },
    // KEDA's metrics server: the External metrics of the HPAs it creates.
    { group: 'external.metrics.k8s.io', versions: ['v1beta1'], kinds: [] },
  ],
};

/**
 * metrics-server: the resource metrics API (`metrics.k8s.io`) every HPA on CPU or memory reads. Without
 * it the HPA reports `FailedGetResourceMetric`, which Argo CD's HPA health counts as Degraded.
 */
const METRICS_SERVER: ClusterAddOn = {
  name: 'metrics-server',
  version: '3.12.2',
  serves: [{ group: 'metrics.k8s.io', versions: ['v1beta1'], kinds: ['PodMetrics', 'NodeMetrics'] }],
};

/** kube-prometheus-stack v67.6.1 (seed 003), which runs Prometheus Operator v0.79. */
const PROMETHEUS_OPERATOR: ClusterAddOn = {
  name: 'kube-prometheus-stack',
  version: '67.6.1',
  serves: [
    {
      group: 'monitoring.coreos.com',
      versions: ['v1'],
      kinds: ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Probe', 'Prometheus', 'Alertmanager'],
    },
    {
      group: 'monitoring.coreos.com',
      versions: ['v1alpha1'],
      kinds: ['ScrapeConfig', 'AlertmanagerConfig', 'PrometheusAgent'],
    },
  ],
};

const AWS_LOAD_BALANCER_CONTROLLER: ClusterAddOn = {
  name: 'aws-load-balancer-controller',
  version: '1.11.0',
  serves: [
    { group: 'elbv2.k8s.aws', versions: ['v1beta1'], kinds: ['TargetGroupBinding', 'IngressClassParams'] },
  ],
  ingressClasses: ['alb'],
  publishesIngressStatus: true,
};

/**
 * ingress-nginx in the mini-corp lab: exposed through a NodePort Service (no LoadBalancer
 * implementation on the lab network), so the controller never publishes an address into
 * `Ingress.status` and Argo CD's Ingress health never leaves `Progressing`.
 */
const INGRESS_NGINX_LAB: ClusterAddOn = {
  name: 'ingress-nginx',
  version: '4.11.3',
  serves: [],
  ingressClasses: ['nginx'],
  publishesIngressStatus: false,
};

/** What an environment's clusters run besides Kubernetes. */
export interface EnvironmentCluster {
  readonly addOns: readonly ClusterAddOn[];
  /** `volumeBindingMode` of every StorageClass the platform uses there. */
  readonly storageClasses: Readonly<Record<string, VolumeBindingMode>>;
  /** Services of type LoadBalancer get an address (a cloud load balancer implementation exists). */
  readonly loadBalancerServices: boolean;
}

export const CLUSTER_ADDONS: Readonly<Record<EnvironmentName, EnvironmentCluster>> = {
  dev: {
    addOns: [EXTERNAL_SECRETS, KEDA, METRICS_SERVER, PROMETHEUS_OPERATOR, AWS_LOAD_BALANCER_CONTROLLER],
    // EBS CSI gp3 binds when the pod is scheduled (zonal volume); EFS is regional.
    storageClasses: { gp3: 'WaitForFirstConsumer', 'efs-sc': 'Immediate' },
    loadBalancerServices: true,
  },
  prod: {
    addOns: [EXTERNAL_SECRETS, KEDA, METRICS_SERVER, PROMETHEUS_OPERATOR, AWS_LOAD_BALANCER_CONTROLLER],
    storageClasses: { gp3: 'WaitForFirstConsumer', 'efs-sc': 'Immediate' },
    loadBalancerServices: true,
  },
  'mini-corp': {
    addOns: [EXTERNAL_SECRETS, KEDA, METRICS_SERVER, PROMETHEUS_OPERATOR, INGRESS_NGINX_LAB],
    // rancher local-path-provisioner binds on the node the pod lands on; nfs-subdir provisions at once.
    storageClasses: { 'local-path': 'WaitForFirstConsumer', 'nfs-client': 'Immediate' },
    // No LoadBalancer implementation on the lab network (ingress-nginx runs behind a NodePort).
    loadBalancerServices: false,
  },
};
