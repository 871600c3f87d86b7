/**
 * ODE, the Oxidized Document Engine (seed 004): `ode-api` (HPA 2-10 on CPU 70 % / memory 80 %),
 * `ode-worker` (KEDA 2-20 on Redis queue depth > 100, 120 s graceful shutdown), `ode-viewer` behind
 * the ingress; metrics and worker health on 9090; database and Redis URLs from External Secrets;
 * IRSA for the S3 documents bucket (MinIO with store-provided credentials on premises).
 */
import type { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import {
  appIngressGuards,
  defineSystem,
  failWhen,
  imageFitsPlatform,
  minNotAboveMax,
  noOpenCidr,
  privateCidrsWhen,
  requestsWithinLimits,
  type ChartGuard,
  validCidr,
} from '@gitops/render';
import {
  AppIngress,
  behaviorOf,
  ClusterSecretStore,
  componentLabels,
  DefaultDenyNetworkPolicy,
  ExternalSecret,
  GuardedNamespace,
  ingressControllerPeer,
  IrsaServiceAccount,
  kubeObject,
  NetworkPolicy,
  QueueWorker,
  selectorLabels,
  ServiceMonitor,
  SYNC_WAVE,
  SYNC_WAVE_ANNOTATION,
  systemLabels,
  WebService,
  type EnvVar,
  type PodIdentity,
  secretBackendFor,
} from '@gitops/platform';
import { APP_VERSION, defaults, environments, renderTime } from './environments';
import { valuesSchema, type Values } from './values';

const SYSTEM = 'ode';
export const HTTP_PORT = 8080;
/** Seed 004: all pods expose metrics on 9090 (the worker also /health). */
export const METRICS_PORT = 9090;
export const DOCUMENTS_SA = 'ode-documents';

export function build(chart: Chart, v: Values): void {
  const ns = v.namespace;
  const labels = systemLabels(SYSTEM);
  const aws = v.platform.provider === 'aws';
  const constraints = { allowedRegistries: v.platform.allowedRegistries, nodeArch: v.platform.nodeArch };

  new GuardedNamespace(chart, 'Namespace', {
    name: ns,
    labels,
    albReadinessGate: v.platform.ingressController === 'alb',
    quota: { ...v.quota },
    limitRange: {
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      defaultLimit: { cpu: '500m', memory: '512Mi' },
      max: { cpu: '2', memory: '2Gi' },
    },
  });

  const store = new ClusterSecretStore(chart, 'SecretStore', {
    name: v.secrets.storeName,
    labels,
    backend: secretBackendFor(v.platform.secretsProvider, v.secrets),
    namespaces: [v.namespace],
  });
  // The seed's `ode-secrets` (database-url, redis-url) is no longer patched by hand: synced from the store.
  const keys = ['database-url', 'redis-url', 'redis-address', 'redis-password'];
  const secret = new ExternalSecret(chart, 'Secrets', {
    name: 'ode-secrets',
    namespace: ns,
    labels,
    storeName: store.storeName,
    data: keys.map((k) => ({ secretKey: k, remoteKey: v.secrets.remoteKey, property: k })),
  });
  const s = (name: string, key: string): EnvVar => ({ name, secret: { name: secret.secretName, key } });
  // On premises there is no IRSA: MinIO credentials come from the store. On AWS the Secret does not
  // exist, the optional variables stay unset and the SDK uses the IRSA web identity.
  const OBJECT_STORE_SECRET = 'ode-object-store';
  if (!aws) {
    new ExternalSecret(chart, 'ObjectStore', {
      name: OBJECT_STORE_SECRET,
      namespace: ns,
      labels,
      storeName: store.storeName,
      data: [
        { secretKey: 'access-key-id', remoteKey: v.secrets.remoteKey, property: 's3-access-key-id' },
        { secretKey: 'secret-access-key', remoteKey: v.secrets.remoteKey, property: 's3-secret-access-key' },
      ],
    });
  }

  // S3 documents: IRSA on AWS; on premises a token-less ServiceAccount.
  if (aws) {
    new IrsaServiceAccount(chart, 'DocumentsServiceAccount', {
      name: DOCUMENTS_SA,
      namespace: ns,
      labels,
      roleArn: v.documents.irsaRoleArn,
    });
  } else {
    kubeObject(
      chart,
      'DocumentsServiceAccount',
      k8s.KubeServiceAccount,
      {
        name: DOCUMENTS_SA,
        namespace: ns,
        labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.externalSecret },
      },
      { automountServiceAccountToken: false },
    );
  }
  const documents: PodIdentity = { serviceAccountName: DOCUMENTS_SA, irsa: v.documents.irsa };
  const appEnv: EnvVar[] = [
    s('DATABASE_URL', 'database-url'),
    s('REDIS_URL', 'redis-url'),
    { name: 'DOCUMENTS_BUCKET', value: v.documents.bucket },
    { name: 'AWS_REGION', value: v.documents.region },
    { name: 'S3_ENDPOINT', value: v.documents.s3Endpoint },
    {
      name: 'AWS_ACCESS_KEY_ID',
      secret: { name: OBJECT_STORE_SECRET, key: 'access-key-id', optional: true },
    },
    {
      name: 'AWS_SECRET_ACCESS_KEY',
      secret: { name: OBJECT_STORE_SECRET, key: 'secret-access-key', optional: true },
    },
    { name: 'METRICS_PORT', value: String(METRICS_PORT) },
    { name: 'RUST_LOG', value: 'info' },
  ];

  const api = new WebService(chart, 'Api', {
    system: SYSTEM,
    component: 'api',
    name: 'ode-api',
    namespace: ns,
    image: v.api.image,
    imageConstraints: constraints,
    // EKS 1.29 has no native preStop sleep (alpha, off): the drain delay runs the image's sleep, so the
    // images must ship one (a distroless build would need preStopDelaySeconds: 0 until the 1.30 upgrade).
    preStopSleep: 'exec',
    port: HTTP_PORT,
    metricsPort: METRICS_PORT,
    health: { path: '/health' },
    autoscaling: {
      minReplicas: v.api.autoscaling.minReplicas,
      maxReplicas: v.api.autoscaling.maxReplicas,
      cpuUtilization: v.api.autoscaling.cpuUtilization,
      memoryUtilization: v.api.autoscaling.memoryUtilization,
      behavior: behaviorOf(v.api.autoscaling.behavior),
    },
    podDisruptionBudget: true,
    zoneSpread: v.platform.zoneSpread,
    resources: v.api.resources,
    env: [{ name: 'PORT', value: String(HTTP_PORT) }, ...appEnv],
    serviceAccount: documents,
  });

  const q = v.worker.queueScaling;
  const worker = new QueueWorker(chart, 'Worker', {
    system: SYSTEM,
    component: 'worker',
    name: 'ode-worker',
    namespace: ns,
    image: v.worker.image,
    imageConstraints: constraints,
    metricsPort: METRICS_PORT,
    healthPath: '/health',
    queueScaling: {
      minReplicas: q.minReplicas,
      maxReplicas: q.maxReplicas,
      listName: q.listName,
      listLength: q.queueDepth,
      connectionSecret: {
        name: secret.secretName,
        addressKey: 'redis-address',
        passwordKey: 'redis-password',
      },
      // ElastiCache in-transit encryption; the lab's Redis serves TLS too.
      enableTLS: true,
      behavior: behaviorOf(q.behavior),
    },
    podDisruptionBudget: true,
    zoneSpread: v.platform.zoneSpread,
    shutdownGracePeriodSeconds: v.worker.shutdownGracePeriodSeconds,
    resources: v.worker.resources,
    env: appEnv,
    serviceAccount: documents,
  });

  const viewer = new WebService(chart, 'Viewer', {
    system: SYSTEM,
    component: 'viewer',
    name: 'ode-viewer',
    namespace: ns,
    image: v.viewer.image,
    imageConstraints: constraints,
    preStopSleep: 'exec',
    port: HTTP_PORT,
    metricsPort: METRICS_PORT,
    health: { path: '/health' },
    replicas: v.viewer.replicas,
    podDisruptionBudget: true,
    zoneSpread: v.platform.zoneSpread,
    resources: v.viewer.resources,
    env: [
      { name: 'PORT', value: String(HTTP_PORT) },
      { name: 'METRICS_PORT', value: String(METRICS_PORT) },
      { name: 'ODE_API_URL', value: `http://ode-api.${ns}.svc.cluster.local:${HTTP_PORT}` },
    ],
  });

  const common = {
    namespace: ns,
    labels,
    controller: v.platform.ingressController,
    allowedCidrs: v.ingress.allowedCidrs,
    tls: v.ingress.tls.enabled,
  } as const;
  const alb = {
    scheme: 'internet-facing' as const,
    groupName: v.ingress.groupName,
    healthCheckPath: '/health',
    certificateArn: v.ingress.tls.certificateArn,
  };
  new AppIngress(chart, 'ViewerIngress', {
    ...common,
    name: 'ode-viewer',
    host: v.ingress.viewerHost,
    routes: [{ path: '/', serviceName: viewer.serviceName, servicePort: viewer.servicePort }],
    alb,
  });
  new AppIngress(chart, 'ApiIngress', {
    ...common,
    name: 'ode-api',
    host: v.ingress.apiHost,
    routes: [{ path: '/', serviceName: api.serviceName, servicePort: api.servicePort }],
    alb,
  });

  for (const [id, w] of [
    ['ApiMonitor', api],
    ['WorkerMonitor', worker],
    ['ViewerMonitor', viewer],
  ] as const) {
    new ServiceMonitor(chart, id, {
      name: w.name,
      namespace: ns,
      labels: w.labels,
      selector: w.selector,
      port: 'metrics',
    });
  }

  new DefaultDenyNetworkPolicy(chart, 'DefaultDeny', { namespace: ns, labels });
  const prometheus = { namespaces: { 'kubernetes.io/metadata.name': 'monitoring' }, ports: [METRICS_PORT] };
  // RDS 5432, ElastiCache 6379 in the VPC; S3/STS (or MinIO) over HTTPS.
  const dataEgress = [
    { cidr: v.network.vpcCidr, ports: [5432, 6379] },
    { cidr: v.network.objectStoreEgress.cidr, ports: [v.network.objectStoreEgress.port] },
  ];
  new NetworkPolicy(chart, 'ApiPolicy', {
    name: 'ode-api',
    namespace: ns,
    labels: componentLabels({ system: SYSTEM, component: 'api' }),
    podSelector: selectorLabels({ system: SYSTEM, component: 'api' }),
    ingress: [
      ingressControllerPeer(v.platform.ingressController, v.network.vpcCidr, [HTTP_PORT]),
      { pods: selectorLabels({ system: SYSTEM, component: 'viewer' }), ports: [HTTP_PORT] },
      prometheus,
    ],
    egress: dataEgress,
  });
  new NetworkPolicy(chart, 'WorkerPolicy', {
    name: 'ode-worker',
    namespace: ns,
    labels: componentLabels({ system: SYSTEM, component: 'worker' }),
    podSelector: selectorLabels({ system: SYSTEM, component: 'worker' }),
    ingress: [prometheus],
    egress: dataEgress,
  });
  new NetworkPolicy(chart, 'ViewerPolicy', {
    name: 'ode-viewer',
    namespace: ns,
    labels: componentLabels({ system: SYSTEM, component: 'viewer' }),
    podSelector: selectorLabels({ system: SYSTEM, component: 'viewer' }),
    ingress: [
      ingressControllerPeer(v.platform.ingressController, v.network.vpcCidr, [HTTP_PORT]),
      prometheus,
    ],
    egress: [{ pods: selectorLabels({ system: SYSTEM, component: 'api' }), ports: [HTTP_PORT] }],
  });
}

