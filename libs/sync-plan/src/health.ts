/**
 * What Argo CD waits for before it starts the next phase or wave (sync_context.go: a multi-step sync
 * waits while any task of the running step is `Progressing`; hooks are waited for until they complete).
 * Health comes from gitops-engine's built-in checks (`gitops-engine/pkg/health`: Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Service of type LoadBalancer, Ingress, PersistentVolumeClaim,
 * Pod, Job, HorizontalPodAutoscaler, APIService) and Argo CD's bundled Lua checks
 * (`resource_customizations/<group>/<kind>/health.lua`, e.g. external-secrets.io ExternalSecret,
 * ClusterSecretStore and SecretStore, keda.sh ScaledObject). Kinds without a check are healthy once applied.
 */
import type { K8sObject } from '@gitops/toolchain';
import { groupOf } from './scope';

const BUILT_IN: Record<string, string> = {
  'apps/Deployment': 'rollout complete (updated, available replicas)',
  'apps/StatefulSet': 'rollout complete (ready replicas)',
  'apps/DaemonSet': 'rollout complete (pods scheduled and ready)',
  'apps/ReplicaSet': 'available replicas',
  'networking.k8s.io/Ingress': 'an address in status.loadBalancer.ingress',
  'extensions/Ingress': 'an address in status.loadBalancer.ingress',
  '/PersistentVolumeClaim': 'phase Bound',
  '/Pod': 'Running and ready',
  'batch/Job': 'Complete',
  'autoscaling/HorizontalPodAutoscaler': 'ScalingActive',
  'apiregistration.k8s.io/APIService': 'Available',
};

/** Argo CD's bundled Lua health checks for the custom resources the platform uses. */
const LUA: Record<string, string> = {
  'external-secrets.io/ExternalSecret': 'condition Ready (Secret written)',
  'external-secrets.io/ClusterSecretStore': 'condition Ready (backend reachable)',
  'external-secrets.io/SecretStore': 'condition Ready (backend reachable)',
  'external-secrets.io/ClusterExternalSecret': 'condition Ready',
  'external-secrets.io/PushSecret': 'condition Ready',
  'keda.sh/ScaledObject': 'condition Ready',
  'keda.sh/ScaledJob': 'condition Ready',
};

/**
 * The health condition Argo CD waits for on this object, or undefined when it has none (applied is
 * enough). A Service waits only when it is of type LoadBalancer (an address).
 */
export function healthWait(o: K8sObject): string | undefined {
  const gk = `${groupOf(o.apiVersion)}/${o.kind}`;
  if (gk === '/Service') return o.spec?.type === 'LoadBalancer' ? 'a load balancer address' : undefined;
  return BUILT_IN[gk] ?? LUA[gk];
}
