/** The environments every system is rendered for, in render order. */
export const ENVIRONMENT_NAMES = ['dev', 'prod', 'mini-corp'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name);
}

/** Where an environment runs and which platform services it has. */
export interface EnvironmentTraits {
  readonly name: EnvironmentName;
  /** `aws`: EKS with ALB, EFS, EBS, Secrets Manager and IRSA. `onprem`: none of those. */
  readonly provider: 'aws' | 'onprem';
  /** The ingress controller in the cluster. */
  readonly ingressController: 'alb' | 'nginx';
  /** Storage classes for shared (RWX) and single-node (RWO) volumes. */
  readonly storageClasses: { readonly readWriteMany: string; readonly readWriteOnce: string };
  /** The External Secrets provider behind the ClusterSecretStore. */
  readonly secretsProvider: 'aws-secrets-manager' | 'vault';
  /** Registries images may be pulled from (policy `image-registry-allowed`). */
  readonly allowedRegistries: readonly string[];
  /** Whether workloads are spread across zones (`topologySpreadConstraints`). */
  readonly zoneSpread: boolean;
  /** The CPU architecture of the nodes; images must be built for it. */
  readonly nodeArch: 'amd64' | 'arm64';
  /**
   * How rendered manifests reference a resolved image (apps/<system>/images.lock.yaml): `digest` pins
   * `repository:tag@sha256:…`, so what runs is exactly what was verified and no node cache serves other
   * code (seed 003); `tag` follows the tag. Unresolved images are referenced by tag either way.
   */
  readonly imageReference: 'digest' | 'tag';
  /** The environment whose locked images `npm run promote` moves here (null: releases start here). */
  readonly promotedFrom: EnvironmentName | null;
}

const ECR = '116912495274.dkr.ecr.us-east-1.amazonaws.com';

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentTraits>> = {
  dev: {
    name: 'dev',
    provider: 'aws',
    ingressController: 'alb',
    storageClasses: { readWriteMany: 'efs-sc', readWriteOnce: 'gp3' },
    secretsProvider: 'aws-secrets-manager',
    allowedRegistries: [ECR, '116912495274.dkr.ecr.eu-west-1.amazonaws.com'],
    zoneSpread: false,
    nodeArch: 'amd64',
    imageReference: 'tag',
    promotedFrom: null,
  },
  prod: {
    name: 'prod',
    provider: 'aws',
    ingressController: 'alb',
    storageClasses: { readWriteMany: 'efs-sc', readWriteOnce: 'gp3' },
    secretsProvider: 'aws-secrets-manager',
    allowedRegistries: [ECR, '116912495274.dkr.ecr.eu-west-1.amazonaws.com'],
    zoneSpread: true,
    nodeArch: 'amd64',
    imageReference: 'digest',
    promotedFrom: 'mini-corp',
  },
  'mini-corp': {
    name: 'mini-corp',
    provider: 'onprem',
    ingressController: 'nginx',
    storageClasses: { readWriteMany: 'nfs-client', readWriteOnce: 'local-path' },
    secretsProvider: 'vault',
    allowedRegistries: ['registry.mini-corp.internal'],
    zoneSpread: false,
    nodeArch: 'amd64',
    imageReference: 'digest',
    promotedFrom: 'dev',
  },
};

/** The order releases travel, from the environment `promotedFrom` names: dev → mini-corp → prod. */
export function promotionOrder(): EnvironmentName[] {
  const out: EnvironmentName[] = [];
  let next = ENVIRONMENT_NAMES.find((e) => ENVIRONMENTS[e].promotedFrom === null);
  while (next && !out.includes(next)) {
    out.push(next);
    const from: EnvironmentName = next;
    next = ENVIRONMENT_NAMES.find((e) => ENVIRONMENTS[e].promotedFrom === from);
  }
  return out;
}
