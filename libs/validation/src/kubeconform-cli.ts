/**
 * kubeconform's command line for files and stdin (cmd/kubeconform, pkg/config): Go `flag` parsing, the same
 * flags, checks and messages, and the platform's policy engine on the files with `-environment`. The
 * workspace mode (no path) lives in cli.ts; this module loads neither the renderers nor, unless asked
 * to, the policy engine, so that the compiled command starts fast.
 */
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RE2JS } from 're2js';
import type { K8sObject } from '@gitops/toolchain';
import { ValidationConfigError } from './errors';
import { createOutput, goJson, OUTPUT_FORMATS, type OutputFormat } from './output';
import type { PolicyContext, PolicyViolation, RunPoliciesOptions } from './policy';
import { createValidator, fdReader, stringReader, walkPaths, type ValidationResult } from './validator';

/** What the files mode needs from the policy engine (loaded only with -environment). */
export interface PolicyEngine {
  policyContextFor(env: string): PolicyContext;
  runPolicies(objects: K8sObject[], ctx: PolicyContext, options?: RunPoliciesOptions): PolicyViolation[];
  formatPolicyViolations(v: readonly PolicyViolation[]): string;
}

export const VERSION = 'v0.7.0';

export interface FlagSpec {
  /** Go flag type: `bool`, `string`, `int`, a repeatable `list` (flag.Var) or a validated `text` (flag.TextVar). */
  readonly kind: 'bool' | 'string' | 'list' | 'int' | 'text';
  readonly help: string;
  readonly def?: string;
  /** For `text` flags: the error for a value, or null when valid. */
  readonly check?: (v: string) => string | null;
}

const K8S_VERSION = /^(master|\d+\.\d+\.\d+)$/;

export const VALIDATE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  cache: { kind: 'string', help: 'cache schemas downloaded via HTTP to this folder' },
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
    help: "disable verification of the server's SSL certificate. This will make your HTTPS connections insecure",
  },
  'kubernetes-version': {
    kind: 'text',
    def: 'master',
    help: 'version of Kubernetes to validate against, e.g.: 1.18.0',
    check: (v) =>
      K8S_VERSION.test(v)
        ? null
        : `${v} is not a valid version. Valid values are "master" (default) or full version x.y.z (e.g. "1.27.2")`,
  },
  n: { kind: 'int', def: '4', help: 'number of goroutines to run concurrently' },
  output: { kind: 'string', def: 'text', help: 'output format - json, junit, pretty, tap, text' },
  reject: { kind: 'string', help: 'comma-separated list of kinds or GVKs to reject' },
  'schema-location': {
    kind: 'list',
    help: 'override schemas location search path (can be specified multiple times)',
  },
  skip: { kind: 'string', help: 'comma-separated list of kinds or GVKs to ignore' },
  strict: { kind: 'bool', help: 'disallow additional properties not in schema or duplicated keys' },
  summary: { kind: 'bool', help: 'print a summary at the end (ignored for junit output)' },
  v: { kind: 'bool', help: 'show version information' },
  verbose: { kind: 'bool', help: 'print results for all resources (ignored for tap and junit output)' },
  // Platform additions.
  environment: {
    kind: 'string',
    help: 'platform: comma-separated environments; run their policies on the files (without files: validate only these environments)',
  },
  system: { kind: 'string', help: 'platform, without files: comma-separated systems to validate' },
  'no-policies': { kind: 'bool', help: 'platform: do not run the policy engine' },
  repo: { kind: 'string', help: 'platform, without files: repository root (default: this workspace)' },
};

export interface ParsedArgs {
  readonly flags: Record<string, string | boolean | string[]>;
  readonly paths: string[];
}

/** A command-line mistake, printed like Go's flag package: the message, then the usage, exit 1. */
export class FlagError extends ValidationConfigError {}

const GO_BOOL: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

/**
 * Parse arguments as Go's `flag` package does: `-f`, `--f`, `-f=v`, `-f v`; booleans only take `=value`
 * (strconv.ParseBool spellings: 1, t, T, TRUE, true, True and their false forms); parsing stops at the
 * first argument that is not a flag (`-` included) or after `--`.
 */