/** The refinements of `values.ts` and the constructs' checks, as Helm guards. */
export const chartGuards: ChartGuard[] = [
  ...imageFitsPlatform('api'),
  ...imageFitsPlatform('worker'),
  ...imageFitsPlatform('viewer'),
  minNotAboveMax('api.autoscaling'),
  minNotAboveMax('worker.queueScaling'),
  ...requestsWithinLimits('api.resources'),
  ...requestsWithinLimits('worker.resources'),
  ...requestsWithinLimits('viewer.resources'),
  failWhen(
    ['documents.irsa', 'platform.provider'],
    'ne (eq (toString .Values.documents.irsa) "true") (eq (toString .Values.platform.provider) "aws")',
    'documents.irsa: IRSA exists on AWS only: set irsa to true on aws and false on premises',
  ),
  noOpenCidr('ingress.allowedCidrs', 'ode is not a public service: restrict the CIDRs'),
  privateCidrsWhen(
    'ingress.allowedCidrs',
    'eq (toString .Values.platform.provider) "onprem"',
    'private RFC 1918 CIDRs only on premises',
  ),
  ...appIngressGuards(),
  validCidr('network.vpcCidr'),
  validCidr('network.objectStoreEgress.cidr'),
];

export default defineSystem<Values>({
  name: SYSTEM,
  description: 'ODE (Oxidized Document Engine): document API, queue workers and viewer on EKS (seed 004)',
  chartVersion: '0.2.0',
  appVersion: APP_VERSION,
  schema: valuesSchema,
  defaults,
  environments,
  argoSource: 'kustomize',
  renderTime,
  chartGuards,
  build,
});
