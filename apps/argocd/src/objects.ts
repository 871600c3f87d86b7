import type { EnvironmentName } from '@gitops/environments';
import { ARGOCD_OUTPUT_DIR, ENVIRONMENT_LABEL, SYSTEM_LABEL, type K8sObject } from '@gitops/toolchain';
import {
  ANNOTATIONS,
  ARGOCD_NAMESPACE,
  IN_CLUSTER_SERVER,
  PLATFORM_PROJECT,
  REPO_URL,
  RESOURCES_FINALIZER,
  ROOT_WAVES,
  SYNC_POLICIES,
  TARGET_REVISION,
  rootAppName,
  type EnvironmentSyncPolicy,
} from './config';
import { RENDERED_ANNOTATION } from '@gitops/sync-plan';
import type { SystemEnvironmentFacts } from './facts';
import { retainedFor } from './retained';

export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';
const PART_OF = {
  'app.kubernetes.io/part-of': 'gitops-platform',
  'app.kubernetes.io/managed-by': 'gitops-render',
};

/** Name of a system's Application in an environment. */
export const applicationName = (system: string, env: EnvironmentName): string => `${system}-${env}`;

/** Repository path of what Argo CD syncs for a system in an environment. */
export function sourcePath(f: Pick<SystemEnvironmentFacts, 'system' | 'environment' | 'form'>): string {
  return f.form === 'helm' ? `charts/${f.system}` : `overlays/${f.system}/${f.environment}`;
}

/**
 * The `manifest-generate-paths` of a system Application: a commit outside these paths does not
 * invalidate the app's manifest cache. Chart apps: the chart folder (`.` is the source path, which
 * holds templates and every values-<env>.yaml). Overlay apps: the env overlay and the shared base.
 */
export function manifestGeneratePaths(
  f: Pick<SystemEnvironmentFacts, 'system' | 'environment' | 'form'>,
): string {
  return f.form === 'helm' ? '.' : `/overlays/${f.system}/${f.environment};/overlays/${f.system}/base`;
}

function syncOptions(extra: { ignoreDifferences: boolean; serverSideApply: boolean }): string[] {
  const opts = ['CreateNamespace=false', 'FailOnSharedResource=true', 'PruneLast=true'];
  if (extra.ignoreDifferences) opts.push('RespectIgnoreDifferences=true');
  if (extra.serverSideApply) opts.push('ServerSideApply=true');
  return opts;
}

function syncPolicy(p: EnvironmentSyncPolicy, opts: string[]) {
  return {
    automated: { prune: p.prune, selfHeal: p.selfHeal },
    syncOptions: opts,
    retry: {
      limit: p.retry.limit,
      backoff: {
        duration: p.retry.backoff.duration,
        factor: p.retry.backoff.factor,
        maxDuration: p.retry.backoff.maxDuration,
      },
    },
  };
}

function syncWindows(p: EnvironmentSyncPolicy, applications: string[]) {
  return p.syncWindows.map((w) => ({
    kind: w.kind,
    schedule: w.schedule,
    duration: w.duration,
    timeZone: w.timeZone,
    manualSync: w.manualSync,
    syncOverrun: w.syncOverrun,
    applications,
    description: w.description,
  }));
}

/**
 * The AppProject of one system in one environment: its repo, only its own destination (the
 * environment's cluster and the system's namespace), every cluster-scoped kind it renders and
 * nothing else, the namespaced kinds it renders, and the environment's sync windows.
 * Each environment has its own Argo CD (the bootstrap is applied per cluster), so the project is
 * named after the system alone and lists that environment's destination only.
 */
export function systemAppProject(f: SystemEnvironmentFacts): K8sObject {
  const policy = SYNC_POLICIES[f.environment];
  const windows = syncWindows(policy, [applicationName(f.system, f.environment)]);
  const retained = retainedFor(f.system, f.environment);
  const clusterEntries = uniqueEntries([
    ...f.clusterObjects.map((o) => ({ group: o.group, kind: o.kind, name: o.name })),
    ...retained
      .filter((r) => r.name !== undefined)
      .map((r) => ({ group: r.group, kind: r.kind, name: r.name! })),
  ]);
  const namespacedEntries = uniqueEntries([
    ...f.namespacedKinds.map((gk) => ({ group: gk.group, kind: gk.kind })),
    ...retained.filter((r) => r.name === undefined).map((r) => ({ group: r.group, kind: r.kind })),
  ]);
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'AppProject',
    metadata: {
      name: f.system,
      namespace: ARGOCD_NAMESPACE,
      labels: { ...PART_OF, [SYSTEM_LABEL]: f.system, [ENVIRONMENT_LABEL]: f.environment },
      annotations: { [ANNOTATIONS.syncWave]: ROOT_WAVES.appProject, [RENDERED_ANNOTATION]: f.rendered },
      finalizers: [RESOURCES_FINALIZER],
    },
    spec: {
      description: `${f.system} in ${f.environment}: ${f.form === 'helm' ? 'Helm chart' : 'Kustomize overlay'} ${sourcePath(f)}`,
      sourceRepos: [REPO_URL],
      destinations: [{ server: f.server, namespace: f.namespace }],
      // Cluster-scoped objects by name (Argo CD 3.3+): the project may touch its own Namespace and store, not kube-system.
      clusterResourceWhitelist: clusterEntries,
      namespaceResourceWhitelist: namespacedEntries,
      ...(windows.length ? { syncWindows: windows } : {}),
    },
  };
}

