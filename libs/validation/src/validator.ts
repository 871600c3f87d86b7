/**
 * A validator with kubeconform v0.7's semantics (pkg/validator, pkg/resource): schema lookup through
 * `-schema-location` templates tried in order, `-strict` (closed schemas, duplicate keys),
 * `-ignore-missing-schemas`, `-skip`/`-reject` by Kind or `group/version/Kind`, `kind: List` expansion,
 * documents split on `\n---` as kubeconform's scanner splits them, YAML 1.1 (yaml11.ts), and
 * kubeconform's statuses and messages (explain.ts). Input is streamed: memory is bounded by the largest
 * document, not by the file.
 */
import {
  closeSync,
  openSync,
  readdirSync as readdirFs,
  readSync,
  lstatSync as lstatFs,
  statSync as statFs,
  type Stats,
} from 'node:fs';
import { resolve } from 'node:path';
import { compileSchemaFile, defaultCompileCacheDir, type CompiledSchema } from './compile';
import { explain, type SchemaViolation } from './explain';
import {
  defaultSchemaLocations,
  parseSchemaLocation,
  renderTemplate,
  templateData,
  type SchemaLocation,
} from './registry';
import { ensureSchemaDir } from './schemas';
import { ValidationConfigError } from './errors';
import { goFloat32, parseDocument, type ParsedDocument } from './yaml11';

/** kubeconform's statuses, spelled as in its JSON output. `statusEmpty` results are counted but never printed. */
export type ResultStatus = 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped' | 'statusEmpty';

export type { SchemaViolation } from './explain';

export interface ValidationResult {
  /** The file or source the resource came from (kubeconform's `filename`). */
  readonly filename: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** The resource's apiVersion (kubeconform's `version`). */
  readonly version: string;
  readonly status: ResultStatus;
  /** kubeconform's message ('' when valid). */
  readonly msg: string;
  /** kubeconform's `validationErrors`: one entry per direct cause of the schema error. */
  readonly validationErrors: readonly SchemaViolation[];
  /** The schema file used, when one was found. */
  readonly schema?: string;
  /** 1-based line of the document in its file, when parsed from text. */
  readonly line?: number;
  /** The parsed resource (for the policy engine), when it is a valid-looking object. */
  readonly object?: Record<string, unknown>;
}

export interface ValidatorOptions {
  /** `-schema-location`, tried in order. Default: the generated Kubernetes layout, then the generated CRD layout. */
  readonly schemaLocations?: readonly string[];
  /** `-kubernetes-version` (`1.31.0` or `master`). @default 'master' */
  readonly kubernetesVersion?: string;
  /** `-strict`: closed schemas (the `-strict` layout) and duplicate keys are errors. @default false */
  readonly strict?: boolean;
  /** `-ignore-missing-schemas`: skip resources without a schema instead of reporting an error. @default false */
  readonly ignoreMissingSchemas?: boolean;
  /** `-skip`: kinds or `group/version/Kind` to skip (comma-separated entries are split and trimmed). */
  readonly skip?: readonly string[];
  /** `-reject`: kinds or `group/version/Kind` to reject. */
  readonly reject?: readonly string[];
  /** The generated schema folder standing for `default`; generated on demand when omitted. */
  readonly schemaDir?: string;
  /** Folder for compiled validators; `false` disables the disk cache. */
  readonly compileCache?: string | false;
  /** Folder that relative schema locations are relative to. @default process.cwd() */
  readonly cwd?: string;
  /** Keep parsed objects on results (`object`), for the policy engine. @default false */
  readonly keepObjects?: boolean;
}