export function parseGoFlags(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const flags: Record<string, string | boolean | string[]> = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a.length < 2 || a[0] !== '-') break;
    let body = a.slice(1);
    if (body[0] === '-') {
      body = body.slice(1);
      if (body === '') {
        i++;
        break;
      }
    }
    if (body === '' || body[0] === '-' || body[0] === '=') throw new FlagError(`bad flag syntax: ${a}`);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const s = spec[name];
    if (!s) throw new FlagError(`flag provided but not defined: -${name}`);
    if (s.kind === 'bool') {
      if (eq === -1) flags[name] = true;
      else {
        const v = body.slice(eq + 1);
        if (!(v in GO_BOOL))
          throw new FlagError(`invalid boolean value ${JSON.stringify(v)} for -${name}: parse error`);
        flags[name] = GO_BOOL[v];
      }
      continue;
    }
    let value: string;
    if (eq !== -1) value = body.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      value = argv[++i];
    }
    if (s.kind === 'int' && !/^[-+]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]*|[1-9][0-9_]*)$/.test(value))
      throw new FlagError(`invalid value ${JSON.stringify(value)} for flag -${name}: parse error`);
    if (s.kind === 'text' && s.check) {
      const problem = s.check(value);
      if (problem)
        throw new FlagError(`invalid value ${JSON.stringify(value)} for flag -${name}: ${problem}`);
    }
    if (s.kind === 'list') flags[name] = [...((flags[name] as string[]) ?? []), value];
    else flags[name] = value;
  }
  return { flags, paths: argv.slice(i) };
}

/** Go's FlagSet.PrintDefaults, after kubeconform's usage line. */
export function usage(prog: string, spec: Readonly<Record<string, FlagSpec>> = VALIDATE_FLAGS): string {
  const lines = [`Usage: ${prog} [OPTION]... [FILE OR FOLDER]...`];
  for (const name of Object.keys(spec).sort()) {
    const s = spec[name];
    const type =
      s.kind === 'bool' ? '' : s.kind === 'int' ? ' int' : s.kind === 'string' ? ' string' : ' value';
    const head = `  -${name}${type}`;
    const def =
      s.def === undefined
        ? ''
        : s.kind === 'string'
          ? ` (default ${JSON.stringify(s.def)})`
          : ` (default ${s.def})`;
    lines.push(`${head}${head.length <= 4 ? '\t' : '\n    \t'}${s.help.replace(/\n/g, '\n    \t')}${def}`);
  }
  return lines.join('\n') + '\n';
}

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** stdin (default: file descriptor 0, streamed). */
  readonly stdin?: () => string;
  readonly cwd?: string;
}

export interface Prepared {
  readonly flags: Record<string, string | boolean | string[]>;
  readonly paths: string[];
  /** Set when the command is already answered (-h, -v). */
  readonly exit?: number;
  readonly options: {
    readonly schemaLocations?: string[];
    readonly ignoreMissingSchemas: boolean;
    readonly skip: string[];
    readonly reject: string[];
    readonly environments: string[];
    readonly output: OutputFormat;
    readonly cwd: string;
  };
}

