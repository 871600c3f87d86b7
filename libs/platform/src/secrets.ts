/**
 * Secrets never live in the repository: External Secrets (`external-secrets.io/v1`) syncs them
 * from AWS Secrets Manager (IRSA on the operator's ServiceAccount) or, on premises, from Vault.
 * Workloads that call AWS themselves get an IRSA-annotated ServiceAccount.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ConfigError, kubeObject, SYNC_WAVE, SYNC_WAVE_ANNOTATION } from './core';
import * as eso from './imports/external-secrets.io';

/** AWS Secrets Manager backend, authenticated with the IRSA role of the operator's ServiceAccount. */
export interface AwsSecretsManagerBackend {
  readonly provider: 'aws-secrets-manager';
  /** AWS region of the secrets, e.g. `us-east-1`. */
  readonly region: string;
  /** The IRSA ServiceAccount used to read (seed 003: it lives in the `external-secrets` namespace). */
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
}

/** HashiCorp Vault (KV v2) backend with Kubernetes auth: the on-prem store of mini-corp. */
export interface VaultBackend {
  readonly provider: 'vault';
  /** Vault address, e.g. `https://vault.mini-corp.internal:8200`. */
  readonly server: string;
  /** KV v2 mount, e.g. `secret`. */
  readonly path: string;
  /** Vault role bound to the ServiceAccount. */
  readonly role: string;
  /** Kubernetes auth mount. @default 'kubernetes' */
  readonly mountPath?: string;
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
}

export type SecretBackend = AwsSecretsManagerBackend | VaultBackend;

/** The secret-store settings a system keeps in its values, for either backend. */
export interface SecretStoreSettings {
  /** AWS region of Secrets Manager (used where the environment's provider is AWS). */
  readonly awsRegion: string;
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
  /** Vault settings (used on premises). */
  readonly vault: Omit<VaultBackend, 'provider' | 'serviceAccount'>;
}

/** The backend an environment's secrets provider calls for: Secrets Manager on AWS, Vault on premises. */
export function secretBackendFor(
  provider: 'aws-secrets-manager' | 'vault',
  s: SecretStoreSettings,
): SecretBackend {
  return provider === 'aws-secrets-manager'
    ? { provider, region: s.awsRegion, serviceAccount: s.serviceAccount }
    : { provider, ...s.vault, serviceAccount: s.serviceAccount };
}

export interface ClusterSecretStoreProps {
  readonly name: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  readonly backend: SecretBackend;
  /**
   * The only namespaces whose ExternalSecrets may use the store (`spec.conditions`). A store is
   * cluster-scoped: without conditions any namespace of a shared cluster could read this system's
   * secrets through it.
   */
  readonly namespaces: readonly string[];
}

/** An External Secrets `ClusterSecretStore` (cluster-scoped, sync wave -2). */
export class ClusterSecretStore extends Construct {
  readonly storeName: string;
  constructor(scope: Construct, id: string, props: ClusterSecretStoreProps) {
    super(scope, id);
    this.storeName = props.name;
    if (!props.namespaces.length)
      throw new ConfigError(
        `${this.node.path}: namespaces must name the namespaces allowed to use the store`,
      );
    const b = props.backend;
    let provider: eso.ClusterSecretStoreSpecProvider;
    if (b.provider === 'aws-secrets-manager') {
      if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(b.region)) {
        throw new ConfigError(
          `${this.node.path}: region "${b.region}" is not an AWS region such as us-east-1`,
        );
      }
      provider = {
        aws: {
          service: eso.ClusterSecretStoreSpecProviderAwsService.SECRETS_MANAGER,
          region: b.region,
          auth: {
            jwt: {
              serviceAccountRef: { name: b.serviceAccount.name, namespace: b.serviceAccount.namespace },
            },
          },
        },
      };
    } else {
      if (!/^https:\/\//.test(b.server))
        throw new ConfigError(`${this.node.path}: Vault server "${b.server}" must be an https:// URL`);
      provider = {
        vault: {
          server: b.server,
          path: b.path,
          version: eso.ClusterSecretStoreSpecProviderVaultVersion.V2,
          auth: {
            kubernetes: {
              mountPath: b.mountPath ?? 'kubernetes',
              role: b.role,
              serviceAccountRef: { name: b.serviceAccount.name, namespace: b.serviceAccount.namespace },
            },
          },
        },
      };
    }
    kubeObject(
      this,
      'Resource',
      eso.ClusterSecretStore,
      {
        name: props.name,
        clusterScoped: true,
        labels: props.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.secretStore },
      },
      { spec: { provider, conditions: [{ namespaces: [...props.namespaces] }] } },
    );
  }
}

