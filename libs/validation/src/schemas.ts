/**
 * Generation of kubeconform's on-disk schema layout from the Kubernetes OpenAPI `_definitions.json`
 * files and the CRD JSON schemas:
 *
 *   <out>/v<ver>-standalone-strict/<kind>-<group>-<version>.json   (closed objects, as `kubeconform -strict` expects)
 *   <out>/v<ver>-standalone/<kind>-<group>-<version>.json          (open objects)
 *   <out>/master-standalone[-strict]/...                          (the newest version, for `-kubernetes-version master`)
 *   <out>/<group>/<kind>_<version>.json                            (CRDs, closed)
 *
 * Every file is self-contained ("standalone": no reference leaves the file); definitions shared by a kind
 * stay in the file's own `definitions` so that e.g. a PodSpec is written once per file, not once per use.
 * The same directory serves this package's validator and the real kubeconform CLI
 * (`-schema-location <out> -schema-location '<out>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'`).
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ValidationConfigError } from './errors';
import { sha256, sign, verifySignature } from './integrity';

export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

/** Bump when the generated layout or the schema transformation changes: stale caches are regenerated. */
export const SCHEMA_FORMAT_VERSION = 8;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = { [k: string]: any };

/** Where the source schemas are read from: `$GITOPS_SCHEMAS_SRC`, else `../shared/schemas` beside the workspace. */
export function defaultSchemaSource(): string {
  return resolve(process.env.GITOPS_SCHEMAS_SRC ?? join(WORKSPACE_ROOT, '..', 'shared', 'schemas'));
}

/** Where the kubeconform layout is generated: `$GITOPS_SCHEMAS_DIR`, else `node_modules/.cache/gitops-schemas`. */
export function defaultSchemaDir(): string {
  return resolve(
    process.env.GITOPS_SCHEMAS_DIR ?? join(WORKSPACE_ROOT, 'node_modules', '.cache', 'gitops-schemas'),
  );
}

export interface GenerateSchemasOptions {
  /** Folder with `kubernetes/v<ver>/_definitions.json` and `crds/<group>/<kind>_<version>.json`. */
  readonly source?: string;
  /** Output folder (kubeconform layout). */
  readonly out?: string;
  /** Only these Kubernetes versions (e.g. `1.31.0`); default: every version found. */
  readonly versions?: readonly string[];
}

export interface GenerateSchemasReport {
  readonly out: string;
  readonly versions: string[];
  readonly kinds: number;
  readonly crds: number;
  readonly files: number;
}

/** Keywords kept from the source schemas; the rest (descriptions, x-kubernetes-* hints) is dropped. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf']);
const SCHEMA_VALUES = new Set(['items', 'additionalProperties', 'not', 'additionalItems']);
const DROPPED = new Set([
  'description',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-map-type',
  'x-kubernetes-unions',
  'x-kubernetes-validations',
  'x-kubernetes-embedded-resource',
  'example',
  'externalDocs',
  'readOnly',
  'x-kubernetes-group-version-kind',
  '$schema',
  'id',
  '$id',
]);

/**
 * Transform one source schema node into kubeconform's form:
 * - strict: every object with `properties` and no own `additionalProperties` is closed, except where
 *   `x-kubernetes-preserve-unknown-fields` keeps unknown fields;
 * - optional properties also accept `null` (the API server treats null as unset), as openapi2jsonschema does;
 * - `$ref`s to `#/definitions/<name>` are kept (resolved inside the file).
 */
