/**
 * YAML as Kubernetes (and kubeconform, through sigs.k8s.io/yaml and go-yaml v2) reads it: YAML 1.1.
 *
 * - Plain scalars resolve as go-yaml v2's `resolve()` does (go-yaml-resolve.ts, a port of its source):
 *   `yes/no/on/off/y/n` are booleans, `_` dropped then Go's `ParseInt(s, 0, 64)` (`0o17`, `017`, `0x1F`,
 *   `1_000`), `.inf` floats, timestamps and sexagesimal numbers strings (as go-yaml v2 leaves them in
 *   `interface{}`), `!!binary` the decoded string, explicit `!!int`/`!!bool`/… checked, unknown tags ignored.
 *   js-yaml's parser underneath, for speed.
 * - Merge keys (`<<: *base`) merge; duplicate keys are an error only in strict mode (last one wins
 *   otherwise), listed as yaml.UnmarshalStrict lists them (`strictDuplicateKeys`).
 * - Then sigs.k8s.io/yaml's YAML → JSON conversion: non-string keys become strings (`1`, `true`,
 *   float keys with Go's 32-bit `%g`), a null or composite key is an error, `.inf`/`.nan` cannot be
 *   marshalled to JSON, and invalid UTF-8 or control characters are refused by the reader.
 * - Alias expansion is bounded with go-yaml v2's own rule ("document contains excessive aliasing").
 */
import { FAILSAFE_SCHEMA, load, Type, types as jsTypes, YAMLException } from 'js-yaml';
import { isAlias, isMap, isScalar, isSeq, parseDocument as parseYamlDocument } from 'yaml';
import { isUtf8 } from 'node:buffer';
import { mayResolve, resolveGoYamlPlain, type GoYamlScalar } from './go-yaml-resolve';
import { goFloat, goShortest } from './explain';

// --- Scalar resolution: go-yaml v2's resolver (go-yaml-resolve.ts) ---------------------------------

const SCALAR_TAGS = ['null', 'bool', 'int', 'float'] as const;
const STRING: GoYamlScalar = { tag: 'str', value: '' };
/** Manifests repeat the same few scalars (`2`, `80`, `true`): each is resolved once per process. */
const memo = new Map<string, GoYamlScalar>();
function resolved(data: string | null): GoYamlScalar {
  const d = data ?? '';
  // Most scalars are words and keys that cannot be anything but a string (first-character table).
  if (!mayResolve(d)) return STRING;
  let r = memo.get(d);
  if (!r) {
    r = resolveGoYamlPlain(d);
    // Short scalars only: a longer one is a slice of its document's text and would keep the whole
    // document alive (V8 sliced strings); the values worth remembering (`2`, `100m`, `true`) are short.
    if (d.length <= 12 && memo.size < 4096) memo.set(d, r);
  }
  return r;
}

/** Untagged plain scalars: one js-yaml type per tag, each accepting what go-yaml v2 resolves to it. */
const IMPLICIT = SCALAR_TAGS.map(
  (tag) =>
    new Type(`tag:yaml.org,2002:${tag}`, {
      kind: 'scalar',
      resolve: (data: string | null) => resolved(data).tag === tag,
      construct: (data: string | null) => resolved(data).value,
    }),
);

/**
 * Explicit `!!null`, `!!bool`, `!!int`, `!!float`: go-yaml v2 resolves the text and refuses another
 * type (`yaml: cannot decode !!str \`abc\` as a !!int`); an integer is accepted as a `!!float`.
 */
const EXPLICIT_SCALARS = SCALAR_TAGS.map(
  (tag) =>
    new Type(`tag:yaml.org,2002:${tag}`, {
      kind: 'scalar',
      resolve: () => true,
      construct: (data: string | null) => {
        const r = resolved(data);
        if (r.tag === tag || (tag === 'float' && r.tag === 'int')) return r.value;
        throw new YamlError(`cannot decode !!${r.tag} \`${data ?? ''}\` as a !!${tag}`);
      },
    }),
);

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

/**
 * Any other tag (`!custom`, `!!foo`): go-yaml v2 ignores it — a scalar stays its text, a mapping or
 * sequence decodes as usual (js-yaml would refuse it: `unknown tag`).
 */
