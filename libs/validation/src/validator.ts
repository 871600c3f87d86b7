/**
 * A validator with kubeconform's semantics: schema lookup through `-schema-location` templates tried in
 * order, `-strict` (closed schemas and duplicate keys), `-ignore-missing-schemas`, `-skip`/`-reject`
 * by Kind or `group/version/Kind`, and kubeconform's result statuses and messages.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { compileSchemaFile, defaultCompileCacheDir, type CompiledSchema } from './compile';
import { ValidationConfigError } from './errors';
import { violations, type SchemaViolation } from './messages';
import {
  defaultSchemaLocations,
  parseSchemaLocation,
  renderTemplate,
  templateData,
  type SchemaLocation,
} from './registry';
import { ensureSchemaDir } from './schemas';

/** kubeconform's statuses, spelled as in its JSON output. `statusEmpty` results are counted but never printed. */
export type ResultStatus = 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped' | 'statusEmpty';

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
  /** Every schema violation, with its JSON pointer. */
  readonly validationErrors: readonly SchemaViolation[];
  /** The schema file used, when one was found. */
  readonly schema?: string;
  /** 1-based line of the document in its file, when parsed from text. */
  readonly line?: number;
}

export interface ValidatorOptions {
  /** `-schema-location`, tried in order. Default: the generated Kubernetes layout, then the generated CRD layout. */
  readonly schemaLocations?: readonly string[];
  /** `-kubernetes-version` (`1.31.0` or `master`). @default 'master' */
  readonly kubernetesVersion?: string;
  /** `-strict`: closed schemas (the `-strict` layout) and duplicate keys are errors. */
  readonly strict?: boolean;
  /** `-ignore-missing-schemas`: skip resources without a schema instead of reporting an error. */
  readonly ignoreMissingSchemas?: boolean;
  /** `-skip`: kinds or `group/version/Kind` to skip. */
  readonly skip?: readonly string[];
  /** `-reject`: kinds or `group/version/Kind` to reject. */
  readonly reject?: readonly string[];
  /** The generated schema folder standing for `default`; generated on demand when omitted. */
  readonly schemaDir?: string;
  /** Folder for compiled validators; `false` disables the disk cache. */
  readonly compileCache?: string | false;
}

export interface Validator {
  readonly options: Required<Pick<ValidatorOptions, 'kubernetesVersion' | 'strict' | 'ignoreMissingSchemas'>>;
  /** Validate one parsed object. */
  validateObject(obj: unknown, filename: string, line?: number): ValidationResult;
  /** Validate parsed objects (e.g. an in-memory synthesis); `kind: List` objects are expanded. */
  validateObjects(objs: readonly unknown[], filename: string): ValidationResult[];
  /** Validate a YAML/JSON stream; every document is one resource, malformed documents are errors. */
  validateText(text: string, filename: string): ValidationResult[];
  /** Validate files and folders (recursively: `*.yaml`, `*.yml`, `*.json`), in sorted order. */
  validatePaths(paths: readonly string[]): ValidationResult[];
}

