/**
 * `values.schema.json`: the zod schema in JSON Schema (draft-7), adjusted to the chart's interface:
 *  - render-time configuration is no value: its key stays admitted (so the guard in `guards.yaml` can
 *    refuse it with a message naming where to change it) but is not required and not described as a value;
 *  - values may arrive as strings through `--set-string` (and floats through `--set`, which Helm keeps as
 *    strings): numbers accept their decimal string form, booleans "true"/"false", quantities a plain
 *    number (`--set cpu=2` arrives as the integer 2). Bounds of numbers given as strings are checked by
 *    guards; templates convert with `float64` / `toString` so the output is the same either way.
 */
import { z } from 'zod';
import type { SystemDefinition } from './system';
import type { ChartGuard } from './chart-guards';
import { failWhenf } from './chart-guards';
import type { TemplateNode } from './template-inference';
import { dotted, valuesRef, type Path } from './values-index';

const QUANTITY_PATTERN = '^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$';
export const INTEGER_STRING = '^-?[0-9]+$';
export const NUMBER_STRING = '^-?[0-9]+(\\.[0-9]+)?$';

function walk(schema: any, path: Path, visit: (s: any, path: Path) => any): any {
  if (!schema || typeof schema !== 'object') return schema;
  if (schema.type === 'object' && schema.properties) {
    const properties: Record<string, unknown> = {};
    for (const [k, sub] of Object.entries<any>(schema.properties))
      properties[k] = walk(sub, [...path, k], visit);
    return visit({ ...schema, properties }, path);
  }
  return visit(schema, path);
}

const jsonSchemas = new WeakMap<object, unknown>();

/**
 * The zod schema as JSON Schema, before the chart's adjustments. Converted once per schema (the
 * conversion costs more than a copy); each caller gets its own copy.
 */
export function typedJsonSchema(system: SystemDefinition<any>): any {
  let s = jsonSchemas.get(system.schema);
  if (s === undefined) {
    s = z.toJSONSchema(system.schema, { target: 'draft-7', unrepresentable: 'any' });
    jsonSchemas.set(system.schema, s);
  }
  return structuredClone(s);
}

/** Accept the string forms of numbers and booleans, and numbers for quantities. */
function withStringForms(s: any): any {
  const { description, ...rest } = s;
  const d = description === undefined ? {} : { description };
  if (s.type === 'integer' || s.type === 'number') {
    return {
      anyOf: [rest, { type: 'string', pattern: s.type === 'integer' ? INTEGER_STRING : NUMBER_STRING }],
      ...d,
    };
  }
  if (s.type === 'boolean') return { anyOf: [rest, { type: 'string', enum: ['true', 'false'] }], ...d };
  if (s.type === 'string' && s.pattern === QUANTITY_PATTERN) {
    return { anyOf: [rest, { type: 'number', minimum: 0 }], ...d };
  }
  return s;
}

export function chartValuesSchema(system: SystemDefinition<any>, hidden: readonly Path[]): any {
  const hiddenKeys = new Set(hidden.map((h) => JSON.stringify(h)));
  const schema = walk(typedJsonSchema(system), [], (s, path) => {
    if (s.type === 'object' && s.properties) {
      const hiddenHere = Object.keys(s.properties).filter((k) =>
        hiddenKeys.has(JSON.stringify([...path, k])),
      );
      if (!hiddenHere.length) return s;
      const properties = { ...s.properties };
      for (const k of hiddenHere) {
        properties[k] = {
          description: `Render-time configuration, not a value: change it in apps/${system.name}/src/environments.ts`,
        };
      }
      const required = (s.required ?? []).filter((k: string) => !hiddenHere.includes(k));
      return { ...s, properties, ...(s.required ? { required } : {}) };
    }
    if (hiddenKeys.has(JSON.stringify(path))) return s;
    return withStringForms(s);
  });
  // Helm gives every chart used as a dependency a `global` map; admit it so the chart can be one.
  if (schema?.properties && !('global' in schema.properties)) {
    schema.properties = {
      ...schema.properties,
      global: {
        type: 'object',
        description: "Helm's global values (set by a parent chart; none is read here)",
      },
    };
  }
  return schema;
}

