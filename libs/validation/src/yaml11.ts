/**
 * YAML as Kubernetes (and kubeconform, through sigs.k8s.io/yaml and go-yaml v2) reads it: YAML 1.1.
 *
 * - Scalars resolve with the YAML 1.1 rules of the `yaml` package (its `version: '1.1'` schema is the
 *   authority: `yes/no/on/off/y/n` are booleans, `0b1`, `017`, `0x1F`, `1_000` are integers, `.inf`
 *   floats), plugged into js-yaml's parser for speed. Timestamps and sexagesimal numbers stay strings, as
 *   go-yaml v2 leaves them when decoding into `interface{}`; `!!binary` becomes the decoded string.
 * - Merge keys (`<<: *base`) merge; duplicate keys are an error only in strict mode (last one wins
 *   otherwise), as with yaml.UnmarshalStrict.
 * - Then sigs.k8s.io/yaml's YAML → JSON conversion: non-string keys become strings (`1`, `true`,
 *   float keys with Go's 32-bit `%g`), a null or composite key is an error, `.inf`/`.nan` cannot be
 *   marshalled to JSON, and invalid UTF-8 or control characters are refused by the reader.
 * - Alias expansion is bounded with go-yaml v2's own rule ("document contains excessive aliasing").
 */
import { FAILSAFE_SCHEMA, load, Type, types as jsTypes, YAMLException } from 'js-yaml';
import { Document, isMap, isScalar, isSeq, parseDocument as parseYamlDocument } from 'yaml';
import { isUtf8 } from 'node:buffer';
import { goFloat } from './explain';

// --- YAML 1.1 scalar resolution, from the `yaml` package's 1.1 schema ------------------------------

interface YamlTag {
  tag: string;
  format?: string;
  default?: boolean | string;
  test?: RegExp;
  resolve?: (src: string, onError: (msg: string) => void, opts: unknown) => unknown;
}

const YAML11_TAGS = (new Document(null, { version: '1.1' }).schema as unknown as { tags: YAmlTagList }).tags;
type YAmlTagList = YamlTag[];
const SCALARS = ['null', 'bool', 'int', 'float'].map((t) => `tag:yaml.org,2002:${t}`);

/** One js-yaml type per tag (js-yaml keeps one type per tag), trying the `yaml` package's 1.1 variants in order. */
function implicitTypes(): Type[] {
  const byTag = new Map<string, YamlTag[]>();
  for (const t of YAML11_TAGS) {
    // go-yaml v2 decodes timestamps and sexagesimal numbers into interface{} as strings.
    if (!SCALARS.includes(t.tag) || t.format === 'TIME' || !t.test || t.default !== true) continue;
    byTag.set(t.tag, [...(byTag.get(t.tag) ?? []), t]);
  }
  return [...byTag].map(([tag, variants]) => {
    // One regular expression per tag, and the first characters its variants can start with (a fast
    // rejection for the keys and words that make up most of a manifest).
    const union = new RegExp(variants.map((v) => `(?:${v.test!.source})`).join('|'));
    const first = new Uint8Array(128);
    for (const c of FIRST_CHARS[tag]) if (c !== '') first[c.charCodeAt(0)] = 1;
    const empty = FIRST_CHARS[tag].includes('');
    // Manifests repeat the same few scalars (`2`, `80`, `true`): each is resolved once per process.
    const memo = new Map<string, { ok: boolean; value?: unknown }>();
    const resolveScalar = (d: string): { ok: boolean; value?: unknown } => {
      let hit = memo.get(d);
      if (hit) return hit;
      // go-yaml v2 requires a digit in a number (`.`, `+.` and `-_` stay strings there).
      const ok =
        union.test(d) &&
        (!NUMERIC.has(tag) || /[0-9]/.test(d) || /^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/.test(d));
      hit = { ok };
      if (ok) {
        const v = variants.find((x) => x.test!.test(d))!;
        const r = v.resolve!(d, () => undefined, { intAsBigInt: false });
        hit.value = isScalar(r) ? r.value : r;
      }
      // Short scalars only: a longer one is a slice of its document's text and would keep the whole
      // document alive (V8 sliced strings); the values worth remembering (`2`, `100m`, `true`) are short.
      if (d.length <= 12 && memo.size < 4096) memo.set(d, hit);
      return hit;
    };
    return new Type(tag, {
      kind: 'scalar',
      resolve: (data: string | null) => {
        const d = data ?? '';
        if (d === '') return empty && resolveScalar(d).ok;
        const c = d.charCodeAt(0);
        return c < 128 && first[c] === 1 && resolveScalar(d).ok;
      },
      construct: (data: string | null) => resolveScalar(data ?? '').value,
    });
  });
}