export interface Validator {
  readonly options: Required<Pick<ValidatorOptions, 'kubernetesVersion' | 'strict' | 'ignoreMissingSchemas'>>;
  /** Validate one parsed object. */
  validateObject(obj: unknown, filename: string, line?: number): ValidationResult;
  /** Validate parsed objects (e.g. an in-memory synthesis); `kind: List` objects are expanded. */
  validateObjects(objs: readonly unknown[], filename: string): ValidationResult[];
  /** Validate a YAML/JSON stream held in memory, as kubeconform validates a file. */
  validateText(text: string, filename: string): ValidationResult[];
  /** Validate files and folders as kubeconform does (see `walkPaths`), collecting the results. */
  validatePaths(paths: readonly string[]): ValidationResult[];
  /**
   * Validate one stream (a file or stdin) document by document, calling `onResult` as results come;
   * `stdin` selects kubeconform's stdin semantics (empty documents are reported). Returns false when
   * `onResult` asked to stop.
   */
  validateStream(
    read: ChunkReader,
    filename: string,
    onResult: (r: ValidationResult) => boolean | void,
    stdin?: boolean,
  ): boolean;
}

/** `group/version/Kind` as kubeconform's `-skip`/`-reject` match it (core group: `v1/Kind`). */
export function groupVersionKind(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

function csvSet(values: readonly string[] | undefined): Set<string> {
  return new Set(
    (values ?? [])
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v.length > 0),
  );
}

// --- Signatures (pkg/resource) --------------------------------------------------------------------------

interface Signature {
  kind: string;
  version: string;
  namespace: string;
  name: string;
}
const EMPTY_SIG: Signature = { kind: '', version: '', namespace: '', name: '' };

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

function goJsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** encoding/json's field matching: the exact key, else a case-insensitive one. */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  let found: unknown;
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) found = obj[k];
  return found;
}

const META_TYPE =
  'struct { Name string "yaml:\\"name\\""; Namespace string "yaml:\\"namespace\\""; GenerateName string "yaml:\\"generateName\\"" }';

/**
 * Resource.Signature(): the YAML decoded into kubeconform's small struct through sigs.k8s.io/yaml (numbers
 * and booleans become strings, keys match case-insensitively, a wrong type is an error but the other
 * fields are still filled).
 */
function signature(value: unknown): { sig: Signature; err?: string } {
  if (!isObject(value)) return { sig: { ...EMPTY_SIG } };
  let err: string | undefined;
  const str = (v: unknown, path: string): string => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat32(v);
    if (typeof v === 'boolean') return String(v);
    err ??= `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goJsonType(v)} into Go struct field .${path} of type string`;
    return '';
  };
  const sig: Signature = {
    version: str(field(value, 'APIVersion'), 'APIVersion'),
    kind: str(field(value, 'Kind'), 'Kind'),
    namespace: '',
    name: '',
  };
  const meta = field(value, 'Metadata');
  if (isObject(meta)) {
    sig.name = str(field(meta, 'Name'), 'Metadata.Name');
    sig.namespace = str(field(meta, 'Namespace'), 'Metadata.Namespace');
    const gen = str(field(meta, 'GenerateName'), 'Metadata.GenerateName');
    if (gen !== '') sig.name = gen + '{{ generateName }}';
  } else if (meta !== null && meta !== undefined) {
    err ??= `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goJsonType(meta)} into Go struct field .Metadata of type ${META_TYPE}`;
  }
  if (err) return { sig, err };
  if (sig.kind === '') return { sig, err: "missing 'kind' key" };
  if (sig.version === '') return { sig, err: "missing 'apiVersion' key" };
  return { sig };
}

/** Resource.SignatureFromMap(): used for List items. */
function signatureFromMap(m: Record<string, unknown>): { sig: Signature; err?: string } {
  const display = signature(m).sig;
  if (typeof m.kind !== 'string') return { sig: display, err: "missing 'kind' key" };
  if (typeof m.apiVersion !== 'string') return { sig: display, err: "missing 'apiVersion' key" };
  const meta = isObject(m.metadata) ? m.metadata : {};
  let name = typeof meta.name === 'string' ? meta.name : '';
  if (typeof meta.generateName === 'string') name = meta.generateName + '{{ generateName }}';
  return {
    sig: {
      kind: m.kind,
      version: m.apiVersion,
      namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
      name,
    },
  };
}

/** A path segment taken from a resource must not climb out of the schema folder. */
function safeSegment(s: string): boolean {
  return !/[\\/\0]/.test(s) && s !== '.' && s !== '..' && !s.includes('..');
}

// --- Document splitting (pkg/resource/stream.go) ------------------------------------------------------------

