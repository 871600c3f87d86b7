/**
 * The chart's interface: which values a user may override, and proof that each one is honoured.
 *
 * For every leaf of the values (scalars, and lists as a whole since Helm replaces lists), in the
 * defaults and in every environment, a few other values are tried: those the typed layer accepts
 * (zod schema and constructs) are synthesized and compared with what the inferred templates render
 * for the same values (`template-eval.ts`, proven equal to the real helm by the sweep test). A leaf
 * whose change the templates do not follow — a no-op, or a different output — is not part of the
 * chart's interface: it stays render-time configuration in `apps/<system>/src/environments.ts`, is
 * absent from `values.yaml`, and the chart refuses an override of it naming that file.
 */
import { typedJsonSchema } from './chart-schema';
import type { K8sObject } from '@gitops/toolchain';
import { toHelmHooks } from './hooks';
import { evalTemplate } from './template-eval';
import type { InferredTemplate } from './emit-chart';
import { synthesize, type SystemDefinition } from './system';
import { canonical, dotted, getPath, isPlainObject, type Path, type Sample } from './values-index';

/** A values leaf: a scalar, or a list (replaced whole by Helm). */
export function valueLeaves(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (isPlainObject(v)) {
    for (const [k, c] of Object.entries(v)) valueLeaves(c, [...prefix, k], out);
  } else if (prefix.length) out.push(prefix);
  return out;
}

/** Leaves of every sample, in first-seen order. */
export function allLeaves(samples: readonly Sample<unknown>[]): Path[] {
  const seen = new Map<string, Path>();
  for (const s of samples) for (const p of valueLeaves(s.values)) seen.set(JSON.stringify(p), p);
  return [...seen.values()];
}

/** The JSON Schema node of a values path (draft-7 output of zod, `properties` only). */
export function schemaAt(schema: any, path: Path): any {
  let cur = schema;
  for (const seg of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = cur.properties?.[seg as string] ?? (typeof seg === 'number' ? cur.items : undefined);
  }
  return cur;
}

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;

function tweakString(v: string): string[] {
  const q = QUANTITY.exec(v);
  if (q) {
    const n = Number(q[1]);
    const unit = q[2] ?? '';
    const fmt = (x: number) => `${Number.isInteger(x) ? x : Number(x.toFixed(3))}${unit}`;
    return [fmt(n * 2), fmt(n / 2), fmt(n + 1)].filter((x) => x !== v && QUANTITY.test(x));
  }
  const out: string[] = [];
  const digit = v.search(/\d(?=\D*$)/);
  if (digit >= 0) out.push(v.slice(0, digit) + ((Number(v[digit]) + 1) % 10) + v.slice(digit + 1));
  const letter = v.search(/[a-y](?=[^a-y]*$)/);
  if (letter >= 0)
    out.push(v.slice(0, letter) + String.fromCharCode(v.charCodeAt(letter) + 1) + v.slice(letter + 1));
  out.push(`${v}z`, v.replace(/^([a-z])/, 'x$1'));
  return [...new Set(out)].filter((x) => x !== v);
}

/** Other values to try for a leaf, most meaningful first (they are checked against the typed layer). */
export function alternativesFor(value: unknown, schema: any): unknown[] {
  if (typeof value === 'boolean') return [!value];
  const en = schema?.enum as unknown[] | undefined;
  if (Array.isArray(en)) return en.filter((e) => e !== value);
  if (typeof value === 'number') {
    const integer = schema?.type === 'integer' || Number.isInteger(value);
    const max =
      schema?.maximum ?? (schema?.exclusiveMaximum !== undefined ? schema.exclusiveMaximum : undefined);
    const min = schema?.minimum ?? schema?.exclusiveMinimum;
    if (integer) {
      return [value + 1, value - 1, value + 2].filter(
        (x) => (max === undefined || x <= max) && (min === undefined || x >= min),
      );
    }
    const up = max !== undefined ? (value + max) / 2 : value * 1.5;
    const down = min !== undefined ? (value + min) / 2 : value / 2;
    return [Number(up.toFixed(6)), Number(down.toFixed(6))].filter((x) => x !== value);
  }
  if (typeof value === 'string') return tweakString(value);
  if (Array.isArray(value)) {
    const out: unknown[][] = [];
    if (value.length > 1 && canonical(value[0]) !== canonical(value[value.length - 1]))
      out.push([...value].reverse());
    if (value.length > 1) out.push(value.slice(0, -1));
    if (typeof value[0] === 'string')
      for (const t of tweakString(value[0])) out.push([...value, t].filter((x, i, a) => a.indexOf(x) === i));
    return out;
  }
  return [];
}

