/**
 * Mini-XDR (seeds 000-002): FastAPI backend (8000, `/health`, 90 s model loading, EFS models +
 * EBS data, single replica), Next.js frontend (3000), Alembic migrations before each sync, RDS
 * credentials from the secret store, IP-restricted ALB (HTTPS in prod); ingress-nginx in mini-corp.
 */
import type { Chart } from 'cdk8s';
import {
  appIngressGuards,
  defineSystem,
  failWhen,
  failWhenf,
  imageFitsPlatform,
  minNotAboveMax,
  noOpenCidr,
  privateCidrsWhen,
  requestsWithinLimits,
  validCidr,
  type ChartGuard,
} from '@gitops/render';
import {
  AppIngress,
  ClusterSecretStore,
  DefaultDenyNetworkPolicy,
  ExternalSecret,
  GuardedNamespace,
  ingressControllerPeer,
  MigrationJob,
  NetworkPolicy,
  PersistentClaim,
  selectorLabels,
  systemLabels,
  secretBackendFor,
  WebService,
  type EnvVar,
} from '@gitops/platform';
import { APP_VERSION, defaults, environments, renderTime } from './environments';
import { valuesSchema, type Values } from './values';

const SYSTEM = 'mini-xdr';
export const BACKEND_PORT = 8000;
export const FRONTEND_PORT = 3000;

