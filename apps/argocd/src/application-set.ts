import type { K8sObject } from '@gitops/toolchain';
import { ARGOCD_NAMESPACE, SYNC_POLICIES } from './config';
import type { SystemEnvironmentFacts } from './facts';
import { applicationName, systemApplication, systemAppProject } from './objects';

/**
 * Many clusters per environment: one ApplicationSet per (system, environment) whose cluster generator deploys
 * the environment's chart/overlay to every registered cluster labelled for that environment and Kubernetes
 * minor version (docs/argocd.md, "Many clusters per environment").
 *
 * Each generated Application is exactly the single-cluster Application of {@link systemApplication} — same
 * source, values, sync policy, ignoreDifferences, finalizers — with the cluster's name appended to its name
 * and the cluster's API server as its destination. The outputs were validated for the environment's Kubernetes
 * version, so the selector also requires the cluster to declare that minor version: a cluster on another
 * version is never given outputs validated for this one.
 *
 * Opt-in: the committed outputs use one Application per (system, environment) and cluster, which the diff
 * preview and the sync-plan check read directly; see the docs for why a fleet is not the default.
 */

/** Label on Argo CD cluster Secrets: the environment whose systems the cluster receives. */
export const CLUSTER_ENVIRONMENT_LABEL = 'gitops.platform/environment';
/** Label on Argo CD cluster Secrets: the cluster's Kubernetes minor version, e.g. `1.31`. */
export const CLUSTER_KUBERNETES_LABEL = 'gitops.platform/kubernetes-minor';
/** Label on each generated Application: the cluster it deploys to. */
export const CLUSTER_LABEL = 'gitops.platform/cluster';

/** The Kubernetes minor version of `1.31.0` / `v1.31.2`: `1.31`. */
export const kubernetesMinor = (version: string): string => {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`not a Kubernetes version: ${version}`);
  return `${m[1]}.${m[2]}`;
};

export interface ApplicationSetOptions {
  /** Extra labels the cluster Secrets must carry (e.g. a region). @default {} */
  readonly matchLabels?: Readonly<Record<string, string>>;
}

/** The cluster generator's selector for the system's environment and Kubernetes version. */
export function clusterSelector(
  f: SystemEnvironmentFacts,
  options: ApplicationSetOptions = {},
): Record<string, string> {
  return {
    ...options.matchLabels,
    [CLUSTER_ENVIRONMENT_LABEL]: f.environment,
    [CLUSTER_KUBERNETES_LABEL]: kubernetesMinor(f.kubeVersion),
  };
}

/** The ApplicationSet deploying one system's environment to every matching cluster. */
export function systemApplicationSet(
  f: SystemEnvironmentFacts,
  options: ApplicationSetOptions = {},
): K8sObject {
  const app = systemApplication(f);
  const name = applicationName(f.system, f.environment);
  const { name: _name, namespace: _namespace, ...meta } = app.metadata as Record<string, any>;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: {
      name,
      namespace: ARGOCD_NAMESPACE,
      labels: app.metadata.labels,
    },
    spec: {
      goTemplate: true,
      // An unknown parameter is an error, never an empty string in a name or a server.
      goTemplateOptions: ['missingkey=error'],
      generators: [{ clusters: { selector: { matchLabels: clusterSelector(f, options) } } }],
      // Deleting the ApplicationSet never cascades into the workloads where the environment keeps them.
      syncPolicy: { preserveResourcesOnDeletion: !SYNC_POLICIES[f.environment].cascadeDelete },
      template: {
        metadata: {
          ...meta,
          name: `${name}-{{.nameNormalized}}`,
          labels: { ...(meta.labels ?? {}), [CLUSTER_LABEL]: '{{.nameNormalized}}' },
        },
        spec: {
          ...app.spec,
          destination: { ...app.spec.destination, server: '{{.server}}' },
        },
      },
    },
  };
}

/** Cluster names of an environment's fleet: registered in Argo CD as `<env>-<anything>`. */
export const fleetClusterPattern = (f: Pick<SystemEnvironmentFacts, 'environment'>): string =>
  `${f.environment}-*`;

/**
 * The system's AppProject for a fleet: as {@link systemAppProject}, but its destinations admit the system's
 * namespace on every cluster of the environment's fleet (by name, `<env>-*`) instead of one API server.
 */
export function systemAppProjectForFleet(f: SystemEnvironmentFacts): K8sObject {
  const project = systemAppProject(f);
  return {
    ...project,
    spec: { ...project.spec, destinations: [{ name: fleetClusterPattern(f), namespace: f.namespace }] },
  };
}