/** `group/version/Kind` as kubeconform's `-skip`/`-reject` match it (core group: `v1/Kind`). */
export function groupVersionKind(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

function csvSet(values: readonly string[] | undefined): Set<string> {
  return new Set((values ?? []).flatMap((v) => v.split(',')).filter((v) => v.length > 0));
}

interface Located {
  readonly compiled: CompiledSchema | null;
}

export function createValidator(options: ValidatorOptions = {}): Validator {
  const kubernetesVersion = options.kubernetesVersion || 'master';
  const strict = options.strict ?? false;
  const ignoreMissingSchemas = options.ignoreMissingSchemas ?? false;
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
    for (const loc of locations) {
      const path = renderTemplate(loc.template, data);
      let compiled: CompiledSchema | null;
      try {
        compiled = compileSchemaFile(path, cacheDir);
      } catch (err) {
        if (err instanceof ValidationConfigError) throw err; // a generated schema failed its integrity check
        continue; // not JSON: kubeconform tries the next location
      }
      if (!compiled) continue;
      // A schema constraining `kind` must be for this kind (kubeconform >= 0.7).
      const kindEnum = compiled.schema?.properties?.kind?.enum;
      if (Array.isArray(kindEnum) && kindEnum.length && !kindEnum.includes(kind)) continue;
      hit = { compiled };
      break;
    }
    cache.set(key, hit);
    return hit;
  }

  function result(
    filename: string,
    obj: any,
    status: ResultStatus,
    msg = '',
    validationErrors: readonly SchemaViolation[] = [],
    extra: { schema?: string; line?: number } = {},
  ): ValidationResult {
    const meta =
      obj && typeof obj === 'object' && obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {};
    const str = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));
    return {
      filename,
      kind: str(obj?.kind),
      name: str(meta.name ?? meta.generateName),
      namespace: str(meta.namespace),
      version: str(obj?.apiVersion),
      status,
      msg,
      validationErrors,
      ...(extra.schema ? { schema: extra.schema } : {}),
      ...(extra.line ? { line: extra.line } : {}),
    };
  }

  function validateObject(obj: unknown, filename: string, line?: number): ValidationResult {
    if (obj == null) return result(filename, obj, 'statusEmpty', '', [], { line });
    if (typeof obj !== 'object' || Array.isArray(obj)) {
      return result(
        filename,
        undefined,
        'statusError',
        `error unmarshalling resource: error converting YAML to JSON: cannot unmarshal ${Array.isArray(obj) ? 'array' : typeof obj} into an object`,
        [],
        { line },
      );
    }
    const o = obj as any;
    if (typeof o.kind !== 'string' || o.kind === '')
      return result(filename, o, 'statusError', "error while parsing: missing 'kind' key", [], { line });
    if (typeof o.apiVersion !== 'string' || o.apiVersion === '') {
      return result(filename, o, 'statusError', "error while parsing: missing 'apiVersion' key", [], {
        line,
      });
    }
    const gvk = groupVersionKind(o.apiVersion, o.kind);
    if (skip.has(gvk) || skip.has(o.kind)) return result(filename, o, 'statusSkipped', '', [], { line });
    if (reject.has(gvk) || reject.has(o.kind))
      return result(filename, o, 'statusError', `prohibited resource kind ${o.kind}`, [], { line });
    const { compiled } = findSchema(o.kind, o.apiVersion);
    if (!compiled) {
      if (ignoreMissingSchemas) return result(filename, o, 'statusSkipped', '', [], { line });
      return result(filename, o, 'statusError', `could not find schema for ${o.kind}`, [], { line });
    }
    if (compiled.validate(o))
      return result(filename, o, 'statusValid', '', [], { schema: compiled.url, line });
    const explain = compiled.explain();
    explain(o);
    const v = violations(explain.errors ?? compiled.validate.errors ?? [], o, compiled.schema);
    const first = v[0];
    const msg = first
      ? `problem validating schema. Check JSON formatting: jsonschema: '${first.path}' does not validate with ${compiled.url}${first.keywordLocation}: ${first.msg}`
      : 'problem validating schema. Check JSON formatting: jsonschema: validation failed';
    return result(filename, o, 'statusInvalid', msg, v, { schema: compiled.url, line });
  }

  function validateObjects(objs: readonly unknown[], filename: string): ValidationResult[] {
    const out: ValidationResult[] = [];
    for (const obj of objs) {
      const o = obj as any;
      if (o && typeof o === 'object' && o.kind === 'List' && Array.isArray(o.items)) {
        for (const item of o.items) out.push(validateObject(item, filename));
      } else out.push(validateObject(obj, filename));
    }
    return out;
  }

  function validateValue(value: unknown, filename: string, line: number, out: ValidationResult[]): void {
    const v = value as any;
    if (v && typeof v === 'object' && v.kind === 'List' && Array.isArray(v.items)) {
      for (const item of v.items) out.push(validateObject(item, filename, line));
    } else out.push(validateObject(value, filename, line));
  }

  /** The slow, precise path (the `yaml` library): error messages for malformed documents. */
  function validateTextSlow(
    text: string,
    filename: string,
    firstLine: number,
    out: ValidationResult[],
  ): void {
    const lineStarts = lineIndex(text);
    const docs = parseAllDocuments(text, { uniqueKeys: strict, prettyErrors: false, strict: false });
    const list = Array.isArray(docs) ? docs : [docs];
    for (const doc of list) {
      const offset = doc.range?.[0] ?? 0;
      const line = lineOf(lineStarts, offset) + firstLine - 1;
      if (doc.errors.length) {
        const e = doc.errors[0];
        const errLine = lineOf(lineStarts, e.pos?.[0] ?? offset) + firstLine - 1;
        const firstMsgLine = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        const msg =
          e.code === 'DUPLICATE_KEY'
            ? `error unmarshalling resource: error converting YAML to JSON: yaml: unmarshal errors: line ${errLine}: key ${JSON.stringify(duplicateKeyName(text, e.pos?.[0]))} already set in map`
            : `error unmarshalling resource: error converting YAML to JSON: yaml: line ${errLine}: ${firstMsgLine}`;
        let partial: any;
        try {
          partial = doc.toJS({ maxAliasCount: 100 });
        } catch {
          partial = undefined;
        }
        out.push(
          result(
            filename,
            partial && typeof partial === 'object' ? partial : undefined,
            'statusError',
            msg,
            [],
            { line },
          ),
        );
        continue;
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (err: any) {
        out.push(
          result(
            filename,
            undefined,
            'statusError',
            `error unmarshalling resource: ${err?.message ?? err}`,
            [],
            { line },
          ),
        );
        continue;
      }
      validateValue(value, filename, line, out);
    }
  }

  function validateText(text: string, filename: string): ValidationResult[] {
    const out: ValidationResult[] = [];
    const docs = splitDocuments(text);
    if (!docs) validateTextSlow(text, filename, 1, out);
    else {
      for (const d of docs) {
        let value: unknown;
        try {
          // Fast path: js-yaml with the YAML 1.2 core schema (no timestamps), duplicate keys rejected in strict mode.
          value = loadYaml(d.text, { schema: CORE_SCHEMA, json: !strict });
        } catch {
          validateTextSlow(d.text, filename, d.line, out);
          continue;
        }
        validateValue(value, filename, d.line, out);
      }
    }
    if (!out.length) out.push(result(filename, undefined, 'statusEmpty'));
    return out;
  }

  function validatePaths(paths: readonly string[]): ValidationResult[] {
    const out: ValidationResult[] = [];
    for (const file of expandPaths(paths)) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err: any) {
        throw new ValidationConfigError(
          `failed opening ${file}: ${err?.code === 'ENOENT' ? 'no such file or directory' : (err?.message ?? err)}`,
        );
      }
      out.push(...validateText(text, file));
    }
    return out;
  }

  return {
    options: { kubernetesVersion, strict, ignoreMissingSchemas },
    validateObject,
    validateObjects,
    validateText,
    validatePaths,
  };
}

