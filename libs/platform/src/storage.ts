/**
 * Persistent volume claims: EFS `ReadWriteMany` (shared, e.g. ML models) and EBS gp3
 * `ReadWriteOnce` (single node) on AWS; their on-prem equivalents (NFS, local-path) in mini-corp.
 * The storage class comes from the environment's platform values.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import {
  kubeObject,
  parseQuantity,
  quantity,
  STATEFUL_SYNC_OPTIONS,
  SYNC_WAVE,
  SYNC_WAVE_ANNOTATION,
} from './core';

export type AccessMode = 'ReadWriteMany' | 'ReadWriteOnce';

/** The storage classes of an environment (`platform.storageClasses` in values). */
export interface StorageClasses {
  readonly readWriteMany: string;
  readonly readWriteOnce: string;
}

export interface PersistentClaimProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  /** Requested size, e.g. `5Gi`. */
  readonly size: string;
  /** `ReadWriteMany` (EFS/NFS) or `ReadWriteOnce` (EBS gp3/local-path). */
  readonly accessMode: AccessMode;
  /** The environment's storage classes; the one matching `accessMode` is used. */
  readonly storageClasses: StorageClasses;
}

/** A PersistentVolumeClaim on the environment's storage class for its access mode. */
export class PersistentClaim extends Construct {
  readonly claimName: string;
  readonly accessMode: AccessMode;
  readonly storageClassName: string;
  constructor(scope: Construct, id: string, props: PersistentClaimProps) {
    super(scope, id);
    parseQuantity(this.node.path, 'size', props.size);
    this.claimName = props.name;
    this.accessMode = props.accessMode;
    this.storageClassName =
      props.accessMode === 'ReadWriteMany'
        ? props.storageClasses.readWriteMany
        : props.storageClasses.readWriteOnce;
    kubeObject(
      this,
      'Resource',
      k8s.KubePersistentVolumeClaim,
      {
        name: props.name,
        namespace: props.namespace,
        labels: props.labels,
        // In its consumer's wave: a WaitForFirstConsumer claim stays Pending (Argo CD: Progressing) until a
        // pod uses it, so a claim in an earlier wave would stall the sync. Claims hold data: never pruned,
        // kept when the Application is deleted.
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.claim, ...STATEFUL_SYNC_OPTIONS },
      },
      {
        spec: {
          accessModes: [props.accessMode],
          storageClassName: this.storageClassName,
          resources: { requests: { storage: quantity(props.size) } },
        },
      },
    );
  }
}