/** Reads the next chunk into `buf`, returning the number of bytes read (0 at the end). */
export type ChunkReader = (buf: Buffer) => number;

/** kubeconform's scanner gives up on a document larger than this (bufio.Scanner max token size). */
export const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;
const SEP = Buffer.from('\n---');

/**
 * Split a stream into documents exactly as kubeconform's `SplitYAMLDocument` with a bufio.Scanner does:
 * on `\n---` followed by the rest of that line (whatever it holds); a separator at the very end closes the
 * last document; a last line starting with `---` but without a newline ends the scan.
 *
 * Memory stays flat whatever the input's size: one buffer, reused for every chunk (grown only for a
 * document larger than it, up to MAX_DOCUMENT_BYTES). A yielded `bytes` is a view into that buffer: it is
 * valid until the generator resumes (copy it to keep it).
 */
export function* splitStream(
  read: ChunkReader,
  chunkSize = 1 << 20,
): Generator<{ bytes: Buffer; line: number }> {
  let buf = Buffer.allocUnsafeSlow(2 * chunkSize);
  let start = 0; // the pending data is buf[start, end)
  let end = 0;
  let eof = false;
  let line = 1;
  let searchFrom = 0; // relative to start
  for (;;) {
    const data = buf.subarray(start, end);
    const i = data.indexOf(SEP, searchFrom);
    if (i >= 0) {
      const afterStart = i + SEP.length;
      if (afterStart === data.length) {
        if (eof) {
          yield { bytes: data.subarray(0, i), line };
          return;
        }
      } else {
        const j = data.indexOf(10, afterStart);
        if (j >= 0) {
          yield { bytes: data.subarray(0, i), line };
          line += countLines(data, 0, j + 1);
          start += j + 1;
          searchFrom = 0;
          continue;
        }
        if (eof) return; // bufio.Scanner drops an unterminated final `---…` line and what precedes it
      }
    } else if (eof) {
      if (data.length) yield { bytes: data, line };
      return;
    }
    if (data.length > MAX_DOCUMENT_BYTES) throw new Error('bufio.Scanner: token too long');
    searchFrom = Math.max(0, data.length - SEP.length + 1);
    // Room for one more chunk after the pending data: move it to the front, or grow for a large document.
    if (end + chunkSize > buf.length) {
      const pending = end - start;
      if (pending + chunkSize > buf.length) {
        const bigger = Buffer.allocUnsafeSlow(Math.max(2 * buf.length, pending + chunkSize));
        buf.copy(bigger, 0, start, end);
        buf = bigger;
      } else buf.copy(buf, 0, start, end);
      start = 0;
      end = pending;
    }
    const n = read(buf.subarray(end, end + chunkSize));
    if (n === 0) eof = true;
    else end += n;
  }
}

function countLines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i !== -1 && i < to; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** A ChunkReader over a string (or bytes) held in memory. */
export function stringReader(text: string | Buffer): ChunkReader {
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let pos = 0;
  return (out) => {
    const n = Math.min(out.length, buf.length - pos);
    buf.copy(out, 0, pos, pos + n);
    pos += n;
    return n;
  };
}

/** A ChunkReader over an open file descriptor. */
export function fdReader(fd: number): ChunkReader {
  return (out) => {
    for (;;) {
      try {
        return readSync(fd, out, 0, out.length, null);
      } catch (e: any) {
        if (e?.code === 'EAGAIN') continue;
        if (e?.code === 'EOF') return 0;
        throw e;
      }
    }
  };
}

// --- The validator --------------------------------------------------------------------------------------------

interface Located {
  readonly compiled: CompiledSchema | null;
}

const NO_VIOLATIONS: readonly SchemaViolation[] = Object.freeze([]);

