/**
 * CRD schemas are written for Go's RE2, which accepts inline flags such as `(?i)`; JavaScript does
 * not. `(?i)` is rewritten into case-insensitive character classes (`[aA]`), which mean the same in
 * both engines, so a schema is validated with the semantics kubeconform gives it.
 */
export function goPatternToJs(pattern: string): string {
  const at = pattern.indexOf('(?i)');
  if (at < 0) return pattern;
  const head = pattern.slice(0, at);
  const tail = pattern.slice(at + 4);
  let out = '';
  let inClass = false;
  for (let i = 0; i < tail.length; i++) {
    const c = tail[i];
    if (c === '\\') {
      out += c + (tail[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    const lower = c.toLowerCase();
    const upper = c.toUpperCase();
    if (lower !== upper) out += inClass ? lower + upper : `[${lower}${upper}]`;
    else out += c;
  }
  return head + out;
}

/** A copy of a schema with every `pattern` (and `patternProperties` key) made JavaScript-compatible. */
export function translateGoPatterns<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(translateGoPatterns) as T;
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    if (k === 'pattern' && typeof v === 'string') out[k] = goPatternToJs(v);
    else if (k === 'patternProperties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(
        Object.entries(v).map(([p, s]) => [goPatternToJs(p), translateGoPatterns(s)]),
      );
    } else out[k] = translateGoPatterns(v);
  }
  return out as T;
}
