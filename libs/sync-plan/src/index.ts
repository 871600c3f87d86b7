/**
 * The sync plan: the order in which Argo CD syncs an Application's objects (phase, wave, kind order,
 * name, namespace/CRD adjustments, health waits between steps), read from Argo CD's source, and the
 * checker that fails a render when an object needs something that does not exist yet at its step.
 *
 * Public API (stable; the render verify step, `npm run validate`, `npm run plan` and the diff
 * previews use it):
 * - `buildSyncPlan(objects, { namespace, createNamespace })` → `SyncPlan` (steps and tasks in order);
 * - `checkApplicationSync(input)` → `{ plan, problems }`, `formatProblem(problem)`;
 * - `checkRepositorySync(repoDir, …)` → the same for every committed Application (`repository.ts`);
 * - `formatPlanTable(plan)`;
 * - Argo CD's rules: `kindRank`, `syncPhasesOf`, `waveOf`, `isHook`, `projectPermitsObject`, `healthWait`;
 * - the kind scope table: `isClusterScoped`, `groupKindOf`, `CLUSTER_SCOPED_KINDS`, `NAMESPACED_KINDS`.
 */
export * from './argo-rules';
export * from './checks';
export * from './health';
export * from './plan';
export * from './references';
export * from './scope';
export * from './table';
export * from './repository';