function transform(node: any, strict: boolean, onRef: (name: string) => void): any {
  if (Array.isArray(node) || node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (DROPPED.has(k)) continue;
    if (k === '$ref' && typeof v === 'string') {
      const m = /^#\/definitions\/(.+)$/.exec(v);
      if (!m)
        throw new ValidationConfigError(
          `unsupported $ref ${JSON.stringify(v)}: only references inside the file (#/definitions/<name>) are followed; remote references are never fetched`,
        );
      onRef(m[1]);
      out.$ref = v;
    } else if (SCHEMA_MAPS.has(k) && v && typeof v === 'object') {
      const required = new Set<string>(
        k === 'properties' && Array.isArray(node.required) ? node.required : [],
      );
      const m: Schema = {};
      for (const [name, sub] of Object.entries(v as Schema)) {
        const t = transform(sub, strict, onRef);
        m[name] = k === 'properties' && !required.has(name) ? nullable(t) : t;
      }
      out[k] = m;
    } else if (SCHEMA_LISTS.has(k) && Array.isArray(v)) {
      out[k] = v.map((s) => transform(s, strict, onRef));
    } else if (SCHEMA_VALUES.has(k) && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = transform(v, strict, onRef);
    } else {
      out[k] = v as Json;
    }
  }
  const preserve = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (strict && out.properties && !('additionalProperties' in out) && !preserve)
    out.additionalProperties = false;
  return out;
}

/** The types of a `oneOf` of plain, disjoint types (IntOrString, Quantity), which is their union; else null. */
function unionOfTypes(s: Schema): string[] | null {
  if (!Array.isArray(s.oneOf) || Object.keys(s).length !== 1) return null;
  const types = s.oneOf.map((b: any) =>
    b && typeof b === 'object' && Object.keys(b).length === 1 && typeof b.type === 'string' ? b.type : null,
  );
  const numeric = types.includes('integer') && types.includes('number');
  return types.every((t: string | null) => t !== null) && new Set(types).size === types.length && !numeric
    ? types
    : null;
}

/** Let an optional property be `null`, as the API server does (and openapi2jsonschema's schemas). */
function nullable(s: Schema): Schema {
  if (typeof s !== 'object' || s === null) return s;
  if (typeof s.type === 'string') {
    const out: Schema = { ...s, type: [s.type, 'null'] };
    if (Array.isArray(s.enum) && !s.enum.includes(null)) out.enum = [...s.enum, null];
    return out;
  }
  if (Array.isArray(s.type)) return s.type.includes('null') ? s : { ...s, type: [...s.type, 'null'] };
  const union = unionOfTypes(s);
  if (union) return { type: [...union, 'null'] };
  if (s.$ref || s.oneOf || s.anyOf || s.allOf) return { anyOf: [{ type: 'null' }, s] };
  return s;
}

/** Kubeconform's `{{.ResourceKind}}{{.KindSuffix}}` for a kind and apiVersion. */
export function kindFileName(kind: string, apiVersion: string): string {
  const parts = apiVersion.split('/');
  let suffix = '-' + parts[0].split('.')[0].toLowerCase();
  if (parts.length > 1) suffix += '-' + parts[1].toLowerCase();
  return `${kind.toLowerCase()}${suffix}`;
}

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** Build the standalone schema of one definition: the definition itself plus every definition it reaches. */
function standalone(defs: Record<string, Schema>, root: string, strict: boolean): Schema {
  const needed = new Set<string>();
  const queue: string[] = [];
  const onRef = (n: string) => {
    if (!needed.has(n)) {
      needed.add(n);
      queue.push(n);
    }
  };
  const top = transform(defs[root], strict, onRef);
  const definitions: Schema = {};
  while (queue.length) {
    const name = queue.shift()!;
    if (!defs[name]) throw new ValidationConfigError(`definition ${name} referenced from ${root} is missing`);
    definitions[name] = transform(defs[name], strict, onRef);
  }
  return inlineDefinitions(top, definitions);
}

/**
 * Dereference `#/definitions/…` in place, as kubeconform's standalone schemas are: errors then name the
 * resource's own fields (`at '/spec/replicas': got string, want null or integer`) rather than `$ref` and
 * `anyOf` wrappers. Recursive definitions (JSONSchemaProps) stay references into the file's `definitions`.
 */
