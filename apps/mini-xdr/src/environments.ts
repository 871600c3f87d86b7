/**
 * mini-xdr per environment. `defaults` is production-shaped and holds every seed figure; the
 * environments only say where they run and what they change.
 *
 * Cluster choices: prod is the seeds' `mini-xdr-cluster` (EKS 1.31, us-east-1). dev is a separate
 * EKS cluster of the same version in the same account. mini-corp is the isolated on-prem lab cluster
 * `mini-corp-lab` (1.30) that Mini-XDR monitors: no ALB/EFS/EBS/Secrets Manager/IRSA, private CIDRs,
 * images mirrored to registry.mini-corp.internal. Server URLs of EKS are placeholders in EKS form.
 */
import { platformOf, type DeepPartial } from '@gitops/render';
import { CLUSTERS, type EnvironmentName } from '@gitops/environments';
import type { Values } from './values';

const ECR = '116912495274.dkr.ecr.us-east-1.amazonaws.com';
/** Seed 001: current version v1.1.8 (seed 000 stabilised v1.0.1). */
export const APP_VERSION = 'v1.1.8';

export const defaults: Values = {
  namespace: 'mini-xdr',
  cluster: { ...CLUSTERS['mini-xdr-cluster'] },
  platform: platformOf('prod'),
  backend: {
    image: { repository: `${ECR}/mini-xdr-backend`, tag: APP_VERSION, platform: 'amd64' },
    replicas: 1,
    // Seed 000: the HPA forced 2 replicas; it may come back with minReplicas 1 once /app/data is RWX.
    autoscaling: { enabled: false, minReplicas: 1, maxReplicas: 1, cpuUtilization: 70 },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1500m', memory: '3Gi' } },
    maxStartupSeconds: 150,
    probes: { readinessInitialDelaySeconds: 90, livenessInitialDelaySeconds: 120 },
    tmpSize: '1Gi',
    storage: {
      models: { size: '5Gi', accessMode: 'ReadWriteMany' },
      data: { size: '10Gi', accessMode: 'ReadWriteOnce' },
    },
  },
  frontend: {
    image: { repository: `${ECR}/mini-xdr-frontend`, tag: APP_VERSION, platform: 'amd64' },
    // Seed 000 shows 2 frontend pods at ~62 Mi each; requests leave 2x headroom.
    replicas: 2,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  },
  migration: { enabled: true },
  database: { remoteKey: 'mini-xdr/database', property: 'url' },
  secretStore: {
    name: 'mini-xdr-secrets',
    awsRegion: 'us-east-1',
    // Seed 003's lesson: the store authenticates as the operator's IRSA ServiceAccount.
    serviceAccount: { name: 'external-secrets', namespace: 'external-secrets' },
    vault: { server: 'https://vault.mini-corp.internal:8200', path: 'secret', role: 'mini-xdr' },
  },
  ingress: {
    host: 'xdr.example.com',
    // Analyst office egress ranges (documentation ranges until the real ones are filled in).
    allowedCidrs: ['203.0.113.0/24', '198.51.100.0/24'],
    groupName: 'mini-xdr',
    tls: {
      enabled: true,
      certificateArn: 'arn:aws:acm:us-east-1:116912495274:certificate/0b5e6f2a-3c4d-4e8f-9a1b-2c3d4e5f6a7b',
    },
  },
  network: { vpcCidr: '10.0.0.0/16', databaseCidr: '10.0.0.0/16' },
};

export const environments: { readonly [E in EnvironmentName]: DeepPartial<Values> } = {
  dev: {
    cluster: { ...CLUSTERS['mini-xdr-dev'] },
    platform: platformOf('dev'),
    ingress: { host: 'dev.xdr.example.com', tls: { enabled: false } },
  },
  prod: {
    platform: platformOf('prod'),
  },
  'mini-corp': {
    cluster: { ...CLUSTERS['mini-corp-lab'] },
    platform: platformOf('mini-corp'),
    backend: { image: { repository: 'registry.mini-corp.internal/mini-xdr/mini-xdr-backend' } },
    frontend: { image: { repository: 'registry.mini-corp.internal/mini-xdr/mini-xdr-frontend' } },
    database: { remoteKey: 'mini-xdr/database' },
    ingress: { host: 'xdr.mini-corp.internal', allowedCidrs: ['10.100.0.0/16'], tls: { enabled: false } },
    network: { vpcCidr: '10.100.0.0/16', databaseCidr: '10.100.20.0/24' },
  },
};

/**
 * Render-time configuration: set here per environment, not values of the chart (the chart cannot honour
 * every value of them), so Helm refuses an override naming this file. The namespace is fixed per
 * environment; the start-up budget becomes a derived probe threshold; an access mode picks a storage
 * class of the platform; the store name names a cluster object.
 */
export const renderTime = [
  // Where the system is deployed: Argo CD's destination, nothing the manifests contain.
  'cluster',
  'namespace',
  'backend.maxStartupSeconds',
  'backend.storage.models.accessMode',
  'backend.storage.data.accessMode',
  'secretStore.name',
];
