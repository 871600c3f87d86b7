/**
 * ode per environment. prod is seed 004's `ode-production-cluster` (EKS 1.29, us-east-1,
 * namespace ode, VPC 10.0.0.0/16). dev is a smaller EKS 1.29 cluster `ode-dev`; mini-corp runs on
 * the lab cluster with MinIO instead of S3/IRSA, Vault instead of Secrets Manager, and smaller
 * autoscaling ceilings for its small nodes. The seed gives no version: v1.0.0 is the first
 * pinned release; no account is named, so images use the platform's ECR account.
 */
import { platformOf, type DeepPartial } from '@gitops/render';
import { CLUSTERS, type EnvironmentName } from '@gitops/environments';
import type { Values } from './values';

const ECR = '116912495274.dkr.ecr.us-east-1.amazonaws.com';
export const APP_VERSION = 'v1.0.0';
const LAB = 'registry.mini-corp.internal/ode';

export const defaults: Values = {
  namespace: 'ode',
  cluster: { ...CLUSTERS['ode-production-cluster'] },
  platform: platformOf('prod'),
  api: {
    image: { repository: `${ECR}/ode-api`, tag: APP_VERSION, platform: 'amd64' },
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    autoscaling: {
      minReplicas: 2,
      maxReplicas: 10,
      cpuUtilization: 70,
      memoryUtilization: 80,
      behavior: {
        scaleUpPercent: 100,
        scaleUpPeriodSeconds: 60,
        scaleDownPercent: 50,
        scaleDownPeriodSeconds: 60,
        scaleDownStabilizationSeconds: 300,
      },
    },
  },
  worker: {
    image: { repository: `${ECR}/ode-worker`, tag: APP_VERSION, platform: 'amd64' },
    // Document rendering is CPU-bound; requests sized so 20 workers fit the quota.
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    queueScaling: {
      minReplicas: 2,
      maxReplicas: 20,
      listName: 'ode:jobs',
      queueDepth: 100,
      behavior: {
        scaleUpPercent: 100,
        scaleUpPeriodSeconds: 30,
        scaleUpMaxPods: 4,
        scaleDownPercent: 50,
        scaleDownPeriodSeconds: 60,
        scaleDownStabilizationSeconds: 600,
      },
    },
    shutdownGracePeriodSeconds: 120,
  },
  viewer: {
    image: { repository: `${ECR}/ode-viewer`, tag: APP_VERSION, platform: 'amd64' },
    replicas: 2,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  },
  secrets: {
    remoteKey: 'ode/production/app',
    storeName: 'ode-secrets',
    awsRegion: 'us-east-1',
    serviceAccount: { name: 'external-secrets', namespace: 'external-secrets' },
    vault: { server: 'https://vault.mini-corp.internal:8200', path: 'secret', role: 'ode' },
  },
  documents: {
    bucket: 'ode-production-documents',
    irsaRoleArn: 'arn:aws:iam::116912495274:role/ode-production-documents',
    irsa: true,
    region: 'us-east-1',
    s3Endpoint: 'https://s3.us-east-1.amazonaws.com',
  },
  ingress: {
    apiHost: 'api.ode.example.com',
    viewerHost: 'viewer.ode.example.com',
    // Corporate egress ranges (documentation ranges until the real ones are filled in).
    allowedCidrs: ['203.0.113.0/24'],
    groupName: 'ode',
    tls: {
      enabled: true,
      certificateArn: 'arn:aws:acm:us-east-1:116912495274:certificate/3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7',
    },
  },
  network: { vpcCidr: '10.0.0.0/16', objectStoreEgress: { cidr: '0.0.0.0/0', port: 443 } },
  // Worker 20 x 500m/512Mi + api 10 x 250m/256Mi + viewer 2 x 100m/128Mi + one surge pod each.
  quota: { requestsCpu: '14', requestsMemory: '14Gi', limitsCpu: '34', limitsMemory: '34Gi', pods: 40 },
};

export const environments: { readonly [E in EnvironmentName]: DeepPartial<Values> } = {
  dev: {
    cluster: { ...CLUSTERS['ode-dev'] },
    platform: platformOf('dev'),
    secrets: { remoteKey: 'ode/dev/app' },
    documents: {
      bucket: 'ode-dev-documents',
      irsaRoleArn: 'arn:aws:iam::116912495274:role/ode-dev-documents',
    },
    ingress: {
      apiHost: 'api.dev.ode.example.com',
      viewerHost: 'viewer.dev.ode.example.com',
      tls: { enabled: false },
    },
  },
  prod: {
    platform: platformOf('prod'),
  },
  'mini-corp': {
    cluster: { ...CLUSTERS['mini-corp-lab'] },
    platform: platformOf('mini-corp'),
    api: { image: { repository: `${LAB}/ode-api` }, autoscaling: { maxReplicas: 4 } },
    worker: { image: { repository: `${LAB}/ode-worker` }, queueScaling: { maxReplicas: 6 } },
    viewer: { image: { repository: `${LAB}/ode-viewer` } },
    secrets: { remoteKey: 'ode/app' },
    documents: { bucket: 'ode-documents', irsa: false, s3Endpoint: 'https://minio.mini-corp.internal:9000' },
    ingress: {
      apiHost: 'api.ode.mini-corp.internal',
      viewerHost: 'viewer.ode.mini-corp.internal',
      allowedCidrs: ['10.100.0.0/16'],
      tls: { enabled: false },
    },
    network: { vpcCidr: '10.100.0.0/16', objectStoreEgress: { cidr: '10.100.30.0/24', port: 9000 } },
    // Limits at maximum scale (api 4+1, viewer 2+1, worker 6+1 surge pods) need 13.5 CPU / 12.75Gi.
    quota: { requestsCpu: '6', requestsMemory: '6Gi', limitsCpu: '14', limitsMemory: '14Gi', pods: 16 },
  },
};

/**
 * Render-time configuration: set here per environment, not values of the chart (the chart cannot honour
 * every value of them), so Helm refuses an override naming this file. The namespace is fixed per environment;
 * the store name names a cluster object.
 */
export const renderTime = [
  // Where the system is deployed: Argo CD's destination, nothing the manifests contain.
  'cluster',
  'namespace',
  'secrets.storeName',
];
