/**
 * How go-yaml v2 (sigs.k8s.io/yaml/goyaml.v2 `resolve.go`, what kubeconform, kubectl and the API server's
 * YAML path use) resolves an untagged plain scalar decoded into `interface{}`: a port of its `resolve()`.
 *
 * It is YAML 1.1 in spirit but not the spec: booleans and nulls come from a fixed table (`y`, `On`, `NULL`,
 * not `tRUE`); numbers go through Go's `strconv` after every `_` is removed — `ParseInt(s, 0, 64)` (so
 * `0o17`, `0X1F`, `0B101`, `017`, `0_x1` are integers), then `ParseUint`, then a float when the text
 * matches go-yaml's `yamlStyleFloat` (`1e3` is a float, `1_000.5` too once the `_` are gone; `1e400`
 * overflows and stays a string); timestamps and sexagesimal numbers stay strings; `.inf`/`.nan` are
 * floats (which JSON cannot carry). The yaml package's `version: '1.1'` schema differs on exactly these
 * cases (recorded against the real kubeconform in conformance/side-by-side `crafted scalars-matrix`).
 */

export type GoYamlScalar =
  | { readonly tag: 'null'; readonly value: null }
  | { readonly tag: 'bool'; readonly value: boolean }
  | { readonly tag: 'int' | 'float'; readonly value: number }
  | { readonly tag: 'str'; readonly value: string };

const MAP = new Map<string, GoYamlScalar>();
for (const [value, words] of [
  [true, ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']],
  [false, ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']],
] as const)
  for (const w of words) MAP.set(w, { tag: 'bool', value });
for (const w of ['', '~', 'null', 'Null', 'NULL']) MAP.set(w, { tag: 'null', value: null });
for (const w of ['.nan', '.NaN', '.NAN']) MAP.set(w, { tag: 'float', value: NaN });
for (const w of ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'])
  MAP.set(w, { tag: 'float', value: Infinity });
for (const w of ['-.inf', '-.Inf', '-.INF']) MAP.set(w, { tag: 'float', value: -Infinity });

/** go-yaml v2's `resolveTable`: which first characters can start a non-string. */
const HINT: Record<string, 'S' | 'D' | 'M' | '.'> = { '+': 'S', '-': 'S', '.': '.' };
for (const c of '0123456789') HINT[c] = 'D';
for (const c of 'yYnNtTfFoO~') HINT[c] = 'M';

const MAY_RESOLVE = new Uint8Array(128);
for (const c of Object.keys(HINT)) MAY_RESOLVE[c.charCodeAt(0)] = 1;

/** false when go-yaml v2 resolves `s` as a string whatever follows its first character. */
export function mayResolve(s: string): boolean {
  if (s === '') return true;
  const c = s.charCodeAt(0);
  return c < 128 && MAY_RESOLVE[c] === 1;
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** Go `strconv.ParseFloat` syntax for text starting with `.` (decimal, `_` only between digits). */
const DOT_FLOAT = /^\.[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+(?:_[0-9]+)*)?$/;

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Go `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`, on text without `_` (sign, `0x`/`0o`/`0b`
 * in either case, a leading `0` for octal); undefined when both fail. (go-yaml's extra `0b`/`-0b` branch
 * after the float check is subsumed: base 0 already reads them.)
 */
function goParseInt(s: string): number | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2];
  let n: bigint;
  if (/^0[oO]/.test(body)) n = BigInt(`0o${body.slice(2)}`);
  else if (/^0[0-7]+$/.test(body)) n = BigInt(`0o${body.slice(1)}`);
  else n = BigInt(body.toLowerCase()); // 0x…, 0b…, decimal
  if (m[1] === '-') n = -n;
  // ParseInt's int64 range, then ParseUint (no sign) up to 2^64-1.
  if (n >= INT64_MIN && n <= INT64_MAX) return Number(n);
  if (m[1] === '' && n <= UINT64_MAX) return Number(n);
  return undefined;
}

/** go-yaml v2 `resolve("", s)` for a plain scalar decoded into `interface{}`. */
export function resolveGoYamlPlain(s: string): GoYamlScalar {
  const hint = s === '' ? 'M' : HINT[s[0]];
  if (hint === undefined) return { tag: 'str', value: s };
  const mapped = MAP.get(s);
  if (mapped) return mapped;
  if (hint === 'M') return { tag: 'str', value: s };
  if (hint === '.') {
    if (DOT_FLOAT.test(s)) {
      const f = Number(s.replace(/_/g, ''));
      if (Number.isFinite(f)) return { tag: 'float', value: f };
    }
    return { tag: 'str', value: s };
  }
  // A timestamp resolves as one but is decoded into interface{} as its text; no timestamp parses as a
  // number below, so nothing to do for them.
  const plain = s.replace(/_/g, '');
  const i = goParseInt(plain);
  if (i !== undefined) return { tag: 'int', value: i };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = Number(plain);
    // ParseFloat's ErrRange (overflow to ±Inf) leaves the text a string.
    if (Number.isFinite(f)) return { tag: 'float', value: f };
  }
  return { tag: 'str', value: s };
}