function inlineDefinitions(top: Schema, definitions: Record<string, Schema>): Schema {
  const kept = new Set<string>();
  const visit = (node: any, stack: string[]): any => {
    if (Array.isArray(node)) return node.map((n) => visit(n, stack));
    if (!node || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/definitions/')) {
      const name = node.$ref.slice('#/definitions/'.length);
      if (stack.includes(name)) {
        kept.add(name);
        return node;
      }
      return visit(definitions[name], [...stack, name]);
    }
    const out: Schema = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'enum' || k === 'required' || k === 'type' || k === 'default') out[k] = v;
      else if (SCHEMA_MAPS.has(k) && v && typeof v === 'object')
        out[k] = Object.fromEntries(Object.entries(v as Schema).map(([n, sub]) => [n, visit(sub, stack)]));
      else out[k] = visit(v, stack);
    }
    const union = unionOfTypes(out);
    if (union) return { type: union };
    // `anyOf: [{type: null}, <typed schema>]` (an optional reference) becomes the typed schema accepting null.
    if (
      Array.isArray(out.anyOf) &&
      out.anyOf.length === 2 &&
      out.anyOf[0]?.type === 'null' &&
      Object.keys(out).length === 1
    ) {
      const inner = out.anyOf[1];
      if (inner && typeof inner === 'object' && (typeof inner.type === 'string' || Array.isArray(inner.type)))
        return nullable(inner);
      const flat = inner && typeof inner === 'object' && !inner.type ? nullable(inner) : undefined;
      if (flat && !flat.anyOf) return flat;
    }
    return out;
  };
  const inlined = visit(top, []);
  if (!kept.size) return inlined;
  const defs: Schema = {};
  // Definitions kept for recursion are themselves inlined (except for their own cycles).
  const queue = [...kept].sort();
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i];
    const before = kept.size;
    defs[name] = visit(definitions[name], [name]);
    if (kept.size !== before) for (const k of [...kept].sort()) if (!queue.includes(k)) queue.push(k);
  }
  const sorted: Schema = {};
  for (const k of Object.keys(defs).sort()) sorted[k] = defs[k];
  return { ...inlined, definitions: sorted };
}

function listDirs(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((d) => statSync(join(dir, d)).isDirectory())
        .sort()
    : [];
}

function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split('.').map(Number);
  const pb = b.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** The Kubernetes versions (`1.31.0`) a schema source folder provides. */
export function sourceVersions(source = defaultSchemaSource()): string[] {
  return listDirs(join(source, 'kubernetes'))
    .filter(
      (d) => /^v\d+\.\d+\.\d+$/.test(d) && existsSync(join(source, 'kubernetes', d, '_definitions.json')),
    )
    .map((d) => d.slice(1))
    .sort(compareVersions);
}

