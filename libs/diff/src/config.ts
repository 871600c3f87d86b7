import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileRules, type PathRule, type PathRuleInput } from './paths';

/** Fields that change without changing anything in the cluster: removed before comparing. */
export const DEFAULT_IGNORE: readonly string[] = [
  'status',
  'metadata.managedFields',
  'metadata.creationTimestamp',
  'metadata.generation',
  'metadata.resourceVersion',
  'metadata.uid',
  'metadata.selfLink',
  'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]',
  'metadata.annotations["deployment.kubernetes.io/revision"]',
  '**.metadata.labels["helm.sh/chart"]',
  '**.metadata.annotations["checksum/*"]',
  '**.metadata.creationTimestamp',
];

/** Values that must never be shown: masked with a short hash. */
export const DEFAULT_SENSITIVE: readonly string[] = [
  'Secret:data.*',
  'Secret:stringData.*',
  // kubectl's copy of the whole object, values included (ignored by default, masked even when not).
  'Secret:metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]',
];

/** The diff configuration as written in `.gitops-diff.yaml` (every field optional). */
export interface DiffConfigFile {
  /** Extra fields to ignore (added to the defaults). */
  ignore?: PathRuleInput[];
  /** Set to false to drop the default ignore list. */
  defaultIgnore?: boolean;
  /** Extra sensitive fields (added to Secret data/stringData, which cannot be removed). */
  sensitive?: PathRuleInput[];
  /** Environments whose applications get risk flags. @default ["prod"] */
  riskEnvironments?: string[];
  /** Minimum similarity for a removed + added pair to count as a rename. @default 0.8 */
  renameSimilarity?: number;
  /** Lines of context in per-object diffs. @default 3 */
  context?: number;
}

/** Options of {@link diffManifests}. */
export interface DiffOptions {
  readonly ignore: readonly PathRule[];
  readonly sensitive: readonly PathRule[];
  readonly renameSimilarity: number;
  readonly context: number;
  /** Compute risk flags on every change. */
  readonly assessRisk: boolean;
}

export interface ResolvedConfig {
  readonly diff: Omit<DiffOptions, 'assessRisk'>;
  readonly riskEnvironments: readonly string[];
  /** Where the config was read from, if anywhere. */
  readonly source?: string;
}

export const CONFIG_FILE = '.gitops-diff.yaml';

export class DiffConfigError extends Error {
  override readonly name = 'DiffConfigError';
}

/** Resolve a config (defaults + overrides) into compiled options. */
export function resolveConfig(file: DiffConfigFile = {}, source?: string): ResolvedConfig {
  const where = source ?? 'config';
  const list = (v: unknown, field: string): PathRuleInput[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new DiffConfigError(`${where}: "${field}" must be a list of paths`);
    return v as PathRuleInput[];
  };
  try {
    const ignore = compileRules([
      ...(file.defaultIgnore === false ? [] : DEFAULT_IGNORE),
      ...list(file.ignore, 'ignore'),
    ]);
    const sensitive = compileRules([...DEFAULT_SENSITIVE, ...list(file.sensitive, 'sensitive')]);
    const renameSimilarity = file.renameSimilarity ?? 0.8;
    if (typeof renameSimilarity !== 'number' || renameSimilarity <= 0 || renameSimilarity > 1) {
      throw new DiffConfigError(`${where}: "renameSimilarity" must be a number in (0, 1]`);
    }
    const context = file.context ?? 3;
    if (!Number.isInteger(context) || context < 0)
      throw new DiffConfigError(`${where}: "context" must be a non-negative integer`);
    const riskEnvironments = file.riskEnvironments ?? ['prod'];
    if (!Array.isArray(riskEnvironments))
      throw new DiffConfigError(`${where}: "riskEnvironments" must be a list`);
    return { diff: { ignore, sensitive, renameSimilarity, context }, riskEnvironments, source };
  } catch (err: any) {
    if (err instanceof DiffConfigError) throw err;
    throw new DiffConfigError(`${where}: ${err?.message ?? err}`);
  }
}

/** Read `.gitops-diff.yaml` (or `file`) from `dir`; defaults when absent. */
export function loadConfig(dir: string, file?: string): ResolvedConfig {
  const path = file ? (file.startsWith('/') ? file : join(dir, file)) : join(dir, CONFIG_FILE);
  if (!existsSync(path)) {
    if (file) throw new DiffConfigError(`config file ${file} does not exist`);
    return resolveConfig();
  }
  return parseConfig(readFileSync(path, 'utf8'), path);
}

/** Parse and resolve a config text (`source` names it in errors). */
export function parseConfig(text: string, path: string): ResolvedConfig {
  let parsed: unknown;
  try {
    parsed = parse(text) ?? {};
  } catch (err: any) {
    throw new DiffConfigError(`${path}: ${err?.message ?? err}`);
  }
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new DiffConfigError(`${path}: expected a mapping`);
  const known = new Set([
    'ignore',
    'defaultIgnore',
    'sensitive',
    'riskEnvironments',
    'renameSimilarity',
    'context',
  ]);
  const unknown = Object.keys(parsed as object).filter((k) => !known.has(k));
  if (unknown.length)
    throw new DiffConfigError(
      `${path}: unknown field(s) ${unknown.join(', ')} (known: ${[...known].join(', ')})`,
    );
  return resolveConfig(parsed as DiffConfigFile, path);
}

/** Diff options with the defaults. */
export function defaultDiffOptions(overrides: Partial<DiffOptions> = {}): DiffOptions {
  return { ...resolveConfig().diff, assessRisk: false, ...overrides };
}
