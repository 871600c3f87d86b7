/**
 * Limits the API server enforces that a JSON schema does not express (kubeconform passes them; the cluster
 * refuses the object at sync): int32 fields within range, object sizes (ConfigMap/Secret data ≤ 1 MiB,
 * any object ≤ 1.5 MiB, etcd's request limit), name lengths and syntax per kind (DNS-1123 label or
 * subdomain; CronJob ≤ 52), label values, and CIDRs as Go's net.ParseCIDR reads them (the ALB controller and
 * kube-proxy parse with Go: no leading zeros).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { K8sObject } from '@gitops/toolchain';
import { compileSchemaFile } from './compile';
import { kindFileName } from './schemas';

export const INT32_MAX = 2_147_483_647;
export const INT32_MIN = -2_147_483_648;
/** ConfigMap and Secret: the sum of data, binaryData (and stringData) must not exceed 1 MiB. */
export const DATA_LIMIT = 1_048_576;
/** etcd's default request limit: an object larger than this is refused whatever its kind. */
export const OBJECT_LIMIT = 1_572_864;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** Kinds whose names are DNS-1123 labels (they become DNS names or host names). */
const LABEL_NAMED = new Set(['Namespace', 'Service', 'Pod']);

export interface LimitProblem {
  readonly resource: string;
  readonly path: string;
  readonly message: string;
}

/** Is `s` an IPv4 CIDR Go's net.ParseCIDR accepts (decimal octets without leading zeros, prefix 0–32)? */
export function isGoParsableIPv4Cidr(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  if (!m) return false;
  const parts = m.slice(1, 6);
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return false;
  return parts.slice(0, 4).every((p) => Number(p) <= 255) && Number(m[5]) <= 32;
}

function resourceId(o: K8sObject): string {
  const ns = o.metadata?.namespace;
  return `${o.apiVersion}/${o.kind} ${ns ? `${ns}/` : ''}${o.metadata?.name}`;
}

function deref(schema: any, defs: any): any {
  let s = schema;
  for (let i = 0; s && typeof s === 'object' && typeof s.$ref === 'string' && i < 32; i++)
    s = defs?.[s.$ref.replace(/^#\/definitions\//, '')];
  return s;
}

function walkInt32(
  value: unknown,
  schema: any,
  defs: any,
  path: string,
  out: (p: string, v: number) => void,
): void {
  const s = deref(schema, defs);
  if (!s || typeof s !== 'object') return;
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const)
    if (Array.isArray(s[k])) for (const sub of s[k]) walkInt32(value, sub, defs, path, out);
  if (typeof value === 'number') {
    if (s.format === 'int32' && (!Number.isInteger(value) || value > INT32_MAX || value < INT32_MIN))
      out(path, value);
    return;
  }
  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => walkInt32(v, s.items, defs, `${path}/${i}`, out));
    return;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const sub =
        s.properties?.[k] ??
        (s.additionalProperties && typeof s.additionalProperties === 'object'
          ? s.additionalProperties
          : undefined);
      if (sub) walkInt32(v, sub, defs, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    }
  }
}

/** The generated strict schema of a kind (built-in or CRD), or undefined. */
function schemaOf(schemaDir: string, kubernetesVersion: string, o: K8sObject): any {
  const [group, version] = String(o.apiVersion).includes('/')
    ? String(o.apiVersion).split('/')
    : ['', o.apiVersion];
  const builtin = join(
    schemaDir,
    `v${kubernetesVersion}-standalone-strict`,
    `${kindFileName(String(o.kind), String(o.apiVersion))}.json`,
  );
  const crd = join(schemaDir, group, `${String(o.kind).toLowerCase()}_${version}.json`);
  for (const p of [builtin, crd]) if (existsSync(p)) return compileSchemaFile(p, undefined)?.schema;
  return undefined;
}

export interface LimitOptions {
  /** The generated schema folder and Kubernetes version: enables the int32 range checks. */
  readonly schemaDir?: string;
  readonly kubernetesVersion?: string;
}

