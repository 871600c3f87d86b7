/**
 * Why a resource is invalid, worded exactly as kubeconform v0.7 words it. kubeconform validates with
 * santhosh-tekuri/jsonschema v6 (draft 4 by default, format assertions on, Go RE2 patterns) and prints
 * `err.Error()` of its ValidationError tree with newlines replaced by spaces:
 *
 *   jsonschema validation failed with 'file:///…/deployment-apps-v1.json#' - at '/spec/replicas': got string, want null or integer
 *
 * and, in JSON output, one `validationErrors` entry per direct cause of the root error. The fast path
 * (ajv) only says valid or not; for an invalid resource this walker builds the same error tree as the v6
 * validator (validator.go): type, const, enum and format stop at the first failure, `$ref` (draft 4)
 * ignores its siblings, object keywords run before `properties`/`additionalProperties`, composite keywords
 * nest their causes, and a `$ref` with a single cause is not printed. Go iterates object properties in
 * random order, so with several failing properties kubeconform's order varies from run to run; here it is
 * the document's order.
 */
import { RE2JS } from 're2js';
import { FORMAT_CHECKS } from './formats';

export interface SchemaViolation {
  /** Instance location as kubeconform joins it (`/spec/replicas`, no escaping). */
  readonly path: string;
  /** The v6 message of that cause, e.g. `got string, want null or integer`. */
  readonly msg: string;
}

interface VErr {
  /** Message of this node (v6 ErrorKind.LocalizedString). */
  readonly msg: string;
  readonly loc: readonly string[];
  causes: VErr[];
  /** A `$ref` node: not printed when it has exactly one cause. */
  readonly ref?: boolean;
  /** A group of sibling errors (never printed itself; unwrapped by its parent). */
  readonly group?: boolean;
}

const TYPE_ORDER = ['null', 'boolean', 'number', 'integer', 'string', 'array', 'object'];

/** v6's typeOf: every number is `number`. */
function typeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'object':
      return 'object';
    default:
      return 'invalid';
  }
}

/** Go's `%q` with v6's twist: double quotes unescaped, single quotes escaped, wrapped in single quotes. */
export function quote(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0x80 && c < 0xa0) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (c === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else out += ch;
  }
  return `'${out}'`;
}

/** Go's `%v` of a float64. */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  return goShortest(n.toExponential());
}

/**
 * Go's `%v` / `strconv.FormatFloat(f, 'g', -1, …)` from the shortest digits (`m e exp`, as JavaScript's
 * toExponential gives them): the exponent form when exp < -4 or exp ≥ 6 (Go's shortest `%g` precision, so
 * `1e+06`, `1.23456725e+06`, but `100000.5`), the plain form otherwise.
 */
export function goShortest(exponential: string): string {
  const [m, e] = exponential.split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(Number(exponential));
}

/**
 * What santhosh-tekuri/jsonschema v6 prints for a number through golang.org/x/text's English printer
 * (`minimum: got %v`, `minLength: got %d`): Go's `%v` with the integer part grouped by thousands (`7,200`,
 * `100,000.5`), and the exponent form written `1.5×10⁰⁶` / `1×10⁻⁰⁵`.
 */
export function localizedNumber(n: number): string {
  const v = goFloat(n);
  const sci = /^(-?[0-9.]+)e([-+])([0-9]+)$/.exec(v);
  if (sci) {
    const sup = (d: string) => [...d].map((c) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(c)]).join('');
    return `${sci[1]}×10${sci[2] === '-' ? '⁻' : ''}${sup(sci[3])}`;
  }
  const [int, frac] = v.split('.');
  const grouped = localizedInt(Number(int));
  return frac === undefined
    ? grouped
    : `${int.startsWith('-') && !grouped.startsWith('-') ? '-' : ''}${grouped}.${frac}`;
}

/** An integer through golang.org/x/text's English printer (`%d`): grouped by thousands (`12,345,678`). */
export function localizedInt(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** v6's display(): strings quoted, composites `value`, the rest with `%v`. */
function display(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object') return 'value';
  if (typeof v === 'number') return goFloat(v);
  return String(v);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.hasOwn(b as object, k) && jsonEqual((a as any)[k], (b as any)[k]))
  );
}

