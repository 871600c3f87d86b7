/**
 * AegisTickets-Lite (seed 003): backend (2 replicas, HPA) serving /api/* (events, basket,
 * checkout), non-root nginx frontend on 8080 serving /, RDS credentials via External Secrets,
 * internet-facing ALB (target-type ip), SLO recording rules and burn-rate alerts, ResourceQuota.
 */
import type { Chart } from 'cdk8s';
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
  DefaultDenyNetworkPolicy,
  ExternalSecret,
  GuardedNamespace,
  ingressControllerPeer,
  NetworkPolicy,
  selectorLabels,
  ServiceMonitor,
  SloRules,
  systemLabels,
  secretBackendFor,
  WebService,
  type EnvVar,
} from '@gitops/platform';
import { APP_VERSION, defaults, environments, renderTime } from './environments';
import { valuesSchema, type Values } from './values';

const SYSTEM = 'aegis-tickets';
export const BACKEND_PORT = 8000;
/** Seed 003: nginx as non-root cannot bind 80; it listens on 8080. */
export const FRONTEND_PORT = 8080;

export function build(chart: Chart, v: Values): void {
  const ns = v.namespace;
  const labels = systemLabels(SYSTEM);
  const alb = v.platform.ingressController === 'alb';
  const constraints = { allowedRegistries: v.platform.allowedRegistries, nodeArch: v.platform.nodeArch };

  new GuardedNamespace(chart, 'Namespace', {
    guardrailsName: 'aegis-tickets',
    name: ns,
    labels,
    albReadinessGate: v.platform.ingressController === 'alb',
    quota: { ...v.quota },
    limitRange: {
      defaultRequest: { cpu: '50m', memory: '64Mi' },
      defaultLimit: { cpu: '500m', memory: '512Mi' },
      max: { cpu: '1', memory: '1Gi' },
    },
  });

  const store = new ClusterSecretStore(chart, 'SecretStore', {
    name: v.secretStore.name,
    labels,
    backend: secretBackendFor(v.platform.secretsProvider, v.secretStore),
    namespaces: [v.namespace],
  });
  const dbKeys = [
    ['DB_HOST', 'host'],
    ['DB_PORT', 'port'],
    ['DB_NAME', 'dbname'],
    ['DB_USER', 'username'],
    ['DB_PASSWORD', 'password'],
  ] as const;
  const db = new ExternalSecret(chart, 'Database', {
    name: `${SYSTEM}-database`,
    namespace: ns,
    labels,
    storeName: store.storeName,
    data: dbKeys.map(([secretKey, property]) => ({ secretKey, remoteKey: v.database.remoteKey, property })),
  });
  const dbEnv: EnvVar[] = dbKeys.map(([k]) => ({ name: k, secret: { name: db.secretName, key: k } }));

  const a = v.backend.autoscaling;
  const backend = new WebService(chart, 'Backend', {
    system: SYSTEM,
    component: 'backend',
    namespace: ns,
    image: v.backend.image,
    imageConstraints: constraints,
    // EKS 1.28 has no native preStop sleep: the alpine-based images (seed 003) ship busybox sleep.
    preStopSleep: 'exec',
    port: BACKEND_PORT,
    health: { path: '/api/health' },
    replicas: v.backend.replicas,
    autoscaling: a.enabled
      ? {
          minReplicas: a.minReplicas,
          maxReplicas: a.maxReplicas,
          cpuUtilization: a.cpuUtilization,
          memoryUtilization: a.memoryUtilization,
          behavior: behaviorOf({
            scaleUpPercent: 100,
            scaleUpPeriodSeconds: 60,
            scaleDownPercent: 50,
            scaleDownPeriodSeconds: 60,
            scaleDownStabilizationSeconds: 300,
          }),
        }
      : undefined,
    zoneSpread: v.platform.zoneSpread,
    // Two replicas at all times: a PDB keeps one up during node drains.
    podDisruptionBudget: true,
    resources: v.backend.resources,
    env: [{ name: 'PORT', value: String(BACKEND_PORT) }, ...dbEnv],
    serviceAnnotations: alb ? { 'alb.ingress.kubernetes.io/healthcheck-path': '/api/health' } : undefined,
  });

  const frontend = new WebService(chart, 'Frontend', {
    system: SYSTEM,
    component: 'frontend',
    namespace: ns,
    image: v.frontend.image,
    imageConstraints: constraints,
    preStopSleep: 'exec',
    port: FRONTEND_PORT,
    health: { path: '/' },
    replicas: v.frontend.replicas,
    resources: v.frontend.resources,
    // Seed 003: nginx as non-root needs writable cache and pid directories.
    runAs: { runAsUser: 101, runAsGroup: 101 },
    volumes: [
      { name: 'nginx-cache', mountPath: '/var/cache/nginx', emptyDir: { sizeLimit: '64Mi' } },
      { name: 'nginx-run', mountPath: '/var/run', emptyDir: { sizeLimit: '1Mi' } },
    ],
    tmpSizeLimit: '64Mi',
    serviceAnnotations: alb ? { 'alb.ingress.kubernetes.io/healthcheck-path': '/' } : undefined,
  });

  new AppIngress(chart, 'Ingress', {
    name: `${SYSTEM}-ingress`,
    namespace: ns,
    labels,
    controller: v.platform.ingressController,
    host: v.ingress.host,
    routes: [
      { path: '/api', serviceName: backend.serviceName, servicePort: backend.servicePort },
      { path: '/', serviceName: frontend.serviceName, servicePort: frontend.servicePort },
    ],
    allowedCidrs: v.ingress.allowedCidrs,
    public: v.ingress.public,
    tls: v.ingress.tls.enabled,
    alb: {
      scheme: 'internet-facing',
      groupName: v.ingress.groupName,
      healthCheckPath: '/api/health',
      certificateArn: v.ingress.tls.certificateArn,
    },
  });

  new ServiceMonitor(chart, 'BackendMonitor', {
    name: `${SYSTEM}-backend`,
    namespace: ns,
    labels,
    selector: backend.selector,
    port: 'http',
    path: '/metrics',
  });
  new SloRules(chart, 'Slo', {
    name: `${SYSTEM}-slo`,
    namespace: ns,
    labels,
    service: `${SYSTEM}-backend`,
    metrics: { selector: `service="${SYSTEM}-backend"` },
    objectives: {
      availability: { target: v.slo.availability, windowDays: v.slo.windowDays },
      latencyP95Seconds: v.slo.latencyP95Seconds,
      maxErrorRate: v.slo.maxErrorRate,
      // Application pool gauges (SQLAlchemy pool exported by the backend).
      dbSaturation: {
        expr: `sum(db_pool_connections_in_use{service="${SYSTEM}-backend"}) / clamp_min(sum(db_pool_connections_max{service="${SYSTEM}-backend"}), 1)`,
        max: v.slo.maxDbSaturation,
      },
    },
  });

  new DefaultDenyNetworkPolicy(chart, 'DefaultDeny', { namespace: ns, labels });
  const backendSel = selectorLabels({ system: SYSTEM, component: 'backend' });
  new NetworkPolicy(chart, 'FrontendPolicy', {
    name: `${SYSTEM}-frontend`,
    namespace: ns,
    labels,
    podSelector: selectorLabels({ system: SYSTEM, component: 'frontend' }),
    ingress: [ingressControllerPeer(v.platform.ingressController, v.network.vpcCidr, [FRONTEND_PORT])],
  });
  new NetworkPolicy(chart, 'BackendPolicy', {
    name: `${SYSTEM}-backend`,
    namespace: ns,
    labels,
    podSelector: backendSel,
    ingress: [
      ingressControllerPeer(v.platform.ingressController, v.network.vpcCidr, [BACKEND_PORT]),
      { namespaces: { 'kubernetes.io/metadata.name': 'monitoring' }, ports: [BACKEND_PORT] },
    ],
    egress: [{ cidr: v.network.vpcCidr, ports: [5432] }],
  });
}