const UNKNOWN_TAGS = (['scalar', 'sequence', 'mapping'] as const).map(
  (kind) =>
    new Type('', {
      kind,
      multi: true,
      construct: (data: unknown) => data ?? (kind === 'scalar' ? '' : kind === 'sequence' ? [] : {}),
    }),
);

export const YAML_1_1_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [...IMPLICIT, jsTypes.merge],
  explicit: [
    ...EXPLICIT_SCALARS,
    binary,
    timestamp,
    jsTypes.omap,
    jsTypes.pairs,
    jsTypes.set,
    ...UNKNOWN_TAGS,
  ],
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
  return goShortest(n.toExponential());
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
export function toJsonable(
  root: unknown,
  onSuspiciousKey?: () => void,
  /** False when the text has no `*`: no object can be met twice, so none is remembered. */
  mayAlias = true,
): unknown {
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
    if (mayAlias && seen.has(v)) {
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
    if (mayAlias) seen.add(v);
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
          // The Go map holds one nil key: the last one written.
          const last = [...n.items]
            .reverse()
            .find((q: any) => q.key == null || (isScalar(q.key) && q.key.value === null));
          problem = `unsupported map key of type: %!s(<nil>), key: <nil>, value: ${goSyntax(toGo(last?.value))}`;
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

// --- Strict duplicate keys, as go-yaml v2's UnmarshalStrict reports them -------------------------------

/**
 * go-yaml v2's strict-mode `key … already set in map` errors, in decode order, or [] when there are none.
 * Keys compare as the Go values they decode to (`y` and `on` are both `true`; `1` and `"1"` differ), keys
 * set by a merge (`<<: *base`) count as set, every duplicate is listed, and each line is the line of the
 * duplicate's value node (`line N: key "name" already set in map`). Aliased mappings are decoded (and
 * checked) at every use, as go-yaml does. Bounded: gives up (returns what it found) past `limit` nodes.
 */
export function strictDuplicateKeys(text: string, limit = 1_000_000): string[] {
  let doc;
  try {
    doc = parseYamlDocument(text, { version: '1.1', merge: false, uniqueKeys: false, strict: false });
  } catch {
    return [];
  }
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const errors: string[] = [];
  let visits = 0;
  const deref = (n: any, depth = 0): any =>
    n && isAlias(n) && depth < 100 ? deref(n.resolve(doc), depth + 1) : n;
  /** The Go map key a scalar decodes to: identity and `%#v`. */
  const goKey = (k: any): { id: string; repr: string } | null => {
    const n = deref(k);
    if (n == null) return { id: 'null', repr: '<nil>' };
    if (!isScalar(n)) return null;
    const plain = (n as any).type === 'PLAIN' && !(n as any).tag;
    const r: GoYamlScalar = plain
      ? resolveGoYamlPlain(String((n as any).source ?? n.value ?? ''))
      : { tag: 'str', value: String(n.value) };
    const repr =
      r.tag === 'null'
        ? '<nil>'
        : r.tag === 'str'
          ? JSON.stringify(r.value)
          : r.tag === 'float'
            ? goFloat(r.value as number)
            : String(r.value);
    return { id: `${r.tag}:${String(r.value)}`, repr };
  };
  const valueLine = (pair: any): number => {
    const v = pair.value;
    const keyLine = lineOf(pair.key?.range?.[0] ?? 0);
    if (v == null || !v.range) return keyLine;
    // A collection with an anchor or tag starts at that property (on the key's line, as it is written).
    if ((isMap(v) || isSeq(v)) && (v.anchor || v.tag)) return keyLine;
    return lineOf(v.range[0]);
  };
  const decode = (node: any): void => {
    if (++visits > limit) return;
    const n = deref(node);
    if (isMap(n)) mapping(n, new Set());
    else if (isSeq(n)) for (const x of n.items) decode(x);
  };
  const mapping = (m: any, seen: Set<string>): void => {
    for (const pair of m.items) {
      if (++visits > limit) return;
      const k = pair.key;
      if (isScalar(k) && (k as any).type === 'PLAIN' && (k as any).source === '<<' && !(k as any).tag) {
        const v = deref(pair.value);
        if (isMap(v)) mapping(v, seen);
        // Earlier entries of a merge sequence take precedence: go-yaml decodes them last.
        else if (isSeq(v))
          for (const x of [...v.items].reverse()) if (isMap(deref(x))) mapping(deref(x), seen);
        continue;
      }
      const key = goKey(k);
      decode(pair.value);
      if (!key) continue;
      if (seen.has(key.id)) errors.push(`line ${valueLine(pair)}: key ${key.repr} already set in map`);
      else seen.add(key.id);
    }
  };
  decode(doc.contents);
  return errors;
}

// --- Merge order, as go-yaml v2 decodes it -------------------------------------------------------------

/**
 * go-yaml v2 (what kubeconform and the API server decode with) applies a merge key like any other key, in
 * order: `a: x` then `<<: *base` where base has `a` ends with base's `a` (later explicit keys still win; in a
 * merge sequence the earlier maps win). js-yaml follows the merge-key spec and keeps the explicit `a`. This
 * rewrites, in place, the keys a merge overwrote in go-yaml's order (inline maps after
 * `<<:` are rebuilt from their nodes); bounded like the duplicate-key check.
 */
function applyGoMergeOrder(text: string, value: unknown, limit = 1_000_000): void {
  let doc;
  try {
    doc = parseYamlDocument(text, { version: '1.1', merge: false, uniqueKeys: false, strict: false });
  } catch {
    return;
  }
  const anchors = new Map<string, unknown>();
  let visits = 0;
  const keyOf = (k: any): string | undefined => {
    if (!isScalar(k)) return undefined;
    const plain = (k as any).type === 'PLAIN' && !(k as any).tag;
    const v = plain ? resolveGoYamlPlain(String((k as any).source ?? '')).value : k.value;
    return v === null || v === undefined ? undefined : String(v);
  };
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  /** An inline merge map's value (js-yaml merged it without keeping it): scalars as go-yaml resolves them. */
  const toJs = (node: any): unknown => {
    if (++visits > limit || !node) return null;
    if (isAlias(node)) return anchors.get(node.source);
    if (isSeq(node)) return node.items.map(toJs);
    if (isMap(node)) {
      const o: Record<string, unknown> = {};
      for (const p of node.items as any[]) {
        const key = keyOf(p.key);
        if (key !== undefined) o[key] = toJs(p.value);
      }
      return o;
    }
    if (isScalar(node)) {
      const plain = (node as any).type === 'PLAIN' && !(node as any).tag;
      return plain ? resolveGoYamlPlain(String((node as any).source ?? '')).value : node.value;
    }
    return null;
  };
  const walk = (node: any, js: unknown): void => {
    if (++visits > limit || !node || isAlias(node)) return;
    if (node.anchor) anchors.set(node.anchor, js);
    if (isSeq(node)) {
      if (Array.isArray(js)) node.items.forEach((x: any, i: number) => walk(x, js[i]));
      return;
    }
    if (!isMap(node) || !isObject(js)) return;
    const winner = new Map<string, { merged: boolean; value?: unknown }>();
    for (const pair of node.items as any[]) {
      const k = pair.key;
      if (isScalar(k) && (k as any).type === 'PLAIN' && (k as any).source === '<<' && !(k as any).tag) {
        const v = pair.value;
        for (const src of isSeq(v) ? [...v.items].reverse() : [v]) {
          const merged = isAlias(src) ? anchors.get((src as any).source) : isMap(src) ? toJs(src) : undefined;
          if (isObject(merged))
            for (const [mk, mv] of Object.entries(merged)) winner.set(mk, { merged: true, value: mv });
        }
        continue;
      }
      const key = keyOf(k);
      walk(pair.value, key === undefined ? undefined : js[key]);
      if (key !== undefined) winner.set(key, { merged: false });
    }
    for (const [k, w] of winner) if (w.merged) js[k] = w.value;
  };
  walk(doc.contents, value);
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

class StrictDuplicates extends Error {}

/** Throws go-yaml v2's strict duplicate-key error, or returns `raw` (or the lenient parse when undefined). */
function strictOrLenient(text: string, raw: unknown): unknown {
  const dups = strictDuplicateKeys(text);
  if (dups.length)
    throw new StrictDuplicates(
      `error converting YAML to JSON: yaml: unmarshal errors:\n  ${dups.join('\n  ')}`,
    );
  return raw === undefined ? loadWith(text, false) : raw;
}
/** go-yaml v2's nesting limit (max_flow_level, max_indents); js-yaml's own default is 100. */
const MAX_DEPTH = 10_000;

function loadWith(text: string, strict: boolean): unknown {
  // Deeper than the JavaScript stack allows (~1,500 levels): a RangeError, reported as the same limit.
  return load(text, { schema: YAML_1_1_SCHEMA, json: !strict, maxDepth: MAX_DEPTH } as any);
}

/**
 * go-yaml v2's Unmarshal decodes the first node of the stream and stops: after a flow collection or a
 * quoted scalar at the top (JSON lines, `{{ include "x" . }}` followed by YAML), what follows is never
 * parsed — only its first token is scanned. The text of that root node, when js-yaml refused what follows it.
 */
function rootOnly(e: unknown, text: string): string | undefined {
  if (
    !(e instanceof YAMLException) ||
    !/end of the stream or a document separator is expected/.test(e.reason)
  )
    return undefined;
  const pos = e.mark?.position;
  if (pos === undefined || pos <= 0 || pos > text.length) return undefined;
  const head = /^(?:\s|#.*)*(.)/.exec(text.slice(0, pos))?.[1];
  if (head !== '{' && head !== '[' && head !== '"' && head !== "'") return undefined;
  // The next token must still scan: `@`, `` ` `` or an unterminated quote are go-yaml scanner errors.
  const next = text.slice(pos).trimStart();
  if (/^[@`]/.test(next) || /^"(?:[^"\\]|\\.)*$/.test(next) || /^'(?:[^']|'')*$/.test(next)) return undefined;
  return text.slice(0, pos);
}

function yamlMessage(e: unknown, text = ''): string {
  if (e instanceof YAMLException) {
    const l0 = e.mark?.line ?? 0;
    // The commonest mistakes in go-yaml's words and line numbering: its scanner errors print the 1-based
    // line, its parser errors the 0-based line of the problem, and neither prints a line when that is 0.
    const scanner = (line0: number, msg: string) => `yaml: ${line0 ? `line ${line0 + 1}: ` : ''}${msg}`;
    const parser = (line0: number, msg: string) => `yaml: ${line0 ? `line ${line0}: ` : ''}${msg}`;
    const r = e.reason;
    if (/cannot merge mappings/.test(r))
      return 'yaml: map merge requires map or sequence of maps as the value';
    const alias = /^unidentified alias "(.*)"$/.exec(r);
    if (alias) return `yaml: unknown anchor '${alias[1]}' referenced`;
    if (/tab characters must not be used in indentation/.test(r))
      return scanner(l0, 'found character that cannot start any token');
    if (/directives end mark is expected/.test(r))
      return parser(l0, 'did not find expected <document start>');
    if (/undeclared tag handle/.test(r)) return parser(l0, 'found undefined tag handle');
    if (/unexpected end of the stream within a flow collection/.test(r))
      return parser(l0, unclosedFlowProblem(text || (e.mark?.buffer ?? '')));
    // js-yaml reads past a missing final line break (it appends one); go-yaml stops on the last line.
    if (/unexpected end of the stream within a (double|single) quoted scalar/.test(r))
      return scanner(text.endsWith('\n') ? l0 : l0 - 1, 'found unexpected end of stream');
    if (/missed comma between flow collection entries/.test(r)) {
      // `{{- … }}` (an unrendered template): go-yaml scans `-` in a flow collection as a block entry.
      const buffer = text || (e.mark?.buffer ?? '');
      const pos = e.mark?.position ?? 0;
      if (buffer[pos] === '-' && /^\s/.test(buffer[pos + 1] ?? ' ')) {
        const lines = buffer.split('\n');
        const indent = (l: string) => l.length - l.trimStart().length;
        const blank = (l: string) => /^\s*(#.*)?$/.test(l);
        let p = l0 - 1;
        while (p >= 0 && blank(lines[p])) p--;
        const prev = p >= 0 ? lines[p].replace(/\s+#.*$/, '').trimEnd() : undefined;
        // Where a key is expected (under a mapping's keys, not after `key:`), the scanner first gives up
        // on the simple key, at the next token (or the end of the stream).
        if (prev !== undefined && !prev.endsWith(':') && indent(lines[l0]) <= indent(lines[p])) {
          let n = l0 + 1;
          while (n < lines.length && blank(lines[n])) n++;
          const eof0 = buffer.endsWith('\n') ? lines.length - 1 : lines.length;
          return `yaml: line ${Math.min(n, eof0) + 1}: could not find expected ':'`;
        }
        return parser(l0, 'did not find expected node content');
      }
    }
    if (/end of the stream or a document separator is expected/.test(r)) {
      const next = text.slice(e.mark?.position ?? 0).trimStart();
      if (/^[@`]/.test(next)) return scanner(l0, 'found character that cannot start any token');
      if (/^["']/.test(next))
        return scanner(text.endsWith('\n') ? l0 + 1 : l0, 'found unexpected end of stream');
      return parser(l0, next.startsWith('- ') ? 'did not find expected key' : r);
    }
    if (/bad indentation of a mapping entry/.test(r)) {
      const buffer = e.mark?.buffer ?? text;
      const c = buffer[e.mark?.position ?? 0];
      if (c === '@' || c === '`') return scanner(l0, 'found character that cannot start any token');
      if (c === ':') return scanner(l0, 'mapping values are not allowed in this context');
      if (c !== '}' && c !== ']') {
        // A key at the indentation of a block sequence's entries.
        const lines = buffer.split('\n');
        const indent = (l: string) => l.length - l.trimStart().length;
        let p = l0 - 1;
        while (p >= 0 && lines[p].trim() === '') p--;
        if (p >= 0 && lines[p].trimStart().startsWith('- ') && indent(lines[p]) === indent(lines[l0] ?? ''))
          return parser(l0, "did not find expected '-' indicator");
      }
      return parser(l0, 'did not find expected key');
    }
    return `yaml: line ${l0 + 1}: ${r}`;
  }
  if (e instanceof RangeError) return `yaml: exceeded max depth of ${MAX_DEPTH}`;
  return `yaml: ${String((e as Error)?.message ?? e)}`;
}

/** go-yaml's parser error for a flow collection left open at the end of a document. */
function unclosedFlowProblem(text: string): string {
  const stack: string[] = [];
  let last = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (c === '"' && text[i] === '\\') i++;
      last = c;
      continue;
    }
    if (c === '[' || c === '{') stack.push(c === '[' ? ']' : '}');
    else if ((c === ']' || c === '}') && stack.length) stack.pop();
    if (!/\s/.test(c) && c !== '\0') last = c;
  }
  if (last === ',' || !stack.length) return 'did not find expected node content';
  return `did not find expected ',' or '${stack[stack.length - 1]}'`;
}

function convert(raw: unknown, text: string): unknown {
  let suspicious = false;
  const value = toJsonable(raw, () => (suspicious = true), text.includes('*'));
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
    // Keys set by a merge count as set for go-yaml v2's strict decoder; js-yaml lets later keys override.
    if (strict && text.includes('<<')) raw = strictOrLenient(text, raw);
    else if (text.includes('<<')) applyGoMergeOrder(text, raw);
  } catch (e) {
    const root = rootOnly(e, text);
    if (root !== undefined) return parseDocument(Buffer.from(root), strict);
    let failure: unknown = e;
    if (strict && e instanceof YAMLException && /duplicated mapping key/.test(e.reason)) {
      // js-yaml compares keys as strings (`1` and `"1"` collide); go-yaml compares the decoded values.
      try {
        raw = strictOrLenient(text, undefined);
        failure = undefined;
      } catch (dup) {
        failure = dup;
      }
    }
    if (failure instanceof StrictDuplicates) {
      try {
        return { error: failure.message, lenient: convert(loadWith(text, false), text) };
      } catch {
        return { error: failure.message }; // no signature either
      }
    }
    if (failure !== undefined)
      return { error: `error converting YAML to JSON: ${yamlMessage(failure, text)}` };
  }
  try {
    return { value: convert(raw, text) };
  } catch (e) {
    return { error: `error converting YAML to JSON: ${(e as Error).message}` };
  }
}
