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
import { Script } from 'node:vm';
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

/**
 * V8 refuses a code cache made under other V8 flags (`--max-semi-space-size`…): one cache per Node version
 * and flag set, so that runs with different flags (tests, `npm run validate`) do not replace each other's.
 */
const V8_CACHE_TAG = `${process.version}-${createHash('sha256').update(process.execArgv.join('\0')).digest('hex').slice(0, 8)}`;

/** Code caches to write when the process ends (entries loaded without an accepted one). */
const pendingCodeCaches: { file: string; key: string; script: Script }[] = [];
let exitHook = false;
function writeCodeCaches(): void {
  for (const { file, key, script } of pendingCodeCaches.splice(0)) {
    try {
      const data = script.createCachedData();
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([Buffer.from(codeCacheMac(key, data), 'hex'), data]));
      renameSync(tmp, file);
    } catch {
      // the code cache is an optimisation only
    }
  }
}
const codeCacheMac = (key: string, data: Buffer) =>
  sign(CACHE_FORMAT, 'v8-code-cache', process.version, process.arch, key, data);

/**
 * Load a module produced by ajv's standaloneCode (it requires ajv's runtime helpers). V8's code cache of
 * the module (`<entry>.v8`: the bytecode of the functions a previous run compiled, HMAC-signed like the
 * entry) spares parsing and compiling it again; it is written at exit by the first run that lacked one.
 */
function loadStandalone(code: string, file?: string, key?: string): ValidateFunction {
  const mod: { exports: any } = { exports: {} };
  const req = (id: string) =>
    id === RE2_MODULE ? re2Engine : id === FORMATS_MODULE ? FORMATS : requireFromHere(id);
  const cacheFile = file && key ? `${file}.${V8_CACHE_TAG}.v8` : undefined;
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      const entry = readFileSync(cacheFile);
      const data = entry.subarray(32);
      if (
        verifySignature(
          entry.subarray(0, 32).toString('hex'),
          CACHE_FORMAT,
          'v8-code-cache',
          process.version,
          process.arch,
          key!,
          data,
        )
      )
        cachedData = data;
    } catch {
      // none yet
    }
  }
  const script = new Script(`(function (require, module, exports) {${code}\n})`, {
    filename: file ?? 'ajv-standalone.cjs',
    cachedData,
  });
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    pendingCodeCaches.push({ file: cacheFile, key: key!, script });
    if (!exitHook) {
      exitHook = true;
      process.once('exit', writeCodeCaches);
    }
  }
  script.runInThisContext()(req, mod, mod.exports);
  return (mod.exports.default ?? mod.exports) as ValidateFunction;
}

/**
 * Generated schemas are standalone: every reference inlined, so a Deployment's schema is one tree of ~1 MB
 * and ajv turns it into one function of ~1.3 MB — far beyond what V8 optimises (it stays interpreted:
 * ~0.2 ms per resource). Before compiling, every subschema whose JSON is at least this long moves into
 * `definitions` (identical ones shared) and is referenced with `$ref`; with `inlineRefs: false` ajv compiles
 * each into its own small function. The verdicts are the same (a `$ref` alone stands for its target), the
 * schema kubeconform's messages are explained from (`CompiledSchema.schema`) is the file's own.
 */
const FACTOR_MIN_JSON = 1024;
const FACTOR_PREFIX = 'gitops-factored-';
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', 'dependencies']);
const SCHEMA_VALUES = new Set([
  'additionalProperties',
  'additionalItems',
  'items',
  'not',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
]);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'items']);
const isPlain = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/** The schema with its large subschemas factored into `definitions` (see FACTOR_MIN_JSON). */
export function factorSchema(root: unknown): unknown {
  if (!isPlain(root)) return root;
  const defs = new Map<string, { name: string; node: Record<string, unknown> }>();
  const taken = isPlain(root.definitions) ? new Set(Object.keys(root.definitions)) : new Set<string>();
  let changesBase = false;
  const visit = (node: unknown, isRoot = false): unknown => {
    if (!isPlain(node)) return node;
    // A subschema that sets its own base URI would resolve references differently once moved.
    if (typeof node.id === 'string' || typeof node.$id === 'string') changesBase = true;
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (SCHEMA_MAPS.has(k) && isPlain(v)) {
        const m: Record<string, unknown> = {};
        for (const [name, x] of Object.entries(v)) m[name] = Array.isArray(x) ? x : visit(x);
        copy[k] = m;
      } else if (SCHEMA_LISTS.has(k) && Array.isArray(v)) copy[k] = v.map((x) => visit(x));
      else if (SCHEMA_VALUES.has(k) && isPlain(v)) copy[k] = visit(v);
      else copy[k] = v;
    }
    if (isRoot) return copy;
    const json = JSON.stringify(copy);
    if (json.length < FACTOR_MIN_JSON) return copy;
    let def = defs.get(json);
    if (!def) {
      let name = `${FACTOR_PREFIX}${defs.size}`;
      while (taken.has(name)) name += '_';
      def = { name, node: copy };
      defs.set(json, def);
    }
    return { $ref: `#/definitions/${def.name}` };
  };
  const out = visit(root, true) as Record<string, unknown>;
  if (changesBase || defs.size === 0) return root;
  out.definitions = { ...(isPlain(out.definitions) ? out.definitions : {}) };
  for (const { name, node } of defs.values()) (out.definitions as Record<string, unknown>)[name] = node;
  return out;
}

function compileText(
  text: string,
  parsed: () => any,
  cacheDir: string | undefined,
  allErrors: boolean,
): ValidateFunction {
  const key = createHash('sha256')
    .update(
      `ajv@${AJV_VERSION}\0${JSON.stringify(AJV_OPTIONS)}\0allErrors=${allErrors}\0formats3-re2\0factored-${FACTOR_MIN_JSON}\0${CACHE_FORMAT}\0`,
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
        return loadStandalone(code, file, key);
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
  const schema = parsed();
  assertRe2Patterns(schema);
  const ajv = newAjv(allErrors);
  const validate = ajv.compile(factorSchema(schema) as object);
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
  // Parsed only when needed: to compile (not cached yet) or to explain a failure.
  let schema: any;
  const parsed = () => (schema ??= JSON.parse(text));
  let all: ValidateFunction | undefined;
  const compiled: CompiledSchema = {
    validate: compileText(text, parsed, cacheDir, false),
    explain: () => (all ??= compileText(text, parsed, cacheDir, true)),
    get schema() {
      return parsed();
    },
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
