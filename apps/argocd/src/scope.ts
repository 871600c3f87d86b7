/** The scope table moved to `libs/sync-plan` (the sync plan needs it too); re-exported for existing imports. */
export {
  CLUSTER_SCOPED_KINDS,
  NAMESPACED_KINDS,
  groupKindOf,
  groupOf,
  isClusterScoped,
  UnknownScopeError,
  type GroupKind,
} from '@gitops/sync-plan';
