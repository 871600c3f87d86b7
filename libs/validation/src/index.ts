/**
 * kubeconform-compatible schema validation (ajv) and the platform's policy engine.
 * See libs/validation/README.md.
 */
export { ValidationConfigError } from './errors';
export {
  defaultSchemaDir,
  defaultSchemaSource,
  ensureSchemaDir,
  generateSchemas,
  kindFileName,
  readSchemaFile,
  sourceVersions,
  type GenerateSchemasOptions,
  type GenerateSchemasReport,
} from './schemas';
export {
  KUBECONFORM_DEFAULT_LOCATION,
  CRD_SUFFIX,
  defaultSchemaLocations,
  parseSchemaLocation,
  renderTemplate,
  templateData,
} from './registry';
export {
  createValidator,
  expandPaths,
  groupVersionKind,
  type ResultStatus,
  type ValidationResult,
  type Validator,
  type ValidatorOptions,
} from './validator';
export type { SchemaViolation } from './messages';
export {
  exitCode,
  formatResults,
  resourceId,
  summarize,
  summaryLine,
  OUTPUT_FORMATS,
  type FormatOptions,
  type OutputFormat,
  type Summary,
} from './output';
export { mergeHelmValues, validateValues } from './values';
export {
  EXEMPT_ANNOTATION,
  EXEMPT_REASON_ANNOTATION,
  EXEMPTION_RULE,
  POLICY_RULES,
  PUBLIC_ANNOTATION,
  READINESS_GATE_LABEL,
  STARTUP_SECONDS_ANNOTATION,
  formatPolicyViolations,
  parseImage,
  runPolicies,
  type PolicyContext,
  type PolicyRule,
  type PolicyViolation,
  type RunPoliciesOptions,
} from './policy';
export {
  policyContextFor,
  sourceName,
  validateChartValues,
  validateWorkspace,
  type WorkspaceOptions,
  type WorkspaceReport,
} from './workspace';
export { benchmarkValidation, generateBenchCorpus, type BenchmarkResult } from './bench';
export { parseGoFlags, runSchemasCli, runValidateCli, usage, VALIDATE_FLAGS } from './cli';
export * from './api-limits';
export {
  FILE_RULES,
  GENERATED_LABEL_KEYS,
  IMAGE_BINARIES_ANNOTATION,
  KNOWN_NON_ROOT_IMAGES,
  knownImageUser,
  parseImageBinaries,
  podResources,
  podsAtMaxScale,
} from './rules';
export {
  caseCwd,
  expandArgs,
  loadCases,
  loadRecordings,
  normaliseOutput,
  SIDE_BY_SIDE_DIR,
  canonicalOutput,
  type Recording,
  type Recordings,
  type SideBySideCase,
} from './side-by-side';
export { integrityKey, sign, verifySignature, sha256 } from './integrity';