/** Parse a JSON source file; a malformed file is a user-facing error naming it. */
function readSourceJson(path: string): any {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err: any) {
    throw new ValidationConfigError(`${path}: cannot be read (${err?.code ?? err?.message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err: any) {
    throw new ValidationConfigError(`${path}: not valid JSON (${err?.message})`);
  }
}

/** Run `fn` on a source file; its user-facing errors name the file. */
function inFile<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValidationConfigError && !err.message.startsWith(path))
      throw new ValidationConfigError(`${path}: ${err.message}`);
    throw err;
  }
}

/** A folder `generateSchemas` may replace: missing, empty, or generated by it (has the marker file). */
function assertOwnedOutput(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory())
    throw new ValidationConfigError(`${out} exists and is not a folder: choose a new folder for -output`);
  const entries = readdirSync(out);
  if (entries.length && !entries.includes('.gitops-schemas.json'))
    throw new ValidationConfigError(
      `${out} is not empty and was not generated by this command (no .gitops-schemas.json): ` +
        'its files are not replaced — choose a new or empty folder for -output',
    );
}

function writeJson(path: string, value: unknown): string {
  mkdirSync(dirname(path), { recursive: true });
  const text = JSON.stringify(value) + '\n';
  writeFileSync(path, text);
  return text;
}

export const SCHEMA_MARKER = '.gitops-schemas.json';

interface SchemaMarker {
  format: number;
  source: string;
  versions: string[];
  fingerprint: string;
  /** sha256 of every generated file, by folder-relative path. */
  files: Record<string, string>;
  /** HMAC of the fields above under the checkout's integrity key. */
  signature: string;
}

function markerPayload(m: Omit<SchemaMarker, 'signature'>): string {
  return JSON.stringify([m.format, m.source, m.versions, m.fingerprint, m.files]);
}

const markers = new Map<string, { stamp: string; marker: SchemaMarker | null }>();

/** The verified marker of a generated folder (null when absent, unsigned or its signature does not match). */
export function readSchemaMarker(dir: string): SchemaMarker | null {
  const file = join(dir, SCHEMA_MARKER);
  let st;
  try {
    st = statSync(file);
  } catch {
    return null;
  }
  const stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const hit = markers.get(dir);
  if (hit?.stamp === stamp) return hit.marker;
  let marker: SchemaMarker | null = null;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as SchemaMarker;
    if (
      m &&
      m.files &&
      typeof m.signature === 'string' &&
      verifySignature(m.signature, 'gitops-schemas', markerPayload(m))
    )
      marker = m;
  } catch {
    marker = null;
  }
  markers.set(dir, { stamp, marker });
  return marker;
}

/**
 * Refuse a generated schema file whose content differs from what was generated (edited, swapped or
 * corrupted after generation). Files outside a generated folder (a user's own -schema-location) are not ours
 * to check.
 */
export function verifyGeneratedSchema(path: string, text: string): void {
  const dir = dirname(dirname(path));
  if (!existsSync(join(dir, SCHEMA_MARKER))) return;
  const marker = readSchemaMarker(dir);
  const rel = path.slice(dir.length + 1);
  if (!marker)
    throw new ValidationConfigError(
      `${join(dir, SCHEMA_MARKER)}: the generated schema folder's manifest is not signed by this checkout (tampered, or from another machine): delete ${dir} and it is regenerated`,
    );
  const want = marker.files[rel];
  if (want === undefined)
    throw new ValidationConfigError(
      `${path}: not a file this checkout generated (planted in ${dir}?): delete ${dir} and it is regenerated`,
    );
  if (sha256(text) !== want)
    throw new ValidationConfigError(
      `${path}: sha256 ${sha256(text).slice(0, 16)}… differs from the ${want.slice(0, 16)}… recorded when it was generated (edited or corrupted): delete ${dir} and it is regenerated`,
    );
}

