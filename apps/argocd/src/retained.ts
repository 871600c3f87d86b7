import type { EnvironmentName } from '@gitops/environments';

/**
 * Kinds (and cluster-scoped objects) an AppProject keeps permitting after the render stops producing
 * them, until Argo CD has pruned the live objects. Argo CD hides live objects its project does not
 * permit (controller/state.go filters them with `IsLiveResourcePermitted`), so dropping a kind from
 * the allow-list in the same commit that removes its last object orphans it: it is never pruned.
 *
 * The render refuses that commit (sync-plan rule `pruned-kind`, comparing with the `gitops.platform/rendered`
 * annotation of the committed AppProject). To remove the last object of a kind:
 * 1. add it here (`{ group, kind }`; cluster-scoped: `{ group, kind, name }`) in the same commit;
 * 2. let Argo CD prune it (dev, mini-corp: automatically; prod: `argocd app sync <app> --prune`);
 * 3. delete the entry in a later commit.
 */
export interface RetainedEntry {
  readonly group: string;
  readonly kind: string;
  /** Cluster-scoped objects only: the object's name. */
  readonly name?: string;
}

export const RETAINED: Readonly<Record<string, Partial<Record<EnvironmentName, readonly RetainedEntry[]>>>> =
  {};

/** The retained entries of a system in an environment. */
export function retainedFor(system: string, env: EnvironmentName): readonly RetainedEntry[] {
  return RETAINED[system]?.[env] ?? [];
}
