/**
 * Schema compilation with ajv, cached twice: in memory per process (one compiled validator per schema file)
 * and on disk as ajv "standalone" modules keyed by the schema's content hash, so a fresh process loads a
 * Deployment validator in ~15 ms instead of compiling it in ~150 ms.
 *
 * A disk cache entry is executed only when its HMAC signature (under the checkout's integrity key, see
 * integrity.ts) matches: the signature covers the cache format, ajv's version, the options, the schema's
 * hash and the code, so code not produced and signed by this version is never run — it is recompiled, and
 * the entry replaced. Generated schema files are checked against their recorded digests before use.
 */
import { re2 } from './explain';
import { AJV_FORMATS } from './formats';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { sign, verifySignature } from './integrity';
import { readSchemaFile, WORKSPACE_ROOT } from './schemas';

const requireFromHere = createRequire(__filename);
const AJV_VERSION: string = requireFromHere('ajv/package.json').version;
/** Bump when the cached code's form or its signing changes. */
const CACHE_FORMAT = 'gitops-ajv-cache/2';
const SIGNATURE_LINE = /^\/\/ gitops-ajv-signature ([0-9a-f]{64})\n/;

/** Cache entries that failed their integrity check in this process (not executed, recompiled). */
export const compileCacheRejections: string[] = [];

/**
 * Formats as kubeconform v0.7 treats them (see formats.ts): v6's calendar-checked checks for the formats it
 * knows, kubeconform's `duration`; the OpenAPI numeric, `byte` and other unknown formats are annotations.
 */
export const FORMATS = {
  ...AJV_FORMATS,
  int32: true,
  int64: true,
  float: true,
  double: true,
  byte: true,
  'int-or-string': true,
  password: true,
  binary: true,
  uri: true,
  'uri-reference': true,
} as const;

/**
 * Patterns are Go RE2 (kubeconform compiles them with Go's regexp): linear-time matching, `(?i)` and
 * `[[:upper:]]` understood, lookarounds refused. Standalone modules `require` it by this name.
 */
const RE2_MODULE = '@gitops/validation/re2';
const FORMATS_MODULE = '@gitops/validation/formats';
function re2Engine(pattern: string): { test: (s: string) => boolean; toString: () => string } {
  // Compiled on first use: a schema's patterns mostly guard fields a resource does not set.
  let re: ReturnType<typeof re2> | undefined;
  return {
    test: (s: string) => {
      re ??= re2(pattern);
      if (!re) throw new SyntaxError(`invalid RE2 pattern ${pattern}`);
      return re.test(s);
    },
    toString: () => pattern,
  };
}
function assertRe2Patterns(node: unknown): void {
  if (Array.isArray(node)) node.forEach(assertRe2Patterns);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'pattern' && typeof v === 'string' && !re2(v))
        throw new SyntaxError(`invalid RE2 pattern ${v}`);
      if (k === 'patternProperties' && v && typeof v === 'object')
        for (const p of Object.keys(v)) if (!re2(p)) throw new SyntaxError(`invalid RE2 pattern ${p}`);
      assertRe2Patterns(v);
    }
  }
}
re2Engine.code = `require(${JSON.stringify(RE2_MODULE)})`;

const AJV_OPTIONS = {
  strict: false,
  validateSchema: false,
  inlineRefs: false,
  unicodeRegExp: false,
} as const;

/** `allErrors: false` (stop at the first violation) for speed; the all-errors variant explains failures. */
function newAjv(allErrors = false): Ajv {
  // ajv's compiler is loaded only when a schema is not in the compiled cache yet (start-up time).
  const ajvModule = requireFromHere('ajv');
  const AjvClass: typeof Ajv = ajvModule.default;
  return new AjvClass({
    ...AJV_OPTIONS,
    allErrors,
    formats: FORMATS as any,
    // Standalone modules get the formats and the RE2 engine through `require` (see loadStandalone).
    code: {
      source: true,
      optimize: false,
      regExp: re2Engine as any,
      formats: ajvModule._`require(${FORMATS_MODULE})`,
    },
  });
}

export interface CompiledSchema {
  /** Stops at the first violation. */
  readonly validate: ValidateFunction;
  /** Reports every violation; compiled on first use. */
  readonly explain: () => ValidateFunction;
  readonly schema: any;
  /** `file://` URL of the schema, as kubeconform prints it. */
  readonly url: string;
}

