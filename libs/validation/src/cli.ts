/**
 * The `validate` command: kubeconform's command line (single-dash Go-style flags, same names and
 * meanings; `--flag` and `-flag=value` accepted too), plus a whole-workspace mode when no path is given.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ValidationConfigError } from './errors';
import { formatResults, OUTPUT_FORMATS, summaryLine, summarize, type OutputFormat } from './output';
import { formatPolicyViolations, runPolicies, type PolicyViolation } from './policy';
import { createValidator, expandPaths, type ValidationResult } from './validator';
import { policyContextFor, validateWorkspace } from './workspace';
import { generateSchemas, WORKSPACE_ROOT } from './schemas';
import { parseManifests, type K8sObject } from '@gitops/toolchain';

export const VERSION = 'v0.6.7-compatible';

interface FlagSpec {
  readonly kind: 'bool' | 'string' | 'list' | 'int';
  readonly help: string;
  readonly def?: string;
}

export const VALIDATE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  cache: {
    kind: 'string',
    help: 'cache schemas downloaded via HTTP to this folder (accepted; schemas are local)',
  },
  debug: { kind: 'bool', help: 'print debug information' },
  'exit-on-error': { kind: 'bool', help: 'immediately stop execution when the first error is encountered' },
  h: { kind: 'bool', help: 'show help information' },
  'ignore-filename-pattern': {
    kind: 'list',
    help: 'regular expression specifying paths to ignore (can be specified multiple times)',
  },
  'ignore-missing-schemas': { kind: 'bool', help: 'skip files with missing schemas instead of failing' },
  'insecure-skip-tls-verify': {
    kind: 'bool',
    help: "disable verification of the server's SSL certificate (accepted; no network is used)",
  },
  'kubernetes-version': {
    kind: 'string',
    def: 'master',
    help: "version of Kubernetes to validate against, e.g.: 1.18.0 (workspace mode: each environment's own version)",
  },
  n: {
    kind: 'int',
    def: '4',
    help: 'number of goroutines to run concurrently (accepted; validation is single-threaded and fast)',
  },
  output: { kind: 'string', def: 'text', help: 'output format - json, junit, tap, text' },
  reject: { kind: 'string', help: 'comma-separated list of kinds or GVKs to reject' },
  'schema-location': {
    kind: 'list',
    help: 'override schemas location search path (can be specified multiple times)',
  },
  skip: { kind: 'string', help: 'comma-separated list of kinds or GVKs to ignore' },
  strict: {
    kind: 'bool',
    help: 'disallow additional properties not in schema or duplicated keys (workspace mode: always on)',
  },
  summary: { kind: 'bool', help: 'print a summary at the end (ignored for junit output)' },
  v: { kind: 'bool', help: 'show version information' },
  verbose: { kind: 'bool', help: 'print results for all resources (ignored for tap and junit output)' },
  // Platform additions.
  environment: {
    kind: 'string',
    help: 'comma-separated environments: run the policies for this environment on files (workspace mode: only these environments)',
  },
  system: { kind: 'string', help: 'workspace mode: comma-separated systems to validate' },
  'no-policies': { kind: 'bool', help: 'do not run the policy engine' },
  repo: { kind: 'string', help: 'workspace mode: repository root (default: this workspace)' },
};

export interface ParsedArgs {
  readonly flags: Record<string, string | boolean | string[]>;
  readonly paths: string[];
}

/** Parse Go `flag`-style arguments: `-f`, `--f`, `-f=v`, `-f v`; booleans take `=true|false` only. */
export function parseGoFlags(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const flags: Record<string, string | boolean | string[]> = {};
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      paths.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      paths.push(a);
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const s = spec[name];
    if (!s) throw new ValidationConfigError(`flag provided but not defined: -${name} (see -h)`);
    if (s.kind === 'bool') {
      if (eq === -1) flags[name] = true;
      else {
        const v = body.slice(eq + 1);
        if (!/^(true|false|1|0)$/.test(v))
          throw new ValidationConfigError(`invalid boolean value "${v}" for -${name}`);
        flags[name] = v === 'true' || v === '1';
      }
      continue;
    }
    let value: string;
    if (eq !== -1) value = body.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new ValidationConfigError(`flag needs an argument: -${name}`);
      value = argv[++i];
    }
    if (s.kind === 'int' && !/^\d+$/.test(value))
      throw new ValidationConfigError(`invalid value "${value}" for flag -${name}: expected an integer`);
    if (s.kind === 'list') flags[name] = [...((flags[name] as string[]) ?? []), value];
    else flags[name] = value;
  }
  return { flags, paths };
}

