/**
 * aegis-tickets per environment. dev is seed 003's `tickets-dev` (EKS 1.28, eu-west-1, namespace
 * tickets-dev); prod mirrors it as `tickets-prod`; mini-corp runs it on the lab cluster with
 * ingress-nginx, Vault and private CIDRs only. The app version is not in the seed: v1.0.0 is the
 * first pinned release replacing the seed's alpine:latest-based builds.
 */
import { platformOf, type DeepPartial } from '@gitops/render';
import { CLUSTERS, type EnvironmentName } from '@gitops/environments';
import type { Values } from './values';

const ECR = '116912495274.dkr.ecr.eu-west-1.amazonaws.com';
export const APP_VERSION = 'v1.0.0';

export const defaults: Values = {
  namespace: 'tickets-prod',
  cluster: { ...CLUSTERS['tickets-prod'] },
  platform: platformOf('prod'),
  backend: {
    image: { repository: `${ECR}/aegistickets-backend`, tag: APP_VERSION, platform: 'amd64' },
    replicas: 2,
    // Seed 003: 2 backend replicas, HPA configured; the HPA keeps the 2 as its floor.
    autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, cpuUtilization: 70, memoryUtilization: 80 },
    // Seed 003 measured p95 129 ms at ~6 req/s on 2 pods; 250m/256Mi per pod leaves room for the stress test.
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  },
  frontend: {
    image: { repository: `${ECR}/aegistickets-frontend`, tag: APP_VERSION, platform: 'amd64' },
    replicas: 1,
    // Static files from nginx: tiny footprint.
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
  },
  database: { remoteKey: 'aegistickets/prod/db' },
  secretStore: {
    name: 'aegis-tickets-secrets',
    awsRegion: 'eu-west-1',
    serviceAccount: { name: 'external-secrets', namespace: 'external-secrets' },
    vault: { server: 'https://vault.mini-corp.internal:8200', path: 'secret', role: 'aegis-tickets' },
  },
  ingress: {
    host: 'tickets.example.com',
    // Seed 003: internet-facing ALB; declared public on purpose.
    public: true,
    allowedCidrs: ['0.0.0.0/0'],
    groupName: 'aegis-tickets',
    tls: {
      enabled: true,
      certificateArn: 'arn:aws:acm:eu-west-1:116912495274:certificate/7d9e1c3a-5b2f-4a6e-8c1d-3f5a7b9c1e2d',
    },
  },
  network: { vpcCidr: '10.20.0.0/16' },
  slo: {
    availability: 0.999,
    windowDays: 30,
    latencyP95Seconds: 0.8,
    maxErrorRate: 0.01,
    maxDbSaturation: 0.8,
  },
  quota: { requestsCpu: '3', requestsMemory: '4Gi', limitsCpu: '6', limitsMemory: '8Gi', pods: 20 },
};

export const environments: { readonly [E in EnvironmentName]: DeepPartial<Values> } = {
  dev: {
    namespace: 'tickets-dev',
    cluster: { ...CLUSTERS['tickets-dev'] },
    platform: platformOf('dev'),
    database: { remoteKey: 'aegistickets/dev/db' },
    ingress: { host: 'tickets-dev.example.com', tls: { enabled: false } },
  },
  prod: {
    platform: platformOf('prod'),
  },
  'mini-corp': {
    namespace: 'aegis-tickets',
    cluster: { ...CLUSTERS['mini-corp-lab'] },
    platform: platformOf('mini-corp'),
    backend: {
      image: { repository: 'registry.mini-corp.internal/aegis-tickets/aegistickets-backend' },
      autoscaling: { maxReplicas: 3 },
    },
    frontend: { image: { repository: 'registry.mini-corp.internal/aegis-tickets/aegistickets-frontend' } },
    database: { remoteKey: 'aegis-tickets/db' },
    ingress: {
      host: 'tickets.mini-corp.internal',
      public: false,
      allowedCidrs: ['10.100.0.0/16'],
      tls: { enabled: false },
    },
    network: { vpcCidr: '10.100.0.0/16' },
    quota: { requestsCpu: '2', requestsMemory: '2Gi', limitsCpu: '4', limitsMemory: '4Gi', pods: 10 },
  },
};

/**
 * Render-time configuration: set here per environment, not values of the chart (the chart cannot honour
 * every value of them), so Helm refuses an override naming this file. The SLO targets become derived
 * numbers and texts of the alert rules (error budgets, percentages, milliseconds); the store name names a cluster object.
 */
export const renderTime = [
  // Where the system is deployed: Argo CD's destination, nothing the manifests contain.
  'cluster',
  'secretStore.name',
  'slo.availability',
  'slo.windowDays',
  'slo.latencyP95Seconds',
  'slo.maxErrorRate',
  'slo.maxDbSaturation',
];
