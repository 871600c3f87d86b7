import { GIT_REPOSITORY, type EnvironmentName } from '@gitops/environments';

/**
 * Argo CD consumption settings, as data. Everything the generated AppProjects and Applications
 * depend on that is not derived from the systems themselves lives here.
 */

/** The Git repository Argo CD reads: this repository. Set once, in `libs/environments/src/clusters.ts`. */
export const REPO_URL: string = GIT_REPOSITORY.url;

/** The branch every Application tracks (`libs/environments/src/clusters.ts`). */
export const TARGET_REVISION: string = GIT_REPOSITORY.revision;

/**
 * The oldest Argo CD these objects work with: `syncOverrun` on sync windows is 3.5.0
 * (argoproj/argo-cd#25510); names in `clusterResourceWhitelist` 3.3.0 (#24674); the
 * `ignore-healthcheck` annotation 2.14.0; `helm.kubeVersion` / `kustomize.kubeVersion` 2.13.0.
 */
export const MINIMUM_ARGOCD_VERSION = '3.5.0';

/**
 * The resource tracking method the outputs require (argocd-cm `application.resourceTrackingMethod`):
 * `annotation`, Argo CD's default since 3.0 (`argocd.argoproj.io/tracking-id`). Under `label` Argo CD
 * rewrites `app.kubernetes.io/instance`; no rendered selector uses that label either way.
 */
export const REQUIRED_TRACKING_METHOD = 'annotation';

/** The namespace Argo CD is installed in; every Application and AppProject lives there. */
export const ARGOCD_NAMESPACE = 'argocd';

/** The in-cluster API server, as Argo CD names the cluster it runs in. The root app deploys there. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/**
 * The AppProject of the root app-of-apps. Dedicated (not `default`): it may only create
 * `Application` and `AppProject` objects in the `argocd` namespace of the in-cluster destination.
 */
export const PLATFORM_PROJECT = 'platform';

/** Name of the root app-of-apps of an environment. */
export const rootAppName = (env: EnvironmentName): string => `root-${env}`;

/** Argo CD's finalizer: deleting an Application with it deletes the resources it manages (cascade). */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** Argo CD annotations used on generated and rendered objects. */
export const ANNOTATIONS = {
  syncWave: 'argocd.argoproj.io/sync-wave',
  hook: 'argocd.argoproj.io/hook',
  hookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  manifestGeneratePaths: 'argocd.argoproj.io/manifest-generate-paths',
  syncOptions: 'argocd.argoproj.io/sync-options',
  helmHook: 'helm.sh/hook',
  helmHookWeight: 'helm.sh/hook-weight',
  helmHookDeletePolicy: 'helm.sh/hook-delete-policy',
} as const;

/** Waves of the generated objects inside the root app: projects before the applications that use them. */
export const ROOT_WAVES = { appProject: '-1', application: '0' } as const;

export interface RetryPolicy {
  readonly limit: number;
  readonly backoff: { readonly duration: string; readonly factor: number; readonly maxDuration: string };
}

export interface SyncWindow {
  readonly kind: 'allow' | 'deny';
  readonly schedule: string;
  readonly duration: string;
  readonly timeZone: string;
  readonly manualSync: boolean;
  /** A sync that started before a deny window opens runs to its end (Argo CD 3.5+). */
  readonly syncOverrun: boolean;
  readonly description: string;
}

/** How the Applications of one environment are synced. */
export interface EnvironmentSyncPolicy {
  /** Automated sync deletes resources removed from Git. */
  readonly prune: boolean;
  /** Automated sync reverts drift made in the cluster. */
  readonly selfHeal: boolean;
  /** Deleting an Application deletes its resources (the resources finalizer). */
  readonly cascadeDelete: boolean;
  readonly retry: RetryPolicy;
  /** Sync windows of the environment's AppProjects (system projects and the platform project). */
  readonly syncWindows: readonly SyncWindow[];
}

/**
 * Sync policy per environment (see docs/argocd.md).
 * - dev: fully automated, prune and self-heal; fast retries.
 * - prod: automated with self-heal, but prune is manual (an operator syncs with prune after reviewing the
 *   diff), deleting an Application orphans instead of deleting its resources, and a weekend/evening
 *   freeze window denies automated syncs (manual syncs stay possible for hotfixes).
 * - mini-corp: an isolated on-premises lab with no operator on call: fully automated like dev,
 *   with slower retries (the lab's registry and Vault are slower to recover).
 */
export const SYNC_POLICIES: Readonly<Record<EnvironmentName, EnvironmentSyncPolicy>> = {
  dev: {
    prune: true,
    selfHeal: true,
    cascadeDelete: true,
    retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
    syncWindows: [],
  },
  prod: {
    prune: false,
    selfHeal: true,
    cascadeDelete: false,
    retry: { limit: 5, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } },
    syncWindows: [
      {
        kind: 'deny',
        schedule: '0 18 * * 5',
        duration: '62h',
        timeZone: 'UTC',
        manualSync: true,
        syncOverrun: true,
        description:
          'prod change freeze Friday 18:00 to Monday 08:00 UTC: no automated syncs; manual syncs allowed for hotfixes',
      },
    ],
  },
  'mini-corp': {
    prune: true,
    selfHeal: true,
    cascadeDelete: true,
    retry: { limit: 10, backoff: { duration: '30s', factor: 2, maxDuration: '15m' } },
    syncWindows: [],
  },
};