export function usage(prog: string, spec: Readonly<Record<string, FlagSpec>> = VALIDATE_FLAGS): string {
  const lines = [
    `Usage: ${prog} [OPTION]... [FILE OR FOLDER]...`,
    '  With no FILE or FOLDER, validates the whole workspace as Argo CD renders it.',
  ];
  for (const [name, s] of Object.entries(spec)) {
    lines.push(`  -${name}${s.kind === 'bool' ? '' : s.kind === 'int' ? ' int' : ' string'}`);
    lines.push(`    \t${s.help}${s.def ? ` (default "${s.def}")` : ''}`);
  }
  return lines.join('\n') + '\n';
}

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly stdin?: () => string;
  readonly cwd?: string;
}

function policyResults(violations: readonly PolicyViolation[]): ValidationResult[] {
  return violations.map((v) => {
    const [gvk, nsName] = v.resource.split(' ');
    const kind = gvk.split('/').pop() ?? '';
    const version = gvk.split('/').slice(0, -1).join('/');
    const [ns, name] = nsName.includes('/') ? nsName.split('/') : ['', nsName];
    return {
      filename: v.source,
      kind,
      name,
      namespace: ns,
      version,
      status: 'statusInvalid',
      msg: `policy ${v.rule}: ${v.path}: ${v.message}`,
      validationErrors: [{ path: v.path, msg: v.message, keywordLocation: '' }],
    };
  });
}

/** Run the validate command; returns the exit code. Never throws for user mistakes. */
export function runValidateCli(argv: readonly string[], io: CliIo): number {
  try {
    return runValidate(argv, io);
  } catch (err: any) {
    if (
      err instanceof ValidationConfigError ||
      err?.name === 'ToolchainError' ||
      err?.name === 'RenderError'
    ) {
      io.stderr(`validate: ${String(err.message).split('\n')[0]}\n`);
      return 1;
    }
    io.stderr(`validate: ${err?.message ?? err}\n`);
    return 1;
  }
}