const regexCache = new Map<string, RE2JS | null>();
/** A compiled RE2 pattern (Go regexp semantics, linear time), or null when RE2 refuses it. */
export function re2(pattern: string): RE2JS | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch {
      re = null;
    }
    regexCache.set(pattern, re);
  }
  return re;
}

function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Resolve a local JSON pointer reference (`#/definitions/x`) inside the root schema. */
function resolveRef(root: any, ref: string): any {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let cur = root;
  for (const raw of ref.slice(2).split('/')) {
    const seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur?.[seg];
  }
  return cur;
}

class Walker {
  constructor(private readonly root: any) {}

  private err(msg: string, loc: readonly string[], causes: VErr[] = [], extra: Partial<VErr> = {}): VErr {
    return { msg, loc, causes, ...extra };
  }

  /** v6 validator.validate(): null when valid. */
  validate(s: any, v: unknown, loc: readonly string[], depth = 0): VErr | null {
    if (s === true || s === undefined) return null;
    if (s === false) return this.err('false schema', loc);
    if (depth > 512) return this.err('validation failed', loc);
    const t = typeOf(v);
    if (s.type !== undefined) {
      const want = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
      const ok =
        want.includes(t) || (want.includes('integer') && t === 'number' && Number.isInteger(v as number));
      if (want.length && !ok) {
        const sorted = TYPE_ORDER.filter((x) => want.includes(x));
        return this.err(`got ${t}, want ${sorted.join(' or ')}`, loc);
      }
    }
    if ('const' in s && !jsonEqual(v, s.const)) {
      const w = s.const;
      return this.err(
        w !== null && typeof w === 'object' ? 'const failed' : `value must be ${display(w)}`,
        loc,
      );
    }
    if (Array.isArray(s.enum)) {
      if (!s.enum.some((e: unknown) => jsonEqual(v, e))) {
        const primitive = s.enum.every((e: unknown) => e === null || typeof e !== 'object');
        const msg = !primitive
          ? 'enum failed'
          : s.enum.length === 1
            ? `value must be ${display(s.enum[0])}`
            : `value must be one of ${s.enum.map(display).join(', ')}`;
        return this.err(msg, loc);
      }
    }
    if (typeof s.format === 'string' && typeof v === 'string') {
      const check = FORMAT_CHECKS[s.format];
      const problem = check ? check(v) : null;
      if (problem) return this.err(`${display(v)} is not valid ${s.format}: ${problem}`, loc);
    }
    if (typeof s.$ref === 'string') {
      const target = resolveRef(this.root, s.$ref);
      const sub = this.validate(target, v, loc, depth + 1);
      if (!sub) return null;
      return this.err('validation failed', loc, sub.group ? sub.causes : [sub], { ref: true });
    }
    const errors: VErr[] = [];
    if (t === 'object') this.object(s, v as Record<string, unknown>, loc, errors, depth);
    else if (t === 'array') this.array(s, v as unknown[], loc, errors, depth);
    else if (t === 'string') this.string(s, v as string, loc, errors);
    else if (t === 'number') this.number(s, v as number, loc, errors);
    this.conditions(s, v, loc, errors, depth);
    if (!errors.length) return null;
    if (errors.length === 1) return errors[0];
    return this.err('validation failed', loc, errors, { group: true });
  }

