/**
 * Field paths such as `metadata.labels["helm.sh/chart"]`, `**.metadata.annotations["checksum/*"]` or
 * `Secret:data.*`: the language of the ignore list and of the sensitive-field list.
 *
 * - segments are separated by `.`; a segment containing `.` or `/` is written in brackets: `["helm.sh/chart"]`;
 * - `*` inside a segment matches any characters of that segment (array indices are segments too);
 * - `**` matches any number (including zero) of segments;
 * - an optional `Kind:` prefix (upper-case first letter) restricts the rule to objects of that kind.
 */

export type Path = readonly (string | number)[];

/** A compiled path rule. */
export interface PathRule {
  /** The rule as written. */
  readonly source: string;
  /** Only objects of this kind, when set. */
  readonly kind?: string;
  readonly segments: readonly Segment[];
}

type Segment = { readonly any: true } | { readonly re: RegExp; readonly literal: string };

/** A rule as written in a config file: a string, or `{ kind, path }`. */
export type PathRuleInput = string | { readonly kind?: string; readonly path: string };

export class PathSyntaxError extends Error {
  override readonly name = 'PathSyntaxError';
}

/** Split a path expression into its segments (`**` and globs kept as written). */
export function parsePath(expr: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '[') {
      const q = expr[i + 1];
      if (q === '"' || q === "'") {
        const end = expr.indexOf(`${q}]`, i + 2);
        if (end < 0) throw new PathSyntaxError(`path "${expr}": unterminated [${q}...${q}]`);
        out.push(expr.slice(i + 2, end));
        i = end + 2;
      } else {
        const end = expr.indexOf(']', i);
        if (end < 0) throw new PathSyntaxError(`path "${expr}": unterminated [...]`);
        out.push(expr.slice(i + 1, end));
        i = end + 1;
      }
      continue;
    }
    let j = i;
    while (j < expr.length && expr[j] !== '.' && expr[j] !== '[') j++;
    out.push(expr.slice(i, j));
    i = j;
  }
  if (!out.length) throw new PathSyntaxError(`path "${expr}" is empty`);
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

export function compileRule(input: PathRuleInput): PathRule {
  let kind: string | undefined;
  let expr: string;
  if (typeof input === 'string') {
    const m = /^([A-Z][A-Za-z0-9]*):(?!\/)(.+)$/.exec(input);
    if (m) {
      kind = m[1];
      expr = m[2];
    } else expr = input;
  } else {
    if (!input || typeof input.path !== 'string')
      throw new PathSyntaxError(`rule ${JSON.stringify(input)}: expected { path, kind? }`);
    kind = input.kind;
    expr = input.path;
  }
  const segments: Segment[] = parsePath(expr.trim()).map((s) =>
    s === '**'
      ? { any: true as const }
      : { re: new RegExp(`^${s.split('*').map(escapeRe).join('.*')}$`), literal: s },
  );
  const source = typeof input === 'string' ? input : kind ? `${kind}:${input.path}` : input.path;
  return { source, kind, segments };
}

export function compileRules(inputs: readonly PathRuleInput[]): PathRule[] {
  return inputs.map(compileRule);
}

/** Whether `path` is matched exactly by the rule's segments. */
export function matchesPath(rule: PathRule, path: Path): boolean {
  const segs = rule.segments;
  // Cheap rejections first: the last segment must match the last key; without `**` the lengths must agree.
  const last = segs[segs.length - 1];
  if (!('any' in last) && (!path.length || !last.re.test(String(path[path.length - 1])))) return false;
  if (!segs.some((x) => 'any' in x) && segs.length !== path.length) return false;
  const go = (si: number, pi: number): boolean => {
    if (si === segs.length) return pi === path.length;
    const s = segs[si];
    if ('any' in s) {
      for (let k = pi; k <= path.length; k++) if (go(si + 1, k)) return true;
      return false;
    }
    if (pi >= path.length) return false;
    return s.re.test(String(path[pi])) && go(si + 1, pi + 1);
  };
  return go(0, 0);
}

function appliesTo(rule: PathRule, kind: string | undefined): boolean {
  return !rule.kind || rule.kind === kind;
}

/** Format a path for humans: `spec.template.metadata.labels["helm.sh/chart"]`, `containers[0]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A deep copy of `value` without the fields matched by `rules` (rules with a kind apply to that kind only). */
export function removePaths<T>(value: T, rules: readonly PathRule[], kind: string | undefined): T {
  const active = rules.filter((r) => appliesTo(r, kind));
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      v.forEach((item, i) => {
        const p = [...path, i];
        if (!active.some((r) => matchesPath(r, p))) out.push(walk(item, p));
      });
      return out;
    }
    if (isObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        const p = [...path, k];
        if (active.some((r) => matchesPath(r, p))) continue;
        out[k] = walk(item, p);
      }
      return out;
    }
    return v;
  };
  return (active.length ? walk(value, []) : structuredClone(value)) as T;
}

/** A deep copy of `value` where every scalar at or below a path matched by `rules` is replaced by `mask(value)`. */
export function maskPaths<T>(
  value: T,
  rules: readonly PathRule[],
  kind: string | undefined,
  mask: (v: unknown) => string,
): T {
  const active = rules.filter((r) => appliesTo(r, kind));
  if (!active.length) return value;
  const walk = (v: unknown, path: (string | number)[], masked: boolean): unknown => {
    const here = masked || (path.length > 0 && active.some((r) => matchesPath(r, path)));
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i], here));
    if (isObject(v))
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...path, k], here)]));
    return here && v !== null && v !== undefined ? mask(v) : v;
  };
  return walk(value, [], false) as T;
}

/** Every leaf of a JSON value as `[path, value]` (empty objects and arrays are leaves too). */
export function leaves(
  value: unknown,
  path: (string | number)[] = [],
  out: [Path, unknown][] = [],
): [Path, unknown][] {
  if (Array.isArray(value) && value.length) value.forEach((v, i) => leaves(v, [...path, i], out));
  else if (isObject(value) && Object.keys(value).length)
    for (const [k, v] of Object.entries(value)) leaves(v, [...path, k], out);
  else out.push([path, value]);
  return out;
}

/** The value at `path`, or undefined. */
export function getPath(value: unknown, path: Path): unknown {
  let v: any = value;
  for (const seg of path) {
    if (v == null || typeof v !== 'object') return undefined;
    v = v[seg as any];
  }
  return v;
}