/** Guards for the bounds of numbers, which a string form (`"700"`) passes in the schema. */
export function numberBoundGuards(system: SystemDefinition<any>, hidden: readonly Path[]): ChartGuard[] {
  const hiddenKeys = new Set(hidden.map((h) => JSON.stringify(h)));
  const out: ChartGuard[] = [];
  walk(typedJsonSchema(system), [], (s, path) => {
    if ((s.type === 'integer' || s.type === 'number') && !hiddenKeys.has(JSON.stringify(path))) {
      const ref = valuesRef(path);
      const checks: string[] = [];
      const parts: string[] = [];
      // zod writes ±Number.MAX_SAFE_INTEGER as the bounds of an unbounded integer: no bound.
      const bounded = (x: unknown) => typeof x === 'number' && Math.abs(x) < Number.MAX_SAFE_INTEGER;
      if (bounded(s.minimum)) {
        checks.push(`lt ($v | float64) ${Number(s.minimum).toFixed(6)}`);
        parts.push(`>= ${s.minimum}`);
      }
      if (bounded(s.exclusiveMinimum)) {
        checks.push(`le ($v | float64) ${Number(s.exclusiveMinimum).toFixed(6)}`);
        parts.push(`> ${s.exclusiveMinimum}`);
      }
      if (bounded(s.maximum)) {
        checks.push(`gt ($v | float64) ${Number(s.maximum).toFixed(6)}`);
        parts.push(`<= ${s.maximum}`);
      }
      if (bounded(s.exclusiveMaximum)) {
        checks.push(`ge ($v | float64) ${Number(s.exclusiveMaximum).toFixed(6)}`);
        parts.push(`< ${s.exclusiveMaximum}`);
      }
      if (checks.length) {
        const g = failWhenf(
          [dotted(path)],
          checks.length === 1 ? checks[0] : `or ${checks.map((c) => `(${c})`).join(' ')}`,
          `${dotted(path)} must be ${parts.join(' and ')}`,
          `${dotted(path)}: %v is out of range: must be ${parts.join(' and ')}`,
          '$v',
        );
        // Only when the value is set (a required value missing is the schema's error).
        out.push({
          ...g,
          template: `{{- $v := ${ref} }}{{- if ne (toString $v) "<nil>" }}${g.template}{{- end }}`,
        });
      }
    }
    return s;
  });
  return out;
}

/**
 * Rewrite direct references so a value given in its string form renders the same: numbers through
 * `float64`, strings (quantities given as numbers) through `toString`.
 */
export function typedReferences(
  node: TemplateNode,
  schema: any,
  schemaAt: (s: any, p: Path) => any,
): TemplateNode {
  switch (node.t) {
    case 'expr': {
      if (node.paths.length !== 1 || node.expr !== `${valuesRef(node.paths[0])} | toJson`) return node;
      const s = schemaAt(schema, node.paths[0]);
      if (s?.type === 'integer' || s?.type === 'number')
        return { ...node, expr: `${valuesRef(node.paths[0])} | float64 | toJson` };
      if (s?.type === 'string') return { ...node, expr: `${valuesRef(node.paths[0])} | toString | toJson` };
      if (s?.type === 'boolean')
        return { ...node, expr: `${valuesRef(node.paths[0])} | toString | eq "true" | toJson` };
      return node;
    }
    case 'map':
      return {
        ...node,
        entries: node.entries.map((e) => ({ ...e, node: typedReferences(e.node, schema, schemaAt) })),
      };
    case 'list':
      return { ...node, items: node.items.map((i) => typedReferences(i, schema, schemaAt)) };
    default:
      return node;
  }
}
