/**
 * Write an inferred template tree as a Helm template file: block YAML for structure, inline JSON
 * (valid YAML flow) for everything computed, `{{- if }}` lines around conditional keys.
 */
import type { Condition, MapEntry, TemplateNode } from './template-inference';
import { isPlainObject, valuesRef } from './values-index';
import { toYaml } from './yaml-text';

/** Literal text must not contain template actions: `{{` is written as an action printing it. */
export function escapeActions(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}

function scalar(v: unknown): string {
  if (typeof v === 'string' && /[\n\r]/.test(v)) return escapeActions(JSON.stringify(v));
  return escapeActions(toYaml(v).trimEnd());
}

function key(k: string): string {
  return scalar(k);
}

function literalJson(v: unknown): string {
  return escapeActions(JSON.stringify(v));
}

/** Inline form of a node, or undefined when it must be written as a block. */
function inline(node: TemplateNode): string | undefined {
  switch (node.t) {
    case 'expr':
      return `{{ ${node.expr} }}`;
    case 'switch': {
      const ref = valuesRef(node.path);
      const parts = node.cases.map((c, i) => {
        const test = `eq (toString ${ref}) ${JSON.stringify(String(c.when))}`;
        const kw = i === 0 ? 'if' : 'else if';
        return i === node.cases.length - 1 && i > 0
          ? `{{ else }}${literalJson(c.value)}`
          : `{{ ${kw} ${test} }}${literalJson(c.value)}`;
      });
      return `${parts.join('')}{{ end }}`;
    }
    case 'literal': {
      const v = node.value;
      if (isPlainObject(v)) return Object.keys(v).length ? undefined : '{}';
      if (Array.isArray(v)) return v.length ? undefined : '[]';
      return scalar(v);
    }
    case 'map':
      return node.entries.length ? undefined : '{}';
    case 'list':
      return node.items.length ? undefined : '[]';
  }
}

function entriesOf(node: TemplateNode): MapEntry[] | undefined {
  if (node.t === 'map') return [...node.entries];
  if (node.t === 'literal' && isPlainObject(node.value)) {
    return Object.entries(node.value).map(([k, value]) => ({ key: k, node: { t: 'literal', value } }));
  }
  return undefined;
}

function itemsOf(node: TemplateNode): TemplateNode[] | undefined {
  if (node.t === 'list') return [...node.items];
  if (node.t === 'literal' && Array.isArray(node.value))
    return node.value.map((value) => ({ t: 'literal', value }));
  return undefined;
}

function ifLine(pad: string, c: Condition): string {
  return `${pad}{{- if ${c.expr} }}`;
}

/** Lines of a map's entries at `indent`. */
function mapLines(entries: readonly MapEntry[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  entries.forEach((e, i) => {
    // Consecutive entries under the same condition share one if-block.
    const prev = entries[i - 1]?.condition?.expr;
    const next = entries[i + 1]?.condition?.expr;
    if (e.condition && e.condition.expr !== prev) out.push(ifLine(pad, e.condition));
    out.push(...entryLines(e.key, e.node, indent));
    if (e.condition && e.condition.expr !== next) out.push(`${pad}{{- end }}`);
  });
  return out;
}

function entryLines(k: string, node: TemplateNode, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const inl = inline(node);
  if (inl !== undefined) return [`${pad}${key(k)}: ${inl}`];
  const entries = entriesOf(node);
  if (entries) return [`${pad}${key(k)}:`, ...mapLines(entries, indent + 2)];
  const items = itemsOf(node)!;
  return [`${pad}${key(k)}:`, ...listLines(items, indent)];
}

function listLines(items: readonly TemplateNode[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const item of items) {
    const inl = inline(item);
    if (inl !== undefined) {
      out.push(`${pad}- ${inl}`);
      continue;
    }
    const entries = entriesOf(item);
    if (entries) {
      const lines = mapLines(entries, indent + 2);
      if (!entries[0].condition) lines[0] = `${pad}- ${lines[0].slice(indent + 2)}`;
      else out.push(`${pad}-`);
      out.push(...lines);
      continue;
    }
    // A list directly in a list.
    const inner = listLines(itemsOf(item)!, indent + 2);
    inner[0] = `${pad}- ${inner[0].slice(indent + 2)}`;
    out.push(...inner);
  }
  return out;
}

/** The text of one template file for an object template, optionally guarded by a condition. */
export function templateFile(root: TemplateNode, condition?: Condition, header?: string): string {
  const entries = entriesOf(root);
  if (!entries) throw new Error('an object template must be a map');
  const lines = mapLines(entries, 0);
  const body = condition ? [`{{- if ${condition.expr} }}`, ...lines, '{{- end }}'] : lines;
  return `${header ? `${header}\n` : ''}${body.join('\n')}\n`;
}
