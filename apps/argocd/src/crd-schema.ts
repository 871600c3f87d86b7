import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { WORKSPACE_ROOT } from '@gitops/render';
import type { K8sObject } from '@gitops/toolchain';

/**
 * Strict validation of Argo CD objects against the Argo CD CRD schemas, like `kubeconform -strict`:
 * unknown fields are errors. The schemas are read from `../shared/schemas` (relative to the repository
 * root) or from `$GITOPS_SCHEMAS_DIR`; they are never copied into the repository.
 */
export function schemasDir(): string {
  return process.env.GITOPS_SCHEMAS_DIR ?? resolve(WORKSPACE_ROOT, '../shared/schemas');
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const KUBERNETES_FOR_METADATA = 'v1.31.0';

type Schema = Record<string, any>;

/** Close every object schema that lists properties and neither sets additionalProperties nor preserves unknown fields. */
export function closeSchema(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(closeSchema);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const s = node as Schema;
  if (s.properties && typeof s.properties === 'object') {
    if (s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields'])
      s.additionalProperties = false;
    for (const child of Object.values(s.properties)) closeSchema(child);
  }
  for (const key of ['items', 'additionalProperties', 'not'])
    if (typeof s[key] === 'object') closeSchema(s[key]);
  for (const key of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(s[key])) closeSchema(s[key]);
  if (s.definitions) for (const d of Object.values(s.definitions)) closeSchema(d);
}

function readJson(path: string): Schema {
  if (!existsSync(path)) {
    throw new Error(
      `schema ${path} not found: point GITOPS_SCHEMAS_DIR at a copy of the shared schemas (crds/, kubernetes/)`,
    );
  }
  return JSON.parse(readFileSync(path, 'utf8'));
}

const cache = new Map<string, ValidateFunction>();

/** The strict validator of `group/Kind` at `version`, from `crds/<group>/<kind>_<version>.json`. */
export function crdValidator(apiVersion: string, kind: string): ValidateFunction {
  const key = `${apiVersion}/${kind}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const [group, version] = apiVersion.split('/');
  const dir = schemasDir();
  const schema = readJson(join(dir, 'crds', group, `${kind.toLowerCase()}_${version}.json`));
  const k8s = readJson(join(dir, 'kubernetes', KUBERNETES_FOR_METADATA, '_definitions.json'));
  // metadata is `type: object` in the CRD schemas: validate it as the API server does, against ObjectMeta.
  schema.properties.metadata = { $ref: `#/definitions/${OBJECT_META}` };
  schema.properties.apiVersion = { const: apiVersion };
  schema.properties.kind = { const: kind };
  schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind', 'metadata'])];
  schema.definitions = k8s.definitions;
  closeSchema(schema);
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  ajv.addFormat('int32', true).addFormat('int64', true).addFormat('byte', true).addFormat('double', true);
  const validate = ajv.compile(schema);
  cache.set(key, validate);
  return validate;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map(
      (e) =>
        `${e.instancePath || '(root)'} ${e.message}${e.keyword === 'additionalProperties' ? `: ${e.params.additionalProperty}` : ''}`,
    )
    .join('; ');
}

/** Errors of one Argo CD object against its CRD schema, as readable strings; empty when valid. */
export function validateArgoObject(o: K8sObject): string[] {
  if (!String(o.apiVersion ?? '').startsWith('argoproj.io/')) {
    return [`${String(o.kind)} ${String(o.metadata?.name)}: not an Argo CD object (${String(o.apiVersion)})`];
  }
  const id = `${o.kind} ${o.metadata?.name}`;
  const validate = crdValidator(o.apiVersion, o.kind);
  const valid: boolean = validate(o);
  return valid ? [] : [`${id}: ${formatErrors(validate.errors)}`];
}