  private object(
    s: any,
    obj: Record<string, unknown>,
    loc: readonly string[],
    errors: VErr[],
    depth: number,
  ) {
    const keys = Object.keys(obj);
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties)
      errors.push(
        this.err(
          `minProperties: got ${localizedInt(keys.length)}, want ${localizedInt(s.minProperties)}`,
          loc,
        ),
      );
    if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties)
      errors.push(
        this.err(
          `maxProperties: got ${localizedInt(keys.length)}, want ${localizedInt(s.maxProperties)}`,
          loc,
        ),
      );
    if (Array.isArray(s.required)) {
      const missing = (s.required as string[]).filter((p) => !Object.hasOwn(obj, p));
      if (missing.length === 1) errors.push(this.err(`missing property ${quote(missing[0])}`, loc));
      else if (missing.length > 1)
        errors.push(this.err(`missing properties ${missing.map(quote).join(', ')}`, loc));
    }
    if (s.dependencies && typeof s.dependencies === 'object') {
      for (const [p, dep] of Object.entries(s.dependencies)) {
        if (!Object.hasOwn(obj, p)) continue;
        if (Array.isArray(dep)) {
          const missing = (dep as string[]).filter((d) => !Object.hasOwn(obj, d));
          if (missing.length)
            errors.push(
              this.err(`properties ${missing.map(quote).join(', ')} required, if ${quote(p)} exists`, loc),
            );
        } else {
          const e = this.validate(dep, obj, loc, depth + 1);
          if (e) errors.push(e);
        }
      }
    }
    const additional: string[] = [];
    const patterns =
      s.patternProperties && typeof s.patternProperties === 'object'
        ? Object.entries(s.patternProperties)
        : [];
    for (const k of keys) {
      let evaluated = false;
      if (s.properties && Object.hasOwn(s.properties, k)) {
        evaluated = true;
        const e = this.validate(s.properties[k], obj[k], [...loc, k], depth + 1);
        if (e) errors.push(e);
      }
      for (const [p, sub] of patterns) {
        if (re2(p)?.test(k)) {
          evaluated = true;
          const e = this.validate(sub, obj[k], [...loc, k], depth + 1);
          if (e) errors.push(e);
        }
      }
      if (!evaluated && s.additionalProperties !== undefined) {
        if (s.additionalProperties === false) additional.push(k);
        else if (typeof s.additionalProperties === 'object') {
          const e = this.validate(s.additionalProperties, obj[k], [...loc, k], depth + 1);
          if (e) errors.push(e);
        }
      }
    }
    if (additional.length)
      errors.push(this.err(`additional properties ${additional.map(quote).join(', ')} not allowed`, loc));
  }

  private array(s: any, arr: unknown[], loc: readonly string[], errors: VErr[], depth: number) {
    if (typeof s.minItems === 'number' && arr.length < s.minItems)
      errors.push(
        this.err(`minItems: got ${localizedInt(arr.length)}, want ${localizedInt(s.minItems)}`, loc),
      );
    if (typeof s.maxItems === 'number' && arr.length > s.maxItems)
      errors.push(
        this.err(`maxItems: got ${localizedInt(arr.length)}, want ${localizedInt(s.maxItems)}`, loc),
      );
    if (s.uniqueItems === true && arr.length > 1) {
      outer: for (let i = 0; i < arr.length; i++)
        for (let j = i + 1; j < arr.length; j++)
          if (jsonEqual(arr[i], arr[j])) {
            errors.push(this.err(`items at ${localizedInt(i)} and ${localizedInt(j)} are equal`, loc));
            break outer;
          }
    }
    let evaluated = 0;
    if (Array.isArray(s.items)) {
      const n = Math.min(arr.length, s.items.length);
      for (let i = 0; i < n; i++) {
        const e = this.validate(s.items[i], arr[i], [...loc, String(i)], depth + 1);
        if (e) errors.push(e);
      }
      evaluated = n;
      if (s.additionalItems === false && evaluated !== arr.length)
        errors.push(
          this.err(`last ${localizedInt(arr.length - evaluated)} additionalItem(s) not allowed`, loc),
        );
      else if (s.additionalItems && typeof s.additionalItems === 'object')
        for (let i = evaluated; i < arr.length; i++) {
          const e = this.validate(s.additionalItems, arr[i], [...loc, String(i - evaluated)], depth + 1);
          if (e) errors.push(e);
        }
    } else if (s.items !== undefined) {
      for (let i = 0; i < arr.length; i++) {
        const e = this.validate(s.items, arr[i], [...loc, String(i)], depth + 1);
        if (e) errors.push(e);
      }
    }
  }

  private string(s: any, str: string, loc: readonly string[], errors: VErr[]) {
    if (typeof s.minLength === 'number' || typeof s.maxLength === 'number') {
      const n = runeLength(str);
      if (typeof s.minLength === 'number' && n < s.minLength)
        errors.push(this.err(`minLength: got ${localizedInt(n)}, want ${localizedInt(s.minLength)}`, loc));
      if (typeof s.maxLength === 'number' && n > s.maxLength)
        errors.push(this.err(`maxLength: got ${localizedInt(n)}, want ${localizedInt(s.maxLength)}`, loc));
    }
    if (typeof s.pattern === 'string') {
      const re = re2(s.pattern);
      if (re && !re.test(str))
        errors.push(this.err(`${quote(str)} does not match pattern ${quote(s.pattern)}`, loc));
    }
  }

  private number(s: any, n: number, loc: readonly string[], errors: VErr[]) {
    let max = s.maximum;
    let exMax = s.exclusiveMaximum;
    if (exMax === true) [exMax, max] = [max, undefined];
    else if (exMax === false) exMax = undefined;
    let min = s.minimum;
    let exMin = s.exclusiveMinimum;
    if (exMin === true) [exMin, min] = [min, undefined];
    else if (exMin === false) exMin = undefined;
    if (typeof min === 'number' && n < min)
      errors.push(this.err(`minimum: got ${localizedNumber(n)}, want ${localizedNumber(min)}`, loc));
    if (typeof max === 'number' && n > max)
      errors.push(this.err(`maximum: got ${localizedNumber(n)}, want ${localizedNumber(max)}`, loc));
    if (typeof exMin === 'number' && n <= exMin)
      errors.push(
        this.err(`exclusiveMinimum: got ${localizedNumber(n)}, want ${localizedNumber(exMin)}`, loc),
      );
    if (typeof exMax === 'number' && n >= exMax)
      errors.push(
        this.err(`exclusiveMaximum: got ${localizedNumber(n)}, want ${localizedNumber(exMax)}`, loc),
      );
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0) {
      const q = n / s.multipleOf;
      if (!Number.isInteger(q) && Math.abs(q - Math.round(q)) > 1e-9)
        errors.push(
          this.err(`multipleOf: got ${localizedNumber(n)}, want ${localizedNumber(s.multipleOf)}`, loc),
        );
    }
  }

  private conditions(s: any, v: unknown, loc: readonly string[], errors: VErr[], depth: number) {
    if (s.not !== undefined && !this.validate(s.not, v, loc, depth + 1))
      errors.push(this.err('not failed', loc));
    if (Array.isArray(s.allOf)) {
      const causes = s.allOf
        .map((sub: any) => this.validate(sub, v, loc, depth + 1))
        .filter(Boolean) as VErr[];
      if (causes.length) errors.push(this.err('allOf failed', loc, causes));
    }
    if (Array.isArray(s.anyOf)) {
      const causes: VErr[] = [];
      let matched = false;
      for (const sub of s.anyOf) {
        const e = this.validate(sub, v, loc, depth + 1);
        if (!e) {
          matched = true;
          break;
        }
        causes.push(e);
      }
      if (!matched) errors.push(this.err('anyOf failed', loc, causes));
    }
    if (Array.isArray(s.oneOf)) {
      const causes: VErr[] = [];
      let matched = -1;
      for (let i = 0; i < s.oneOf.length; i++) {
        const e = this.validate(s.oneOf[i], v, loc, depth + 1);
        if (e) {
          if (matched === -1) causes.push(e);
        } else if (matched === -1) matched = i;
        else {
          errors.push(
            this.err(`oneOf failed, subschemas ${localizedInt(matched)}, ${localizedInt(i)} matched`, loc),
          );
          break;
        }
      }
      if (matched === -1) errors.push(this.err('oneOf failed, none matched', loc, causes));
    }
  }
}