/** Where compiled validators are cached: `$GITOPS_AJV_CACHE`, else `node_modules/.cache/gitops-ajv`; `off` disables. */
export function defaultCompileCacheDir(): string | undefined {
  const env = process.env.GITOPS_AJV_CACHE;
  if (env === 'off' || env === '0') return undefined;
  return resolve(env ?? join(WORKSPACE_ROOT, 'node_modules', '.cache', 'gitops-ajv'));
}

const memory = new Map<string, { stamp: string; compiled: CompiledSchema | null }>();

/** Load a module produced by ajv's standaloneCode; it requires ajv's runtime helpers. */
function loadStandalone(code: string): ValidateFunction {
  const mod: { exports: any } = { exports: {} };
  const req = (id: string) =>
    id === RE2_MODULE ? re2Engine : id === FORMATS_MODULE ? FORMATS : requireFromHere(id);
  new Function('require', 'module', 'exports', code)(req, mod, mod.exports);
  return (mod.exports.default ?? mod.exports) as ValidateFunction;
}

function compileText(
  text: string,
  schema: any,
  cacheDir: string | undefined,
  allErrors: boolean,
): ValidateFunction {
  const key = createHash('sha256')
    .update(
      `ajv@${AJV_VERSION}\0${JSON.stringify(AJV_OPTIONS)}\0allErrors=${allErrors}\0formats3-re2\0${CACHE_FORMAT}\0`,
    )
    .update(text)
    .digest('hex');
  const file = cacheDir ? join(cacheDir, key.slice(0, 2), `${key}.cjs`) : undefined;
  if (file && existsSync(file)) {
    const entry = readFileSync(file, 'utf8');
    const m = SIGNATURE_LINE.exec(entry);
    const code = m ? entry.slice(m[0].length) : '';
    if (m && verifySignature(m[1], CACHE_FORMAT, key, code)) {
      try {
        return loadStandalone(code);
      } catch {
        // fall through and recompile an entry that does not load
      }
    } else {
      // Not produced and signed by this version: never executed; recompiled below and replaced.
      compileCacheRejections.push(file);
    }
  }
  // kubeconform's compiler refuses a schema whose pattern RE2 cannot compile (the next location is tried).
  // Checked when compiling; a cached module was checked when it was written.
  assertRe2Patterns(schema);
  const ajv = newAjv(allErrors);
  const validate = ajv.compile(schema);
  if (file) {
    try {
      const code = requireFromHere('ajv/dist/standalone').default(ajv, validate);
      mkdirSync(join(cacheDir!, key.slice(0, 2)), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `// gitops-ajv-signature ${sign(CACHE_FORMAT, key, code)}\n${code}`);
      renameSync(tmp, file);
    } catch (e) {
      if (process.env.GITOPS_DEBUG) console.error(e);
      // the cache is an optimisation only
    }
  }
  return validate;
}

/**
 * The compiled validator of a schema file, or null when the file does not exist.
 * Throws SyntaxError for a file that is not JSON (the caller tries the next location, as kubeconform does).
 */
export function compileSchemaFile(path: string, cacheDir = defaultCompileCacheDir()): CompiledSchema | null {
  let st;
  try {
    st = statSync(path);
  } catch {
    st = undefined; // missing, or its generated folder is being replaced: readSchemaFile tells
  }
  if (st && !st.isFile()) return null;
  const hit = memory.get(path);
  if (st && hit && hit.stamp === `${st.size}:${st.mtimeMs}`) return hit.compiled;
  // Read and verified against the folder's signed marker, retried across a concurrent regeneration.
  const read = readSchemaFile(path);
  if (!read) return null;
  const { text } = read;
  const stamp = `${read.size}:${read.mtimeMs}`;
  const schema = JSON.parse(text);
  let all: ValidateFunction | undefined;
  const compiled: CompiledSchema = {
    validate: compileText(text, schema, cacheDir, false),
    explain: () => (all ??= compileText(text, schema, cacheDir, true)),
    schema,
    url: `file://${path}`,
  };
  memory.set(path, { stamp, compiled });
  return compiled;
}

/** Compile an in-memory schema (values.schema.json); memoised by content. */
const bySource = new Map<string, ValidateFunction>();
export function compileSchemaObject(schema: unknown): ValidateFunction {
  const text = JSON.stringify(schema);
  let v = bySource.get(text);
  if (!v) {
    v = newAjv(true).compile(schema as object);
    bySource.set(text, v);
  }
  return v;
}