/** Parse and check the command line as kubeconform does before validating anything. Throws FlagError/ValidationConfigError. */
export function prepareValidate(argv: readonly string[], io: CliIo): Prepared {
  const { flags, paths } = parseGoFlags(argv, VALIDATE_FLAGS);
  const csv = (name: string) =>
    ((flags[name] as string | undefined) ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const cwd = io.cwd ?? process.cwd();
  const output = (flags.output as string | undefined) ?? 'text';
  const options = {
    schemaLocations: (flags['schema-location'] as string[] | undefined) ?? undefined,
    ignoreMissingSchemas: flags['ignore-missing-schemas'] === true,
    skip: csv('skip'),
    reject: csv('reject'),
    environments: csv('environment'),
    output: output as OutputFormat,
    cwd,
  };
  if (flags.h) {
    io.stdout(usage('validate'));
    return { flags, paths, options, exit: 0 };
  }
  if (flags.v) {
    io.stdout(`${VERSION}\n`);
    return { flags, paths, options, exit: 0 };
  }
  if (!OUTPUT_FORMATS.includes(output as OutputFormat))
    throw new ValidationConfigError(`'outputFormat' must be 'json', 'junit', 'pretty', 'tap' or 'text'`);
  if (typeof flags.cache === 'string' && flags.cache !== '')
    checkCacheFolder(resolve(cwd, flags.cache), flags.cache);
  return { flags, paths, options };
}

/** Print a command-line mistake as kubeconform does; returns the exit code. */
export function reportCliError(err: any, io: CliIo): number {
  if (err instanceof FlagError) {
    io.stderr(`${err.message}\n${usage('validate')}`);
    return 1;
  }
  if (err instanceof ValidationConfigError || err?.name === 'ToolchainError' || err?.name === 'RenderError') {
    io.stderr(`${String(err.message).split('\n')[0]}\n`);
    return 1;
  }
  io.stderr(`validate: ${err?.message ?? err}\n`);
  return 1;
}

/** The files mode of `validate` (paths given); returns the exit code. Never throws for user mistakes. */
export function runValidateFiles(prepared: Prepared, io: CliIo, policyEngine: () => PolicyEngine): number {
  // kubeconform starts -n workers; with none, nothing reads the resources and Go stops the program
  // ("fatal error: all goroutines are asleep - deadlock!", exit status 2). Same status, said clearly.
  const workers = String(prepared.flags.n ?? '4');
  if (/^-/.test(workers) || /^\+?(0[xXbBoO])?[0_]*$/.test(workers)) {
    io.stderr(
      `validate: -n ${workers}: no worker would validate anything (kubeconform v0.7.0 deadlocks: fatal error: all goroutines are asleep - deadlock!)\n`,
    );
    return 2;
  }
  try {
    return runFiles(prepared.paths, prepared.flags, prepared.options, io, policyEngine);
  } catch (err) {
    return reportCliError(err, io);
  }
}

/** `-cache` as kubeconform checks it: an existing folder. */
function checkCacheFolder(path: string, given: string): void {
  let st;
  try {
    st = statSync(path);
  } catch (e: any) {
    throw new ValidationConfigError(
      `failed opening cache folder ${given}: stat ${given}: ${e?.code === 'ENOENT' ? 'no such file or directory' : (e?.message ?? e)}`,
    );
  }
  // kubeconform formats a nil error here: "cache folder %!s(<nil>) is not a directory".
  if (!st.isDirectory()) throw new ValidationConfigError('cache folder %!s(<nil>) is not a directory');
}

export function policyResults(violations: readonly PolicyViolation[]): ValidationResult[] {
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
      validationErrors: [{ path: v.path, msg: v.message }],
    };
  });
}

/**
 * kubeconform with files: every path walked as kubeconform walks it, every file streamed document by
 * document, results written as they come (text, tap, pretty), `-exit-on-error` stopping at the first
 * invalid or errored resource. With `-environment`, the platform's policies run on all files together.
 */