function pointer(loc: readonly string[]): string {
  return loc.map((t) => '/' + t.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function displayError(e: VErr, indent: number, out: string[]): void {
  const skip = e.ref && e.causes.length === 1;
  if (!skip) {
    if (indent > 0) out.push('\n' + '  '.repeat(indent - 1) + '- ');
    indent++;
    out.push(`at ${quote(pointer(e.loc))}: ${e.msg}`);
  }
  for (const c of e.causes) displayError(c, indent, out);
}

export interface Explanation {
  /** kubeconform's message after `problem validating schema. Check JSON formatting: `. */
  readonly message: string;
  readonly violations: SchemaViolation[];
}

/**
 * Explain why `value` fails `schema` (loaded from `url`), as kubeconform v0.7 does; null when the
 * walker finds no error (ajv and v6 disagree: the caller reports a generic failure).
 */
export function explain(schema: any, value: unknown, url: string): Explanation | null {
  const w = new Walker(schema);
  const e = w.validate(schema, value, []);
  if (!e) return null;
  const causes = e.group ? e.causes : [e];
  const out: string[] = [`jsonschema validation failed with ${quote(url + '#')}`];
  for (const c of causes) displayError(c, 1, out);
  return {
    message: out.join('').replace(/\n/g, ' '),
    violations: causes.map((c) => ({ path: c.loc.map((t) => '/' + t).join(''), msg: c.msg })),
  };
}