export function createValidator(options: ValidatorOptions = {}): Validator {
  const kubernetesVersion = options.kubernetesVersion || 'master';
  const strict = options.strict ?? false;
  const ignoreMissingSchemas = options.ignoreMissingSchemas ?? false;
  const keepObjects = options.keepObjects ?? false;
  const skip = csvSet(options.skip);
  const reject = csvSet(options.reject);
  const cacheDir =
    options.compileCache === false ? undefined : (options.compileCache ?? defaultCompileCacheDir());
  let schemaDir = options.schemaDir;
  const usesGenerated = !options.schemaLocations?.length || options.schemaLocations.includes('default');
  if (usesGenerated && !schemaDir) schemaDir = ensureSchemaDir();
  const given = options.schemaLocations?.length ? options.schemaLocations : defaultSchemaLocations(schemaDir);
  const locations: SchemaLocation[] = given.map((g) => parseSchemaLocation(g, schemaDir));
  const cache = new Map<string, Located>();

  function findSchema(kind: string, apiVersion: string): Located {
    const key = `${kind}\0${apiVersion}`;
    let hit = cache.get(key);
    if (hit) return hit;
    hit = { compiled: null };
    const data = templateData(kind, apiVersion, kubernetesVersion, strict);
    const safe =
      safeSegment(data.ResourceKind) && safeSegment(data.Group) && safeSegment(data.ResourceAPIVersion);
    for (const loc of safe ? locations : []) {
      if (loc.remote) {
        throw new RemoteLocationError(
          `-schema-location ${loc.given}: remote schema locations are not fetched (no network): mirror them to a folder and pass the folder`,
        );
      }
      const path = resolve(options.cwd ?? process.cwd(), renderTemplate(loc.template, data));
      let compiled: CompiledSchema | null;
      try {
        compiled = compileSchemaFile(path, cacheDir);
      } catch (err) {
        if (err instanceof ValidationConfigError) throw err; // a generated schema failed its integrity check
        continue; // not JSON, or a schema that does not compile: kubeconform tries the next location
      }
      if (!compiled) continue;
      hit = { compiled };
      break;
    }
    cache.set(key, hit);
    return hit;
  }

  function result(
    filename: string,
    sig: Signature,
    status: ResultStatus,
    msg = '',
    extra: {
      schema?: string;
      line?: number;
      validationErrors?: readonly SchemaViolation[];
      object?: Record<string, unknown>;
    } = {},
  ): ValidationResult {
    // One object per resource, no spread temporaries (this runs for every resource of a stream).
    const out: { -readonly [K in keyof ValidationResult]: ValidationResult[K] } = {
      filename,
      kind: sig.kind,
      name: sig.name,
      namespace: sig.namespace,
      version: sig.version,
      status,
      msg,
      validationErrors: extra.validationErrors ?? NO_VIOLATIONS,
    };
    if (extra.schema) out.schema = extra.schema;
    if (extra.line) out.line = extra.line;
    if (keepObjects && extra.object) out.object = extra.object;
    return out;
  }

  /** ValidateResource() once the document is parsed and its signature known. */
  function validateParsed(
    r: Record<string, unknown>,
    sig: Signature,
    filename: string,
    line?: number,
  ): ValidationResult {
    const gvk = groupVersionKind(sig.version, sig.kind);
    if (skip.has(gvk) || skip.has(sig.kind))
      return result(filename, sig, 'statusSkipped', '', { line, object: r });
    if (reject.has(gvk) || reject.has(sig.kind))
      return result(filename, sig, 'statusError', `prohibited resource kind ${sig.kind}`, {
        line,
        object: r,
      });
    let located: Located;
    try {
      located = findSchema(sig.kind, sig.version);
    } catch (e) {
      if (e instanceof RemoteLocationError)
        return result(filename, sig, 'statusError', e.message, { line, object: r });
      throw e;
    }
    const { compiled } = located;
    if (!compiled) {
      if (ignoreMissingSchemas) return result(filename, sig, 'statusSkipped', '', { line, object: r });
      return result(filename, sig, 'statusError', `could not find schema for ${sig.kind}`, {
        line,
        object: r,
      });
    }
    if (compiled.validate(r))
      return result(filename, sig, 'statusValid', '', { schema: compiled.url, line, object: r });
    const e = explain(compiled.schema, r, compiled.url);
    const msg = `problem validating schema. Check JSON formatting: ${e ? e.message : `jsonschema validation failed with ${compiled.url}#`}`;
    return result(filename, sig, 'statusInvalid', msg, {
      schema: compiled.url,
      line,
      validationErrors: e?.violations ?? [],
      object: r,
    });
  }

  const notAMap = (v: unknown) =>
    `error unmarshalling resource: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goJsonType(v)} into Go value of type map[string]interface {}`;

  /** One List item (kubeconform re-marshals it and validates it as a resource). */
  function validateItem(item: unknown, filename: string, line?: number): ValidationResult {
    if (item === null || item === undefined) return result(filename, EMPTY_SIG, 'statusEmpty', '', { line });
    if (!isObject(item)) return result(filename, EMPTY_SIG, 'statusError', notAMap(item), { line });
    const { sig, err } = signatureFromMap(item);
    if (err) return result(filename, sig, 'statusError', `error while parsing: ${err}`, { line });
    return validateParsed(item, sig, filename, line);
  }

  /** Resource.Resources() + ValidateResource() for one parsed document. */
  function validateDocument(
    doc: ParsedDocument,
    filename: string,
    line: number | undefined,
    out: (r: ValidationResult) => boolean,
  ): boolean {
    const sigValue = doc.error === undefined ? doc.value : doc.lenient;
    const { sig, err: sigErr } =
      doc.error !== undefined && doc.lenient === undefined
        ? { sig: EMPTY_SIG, err: doc.error }
        : signature(sigValue);
    if (!sigErr && sig.kind.toLowerCase() === 'list' && isObject(sigValue)) {
      const items = field(sigValue, 'Items');
      if (Array.isArray(items))
        for (const item of items) if (!out(validateItem(item, filename, line))) return false;
      return true;
    }
    if (doc.error !== undefined)
      return out(
        result(filename, sig, 'statusError', `error unmarshalling resource: ${doc.error}`, { line }),
      );
    const v = doc.value;
    if (v === null || v === undefined) return out(result(filename, sig, 'statusEmpty', '', { line }));
    if (!isObject(v)) return out(result(filename, sig, 'statusError', notAMap(v), { line }));
    if (sigErr)
      return out(result(filename, sig, 'statusError', `error while parsing: ${sigErr}`, { line, object: v }));
    return out(validateParsed(v, sig, filename, line));
  }

  function validateStream(
    read: ChunkReader,
    filename: string,
    onResult: (r: ValidationResult) => boolean | void,
    stdin = false,
  ): boolean {
    let count = 0;
    const emit = (r: ValidationResult) => {
      count++;
      return onResult(r) !== false;
    };
    for (const { bytes, line } of splitStream(read)) {
      if (bytes.length === 0) {
        // findResourcesInReader skips empty tokens; the stdin stream reports them as empty resources.
        if (stdin && !emit(result(filename, EMPTY_SIG, 'statusEmpty', '', { line }))) return false;
        continue;
      }
      if (!validateDocument(parseDocument(bytes, strict), filename, line, emit)) return false;
    }
    if (count === 0 && !stdin) return emit(result(filename, EMPTY_SIG, 'statusEmpty'));
    return true;
  }

  function validateObject(obj: unknown, filename: string, line?: number): ValidationResult {
    return validateItem(obj, filename, line);
  }

  function validateObjects(objs: readonly unknown[], filename: string): ValidationResult[] {
    const out: ValidationResult[] = [];
    for (const obj of objs) {
      if (
        isObject(obj) &&
        typeof obj.kind === 'string' &&
        obj.kind.toLowerCase() === 'list' &&
        typeof obj.apiVersion === 'string'
      ) {
        const items = field(obj, 'Items');
        if (Array.isArray(items)) for (const item of items) out.push(validateItem(item, filename));
      } else out.push(validateItem(obj, filename));
    }
    return out;
  }

  function validateText(text: string, filename: string): ValidationResult[] {
    const out: ValidationResult[] = [];
    validateStream(stringReader(text), filename, (r) => {
      out.push(r);
    });
    return out;
  }

  function validatePaths(paths: readonly string[]): ValidationResult[] {
    const out: ValidationResult[] = [];
    for (const entry of walkPaths(paths)) {
      if (entry.error) {
        out.push(result(entry.path, EMPTY_SIG, 'statusError', entry.error));
        continue;
      }
      const fd = openSync(entry.path, 'r');
      try {
        validateStream(fdReader(fd), entry.path, (r) => {
          out.push(r);
        });
      } finally {
        closeSync(fd);
      }
    }
    return out;
  }

  return {
    options: { kubernetesVersion, strict, ignoreMissingSchemas },
    validateObject,
    validateObjects,
    validateText,
    validatePaths,
    validateStream,
  };
}