const NUMERIC = new Set(['tag:yaml.org,2002:int', 'tag:yaml.org,2002:float']);

/** What the YAML 1.1 null, bool, int and float patterns can start with. */
const FIRST_CHARS: Record<string, readonly string[]> = {
  'tag:yaml.org,2002:null': ['', '~', 'n', 'N'],
  'tag:yaml.org,2002:bool': [...'yYnNtTfFoO'],
  'tag:yaml.org,2002:int': [...'+-0123456789'],
  'tag:yaml.org,2002:float': [...'+-.0123456789'],
};

/** `!!binary` as go-yaml v2 decodes it into interface{}: the decoded bytes as a string. */
const binary = new Type('tag:yaml.org,2002:binary', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && /^[A-Za-z0-9+/=\s]*$/.test(data),
  construct: (data: string) => new TextDecoder().decode(Buffer.from(data.replace(/\s/g, ''), 'base64')),
});
const timestamp = new Type('tag:yaml.org,2002:timestamp', {
  kind: 'scalar',
  resolve: () => true,
  construct: (data: string) => data,
});

const IMPLICIT = implicitTypes();
/** Explicit `!!null`, `!!bool`, `!!int`, `!!float` resolve with the same 1.1 rules. */
const EXPLICIT_SCALARS = IMPLICIT;

export const YAML_1_1_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [...IMPLICIT, jsTypes.merge],
  explicit: [...EXPLICIT_SCALARS, binary, timestamp, jsTypes.omap, jsTypes.pairs, jsTypes.set],
});

// --- The reader's checks (go-yaml v2 readerc.go) ----------------------------------------------------

/** go-yaml v2's reader error for these bytes (invalid UTF-8, control characters), or null. */
export function readerProblem(buf: Uint8Array): string | null {
  const n = buf.length;
  for (let i = 0; i < n;) {
    const b = buf[i];
    if (b < 0x80) {
      if (!(b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b <= 0x7e)))
        return 'control characters are not allowed';
      i++;
      continue;
    }
    const width = (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 0;
    if (width === 0) return 'invalid leading UTF-8 octet';
    if (i + width > n) return 'incomplete UTF-8 octet sequence';
    let value = width === 2 ? b & 0x1f : width === 3 ? b & 0x0f : b & 0x07;
    for (let k = 1; k < width; k++) {
      const c = buf[i + k];
      if ((c & 0xc0) !== 0x80) return 'invalid trailing UTF-8 octet';
      value = (value << 6) | (c & 0x3f);
    }
    if (!(
      (width === 2 && value >= 0x80) ||
      (width === 3 && value >= 0x800) ||
      (width === 4 && value >= 0x10000)
    ))
      return 'invalid length of a UTF-8 sequence';
    if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return 'invalid Unicode character';
    if (!(
      value === 0x85 ||
      (value >= 0xa0 && value <= 0xd7ff) ||
      (value >= 0xe000 && value <= 0xfffd) ||
      value >= 0x10000
    ))
      return 'control characters are not allowed';
    i += width;
  }
  return null;
}

/** What readerProblem refuses in valid UTF-8: C0/C1 controls but tab, LF, CR and NEL; DEL; U+FFFE/U+FFFF. */
const REFUSED_CHARACTER = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/;

// --- sigs.k8s.io/yaml conversion ----------------------------------------------------------------------

export class YamlError extends Error {}

/** Go's strconv.FormatFloat(f, 'g', -1, 32). */
export function goFloat32(f: number): string {
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (Number.isNaN(f)) return 'NaN';
  const x = Math.fround(f);
  let digits = '';
  for (let p = 1; p <= 9; p++) {
    digits = x.toPrecision(p);
    if (Math.fround(Number(digits)) === x) break;
  }
  const n = Number(digits);
  if (n === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) return goFloat(n);
  const [m, e] = n.toExponential().split('e');
  const ee = Number(e);
  if (ee < -4 || ee >= 21) return `${m}e${ee < 0 ? '-' : '+'}${String(Math.abs(ee)).padStart(2, '0')}`;
  return String(n);
}