/** Every API-server limit the objects break, naming resource and field. */
export function apiServerLimitProblems(objects: readonly K8sObject[], o: LimitOptions = {}): LimitProblem[] {
  const out: LimitProblem[] = [];
  for (const obj of objects) {
    if (!obj || typeof obj !== 'object') continue;
    const resource = resourceId(obj);
    const add = (path: string, message: string) => out.push({ resource, path, message });
    const size = Buffer.byteLength(JSON.stringify(obj));
    if (size > OBJECT_LIMIT)
      add(
        '',
        `object is ${size} bytes; the API server (etcd) refuses objects over ${OBJECT_LIMIT} bytes (1.5 MiB)`,
      );
    if (
      (obj.kind === 'ConfigMap' && obj.apiVersion === 'v1') ||
      (obj.kind === 'Secret' && obj.apiVersion === 'v1')
    ) {
      let data = 0;
      for (const field of ['data', 'binaryData', 'stringData'])
        for (const [k, v] of Object.entries((obj as any)[field] ?? {}))
          data += k.length + Buffer.byteLength(String(v));
      if (data > DATA_LIMIT)
        add(
          '/data',
          `${obj.kind} data is ${data} bytes; the API server refuses more than ${DATA_LIMIT} bytes (1 MiB)`,
        );
    }
    const name = obj.metadata?.name;
    if (typeof name === 'string') {
      const label = LABEL_NAMED.has(String(obj.kind));
      const max = obj.kind === 'CronJob' ? 52 : label ? 63 : 253;
      if (name.length > max)
        add('/metadata/name', `name is ${name.length} characters; a ${obj.kind} name must be at most ${max}`);
      else if (!(label ? DNS_LABEL : DNS_SUBDOMAIN).test(name) && !/:/.test(name))
        add('/metadata/name', `name "${name}" is not a DNS-1123 ${label ? 'label' : 'subdomain'}`);
    }
    for (const [k, v] of Object.entries(obj.metadata?.labels ?? {})) {
      if (typeof v === 'string' && (v.length > 63 || !LABEL_VALUE.test(v)))
        add(
          `/metadata/labels/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`,
          `label value "${v.slice(0, 80)}" is not a valid label value (at most 63 characters, alphanumeric at both ends)`,
        );
    }
    checkCidrs(obj, '', add);
    if (o.schemaDir && o.kubernetesVersion) {
      const schema = schemaOf(o.schemaDir, o.kubernetesVersion, obj);
      if (schema)
        walkInt32(obj, schema, schema.definitions, '', (path, v) =>
          add(
            path,
            `${v} does not fit the int32 field (${INT32_MIN}..${INT32_MAX}); the API server refuses it`,
          ),
        );
    }
  }
  return out;
}

const CIDR_ANNOTATIONS = [
  'alb.ingress.kubernetes.io/inbound-cidrs',
  'nginx.ingress.kubernetes.io/whitelist-source-range',
  'nginx.ingress.kubernetes.io/allowlist-source-range',
  'service.beta.kubernetes.io/load-balancer-source-ranges',
];

function checkCidrs(value: unknown, path: string, add: (p: string, m: string) => void): void {
  if (Array.isArray(value)) return value.forEach((v, i) => checkCidrs(v, `${path}/${i}`, add));
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const cidrs =
      typeof v === 'string' && (k === 'cidr' || CIDR_ANNOTATIONS.includes(k))
        ? v.split(',').map((c) => c.trim())
        : Array.isArray(v) &&
            (k === 'except' || k === 'loadBalancerSourceRanges') &&
            v.every((x) => typeof x === 'string')
          ? (v as string[])
          : [];
    for (const c of cidrs)
      if (c.includes('.') && !isGoParsableIPv4Cidr(c))
        add(
          p,
          `"${c}" is not a CIDR Go's net.ParseCIDR accepts (decimal octets without leading zeros, prefix 0-32)`,
        );
    checkCidrs(v, p, add);
  }
}

/** `<source> - <resource> at <path>: <message>` lines. */
export function formatLimitProblems(problems: readonly LimitProblem[], source: string): string[] {
  return problems.map(
    (p) => `${source} - ${p.resource}${p.path ? ` at ${p.path}` : ''}: ${p.message} (API server limit)`,
  );
}