/** Identity of a generated folder's marker file (changes when the folder is replaced); '' when absent. */
function markerStamp(dir: string): string {
  try {
    const st = statSync(join(dir, SCHEMA_MARKER));
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}

/** `dir` is missing while `generateSchemas` swaps a new copy in (its `.old-*`/`.tmp-*` sibling exists). */
function replacementInProgress(dir: string): boolean {
  if (existsSync(dir)) return false;
  const base = `${basename(dir)}.`;
  try {
    return readdirSync(dirname(dir)).some(
      (e) => e.startsWith(base) && /^\.(old|tmp)-\d+-\d+$/.test(e.slice(base.length - 1)),
    );
  } catch {
    return false;
  }
}

const SWAP_WAIT_MS = 50;
const SWAP_ATTEMPTS = 100;

/**
 * Read a schema file and verify it against its folder's signed marker, consistently with a concurrent
 * `generateSchemas` that replaces the folder (two renames): the marker is checked before and after the read,
 * and a read that straddled a replacement — or fell into the instant between the two renames — is retried
 * (up to ~5 s), so a reader never reports a missing or "tampered" schema that was only being replaced.
 * Returns null when the file does not exist (and no replacement is under way).
 */
export function readSchemaFile(path: string): { text: string; size: number; mtimeMs: number } | null {
  const dir = dirname(dirname(path));
  for (let attempt = 1; ; attempt++) {
    const before = markerStamp(dir);
    let read: { text: string; size: number; mtimeMs: number } | null = null;
    try {
      const st = statSync(path);
      if (!st.isFile()) return null;
      read = { text: readFileSync(path, 'utf8'), size: st.size, mtimeMs: st.mtimeMs };
    } catch (err: any) {
      if (err?.code !== 'ENOENT' && err?.code !== 'ENOTDIR') throw err;
    }
    const after = markerStamp(dir);
    const retry = attempt < SWAP_ATTEMPTS;
    if (retry && (before !== after || (!read && replacementInProgress(dir)))) {
      sleepMs(SWAP_WAIT_MS);
      continue;
    }
    if (!read) return null;
    try {
      verifyGeneratedSchema(path, read.text);
    } catch (err) {
      // Read from the old folder, verified against the new one's marker: read again.
      if (retry && markerStamp(dir) !== after) continue;
      throw err;
    }
    return read;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Generate kubeconform's layout from a schema source folder. Writes into a temporary folder and renames it into place. */
export function generateSchemas(options: GenerateSchemasOptions = {}): GenerateSchemasReport {
  const source = resolve(options.source ?? defaultSchemaSource());
  const out = resolve(options.out ?? defaultSchemaDir());
  if (!existsSync(source))
    throw new ValidationConfigError(
      `schema source ${source} does not exist (set $GITOPS_SCHEMAS_SRC or pass -source)`,
    );
  const available = sourceVersions(source);
  const versions = options.versions?.length ? [...options.versions] : available;
  for (const v of versions) {
    if (!available.includes(v)) {
      throw new ValidationConfigError(
        `${join(source, 'kubernetes', `v${v}`, '_definitions.json')}: no Kubernetes ${v} definitions (available: ${available.join(', ') || 'none'})`,
      );
    }
  }
  assertOwnedOutput(out);
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  const aside = `${out}.old-${process.pid}-${Date.now()}`;
  rmSync(tmp, { recursive: true, force: true });
  let files = 0;
  let kinds = 0;
  let crds = 0;
  const digests: Record<string, string> = {};
  const emit = (rel: string, value: unknown) => {
    digests[rel] = sha256(writeJson(join(tmp, rel), value));
  };
  try {
    const newest = [...available].sort(compareVersions).at(-1);
    for (const version of versions) {
      const defsFile = join(source, 'kubernetes', `v${version}`, '_definitions.json');
      const raw = readSourceJson(defsFile);
      const defs: Record<string, Schema> | undefined =
        raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw.definitions ?? raw) : undefined;
      if (!defs || typeof defs !== 'object' || Array.isArray(defs))
        throw new ValidationConfigError(`${defsFile}: expected an object of definitions`);
      const targets = version === newest ? [`v${version}`, 'master'] : [`v${version}`];
      for (const [name, def] of Object.entries(defs)) {
        if (!def || typeof def !== 'object') continue;
        const gvks: Gvk[] = Array.isArray(def['x-kubernetes-group-version-kind'])
          ? def['x-kubernetes-group-version-kind']
          : [];
        // A definition shared by several GVKs (DeleteOptions, WatchEvent) is only a kind of its own group.
        const own = gvks.filter((g) => gvks.length === 1 || name.includes(`.${g.version}.`));
        for (const gvk of own) {
          const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
          const file = `${kindFileName(gvk.kind, apiVersion)}.json`;
          for (const strict of [true, false]) {
            const schema = inFile(defsFile, () => standalone(defs, name, strict));
            for (const t of targets) {
              emit(`${t}-standalone${strict ? '-strict' : ''}/${file}`, schema);
              files++;
            }
          }
          kinds++;
        }
      }
    }
    for (const group of listDirs(join(source, 'crds'))) {
      for (const f of readdirSync(join(source, 'crds', group)).sort()) {
        if (!f.endsWith('.json')) continue;
        const crdFile = join(source, 'crds', group, f);
        const raw = readSourceJson(crdFile);
        emit(
          `${group}/${f}`,
          inFile(crdFile, () =>
            transform(raw, true, () => {
              throw new ValidationConfigError(`${crdFile}: $ref is not supported in CRD schemas`);
            }),
          ),
        );
        files++;
        crds++;
      }
    }
    const sortedDigests: Record<string, string> = {};
    for (const k of Object.keys(digests).sort()) sortedDigests[k] = digests[k];
    const marker = {
      format: SCHEMA_FORMAT_VERSION,
      source,
      versions,
      fingerprint: sourceFingerprint(source),
      files: sortedDigests,
    };
    writeJson(join(tmp, SCHEMA_MARKER), {
      ...marker,
      signature: sign('gitops-schemas', markerPayload(marker)),
    });
    // Move the old folder aside and the new one in before deleting anything: a reader in another process
    // that already judged the folder current sees one layout or the other, never a folder being deleted.
    mkdirSync(dirname(out), { recursive: true });
    if (existsSync(out)) renameSync(out, aside);
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(aside, { recursive: true, force: true });
  }
  return { out, versions, kinds, crds, files };
}

/** A cheap fingerprint of a source folder: names, sizes and mtimes of its JSON files. */
function sourceFingerprint(source: string): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.json')) {
        const st = statSync(p);
        h.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(source);
  return h.digest('hex');
}

/** True when `dir` holds a generated layout that is current for `source`. */
export function isSchemaDirCurrent(dir: string, source = defaultSchemaSource()): boolean {
  if (!existsSync(join(dir, SCHEMA_MARKER))) return false;
  try {
    const m = readSchemaMarker(dir);
    if (!m || m.format !== SCHEMA_FORMAT_VERSION) return false;
    if (!existsSync(source)) return true; // no source to compare with: use what is there
    return (
      m.source === resolve(source) &&
      m.fingerprint === sourceFingerprint(source) &&
      sourceVersions(source).every((v) => m.versions.includes(v))
    );
  } catch {
    return false;
  }
}

/**
 * The generated kubeconform-layout folder, generating it from `../shared/schemas` (or `$GITOPS_SCHEMAS_SRC`)
 * when it is missing or stale. Safe to call from concurrent processes: generation renames into place.
 */
export function ensureSchemaDir(options: { source?: string; out?: string } = {}): string {
  const out = resolve(options.out ?? defaultSchemaDir());
  const source = resolve(options.source ?? defaultSchemaSource());
  if (isSchemaDirCurrent(out, source)) return out;
  if (!existsSync(source)) {
    if (existsSync(join(out, '.gitops-schemas.json'))) return out;
    throw new ValidationConfigError(
      `no generated schemas in ${out} and no schema source at ${source}: set $GITOPS_SCHEMAS_SRC to a folder with kubernetes/v<ver>/_definitions.json, or run npm run schemas -- -source <dir>`,
    );
  }
  // One process generates; concurrent ones (parallel test workers, Nx tasks) wait for it, so nobody
  // reads a folder that another process is replacing.
  const lock = `${out}.lock`;
  mkdirSync(dirname(out), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err: any) {
      if (err?.code !== 'EEXIST') throw err;
      if (isSchemaDirCurrent(out, source)) return out;
      const age = Date.now() - statSync(lock, { throwIfNoEntry: false } as any)?.mtimeMs;
      if (age > 60_000)
        rmSync(lock, { recursive: true, force: true }); // left by a killed process
      else if (Date.now() > deadline)
        throw new ValidationConfigError(
          `another process holds ${lock}; remove it if no validation is running`,
        );
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    if (!isSchemaDirCurrent(out, source)) generateSchemas({ source, out });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return out;
}