/** The refinements of `values.ts` and the constructs' checks, as Helm guards. */
export const chartGuards: ChartGuard[] = [
  ...imageFitsPlatform('backend'),
  ...imageFitsPlatform('frontend'),
  minNotAboveMax('backend.autoscaling'),
  ...requestsWithinLimits('backend.resources'),
  ...requestsWithinLimits('frontend.resources'),
  noOpenCidr(
    'ingress.allowedCidrs',
    '0.0.0.0/0 is allowed but the ingress is not declared public (ingress.public)',
    'eq (toString .Values.ingress.public) "true"',
  ),
  failWhen(
    ['ingress.public', 'platform.provider'],
    'and (eq (toString .Values.platform.provider) "onprem") (eq (toString .Values.ingress.public) "true")',
    'ingress.public: an isolated on-prem environment cannot be public',
  ),
  privateCidrsWhen(
    'ingress.allowedCidrs',
    'eq (toString .Values.platform.provider) "onprem"',
    'private RFC 1918 CIDRs only on premises',
  ),
  ...appIngressGuards(),
  validCidr('network.vpcCidr'),
];

export default defineSystem<Values>({
  name: SYSTEM,
  description: 'AegisTickets-Lite: ticketing API and nginx storefront with SLOs (seed 003)',
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