function runValidate(argv: readonly string[], io: CliIo): number {
  const { flags, paths } = parseGoFlags(argv, VALIDATE_FLAGS);
  if (flags.h) {
    io.stdout(usage('validate'));
    return 0;
  }
  if (flags.v) {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const output = (flags.output as string | undefined) ?? 'text';
  if (!OUTPUT_FORMATS.includes(output as OutputFormat)) {
    throw new ValidationConfigError(
      `-output ${output}: unknown output format (expected one of ${OUTPUT_FORMATS.join(', ')})`,
    );
  }
  const ignorePatterns = ((flags['ignore-filename-pattern'] as string[]) ?? []).map((p) => {
    try {
      return new RegExp(p);
    } catch {
      throw new ValidationConfigError(`-ignore-filename-pattern ${p}: invalid regular expression`);
    }
  });
  const csv = (name: string) => ((flags[name] as string | undefined) ?? '').split(',').filter(Boolean);
  const common = {
    schemaLocations: (flags['schema-location'] as string[] | undefined) ?? undefined,
    ignoreMissingSchemas: flags['ignore-missing-schemas'] === true,
    skip: csv('skip'),
    reject: csv('reject'),
  };
  const environments = csv('environment');
  let results: ValidationResult[];
  let violations: PolicyViolation[] = [];
  let resourceIds = false;
  let stdin = false;
  if (paths.length === 0) {
    const repoDir = resolve(io.cwd ?? process.cwd(), (flags.repo as string | undefined) ?? WORKSPACE_ROOT);
    const report = validateWorkspace({
      ...common,
      repoDir,
      strict: true,
      kubernetesVersion: flags['kubernetes-version'] as string | undefined,
      systems: csv('system'),
      environments,
      policies: flags['no-policies'] !== true,
    });
    if (!report.sources.length) {
      throw new ValidationConfigError(
        `no Argo CD Applications found under ${repoDir}/overlays/argocd: render the workspace first (npm run render)`,
      );
    }
    results = report.results;
    violations = report.policyViolations;
    resourceIds = true;
  } else {
    const validator = createValidator({
      ...common,
      strict: flags.strict === true,
      kubernetesVersion: (flags['kubernetes-version'] as string | undefined) ?? 'master',
    });
    results = [];
    const objectsByFile = new Map<string, K8sObject[]>();
    const files: { name: string; text: string }[] = [];
    for (const p of paths) {
      if (p === '-') {
        stdin = true;
        files.push({ name: 'stdin', text: io.stdin ? io.stdin() : readFileSync(0, 'utf8') });
        continue;
      }
      for (const file of expandPaths([resolve(io.cwd ?? process.cwd(), p)])) {
        const shown = p.startsWith('/') ? file : file.replace(resolve(io.cwd ?? process.cwd()) + '/', '');
        if (ignorePatterns.some((re) => re.test(shown))) continue;
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err: any) {
          throw new ValidationConfigError(`failed opening ${shown}: ${err?.code ?? err?.message}`);
        }
        files.push({ name: shown, text });
      }
    }
    for (const { name, text } of files) {
      const r = validator.validateText(text, name);
      results.push(...r);
      if (flags['exit-on-error'] && r.some((x) => x.status === 'statusError')) break;
      if (environments.length && flags['no-policies'] !== true) {
        try {
          objectsByFile.set(
            name,
            parseManifests(text, name).flatMap((o: any) =>
              o.kind === 'List' && Array.isArray(o.items) ? o.items : [o],
            ),
          );
        } catch {
          // malformed: already an error result
        }
      }
    }
    for (const env of environments) {
      let ctx;
      try {
        ctx = policyContextFor(env);
      } catch {
        throw new ValidationConfigError(`-environment ${env}: unknown environment`);
      }
      // Policies see all files together (Services and their Deployments may live in different files).
      const all = [...objectsByFile.values()].flat();
      const source =
        objectsByFile.size === 1
          ? [...objectsByFile.keys()][0]
          : `${env}: ${[...objectsByFile.keys()].length} files`;
      violations.push(...runPolicies(all, ctx, { source }));
    }
  }
  const summary = flags.summary === true;
  const verbose = flags.verbose === true;
  if (output === 'text') {
    let text = formatResults(results, 'text', { verbose, resourceIds, stdin });
    text += formatPolicyViolations(violations);
    if (summary) {
      text += summaryLine(summarize(results), stdin) + '\n';
      if (violations.length || paths.length === 0)
        text += `Policies: ${violations.length} violation${violations.length === 1 ? '' : 's'}\n`;
    }
    io.stdout(text);
  } else if (output === 'json') {
    const body = JSON.parse(formatResults(results, 'json', { summary, verbose }));
    if (violations.length || paths.length === 0) body.policyViolations = violations;
    io.stdout(JSON.stringify(body, null, 2) + '\n');
  } else {
    io.stdout(
      formatResults([...results, ...policyResults(violations)], output as OutputFormat, { summary, verbose }),
    );
  }
  const bad =
    results.some((r) => r.status === 'statusInvalid' || r.status === 'statusError') || violations.length > 0;
  return bad ? 1 : 0;
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
