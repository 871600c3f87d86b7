/**
 * Which kinds are cluster-scoped. Argo CD refuses to sync a cluster-scoped object unless its AppProject's
 * `clusterResourceWhitelist` lists the kind, so the allow-lists are computed from this table.
 *
 * The Kubernetes OpenAPI definitions (`_definitions.json`) name every built-in kind but do not say
 * whether it is namespaced, and the CRD schemas do not either: the scope is this documented table.
 * `scope.test.ts` proves it classifies every kind of the v1.28–v1.31 definitions and of the CRD schemas
 * in `../shared/schemas/crds`. A kind that is in neither table is an error, never a guess.
 */

/** `group/Kind` (core group: empty) of every cluster-scoped kind the platform knows. */
export const CLUSTER_SCOPED_KINDS: readonly string[] = [
  // core
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  // admissionregistration.k8s.io
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'authentication.k8s.io/SelfSubjectReview',
  'authentication.k8s.io/TokenReview',
  'authorization.k8s.io/SelfSubjectAccessReview',
  'authorization.k8s.io/SelfSubjectRulesReview',
  'authorization.k8s.io/SubjectAccessReview',
  'certificates.k8s.io/CertificateSigningRequest',
  'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'internal.apiserver.k8s.io/StorageVersion',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress',
  'networking.k8s.io/ClusterCIDR',
  'networking.k8s.io/ServiceCIDR',
  'node.k8s.io/RuntimeClass',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'resource.k8s.io/DeviceClass',
  'resource.k8s.io/ResourceClass',
  'resource.k8s.io/ResourceSlice',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/VolumeAttachment',
  'storage.k8s.io/VolumeAttributesClass',
  'storagemigration.k8s.io/StorageVersionMigration',
  // custom resources the platform uses (../shared/schemas/crds)
  'external-secrets.io/ClusterSecretStore',
  'external-secrets.io/ClusterExternalSecret',
  'external-secrets.io/ClusterPushSecret',
  'external-secrets.io/ClusterGenerator',
  'keda.sh/ClusterTriggerAuthentication',
  'elbv2.k8s.aws/IngressClassParams',
];

/** `group/Kind` of every namespaced kind the platform knows. */
export const NAMESPACED_KINDS: readonly string[] = [
  // core
  '/Binding',
  '/ConfigMap',
  '/Endpoints',
  '/Event',
  '/LimitRange',
  '/PersistentVolumeClaim',
  '/Pod',
  '/PodTemplate',
  '/ReplicationController',
  '/ResourceQuota',
  '/Secret',
  '/Service',
  '/ServiceAccount',
  'apps/ControllerRevision',
  'apps/DaemonSet',
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'authentication.k8s.io/TokenRequest',
  'authorization.k8s.io/LocalSubjectAccessReview',
  'autoscaling/HorizontalPodAutoscaler',
  'autoscaling/Scale',
  'batch/CronJob',
  'batch/Job',
  'coordination.k8s.io/Lease',
  'coordination.k8s.io/LeaseCandidate',
  'discovery.k8s.io/EndpointSlice',
  'events.k8s.io/Event',
  'networking.k8s.io/Ingress',
  'networking.k8s.io/NetworkPolicy',
  'policy/Eviction',
  'policy/PodDisruptionBudget',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'resource.k8s.io/PodSchedulingContext',
  'resource.k8s.io/ResourceClaim',
  'resource.k8s.io/ResourceClaimParameters',
  'resource.k8s.io/ResourceClassParameters',
  'resource.k8s.io/ResourceClaimTemplate',
  'storage.k8s.io/CSIStorageCapacity',
  // custom resources the platform uses (../shared/schemas/crds)
  'argoproj.io/Application',
  'argoproj.io/ApplicationSet',
  'argoproj.io/AppProject',
  'external-secrets.io/ExternalSecret',
  'external-secrets.io/SecretStore',
  'external-secrets.io/PushSecret',
  'keda.sh/ScaledObject',
  'keda.sh/ScaledJob',
  'keda.sh/TriggerAuthentication',
  'monitoring.coreos.com/ServiceMonitor',
  'monitoring.coreos.com/PodMonitor',
  'monitoring.coreos.com/PrometheusRule',
  'monitoring.coreos.com/Probe',
  'monitoring.coreos.com/ScrapeConfig',
  'monitoring.coreos.com/AlertmanagerConfig',
  'monitoring.coreos.com/Prometheus',
  'monitoring.coreos.com/PrometheusAgent',
  'monitoring.coreos.com/Alertmanager',
  'monitoring.coreos.com/ThanosRuler',
  'elbv2.k8s.aws/TargetGroupBinding',
];

const CLUSTER = new Set(CLUSTER_SCOPED_KINDS);
const NAMESPACED = new Set(NAMESPACED_KINDS);

/** The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``). */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** An object kind Argo CD's project rules match on: group and kind, no version. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

export function groupKindOf(o: { apiVersion: string; kind: string }): GroupKind {
  return { group: groupOf(o.apiVersion), kind: o.kind };
}

export class UnknownScopeError extends Error {
  override readonly name = 'UnknownScopeError';
}

/**
 * Whether objects of this kind are cluster-scoped; throws for a kind the table does not know
 * (an allow-list must not be guessed: add the kind to `libs/sync-plan/src/scope.ts`).
 */
export function isClusterScoped(gk: GroupKind): boolean {
  const key = `${gk.group}/${gk.kind}`;
  if (CLUSTER.has(key)) return true;
  if (NAMESPACED.has(key)) return false;
  throw new UnknownScopeError(
    `libs/sync-plan/src/scope.ts: unknown kind "${gk.kind}" of API group "${gk.group || 'core'}": ` +
      `add "${key}" to CLUSTER_SCOPED_KINDS or NAMESPACED_KINDS so the AppProject allow-lists can be computed`,
  );
}