export function setPath<T>(root: T, path: Path, value: unknown): T {
  const out = structuredClone(root) as any;
  let cur = out;
  for (const seg of path.slice(0, -1)) cur = cur[seg as any];
  cur[path[path.length - 1] as any] = value;
  return out;
}

function objectKey(o: K8sObject): string {
  return `${o.apiVersion}/${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** What the chart renders for values, by the inferred templates (chart form: Helm hooks). */
export function renderModel(templates: readonly InferredTemplate[], values: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const t of templates) {
    const o = evalTemplate(t.node, t.condition, values) as K8sObject | undefined;
    if (o) out.set(objectKey(o), o);
  }
  return out;
}

/** The synthesis for values, or undefined when the typed layer refuses them (zod or constructs). */
export function typedRender(
  system: SystemDefinition<any>,
  values: unknown,
): Map<string, unknown> | undefined {
  const parsed = system.schema.safeParse(values);
  if (!parsed.success) return undefined;
  try {
    const objs = synthesize(system, parsed.data);
    return new Map(objs.map((o) => [objectKey(o), toHelmHooks(o)]));
  } catch {
    return undefined;
  }
}

/** First difference between two renders, as one readable line. */
export function renderDifference(want: Map<string, unknown>, got: Map<string, unknown>): string | undefined {
  for (const [k, o] of want) {
    const g = got.get(k);
    if (g === undefined) return `${k}: missing from the chart`;
    if (canonical(g) !== canonical(o)) return `${k}: ${firstDifference(o, g)}`;
  }
  for (const k of got.keys()) if (!want.has(k)) return `${k}: rendered by the chart, not by the synthesis`;
  return undefined;
}

function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (canonical(a) === canonical(b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of [...keys].sort()) {
      const d = firstDifference((a as any)[k], (b as any)[k], `${path}/${k}`);
      if (d) return d;
    }
  }
  return `${path || '/'}: synthesis ${JSON.stringify(a)}, chart ${JSON.stringify(b)}`;
}

/** A leaf the chart does not honour, with the evidence. */
export interface UnsoundValue {
  readonly path: Path;
  readonly sample: string;
  readonly value: unknown;
  /** no-op: the chart renders what it rendered before; differs: it renders something else. */
  readonly kind: 'no-op' | 'differs' | 'dead';
  readonly detail: string;
}

/** Caches syntheses across the inference rounds (they do not depend on the templates). */
export class TypedRenderCache {
  private readonly cache = new Map<string, Map<string, unknown> | undefined>();
  constructor(private readonly system: SystemDefinition<any>) {}
  get(values: unknown): Map<string, unknown> | undefined {
    const key = canonical(values);
    if (!this.cache.has(key)) this.cache.set(key, typedRender(this.system, values));
    return this.cache.get(key);
  }
}

/** How many alternatives per leaf and sample the render-time check tries. */
export const ALTERNATIVES_PER_LEAF = 2;

/**
 * Check every leaf in every sample: the first {@link ALTERNATIVES_PER_LEAF} alternatives the typed
 * layer accepts must render the same in the chart as in the synthesis.
 */
export function findUnsoundValues(
  system: SystemDefinition<any>,
  samples: readonly Sample<K8sObject[]>[],
  templates: readonly InferredTemplate[],
  cache: TypedRenderCache,
  skip: ReadonlySet<string> = new Set(),
): UnsoundValue[] {
  const jsonSchema = typedJsonSchema(system);
  const out: UnsoundValue[] = [];
  for (const path of allLeaves(samples)) {
    if (path.some((_, i) => skip.has(JSON.stringify(path.slice(0, i + 1))))) continue;
    const schema = schemaAt(jsonSchema, path);
    let found: UnsoundValue | undefined;
    let live = false;
    let triedAny: unknown;
    for (const s of samples) {
      const current = getPath(s.values, path);
      if (current === undefined) continue;
      const base = renderModel(templates, s.values);
      let tried = 0;
      for (const alt of alternativesFor(current, schema)) {
        if (tried >= ALTERNATIVES_PER_LEAF) break;
        let values = setPath(s.values, path, alt);
        let want = cache.get(values);
        if (!want && Array.isArray(schema?.enum)) {
          const coupled = coupledChange(system, s.values, jsonSchema, path, alt, (p) =>
            p.some((_, i) => skip.has(JSON.stringify(p.slice(0, i + 1)))),
          );
          if (coupled) {
            values = coupled.reduce((v, [p, x]) => setPath(v, p, x), s.values);
            want = cache.get(values);
          }
        }
        if (!want) continue;
        tried++;
        triedAny ??= alt;
        if (!live) {
          const before = cache.get(s.values);
          live = before === undefined || renderDifference(before, want) !== undefined;
        }
        const got = renderModel(templates, values);
        const diff = renderDifference(want, got);
        if (diff) {
          found = {
            path,
            sample: s.label,
            value: alt,
            kind: renderDifference(base, got) === undefined ? 'no-op' : 'differs',
            detail: diff,
          };
          break;
        }
      }
      if (found) break;
    }
    if (!found && !live && triedAny !== undefined) {
      found = {
        path,
        sample: samples.map((x) => x.label).join(', '),
        value: triedAny,
        kind: 'dead',
        detail:
          'changes nothing the platform renders (Argo CD or render-time configuration, not a chart value)',
      };
    }
    if (found) out.push(found);
  }
  return out;
}

export function describeUnsound(u: UnsoundValue): string {
  return `${dotted(u.path)}=${JSON.stringify(u.value)} (${u.sample}): ${u.kind}: ${u.detail}`;
}

/**
 * A change that needs companions (the node architecture and every image's platform): set the leaf,
 * then move each enum or boolean value the schema names in its refusal to another allowed value (the
 * changed leaf's new value when allowed). Returns the changes (leaf first), or undefined.
 */
export function coupledChange(
  system: SystemDefinition<any>,
  base: unknown,
  jsonSchema: unknown,
  path: Path,
  alt: unknown,
  frozen: (p: Path) => boolean = () => false,
): [Path, unknown][] | undefined {
  let changes: [Path, unknown][] = [[path, alt]];
  const apply = () => changes.reduce((v, [p, x]) => setPath(v, p, x), base);
  for (let round = 0; round < 3; round++) {
    const values = apply();
    const parsed = system.schema.safeParse(values);
    if (parsed.success) {
      try {
        synthesize(system, parsed.data);
        return changes;
      } catch {
        return undefined;
      }
    }
    const more: [Path, unknown][] = [];
    for (const issue of parsed.error.issues) {
      const p = issue.path as Path;
      if (!p.length || changes.some(([q]) => dotted(q) === dotted(p)) || frozen(p)) continue;
      const cur = getPath(values, p);
      const s = schemaAt(jsonSchema, p) as { enum?: unknown[] } | undefined;
      if (typeof cur !== 'boolean' && !Array.isArray(s?.enum)) continue;
      const next =
        typeof cur === 'boolean' ? !cur : s!.enum!.includes(alt) ? alt : s!.enum!.find((e) => e !== cur);
      if (!more.some(([q]) => dotted(q) === dotted(p))) more.push([p, next]);
    }
    if (!more.length) return undefined;
    changes = [...changes, ...more];
  }
  return undefined;
}