/** Go's `%+#v` of a decoded YAML value (for conversion error messages). */
function goSyntax(v: unknown, inner = false): string {
  if (v === null || v === undefined) return inner ? 'interface {}(nil)' : '<nil>';
  if (v instanceof Map)
    return `map[interface {}]interface {}{${[...v.entries()].map(([k, x]) => `${goSyntax(k, true)}:${goSyntax(x, true)}`).join(', ')}}`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map((x) => goSyntax(x, true)).join(', ')}}`;
  return `map[interface {}]interface {}{${Object.entries(v as object)
    .map(([k, x]) => `${JSON.stringify(k)}:${goSyntax(x, true)}`)
    .join(', ')}}`;
}

/** go-yaml v2's allowedAliasRatio. */
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400_000) return 0.99;
  if (decodeCount >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decodeCount - 400_000) / 3_600_000);
}

/**
 * go-yaml v2's alias budget (decode.go `unmarshal`): every node decoded counts, every node decoded inside an
 * alias expansion counts as alias-driven, and once more than 100 alias-driven decodes make up more than the
 * allowed ratio of all decodes the document is refused — checked before each node, so a bomb stops early.
 * js-yaml gives every alias the same object: meeting an object a second time is an alias, and the walk counts
 * as go-yaml counts (the document node, each key, the alias node, then the whole target inside the alias).
 * Not visible here: aliases of scalars and merge keys (js-yaml has merged them), counted as plain nodes.
 */
export function toJsonable(root: unknown, onSuspiciousKey?: () => void): unknown {
  const seen = new Set<object>();
  let decodeCount = 1; // the document node
  let aliasCount = 0;
  let aliasDepth = 0;
  let binary = false;
  const decode = (): void => {
    decodeCount++;
    if (aliasDepth > 0) aliasCount++;
    if (aliasCount > 100 && decodeCount > 1000 && aliasCount / decodeCount > allowedAliasRatio(decodeCount))
      throw new YamlError('yaml: document contains excessive aliasing');
    if (decodeCount > 10_000_000) throw new YamlError('yaml: document contains excessive aliasing');
  };
  const check = (v: unknown, depth: number): void => {
    decode();
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'number' && !Number.isFinite(v))
        throw new YamlError(`json: unsupported value: ${goFloat(v)}`);
      return;
    }
    if (depth > 10_000) throw new YamlError('yaml: exceeded max depth of 10000');
    if (seen.has(v)) {
      // The alias node was just counted; its target is decoded again, inside the alias.
      aliasDepth++;
      try {
        decode();
        children(v, depth);
      } finally {
        aliasDepth--;
      }
      return;
    }
    seen.add(v);
    children(v, depth);
  };
  const children = (v: object, depth: number): void => {
    if (Array.isArray(v)) {
      for (const x of v) check(x, depth + 1);
      return;
    }
    if (v instanceof Uint8Array) {
      binary = true;
      return;
    }
    for (const k in v as object) {
      // js-yaml stringifies null and composite keys ("null", "[object Object]", "a,b"); go-yaml refuses them.
      if (onSuspiciousKey && (k === 'null' || k === '' || k === '[object Object]' || k.includes(',')))
        onSuspiciousKey();
      decode(); // the key
      check((v as Record<string, unknown>)[k], depth + 1);
    }
  };
  check(root, 0);
  if (!binary) return root;
  const copy = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return new TextDecoder().decode(v);
    if (Array.isArray(v)) return v.map(copy);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
    return v;
  };
  return copy(root);
}

/** The `yaml` package's view of the keys: go-yaml v2's error for a null or composite key, if any. */
function keyProblem(text: string): string | null {
  let problem: string | null = null;
  const toGo = (n: any): unknown => {
    if (isMap(n)) return new Map(n.items.map((p: any) => [toGo(p.key), toGo(p.value)]));
    if (isSeq(n)) return n.items.map(toGo);
    if (isScalar(n)) return n.value;
    return null;
  };
  const walk = (n: any) => {
    if (problem || !n || typeof n !== 'object') return;
    if (isMap(n)) {
      for (const p of n.items) {
        const k = p.key;
        if (isMap(k) || isSeq(k)) {
          // go-yaml decodes the key first: a composite key inside it is reported first.
          walk(k);
          problem ??= `yaml: invalid map key: ${goSyntax(toGo(k))}`;
          return;
        }
        if (k == null || (isScalar(k) && k.value === null)) {
          problem = `unsupported map key of type: %!s(<nil>), key: <nil>, value: ${goSyntax(toGo(p.value))}`;
          return;
        }
        walk(p.value);
      }
    } else if (isSeq(n)) for (const x of n.items) walk(x);
  };
  try {
    const doc = parseYamlDocument(text, { version: '1.1', merge: true, uniqueKeys: false, strict: false });
    walk(doc.contents);
  } catch {
    return null;
  }
  return problem;
}

// --- One document -------------------------------------------------------------------------------------

export interface ParsedDocument {
  /** The JSON value (undefined when `error` is set). */
  readonly value?: unknown;
  /** kubeconform's unmarshalling error text (after `error unmarshalling resource: `), when parsing failed. */
  readonly error?: string;
  /** The value as the non-strict signature parse sees it (strict duplicate keys still have a signature). */
  readonly lenient?: unknown;
}

/** go-yaml v2's nesting limit (max_flow_level, max_indents); js-yaml's own default is 100. */
const MAX_DEPTH = 10_000;

function loadWith(text: string, strict: boolean): unknown {
  // Deeper than the JavaScript stack allows (~1,500 levels): a RangeError, reported as the same limit.
  return load(text, { schema: YAML_1_1_SCHEMA, json: !strict, maxDepth: MAX_DEPTH } as any);
}

function yamlMessage(e: unknown): string {
  if (e instanceof YAMLException) {
    const line = (e.mark?.line ?? 0) + 1;
    if (/duplicated mapping key/.test(e.reason))
      return `yaml: unmarshal errors:\n  line ${line}: key ${JSON.stringify(keyOf(e))} already set in map`;
    return `yaml: line ${line}: ${e.reason}`;
  }
  if (e instanceof RangeError) return `yaml: exceeded max depth of ${MAX_DEPTH}`;
  return `yaml: ${String((e as Error)?.message ?? e)}`;
}

function keyOf(e: YAMLException): string {
  const buffer = (e as any).mark?.buffer as string | undefined;
  const pos = (e as any).mark?.position as number | undefined;
  if (buffer === undefined || pos === undefined) return '?';
  // js-yaml points just after the duplicated key: take that line's key.
  const lineStart = buffer.lastIndexOf('\n', Math.max(0, pos - 1)) + 1;
  const m = /^\s*(?:-\s+)*(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:#\n]*?))\s*:/.exec(
    buffer.slice(lineStart),
  );
  if (!m) return '?';
  if (m[1] !== undefined) return JSON.parse(`"${m[1]}"`);
  if (m[2] !== undefined) return m[2].replace(/''/g, "'");
  return m[3].trim();
}

function convert(raw: unknown, text: string): unknown {
  let suspicious = false;
  const value = toJsonable(raw, () => (suspicious = true));
  if (suspicious) {
    const p = keyProblem(text);
    if (p) throw new YamlError(p);
  }
  return value;
}

/**
 * Parse one document's bytes as `sigs.k8s.io/yaml.Unmarshal` (or `UnmarshalStrict`) would, returning
 * the JSON value or the error text after kubeconform's `error unmarshalling resource: `.
 */
export function parseDocument(bytes: Uint8Array, strict: boolean): ParsedDocument {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Fast path: valid UTF-8 (native check) without a character go-yaml's reader refuses; else the
  // byte-by-byte reader names the problem.
  const text = isUtf8(buf) ? buf.toString('utf8') : undefined;
  if (text === undefined || REFUSED_CHARACTER.test(text)) {
    const problem = readerProblem(bytes);
    if (problem) return { error: `error converting YAML to JSON: yaml: ${problem}` };
  }
  if (text === undefined) return { error: 'error converting YAML to JSON: yaml: invalid UTF-8' };
  let raw: unknown;
  try {
    raw = loadWith(text, strict);
  } catch (e) {
    const error = `error converting YAML to JSON: ${yamlMessage(e)}`;
    if (strict && e instanceof YAMLException && /duplicated mapping key/.test(e.reason)) {
      try {
        return { error, lenient: convert(loadWith(text, false), text) };
      } catch {
        // no signature either
      }
    }
    return { error };
  }
  try {
    return { value: convert(raw, text) };
  } catch (e) {
    return { error: `error converting YAML to JSON: ${(e as Error).message}` };
  }
}
