/** Helm values checked against a chart's `values.schema.json`, as `helm install/template` enforces it. */
import { compileSchemaObject } from './compile';
import { violations } from './messages';
import type { ValidationResult } from './validator';

/**
 * Validate chart values against the chart's JSON schema with ajv. `source` names the values file
 * (e.g. `charts/shop/values-prod.yaml`). Returns one kubeconform-style result of kind `Values`.
 */
export function validateValues(values: unknown, schema: unknown, source: string): ValidationResult {
  const validate = compileSchemaObject(schema);
  const base = {
    filename: source,
    kind: 'Values',
    name: source.split('/').pop() ?? source,
    namespace: '',
    version: 'helm.sh/v1',
  };
  if (validate(values ?? {})) return { ...base, status: 'statusValid', msg: '', validationErrors: [] };
  const v = violations(validate.errors ?? [], values, schema);
  const first = v[0];
  const msg = first
    ? `values don't meet the specifications of the schema: jsonschema: '${first.path}' does not validate with values.schema.json${first.keywordLocation}: ${first.msg}`
    : "values don't meet the specifications of the schema";
  return { ...base, status: 'statusInvalid', msg, validationErrors: v };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm's coalescing of value files: maps merge recursively, everything else replaces, `null` deletes. */
export function mergeHelmValues(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (v === null) delete out[k];
    else out[k] = k in out ? mergeHelmValues(out[k], v) : v;
  }
  return out;
}