function runFiles(
  paths: readonly string[],
  flags: Record<string, string | boolean | string[]>,
  o: Prepared['options'],
  io: CliIo,
  policyEngine: () => PolicyEngine,
): number {
  const stdin = paths.length === 1 && paths[0] === '-';
  const policies = o.environments.length > 0 && flags['no-policies'] !== true;
  const engine = policies ? policyEngine() : undefined;
  const contexts = o.environments.map((env) => {
    try {
      return engine!.policyContextFor(env);
    } catch {
      throw new ValidationConfigError(`-environment ${env}: unknown environment`);
    }
  });
  const validator = createValidator({
    schemaLocations: o.schemaLocations,
    ignoreMissingSchemas: o.ignoreMissingSchemas,
    skip: o.skip,
    reject: o.reject,
    strict: flags.strict === true,
    kubernetesVersion: (flags['kubernetes-version'] as string | undefined) ?? 'master',
    keepObjects: policies,
    cwd: o.cwd,
  });
  // kubeconform finds nothing in a folder that does not exist (each resource: could not find schema);
  // say why once, on stderr, so that stdout stays kubeconform's.
  for (const loc of o.schemaLocations ?? []) {
    if (loc === 'default' || /^https?:/.test(loc)) continue;
    const path = loc.replace(/^file:\/\//, '');
    const brace = path.indexOf('{{');
    const fixed =
      brace === -1 ? (path.endsWith('json') ? dirname(path) : path) : dirname(path.slice(0, brace) + 'x');
    if (!existsSync(resolve(o.cwd, fixed)))
      io.stderr(
        `validate: warning: -schema-location ${loc}: folder ${fixed} does not exist, no schema will be found there\n`,
      );
  }
  const patterns = ((flags['ignore-filename-pattern'] as string[]) ?? []).map((p) => {
    try {
      return { re: RE2JS.compile(p), error: undefined };
    } catch (e: any) {
      return { re: undefined, error: String(e?.message ?? e) };
    }
  });
  const exitOnError = flags['exit-on-error'] === true;
  const summary = flags.summary === true;
  const verbose = flags.verbose === true;
  const started = process.hrtime.bigint();
  let buffered = '';
  const write = (s: string) => {
    buffered += s;
    if (buffered.length > 1 << 16) {
      io.stdout(buffered);
      buffered = '';
    }
  };
  let jsonText = '';
  const out = createOutput(o.output, policies && o.output === 'json' ? (x) => (jsonText += x) : write, {
    summary,
    verbose,
    stdin,
    get seconds() {
      return Number(process.hrtime.bigint() - started) / 1e9;
    },
  } as any);
  let success = true;
  let stop = false;
  const objects: { object: Record<string, unknown>; filename: string }[] = [];
  const onResult = (r: ValidationResult): boolean => {
    if (r.status === 'statusError' || r.status === 'statusInvalid') success = false;
    out.write(r);
    if (policies && r.object) objects.push({ object: r.object, filename: r.filename });
    if (!success && exitOnError) stop = true;
    return !stop;
  };
  if (stdin) {
    const text = io.stdin?.();
    validator.validateStream(text !== undefined ? stringReader(text) : fdReader(0), 'stdin', onResult, true);
  } else {
    const ignored = (p: string) => {
      for (const pat of patterns) {
        if (pat.error) throw new IgnorePatternError(pat.error);
        if (pat.re!.matcher(p).find()) return true;
      }
      return false;
    };
    for (const root of paths) {
      if (stop) break;
      try {
        for (const entry of walkPaths([root], ignored, o.cwd)) {
          if (stop) break;
          if (entry.error) {
            onResult(errorResult(entry.path, entry.error));
            stop = true; // kubeconform cancels the discovery of further files on a discovery error
            continue;
          }
          let fd: number;
          try {
            fd = openSync(resolve(o.cwd, entry.path), 'r');
          } catch (e: any) {
            onResult(
              errorResult(
                entry.path,
                `open ${entry.path}: ${e?.code === 'ENOENT' ? 'no such file or directory' : (e?.message ?? e)}`,
              ),
            );
            stop = true;
            continue;
          }
          try {
            validator.validateStream(fdReader(fd), entry.path, onResult);
          } catch (e: any) {
            onResult(errorResult(entry.path, String(e?.message ?? e)));
            stop = true;
          } finally {
            closeSync(fd);
          }
        }
      } catch (e) {
        if (!(e instanceof IgnorePatternError)) throw e;
        onResult(errorResult(root, e.message));
        stop = true;
      }
    }
  }
  const violations: PolicyViolation[] = [];
  if (policies) {
    const files = [...new Set(objects.map((x) => x.filename))];
    for (const ctx of contexts) {
      const source = files.length === 1 ? files[0] : `${ctx.environment}: ${files.length} files`;
      // A loop, not push(...): 100k+ violations would exceed the argument limit (Maximum call stack size).
      for (const v of engine!.runPolicies(objects.map((x) => x.object) as K8sObject[], ctx, { source }))
        violations.push(v);
    }
  }
  if (violations.length && (o.output === 'text' || o.output === 'pretty')) {
    // Policy lines come after the resources; the summary (flush) stays last.
    write(engine!.formatPolicyViolations(violations));
  } else if (violations.length && o.output !== 'json') {
    for (const r of policyResults(violations)) out.write(r);
  }
  out.flush();
  if (policies && o.output === 'json') {
    const body = JSON.parse(jsonText);
    body.policyViolations = violations;
    write(goJson(body) + '\n');
  }
  if (violations.length && summary && (o.output === 'text' || o.output === 'pretty'))
    write(`Policies: ${violations.length} violation${violations.length === 1 ? '' : 's'}\n`);
  if (buffered) io.stdout(buffered);
  return success && violations.length === 0 ? 0 : 1;
}

class IgnorePatternError extends Error {}

function errorResult(filename: string, msg: string): ValidationResult {
  return {
    filename,
    kind: '',
    name: '',
    namespace: '',
    version: '',
    status: 'statusError',
    msg,
    validationErrors: [],
  };
}
