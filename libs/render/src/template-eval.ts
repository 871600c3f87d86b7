/**
 * Evaluate an inferred template tree for a set of values, in process, with the semantics Helm gives
 * the few template forms the inference writes (`toJson` of a value, `printf` with `%s`/`%v`, `join`,
 * `if` on a value's truth, `eq (toString …)`, `has`, `gt/lt (int …)`). The chart-interface check uses it
 * to find values the chart would not honour without spawning helm; the sweep test proves it equal to
 * the real helm 3 and helm 4.
 */
import type { Condition, TemplateNode } from './template-inference';
import { getPath, isPlainObject, type Path } from './values-index';

const REF = String.raw`(\.Values(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\(index \.Values(?: (?:"(?:[^"\\]|\\.)*"|\d+))+\))`;

function parseRef(ref: string): Path {
  if (ref.startsWith('.Values.')) return ref.slice('.Values.'.length).split('.');
  const inner = ref.slice('(index .Values '.length, -1);
  const parts = inner.match(/"(?:[^"\\]|\\.)*"|\d+/g) ?? [];
  return parts.map((p) => (p.startsWith('"') ? (JSON.parse(p) as string) : Number(p)));
}

/** Go's `%v` / `toString` of a value as Helm holds it (numbers from YAML/JSON are float64 or int64). */
export function goString(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 1e21) {
      // float64 %v switches to exponent form from 1e21; smaller integers print plainly
      return String(v);
    }
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Go template truth: false, 0, nil, "" and empty collections are false. */
export function goTruth(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return true;
}

function goFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isFinite(n) ? n : 0;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

function goInt(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string') {
    const n = Number.parseInt(v, 10);
    return Number.isFinite(n) ? n : 0;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

function goPrintf(format: string, args: readonly unknown[]): string {
  let i = 0;
  return format.replace(/%%|%[sv]/g, (m) => (m === '%%' ? '%' : goString(args[i++])));
}

/** Value of an expression node's Go expression, as the YAML parse of its output would give it. */
export function evalExpr(expr: string, values: unknown): unknown {
  let m = new RegExp(`^${REF} \\| toJson$`).exec(expr);
  if (m) return jsonRoundTrip(getPath(values, parseRef(m[1])));
  m = new RegExp(`^${REF} \\| toString \\| toJson$`).exec(expr);
  if (m) return goString(getPath(values, parseRef(m[1])));
  m = new RegExp(`^${REF} \\| toString \\| eq "true" \\| toJson$`).exec(expr);
  if (m) return goString(getPath(values, parseRef(m[1]))) === 'true';
  m = new RegExp(`^${REF} \\| float64 \\| toJson$`).exec(expr);
  if (m) return goFloat(getPath(values, parseRef(m[1])));
  m = /^printf ("(?:[^"\\]|\\.)*")((?: \S+)+) \| toJson$/.exec(expr);
  if (m) {
    const refs = m[2].trim().match(new RegExp(REF, 'g')) ?? [];
    return goPrintf(
      JSON.parse(m[1]) as string,
      refs.map((r) => getPath(values, parseRef(r))),
    );
  }
  m = new RegExp(`^join ("(?:[^"\\\\]|\\\\.)*") ${REF} \\| toJson$`).exec(expr);
  if (m) {
    const list = getPath(values, parseRef(m[2]));
    return Array.isArray(list) ? list.map(goString).join(JSON.parse(m[1]) as string) : '';
  }
  throw new Error(`template-eval: unsupported expression ${expr}`);
}

function jsonRoundTrip(v: unknown): unknown {
  return v === undefined ? null : JSON.parse(JSON.stringify(v));
}

/** Truth of a condition expression written by the inference. */
export function evalCondition(expr: string, values: unknown): boolean {
  const e = expr.trim();
  let m = /^not \((.*)\)$/.exec(e);
  if (m) return !evalCondition(m[1], values);
  m = new RegExp(`^not ${REF}$`).exec(e);
  if (m) return !goTruth(getPath(values, parseRef(m[1])));
  m = new RegExp(`^${REF}$`).exec(e);
  if (m) return goTruth(getPath(values, parseRef(m[1])));
  m = new RegExp(`^eq \\(toString ${REF}\\) ("(?:[^"\\\\]|\\\\.)*")$`).exec(e);
  if (m) return goString(getPath(values, parseRef(m[1]))) === JSON.parse(m[2]);
  m = new RegExp(`^has \\(toString ${REF}\\) \\(list((?: "(?:[^"\\\\]|\\\\.)*")+)\\)$`).exec(e);
  if (m) {
    const names = (m[2].match(/"(?:[^"\\]|\\.)*"/g) ?? []).map((s) => JSON.parse(s) as string);
    return names.includes(goString(getPath(values, parseRef(m[1]))));
  }
  m = new RegExp(`^(gt|lt) \\(int ${REF}\\) (-?\\d+)$`).exec(e);
  if (m) {
    const n = goInt(getPath(values, parseRef(m[2])));
    return m[1] === 'gt' ? n > Number(m[3]) : n < Number(m[3]);
  }
  throw new Error(`template-eval: unsupported condition ${expr}`);
}

const ABSENT = Symbol('absent');

function evalNode(node: TemplateNode, values: unknown): unknown {
  switch (node.t) {
    case 'literal':
      return structuredClone(node.value);
    case 'expr':
      return evalExpr(node.expr, values);
    case 'switch': {
      const v = getPath(values, node.path);
      for (let i = 0; i < node.cases.length; i++) {
        const c = node.cases[i];
        if (i === node.cases.length - 1 && i > 0) return structuredClone(c.value);
        const hit = goString(v) === String(c.when);
        if (hit) return structuredClone(c.value);
      }
      return null;
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const e of node.entries) {
        if (e.condition && !evalCondition(e.condition.expr, values)) continue;
        const v = evalNode(e.node, values);
        if (v !== ABSENT) out[e.key] = v;
      }
      return out;
    }
    case 'list':
      return node.items.map((i) => evalNode(i, values));
  }
}

/** The object a template renders for `values`, or undefined when its condition is false. */
export function evalTemplate(
  node: TemplateNode,
  condition: Condition | undefined,
  values: unknown,
): Record<string, unknown> | undefined {
  if (condition && !evalCondition(condition.expr, values)) return undefined;
  return evalNode(node, values) as Record<string, unknown>;
}