/** One key of the target Secret and where it comes from. */
export interface SecretKeyMapping {
  /** Key in the Kubernetes Secret, e.g. `DATABASE_URL`. */
  readonly secretKey: string;
  /** Secret name in the backend, e.g. `mini-xdr/database`. */
  readonly remoteKey: string;
  /** JSON property inside the remote secret. @default the whole value */
  readonly property?: string;
}

export interface ExternalSecretProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  /** The ClusterSecretStore to read from. */
  readonly storeName: string;
  /** The Kubernetes Secret to create. @default same as `name` */
  readonly targetName?: string;
  readonly data: readonly SecretKeyMapping[];
  /** How often to re-read the backend. @default '1h' */
  readonly refreshInterval?: string;
}

/** An `ExternalSecret` (sync wave -1) producing a Secret owned by the operator. */
export class ExternalSecret extends Construct {
  /** The name of the Kubernetes Secret it produces. */
  readonly secretName: string;
  readonly keys: readonly string[];
  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id);
    if (!props.data.length)
      throw new ConfigError(
        `${this.node.path}: ExternalSecret "${props.name}" needs at least one data mapping`,
      );
    this.secretName = props.targetName ?? props.name;
    this.keys = props.data.map((d) => d.secretKey);
    const refresh = props.refreshInterval ?? '1h';
    if (!/^\d+(s|m|h)$/.test(refresh))
      throw new ConfigError(`${this.node.path}: refreshInterval "${refresh}" must look like 1h, 15m or 30s`);
    kubeObject(
      this,
      'Resource',
      eso.ExternalSecret,
      {
        name: props.name,
        namespace: props.namespace,
        labels: props.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.externalSecret },
      },
      {
        spec: {
          refreshInterval: refresh,
          secretStoreRef: {
            kind: eso.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE,
            name: props.storeName,
          },
          target: {
            name: this.secretName,
            creationPolicy: eso.ExternalSecretSpecTargetCreationPolicy.OWNER,
            deletionPolicy: eso.ExternalSecretSpecTargetDeletionPolicy.RETAIN,
          },
          data: props.data.map((d) => ({
            secretKey: d.secretKey,
            remoteRef: d.property ? { key: d.remoteKey, property: d.property } : { key: d.remoteKey },
          })),
        },
      },
    );
  }

  /** An env var reading one key of the produced Secret. */
  envVar(envName: string, key: string): k8s.EnvVar {
    if (!this.keys.includes(key))
      throw new ConfigError(
        `${this.node.path}: ExternalSecret has no key "${key}" (has: ${this.keys.join(', ')})`,
      );
    return { name: envName, valueFrom: { secretKeyRef: { name: this.secretName, key } } };
  }
}

export interface IrsaServiceAccountProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  /** IAM role ARN, e.g. `arn:aws:iam::116912495274:role/ode-documents`. */
  readonly roleArn: string;
}

export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** A ServiceAccount annotated for IAM Roles for Service Accounts (pods using it mount a token). */
export class IrsaServiceAccount extends Construct {
  readonly serviceAccountName: string;
  constructor(scope: Construct, id: string, props: IrsaServiceAccountProps) {
    super(scope, id);
    if (!/^arn:aws:iam::\d{12}:role\/[\w+=,.@\/-]+$/.test(props.roleArn)) {
      throw new ConfigError(
        `${this.node.path}: roleArn "${props.roleArn}" is not an IAM role ARN such as arn:aws:iam::123456789012:role/name`,
      );
    }
    this.serviceAccountName = props.name;
    kubeObject(
      this,
      'Resource',
      k8s.KubeServiceAccount,
      {
        name: props.name,
        namespace: props.namespace,
        labels: props.labels,
        annotations: {
          [IRSA_ROLE_ANNOTATION]: props.roleArn,
          [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.externalSecret,
        },
      },
      { automountServiceAccountToken: true },
    );
  }
}
