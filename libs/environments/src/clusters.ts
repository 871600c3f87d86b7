import type { Cluster } from './schemas';

/**
 * The one place where the Git repository Argo CD reads and the API servers of the destination
 * clusters are set (docs/argocd.md, "Repository and clusters"). Systems pick their cluster by name
 * (`cluster: CLUSTERS['mini-xdr-cluster']` in `apps/<system>/src/environments.ts`); the Argo CD
 * generator reads `GIT_REPOSITORY`. Each cluster must be registered in that environment's Argo CD
 * as a declarative cluster Secret named after `name` (credentials stay out of this repository).
 */

/** The repository every Application and AppProject points at, and the branch Argo CD tracks. */
export const GIT_REPOSITORY = {
  url: 'https://github.com/example-org/gitops-platform.git',
  revision: 'main',
} as const;

/** Every destination cluster, by the name it is registered under in Argo CD. */
export const CLUSTERS = {
  'mini-xdr-cluster': {
    name: 'mini-xdr-cluster',
    server: 'https://4f1c2a9e7b3d5c8e0a6b2d4f1e3c5a7b.gr7.us-east-1.eks.amazonaws.com',
    kubernetesVersion: '1.31.0',
    region: 'us-east-1',
  },
  'mini-xdr-dev': {
    name: 'mini-xdr-dev',
    server: 'https://9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d.gr7.us-east-1.eks.amazonaws.com',
    kubernetesVersion: '1.31.0',
    region: 'us-east-1',
  },
  'tickets-prod': {
    name: 'tickets-prod',
    server: 'https://2b7e151628aed2a6abf7158809cf4f3c.gr7.eu-west-1.eks.amazonaws.com',
    kubernetesVersion: '1.28.0',
    region: 'eu-west-1',
  },
  'tickets-dev': {
    name: 'tickets-dev',
    server: 'https://8c3f0e5a1d7b9c2e4f6a8b0d2c4e6f8a.gr7.eu-west-1.eks.amazonaws.com',
    kubernetesVersion: '1.28.0',
    region: 'eu-west-1',
  },
  'ode-production-cluster': {
    name: 'ode-production-cluster',
    server: 'https://0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a.gr7.us-east-1.eks.amazonaws.com',
    kubernetesVersion: '1.29.0',
    region: 'us-east-1',
  },
  'ode-dev': {
    name: 'ode-dev',
    server: 'https://5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d.gr7.us-east-1.eks.amazonaws.com',
    kubernetesVersion: '1.29.0',
    region: 'us-east-1',
  },
  'mini-corp-lab': {
    name: 'mini-corp-lab',
    server: 'https://mini-corp-lab.mini-corp.internal:6443',
    kubernetesVersion: '1.30.0',
    region: 'mini-corp-dc1',
  },
} as const satisfies Record<string, Cluster>;

export type ClusterName = keyof typeof CLUSTERS;
