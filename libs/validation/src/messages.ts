/**
 * ajv errors rendered the way kubeconform (santhosh-tekuri/jsonschema) words them:
 * `jsonschema: '/spec/replicas' does not validate with <url>#<keyword location>: expected integer or null, but got string`.
 */
import type { ErrorObject } from 'ajv';

export interface SchemaViolation {
  /** JSON pointer of the offending value in the resource ('' for the root). */
  readonly path: string;
  /** What was expected, e.g. `expected integer or null, but got string`. */
  readonly msg: string;
  /** JSON pointer of the failing keyword in the schema file. */
  readonly keywordLocation: string;
}

export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function valueAt(doc: unknown, pointer: string): unknown {
  if (!pointer) return doc;
  let cur: any = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur == null || typeof cur !== 'object') return undefined;
    cur = cur[seg];
  }
  return cur;
}

const AGGREGATE = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'not']);

function quoteList(values: unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function describe(e: ErrorObject, data: unknown): string {
  const p: any = e.params;
  switch (e.keyword) {
    case 'type': {
      const types: string[] = (Array.isArray(p.type) ? p.type : String(p.type).split(',')).map(String);
      return `expected ${types.join(' or ')}, but got ${jsonType(data)}`;
    }
    case 'additionalProperties':
      return `additionalProperties '${p.additionalProperty}' not allowed`;
    case 'required':
      return `missing properties: '${p.missingProperty}'`;
    case 'enum':
      return `value must be one of ${quoteList((p.allowedValues as unknown[]).filter((v) => v !== null))}`;
    case 'const':
      return `value must be ${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return `does not match pattern '${p.pattern}'`;
    case 'format':
      return `'${String(data)}' is not valid '${p.format}'`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${p.comparison} ${p.limit} but found ${String(data)}`;
    case 'minLength':
      return `length must be >= ${p.limit}, but got ${typeof data === 'string' ? [...data].length : '?'}`;
    case 'maxLength':
      return `length must be <= ${p.limit}, but got ${typeof data === 'string' ? [...data].length : '?'}`;
    case 'minItems':
      return `minimum ${p.limit} items required, but found ${Array.isArray(data) ? data.length : '?'} items`;
    case 'maxItems':
      return `maximum ${p.limit} items required, but found ${Array.isArray(data) ? data.length : '?'} items`;
    case 'minProperties':
      return `minimum ${p.limit} properties required, but found ${data && typeof data === 'object' ? Object.keys(data).length : '?'}`;
    case 'maxProperties':
      return `maximum ${p.limit} properties allowed, but found ${data && typeof data === 'object' ? Object.keys(data).length : '?'}`;
    case 'uniqueItems':
      return `items at index ${p.j} and ${p.i} are equal`;
    case 'multipleOf':
      return `${String(data)} not multipleOf ${p.multipleOf}`;
    case 'oneOf':
      return 'valid against more than one of the oneOf schemas';
    case 'anyOf':
      return "doesn't validate with any of the anyOf schemas";
    default:
      return e.message ?? e.keyword;
  }
}

/** The schema node a JSON pointer names inside `root`. */
function nodeAt(root: any, pointer: string): any {
  let cur = root;
  for (const raw of pointer.replace(/^#/, '').split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur?.[seg];
  }
  return cur;
}

const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** Follow `$ref`s and the null branch openapi2jsonschema adds, so the pointer names the real subschema. */
function settle(root: any, node: any, ptr: string): [any, string] {
  for (let i = 0; i < 32 && node && typeof node === 'object'; i++) {
    if (typeof node.$ref === 'string') {
      ptr = node.$ref.replace(/^#/, '');
      node = nodeAt(root, ptr);
    } else if (Array.isArray(node.anyOf) && node.anyOf.length === 2 && node.anyOf[0]?.type === 'null') {
      ptr += '/anyOf/1';
      node = node.anyOf[1];
    } else break;
  }
  return [node, ptr];
}

/** The keyword location (in the schema file) of the keyword that failed at `instancePath`. */
export function keywordLocation(root: any, instancePath: string, keyword: string): string {
  let [node, ptr] = settle(root, root, '');
  const segs = instancePath
    ? instancePath
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    : [];
  for (const seg of segs) {
    if (!node || typeof node !== 'object') break;
    if (node.properties && Object.prototype.hasOwnProperty.call(node.properties, seg)) {
      ptr += `/properties/${esc(seg)}`;
      node = node.properties[seg];
    } else if (node.items && typeof node.items === 'object') {
      ptr += '/items';
      node = node.items;
    } else if (node.additionalProperties && typeof node.additionalProperties === 'object') {
      ptr += '/additionalProperties';
      node = node.additionalProperties;
    } else break;
    [node, ptr] = settle(root, node, ptr);
  }
  if (node && typeof node === 'object' && !(keyword in node)) {
    if (node.oneOf) return `#${ptr}/oneOf`;
    if (node.anyOf) return `#${ptr}/anyOf`;
  }
  return `#${ptr}/${keyword}`;
}

/** Reduce ajv's errors to the violations a user needs: leaf keywords only, alternative types merged per location. */
export function violations(errors: readonly ErrorObject[], data: unknown, schema: any): SchemaViolation[] {
  const leaves = errors.filter(
    (e) => !AGGREGATE.has(e.keyword) && !(e.keyword === 'type' && String((e.params as any).type) === 'null'),
  );
  const pool = leaves.length ? leaves : errors;
  const out: SchemaViolation[] = [];
  const seen = new Set<string>();
  for (const e of pool) {
    const k = e.instancePath + '\0' + e.keyword + '\0' + JSON.stringify(e.params);
    if (seen.has(k) || seen.has(e.instancePath + '\0type*')) continue;
    seen.add(k);
    if (e.keyword === 'type') {
      // Alternatives of a oneOf/anyOf that all fail on type: one message listing every accepted type.
      const same = pool.filter((x) => x.keyword === 'type' && x.instancePath === e.instancePath);
      if (same.length > 1) {
        const types = [...new Set(same.flatMap((x) => String((x.params as any).type).split(',')))].filter(
          (t) => t !== 'null' || same.length === 1,
        );
        seen.add(e.instancePath + '\0type*');
        out.push({
          path: e.instancePath,
          msg: `expected ${types.join(' or ')}, but got ${jsonType(valueAt(data, e.instancePath))}`,
          keywordLocation: keywordLocation(schema, e.instancePath, 'type'),
        });
        continue;
      }
    }
    out.push({
      path: e.instancePath,
      msg: describe(e, valueAt(data, e.instancePath)),
      keywordLocation: keywordLocation(schema, e.instancePath, e.keyword),
    });
  }
  return out;
}