export function build(chart: Chart, v: Values): void {
  const ns = v.namespace;
  const labels = systemLabels(SYSTEM);
  const alb = v.platform.ingressController === 'alb';
  const constraints = { allowedRegistries: v.platform.allowedRegistries, nodeArch: v.platform.nodeArch };

  new GuardedNamespace(chart, 'Namespace', {
    name: ns,
    labels,
    albReadinessGate: v.platform.ingressController === 'alb',
    // Backend 1 + frontend 2 + migration job + one surge pod, with room for a rollout.
    quota: {
      requestsCpu: '3',
      requestsMemory: '6Gi',
      limitsCpu: '8',
      limitsMemory: '14Gi',
      pods: 12,
      persistentVolumeClaims: 4,
    },
    limitRange: {
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      defaultLimit: { cpu: '500m', memory: '512Mi' },
      max: { cpu: '2', memory: '4Gi' },
    },
  });

  const store = new ClusterSecretStore(chart, 'SecretStore', {
    name: v.secretStore.name,
    labels,
    backend: secretBackendFor(v.platform.secretsProvider, v.secretStore),
    namespaces: [v.namespace],
  });
  const db = new ExternalSecret(chart, 'Database', {
    name: `${SYSTEM}-database`,
    namespace: ns,
    labels,
    storeName: store.storeName,
    data: [{ secretKey: 'DATABASE_URL', remoteKey: v.database.remoteKey, property: v.database.property }],
  });
  const dbEnv: EnvVar = { name: 'DATABASE_URL', secret: { name: db.secretName, key: 'DATABASE_URL' } };

  const models = new PersistentClaim(chart, 'Models', {
    name: `${SYSTEM}-models`,
    namespace: ns,
    labels,
    size: v.backend.storage.models.size,
    accessMode: v.backend.storage.models.accessMode,
    storageClasses: v.platform.storageClasses,
  });
  const data = new PersistentClaim(chart, 'Data', {
    name: `${SYSTEM}-data`,
    namespace: ns,
    labels,
    size: v.backend.storage.data.size,
    accessMode: v.backend.storage.data.accessMode,
    storageClasses: v.platform.storageClasses,
  });

  // Seed 000: one worker keeps memory down, /tmp is explicit, logs unbuffered; matplotlib caches in /tmp.
  const backendEnv: EnvVar[] = [
    { name: 'UVICORN_WORKERS', value: '1' },
    { name: 'TMPDIR', value: '/tmp' },
    { name: 'PYTHONUNBUFFERED', value: '1' },
    { name: 'MPLCONFIGDIR', value: '/tmp/matplotlib' },
    dbEnv,
  ];

  if (v.migration.enabled) {
    new MigrationJob(chart, 'Migrate', {
      system: SYSTEM,
      component: 'migrate',
      namespace: ns,
      image: v.backend.image,
      imageConstraints: constraints,
      command: ['alembic', 'upgrade', 'head'],
      env: backendEnv,
      // Alembic imports the app's models only; a fraction of the backend's footprint.
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      tmpSizeLimit: '256Mi',
    });
  }

  const backend = new WebService(chart, 'Backend', {
    system: SYSTEM,
    component: 'backend',
    namespace: ns,
    image: v.backend.image,
    imageConstraints: constraints,
    // 1.30+ everywhere: the drain delay is the native preStop sleep, no binary needed in the image.
    kubernetesVersion: v.cluster.kubernetesVersion,
    port: BACKEND_PORT,
    health: { path: '/health' },
    // Seed 000's stabilised figures: readiness after 90 s, liveness after 120 s, start-up allowed 150 s.
    readiness: { path: '/health', initialDelaySeconds: v.backend.probes.readinessInitialDelaySeconds },
    liveness: { path: '/health', initialDelaySeconds: v.backend.probes.livenessInitialDelaySeconds },
    maxStartupSeconds: v.backend.maxStartupSeconds,
    replicas: v.backend.replicas,
    autoscaling: v.backend.autoscaling.enabled
      ? {
          minReplicas: v.backend.autoscaling.minReplicas,
          maxReplicas: v.backend.autoscaling.maxReplicas,
          cpuUtilization: v.backend.autoscaling.cpuUtilization,
          memoryUtilization: v.backend.autoscaling.memoryUtilization,
          behavior: {
            scaleUp: {
              policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }],
              stabilizationWindowSeconds: 60,
            },
            scaleDown: {
              policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }],
              stabilizationWindowSeconds: 600,
            },
          },
        }
      : undefined,
    resources: v.backend.resources,
    env: backendEnv,
    tmpSizeLimit: v.backend.tmpSize,
    volumes: [
      { name: 'models', mountPath: '/app/models', claim: models },
      { name: 'data', mountPath: '/app/data', claim: data },
    ],
    preStopDelaySeconds: 15,
    terminationGracePeriodSeconds: 45,
  });

  const frontend = new WebService(chart, 'Frontend', {
    system: SYSTEM,
    component: 'frontend',
    namespace: ns,
    image: v.frontend.image,
    imageConstraints: constraints,
    kubernetesVersion: v.cluster.kubernetesVersion,
    port: FRONTEND_PORT,
    health: { path: '/' },
    replicas: v.frontend.replicas,
    zoneSpread: v.platform.zoneSpread,
    resources: v.frontend.resources,
    env: [
      { name: 'NODE_ENV', value: 'production' },
      { name: 'NEXT_TELEMETRY_DISABLED', value: '1' },
      { name: 'HOSTNAME', value: '0.0.0.0' },
      { name: 'PORT', value: String(FRONTEND_PORT) },
    ],
    // Next.js writes its image/fetch cache under .next/cache; the root filesystem stays read-only.
    volumes: [{ name: 'next-cache', mountPath: '/app/.next/cache', emptyDir: { sizeLimit: '256Mi' } }],
    preStopDelaySeconds: 15,
    terminationGracePeriodSeconds: 30,
    // The ALB target group of the frontend checks `/` (the ingress-wide check is the backend's /health).
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
      { path: '/health', serviceName: backend.serviceName, servicePort: backend.servicePort },
      { path: '/', serviceName: frontend.serviceName, servicePort: frontend.servicePort },
    ],
    allowedCidrs: v.ingress.allowedCidrs,
    tls: v.ingress.tls.enabled,
    alb: {
      scheme: 'internet-facing',
      groupName: v.ingress.groupName,
      healthCheckPath: '/health',
      certificateArn: v.ingress.tls.certificateArn,
    },
  });

  // Default deny, then: ingress controller -> frontend/backend, frontend -> backend,
  // backend/migration -> database, backend -> HTTPS (AWS APIs, threat-intel feeds).
  new DefaultDenyNetworkPolicy(chart, 'DefaultDeny', { namespace: ns, labels });
  const frontendSel = selectorLabels({ system: SYSTEM, component: 'frontend' });
  const backendSel = selectorLabels({ system: SYSTEM, component: 'backend' });
  new NetworkPolicy(chart, 'FrontendPolicy', {
    name: `${SYSTEM}-frontend`,
    namespace: ns,
    labels,
    podSelector: frontendSel,
    ingress: [ingressControllerPeer(v.platform.ingressController, v.network.vpcCidr, [FRONTEND_PORT])],
    egress: [{ pods: backendSel, ports: [BACKEND_PORT] }],
  });
  new NetworkPolicy(chart, 'BackendPolicy', {
    name: `${SYSTEM}-backend`,
    namespace: ns,
    labels,
    podSelector: backendSel,
    ingress: [
      ingressControllerPeer(v.platform.ingressController, v.network.vpcCidr, [BACKEND_PORT]),
      { pods: frontendSel, ports: [BACKEND_PORT] },
    ],
    egress: [
      { cidr: v.network.databaseCidr, ports: [5432] },
      { cidr: '0.0.0.0/0', ports: [443] },
    ],
  });
  new NetworkPolicy(chart, 'MigratePolicy', {
    name: `${SYSTEM}-migrate`,
    namespace: ns,
    labels,
    podSelector: selectorLabels({ system: SYSTEM, component: 'migrate' }),
    egress: [{ cidr: v.network.databaseCidr, ports: [5432] }],
  });
}