/** Sorted, unique allow-list entries (group, kind, then name). */
function uniqueEntries<T extends { group: string; kind: string; name?: string }>(list: T[]): T[] {
  const m = new Map<string, T>();
  for (const e of list) m.set(`${e.group}/${e.kind}/${e.name ?? ''}`, e);
  return [...m.values()].sort(
    (a, b) =>
      a.group.localeCompare(b.group) ||
      a.kind.localeCompare(b.kind) ||
      (a.name ?? '').localeCompare(b.name ?? ''),
  );
}

/** The Application that deploys one system to one environment. */
export function systemApplication(f: SystemEnvironmentFacts): K8sObject {
  const policy = SYNC_POLICIES[f.environment];
  const name = applicationName(f.system, f.environment);
  const path = sourcePath(f);
  const source =
    f.form === 'helm'
      ? {
          repoURL: REPO_URL,
          targetRevision: TARGET_REVISION,
          path,
          helm: {
            releaseName: f.system,
            valueFiles: [`values-${f.environment}.yaml`],
            kubeVersion: f.kubeVersion,
          },
        }
      : {
          repoURL: REPO_URL,
          targetRevision: TARGET_REVISION,
          path,
          kustomize: { kubeVersion: f.kubeVersion },
        };
  // Never fight an autoscaler: the replica count of every autoscaled workload is the HPA's, not Git's.
  const ignoreDifferences = f.autoscaled.map((t) => ({
    group: t.group,
    kind: t.kind,
    name: t.name,
    namespace: t.namespace,
    jsonPointers: ['/spec/replicas'],
  }));
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'Application',
    metadata: {
      name,
      namespace: ARGOCD_NAMESPACE,
      labels: { ...PART_OF, [SYSTEM_LABEL]: f.system, [ENVIRONMENT_LABEL]: f.environment },
      annotations: {
        [ANNOTATIONS.manifestGeneratePaths]: manifestGeneratePaths(f),
        [ANNOTATIONS.syncWave]: ROOT_WAVES.application,
      },
      ...(policy.cascadeDelete ? { finalizers: [RESOURCES_FINALIZER] } : {}),
    },
    spec: {
      project: f.system,
      source,
      destination: { server: f.server, namespace: f.namespace },
      ...(ignoreDifferences.length ? { ignoreDifferences } : {}),
      syncPolicy: syncPolicy(
        policy,
        syncOptions({ ignoreDifferences: ignoreDifferences.length > 0, serverSideApply: true }),
      ),
    },
  };
}

/** The AppProject of the root app-of-apps: Applications and AppProjects in the argocd namespace, nothing else. */
export function platformAppProject(env: EnvironmentName): K8sObject {
  const windows = syncWindows(SYNC_POLICIES[env], [rootAppName(env)]);
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'AppProject',
    metadata: {
      name: PLATFORM_PROJECT,
      namespace: ARGOCD_NAMESPACE,
      labels: { ...PART_OF, [ENVIRONMENT_LABEL]: env },
      annotations: { [ANNOTATIONS.syncWave]: ROOT_WAVES.appProject },
      finalizers: [RESOURCES_FINALIZER],
    },
    spec: {
      description: `Bootstrap of ${env}: the root app-of-apps, which manages the Applications and AppProjects in ${ARGOCD_OUTPUT_DIR}/${env}`,
      sourceRepos: [REPO_URL],
      destinations: [{ server: IN_CLUSTER_SERVER, namespace: ARGOCD_NAMESPACE }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [
        { group: 'argoproj.io', kind: 'AppProject' },
        { group: 'argoproj.io', kind: 'Application' },
      ],
      ...(windows.length ? { syncWindows: windows } : {}),
    },
  };
}

/**
 * The root app-of-apps of an environment: syncs `overlays/argocd/<env>` (itself and the platform
 * project from `bootstrap/root-app.yaml`, the system projects and Applications) into the argocd
 * namespace. No resources finalizer: deleting the root app never cascades to the systems. Prune
 * follows the environment (manual in prod).
 */
export function rootApplication(env: EnvironmentName): K8sObject {
  const policy = SYNC_POLICIES[env];
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'Application',
    metadata: {
      name: rootAppName(env),
      namespace: ARGOCD_NAMESPACE,
      labels: { ...PART_OF, [ENVIRONMENT_LABEL]: env },
      annotations: { [ANNOTATIONS.manifestGeneratePaths]: '.' },
    },
    spec: {
      project: PLATFORM_PROJECT,
      source: { repoURL: REPO_URL, targetRevision: TARGET_REVISION, path: `${ARGOCD_OUTPUT_DIR}/${env}` },
      destination: { server: IN_CLUSTER_SERVER, namespace: ARGOCD_NAMESPACE },
      syncPolicy: syncPolicy(policy, syncOptions({ ignoreDifferences: false, serverSideApply: false })),
    },
  };
}