/** A lookup reached an http(s) location, which this validator does not fetch. */
export class RemoteLocationError extends Error {}

// --- Files (pkg/resource/files.go) -------------------------------------------------------------------------------

const isManifestName = (name: string) => /\.(ya?ml|json)$/i.test(name);

export interface WalkEntry {
  /** The path as kubeconform prints it (`filepath.Walk` joins and cleans below the given root). */
  readonly path: string;
  /** A discovery error (`lstat x: no such file or directory`), reported as an error result. */
  readonly error?: string;
}

function goErrno(e: any): string {
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'ENOTDIR':
      return 'not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return String(e?.message ?? e);
  }
}

function cleanJoin(dir: string, name: string): string {
  const joined = dir.endsWith('/') ? dir + name : `${dir}/${name}`;
  return joined
    .split('/')
    .filter((s, i) => s !== '.' || i === 0)
    .join('/')
    .replace(/^\.\//, '')
    .replace(/\/{2,}/g, '/');
}

/**
 * The files kubeconform validates for these arguments, in its order (`filepath.Walk`: lexical, not
 * following symlinked folders): YAML and JSON files only (an explicitly named `notes.txt` is ignored, as
 * kubeconform ignores it), files matching an ignore pattern skipped. A path that cannot be read is an
 * entry with an error and the walk continues. Platform addition: only regular files (and symlinks to them)
 * are opened — a FIFO or device named `x.yaml` is an error instead of a read that never ends.
 */
export function* walkPaths(
  paths: readonly string[],
  ignore: (path: string) => boolean = () => false,
  cwd = process.cwd(),
): Generator<WalkEntry> {
  const lstatSync = (p: string) => lstatFs(resolve(cwd, p));
  const statSync = (p: string) => statFs(resolve(cwd, p));
  const readdirSync = (p: string) => readdirFs(resolve(cwd, p));
  for (const root of paths) {
    let st: Stats;
    try {
      st = lstatSync(root);
    } catch (e) {
      yield { path: root, error: `lstat ${root}: ${goErrno(e)}` };
      continue;
    }
    const errors: WalkEntry[] = [];
    const visit = function* (p: string, info: Stats): Generator<WalkEntry> {
      if (info.isDirectory()) {
        let names: string[];
        try {
          names = readdirSync(p).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        } catch (e) {
          yield { path: root, error: `open ${p}: ${goErrno(e)}` };
          return;
        }
        for (const name of names) {
          const child = cleanJoin(p, name);
          let ci: Stats;
          try {
            ci = lstatSync(child);
          } catch (e) {
            errors.push({ path: root, error: `lstat ${child}: ${goErrno(e)}` });
            continue;
          }
          yield* visit(child, ci);
        }
        return;
      }
      if (!isManifestName(p)) return;
      if (ignore(p)) return;
      let target: Stats = info;
      if (info.isSymbolicLink()) {
        try {
          target = statSync(p);
        } catch (e) {
          yield { path: p, error: `open ${p}: ${goErrno(e)}` };
          return;
        }
      }
      if (target.isDirectory()) {
        yield { path: p, error: `read ${p}: is a directory` };
        return;
      }
      if (!target.isFile()) {
        yield {
          path: p,
          error: `open ${p}: not a regular file (FIFO, socket or device): refusing to read it`,
        };
        return;
      }
      yield { path: p };
    };
    yield* visit(root, st);
    yield* errors;
  }
}

/** Files named by the arguments (see `walkPaths`), without errors; throws for a missing path. */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of walkPaths(paths)) {
    if (e.error) throw new Error(e.error);
    out.push(e.path);
  }
  return out;
}

/** For tests: the documents of a text, as kubeconform splits them. */
export function splitDocuments(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  for (const d of splitStream(stringReader(text))) out.push({ text: d.bytes.toString('utf8'), line: d.line });
  return out;
}