/**
 * Split a stream into documents on `---` lines, as kubeconform does; undefined when the stream uses
 * directives or content on a marker line (the slow path handles those).
 */
export function splitDocuments(text: string): { text: string; line: number }[] | undefined {
  const docs: { text: string; line: number }[] = [];
  let start = 0;
  let startLine = 1;
  let line = 1;
  let pos = 0;
  while (pos <= text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    if (text.charCodeAt(pos) === 45 /* - */ && text.startsWith('---', pos)) {
      const rest = text.slice(pos + 3, nl).trim();
      if (nl - pos === 3 || text[pos + 3] === ' ' || text[pos + 3] === '\t' || text[pos + 3] === '\r') {
        if (rest && !rest.startsWith('#')) return undefined;
        docs.push({ text: text.slice(start, pos), line: startLine });
        start = nl + 1;
        startLine = line + 1;
      }
    } else if (
      text.charCodeAt(pos) === 37 /* % */ ||
      (text.startsWith('...', pos) && text.slice(pos + 3, nl).trim() === '')
    ) {
      return undefined;
    }
    pos = nl + 1;
    line++;
  }
  if (start < text.length) docs.push({ text: text.slice(start), line: startLine });
  return docs;
}

function duplicateKeyName(text: string, pos: number | undefined): string {
  if (pos == null) return '?';
  const m = /^\s*("([^"]*)"|'([^']*)'|[^:#\n]+?)\s*:/.exec(text.slice(pos, pos + 300));
  return m ? (m[2] ?? m[3] ?? m[1]).trim() : '?';
}

function lineIndex(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** Files named by the arguments: files as given, folders walked recursively for YAML/JSON files, sorted. */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new ValidationConfigError(`failed opening ${p}: no such file or directory`);
    if (statSync(p).isDirectory()) {
      const walk = (dir: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
        )) {
          const full = join(dir, e.name);
          if (e.isDirectory()) walk(full);
          else if (MANIFEST.test(e.name)) out.push(full);
        }
      };
      walk(p);
    } else out.push(p);
  }
  return out;
}
