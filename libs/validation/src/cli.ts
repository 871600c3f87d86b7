/**
 * The `validate` command: kubeconform's command line (kubeconform-cli.ts) for files and stdin, plus a
 * whole-workspace mode when no path is given.
 */
import { resolve } from 'node:path';
import {
  policyResults,
  prepareValidate,
  reportCliError,
  runValidateFiles,
  type CliIo,
} from './kubeconform-cli';
import { formatResults, goJson, summaryLine, summarize, type OutputFormat } from './output';
import { formatPolicyViolations, runPolicies, type PolicyViolation } from './policy';
import { ValidationConfigError } from './errors';
import type { ValidationResult } from './validator';
import { policyContextFor, validateWorkspace } from './workspace';
import { generateSchemas, WORKSPACE_ROOT } from './schemas';
import { parseGoFlags, usage, type FlagSpec } from './kubeconform-cli';

export {
  FlagError,
  parseGoFlags,
  usage,
  VALIDATE_FLAGS,
  VERSION,
  type CliIo,
  type ParsedArgs,
} from './kubeconform-cli';

/** Run the validate command; returns the exit code. Never throws for user mistakes. */
export function runValidateCli(argv: readonly string[], io: CliIo): number {
  try {
    const prepared = prepareValidate(argv, io);
    if (prepared.exit !== undefined) return prepared.exit;
    if (prepared.paths.length)
      return runValidateFiles(prepared, io, () => ({
        policyContextFor,
        runPolicies,
        formatPolicyViolations,
      }));
    return runWorkspace(prepared.flags, prepared.options, io);
  } catch (err) {
    return reportCliError(err, io);
  }
}

function runWorkspace(
  flags: Record<string, string | boolean | string[]>,
  o: {
    schemaLocations?: string[];
    ignoreMissingSchemas: boolean;
    skip: string[];
    reject: string[];
    environments: string[];
    output: OutputFormat;
    cwd: string;
  },
  io: CliIo,
): number {
  const csv = (name: string) =>
    ((flags[name] as string | undefined) ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const repoDir = resolve(o.cwd, (flags.repo as string | undefined) ?? WORKSPACE_ROOT);
  const report = validateWorkspace({
    schemaLocations: o.schemaLocations,
    ignoreMissingSchemas: o.ignoreMissingSchemas,
    skip: o.skip,
    reject: o.reject,
    repoDir,
    strict: true,
    kubernetesVersion: flags['kubernetes-version'] as string | undefined,
    systems: csv('system'),
    environments: o.environments,
    policies: flags['no-policies'] !== true,
  });
  if (!report.sources.length) {
    throw new ValidationConfigError(
      `no Argo CD Applications found under ${repoDir}/overlays/argocd: render the workspace first (npm run render)`,
    );
  }
  const results = report.results;
  const violations = report.policyViolations;
  writeReport(results, violations, o.output, flags, io, { resourceIds: true, policyLine: true });
  const bad =
    results.some((r) => r.status === 'statusInvalid' || r.status === 'statusError') || violations.length > 0;
  return bad ? 1 : 0;
}

function writeReport(
  results: readonly ValidationResult[],
  violations: readonly PolicyViolation[],
  output: OutputFormat,
  flags: Record<string, unknown>,
  io: CliIo,
  o: { resourceIds?: boolean; stdin?: boolean; policyLine?: boolean },
): void {
  const summary = flags.summary === true;
  const verbose = flags.verbose === true;
  if (output === 'text' || output === 'pretty') {
    let text = formatResults(results, output, { verbose, resourceIds: o.resourceIds, stdin: o.stdin });
    text += formatPolicyViolations(violations);
    if (summary) {
      text += summaryLine(summarize(results), o.stdin) + '\n';
      if (violations.length || o.policyLine)
        text += `Policies: ${violations.length} violation${violations.length === 1 ? '' : 's'}\n`;
    }
    io.stdout(text);
  } else if (output === 'json') {
    const body = JSON.parse(formatResults(results, 'json', { summary, verbose }));
    if (violations.length || o.policyLine) body.policyViolations = violations;
    io.stdout(goJson(body) + '\n');
  } else {
    io.stdout(formatResults([...results, ...policyResults(violations)], output, { summary, verbose }));
  }
}

export const SCHEMAS_FLAGS: Readonly<Record<string, FlagSpec>> = {
  source: {
    kind: 'string',
    help: 'folder with kubernetes/v<ver>/_definitions.json and crds/<group>/<kind>_<version>.json (default: $GITOPS_SCHEMAS_SRC or ../shared/schemas)',
  },
  output: {
    kind: 'string',
    help: "folder to write kubeconform's layout into (default: $GITOPS_SCHEMAS_DIR or node_modules/.cache/gitops-schemas)",
  },
  'kubernetes-version': {
    kind: 'string',
    help: 'comma-separated Kubernetes versions to generate (default: every version in the source)',
  },
  h: { kind: 'bool', help: 'show help information' },
};

/** Run the schemas command; returns the exit code. */
export function runSchemasCli(argv: readonly string[], io: CliIo): number {
  try {
    const { flags, paths } = parseGoFlags(argv, SCHEMAS_FLAGS);
    if (flags.h) {
      io.stdout(
        usage('schemas', SCHEMAS_FLAGS)
          .replace(' [FILE OR FOLDER]...', '')
          .split('\n')
          .filter((l) => !l.includes('whole workspace'))
          .join('\n'),
      );
      return 0;
    }
    if (paths.length) throw new ValidationConfigError(`unexpected argument ${paths[0]} (see -h)`);
    const cwd = io.cwd ?? process.cwd();
    const report = generateSchemas({
      source: flags.source ? resolve(cwd, flags.source as string) : undefined,
      out: flags.output ? resolve(cwd, flags.output as string) : undefined,
      versions: ((flags['kubernetes-version'] as string | undefined) ?? '')
        .split(',')
        .filter(Boolean)
        .map((v) => v.replace(/^v/, '')),
    });
    io.stdout(
      `wrote ${report.files} schemas (${report.kinds} Kubernetes kinds for ${report.versions.join(', ')}, ${report.crds} CRDs) to ${report.out}\n` +
        `use with kubeconform: -schema-location ${report.out} -schema-location '${report.out}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'\n`,
    );
    return 0;
  } catch (err: any) {
    io.stderr(`schemas: ${String(err?.message ?? err).split('\n')[0]}\n`);
    return 1;
  }
}
