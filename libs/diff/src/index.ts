/**
 * PR diff previews of rendered manifests: render base and head exactly as Argo CD does and compare
 * them object by object. The core (`diffManifests`, the formatters) is pure; git and rendering IO live in
 * `runPreview` (preview.ts).
 */
export * from './types';
export {
  diffManifests,
  countChanges,
  normalizeObject,
  maskSecretValue,
  maskSecrets,
  expandLists,
  type DiffExtras,
  toSortedYaml,
  unifiedDiff,
  changedPaths,
  renameSimilarity,
} from './diff-manifests';
export {
  assessRisks,
  applicationRisks,
  cidrWithin,
  widenedCidrs,
  podSpecOf,
  SYNC_ANNOTATIONS,
  CIDR_ANNOTATIONS,
  type RiskContext,
} from './risk';
export { createMasker, looksSecret, maskObject, redactText, MASK_RE, type Masker } from './masking';
export {
  argoNotes,
  hookOf,
  hookText,
  pruneOutcome,
  syncPolicyOf,
  syncPolicyText,
  type HookLabel,
  type PruneOutcome,
  type SyncPolicySummary,
} from './argo-semantics';
export { discoverSources, readDirectorySource, type PreviewSource } from './argo-apps';
export { outOfBoundsSymlink, resolveValueFile, OutsideRepositoryError } from './bounds';
export {
  checkStale,
  prepareSystems,
  canRenderInProcess,
  type StaleInputs,
  type PreparedSystems,
} from './stale';
export {
  DEFAULT_IGNORE,
  DEFAULT_SENSITIVE,
  CONFIG_FILE,
  DiffConfigError,
  loadConfig,
  resolveConfig,
  parseConfig,
  defaultDiffOptions,
  type DiffConfigFile,
  type DiffOptions,
  type ResolvedConfig,
} from './config';
export {
  compileRule,
  compileRules,
  parsePath,
  matchesPath,
  formatPath,
  removePaths,
  maskPaths,
  PathSyntaxError,
  type PathRule,
  type PathRuleInput,
} from './paths';
export {
  formatMarkdown,
  partMarker,
  mdText,
  code as mdCode,
  GITHUB_COMMENT_LIMIT,
  type MarkdownOptions,
} from './format-markdown';
export { nothingToPreview } from './summary';
export { formatJson } from './format-json';
export { formatText, type TextOptions } from './format-text';
export { classifyFile, isDocFile, selectChanged, type FileReach, type SelectInputs } from './select';
export { runPreview, exitCodeOf, RENDER_PATHS, type PreviewOptions } from './preview';
export { DiffUserError } from './git';
export { affectedProjects, nxAffectedProjects, nxAffectedProjectsAsync, nxAnalyzesSources } from './nx';
export {
  affectedFromProjectMap,
  projectMapCacheFile,
  projectMapKey,
  projectMapOfGraph,
  PROJECT_MAP_FILE,
  readProjectMap,
  workspaceFiles,
  type ProjectMap,
} from './project-map';
export { benchmarkPreview, type BenchmarkResult } from './bench';