/** The refinements of `values.ts` and the constructs' checks, as Helm guards. */
export const chartGuards: ChartGuard[] = [
  ...imageFitsPlatform('backend'),
  ...imageFitsPlatform('frontend'),
  minNotAboveMax('backend.autoscaling'),
  ...requestsWithinLimits('backend.resources'),
  ...requestsWithinLimits('frontend.resources'),
  ...(defaults.backend.storage.data.accessMode === 'ReadWriteOnce'
    ? [
        failWhenf(
          ['backend.replicas', 'backend.autoscaling.maxReplicas'],
          'or (gt (.Values.backend.replicas | float64) 1.0) (and (eq (toString .Values.backend.autoscaling.enabled) "true") (gt (.Values.backend.autoscaling.maxReplicas | float64) 1.0))',
          'backend.replicas (and backend.autoscaling.maxReplicas when enabled) must stay 1 while /app/data is ReadWriteOnce',
          'backend.replicas=%v, backend.autoscaling.maxReplicas=%v (enabled: %v): the backend\'s /app/data volume is ReadWriteOnce (one node only), so the backend must not run more than 1 replica; seed 000: "HPA forcing 2+ replicas" crashed the backend. Move /app/data to ReadWriteMany first (apps/mini-xdr/src/environments.ts).',
          '.Values.backend.replicas',
          '.Values.backend.autoscaling.maxReplicas',
          '.Values.backend.autoscaling.enabled',
        ),
      ]
    : []),
  noOpenCidr('ingress.allowedCidrs', 'mini-xdr is IP-restricted (seed 001): 0.0.0.0/0 is not allowed'),
  privateCidrsWhen(
    'ingress.allowedCidrs',
    'eq (toString .Values.platform.provider) "onprem"',
    'an on-prem (isolated) environment allows private RFC 1918 CIDRs only',
  ),
  ...appIngressGuards(),
  validCidr('network.vpcCidr'),
  validCidr('network.databaseCidr'),
  failWhen(
    ['backend.autoscaling.enabled', 'backend.autoscaling.memoryUtilization'],
    'and (eq (toString .Values.backend.autoscaling.enabled) "true") (not .Values.backend.autoscaling.cpuUtilization) (not .Values.backend.autoscaling.memoryUtilization)',
    'backend.autoscaling: set cpuUtilization and/or memoryUtilization to scale on',
  ),
];

export default defineSystem<Values>({
  name: SYSTEM,
  description: 'Mini-XDR: FastAPI detection backend with ML models and Next.js console (seeds 000-002)',
  chartVersion: '0.2.0',
  appVersion: APP_VERSION,
  schema: valuesSchema,
  defaults,
  environments,
  argoSource: 'helm',
  renderTime,
  chartGuards,
  build,
});
