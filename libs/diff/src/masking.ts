import { createHmac, randomBytes } from 'node:crypto';
import type { K8sObject } from '@gitops/toolchain';
import { scanText } from './secret-scanner';

/**
 * Masking of secret material before anything is compared or shown.
 *
 * A masked value is replaced by `<secret hmac:…>` where `…` is an HMAC-SHA256 of the value under a key
 * drawn at random for each run (never written anywhere): equal values give equal masks within one preview,
 * so "changed"/"unchanged" can be told, but the mask cannot be brute-forced after the run (the key is gone)
 * and the same value gives a different mask in the next run. The formatters never show the digest: only
 * `<secret>`, `<secret changed>`, `<secret unchanged>`, `<secret added>`.
 */
export const MASK_RE = /^<secret hmac:([0-9a-f]{64})>$/;

export type Masker = (value: unknown) => string;

/** A masker with a fresh random key. */
export function createMasker(key: Buffer = randomBytes(32)): Masker {
  return (value: unknown) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return `<secret hmac:${createHmac('sha256', key).update(text).digest('hex')}>`;
  };
}

/** Annotations of a Secret that steer tools and hold no secret material: shown as they are. */
const SAFE_SECRET_ANNOTATION =
  /^(argocd\.argoproj\.io\/(sync-wave|hook|hook-delete-policy|sync-options|compare-options)|helm\.sh\/(hook|hook-weight|hook-delete-policy|resource-policy)|kubernetes\.io\/(service-account\.name|service-account\.uid)|meta\.helm\.sh\/release-(name|namespace))$/;

/** A value that cannot be a secret by itself: numbers, booleans, short words. */
function trivial(v: string): boolean {
  return v.length < 6 || /^(true|false|null|yes|no|on|off|enabled|disabled)$/i.test(v);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `text` decoded from base64 when it is base64 of printable text, else undefined. */
function decodeBase64(v: string): string | undefined {
  if (v.length < 8 || !BASE64.test(v)) return undefined;
  const s = Buffer.from(v, 'base64').toString('utf8');
  return /^[\x09\x0a\x0d\x20-\x7e]+$/.test(s) ? s : undefined;
}

/** Keys whose value is a credential whatever it looks like (`db-password`, `API_TOKEN`, `clientSecret`…). */
const CREDENTIAL_KEY =
  /(^|[._-])(pass(word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth[_-]?token|bearer)$/i;
const CAMEL_CREDENTIAL_KEY = /(Password|Passwd|Secret|Token|ApiKey|AccessKey|PrivateKey|Credentials?)$/;
/** Keys that name a secret instead of holding one (`secretName`, `secretKeyRef`, `tokenPath`…). */
const REFERENCE_KEY = /(name|ref|path|file|key[_-]?id|store|policy|ttl|type|mode|enabled)$/i;

/**
 * Whether one scalar (at `key`) looks like secret material, by the project's secret scanner rules (AWS keys,
 * private keys, URL and inline credentials, known tokens, high-entropy tokens, credential-named fields),
 * also after base64 decoding. References (`{{ }}`, `${}`, `<placeholder>`) are not secrets.
 */
export function looksSecret(key: string, value: unknown): boolean {
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string' || !value.trim()) return false;
  const named =
    (CREDENTIAL_KEY.test(key) || CAMEL_CREDENTIAL_KEY.test(key)) &&
    !REFERENCE_KEY.test(key) &&
    !/^(\$\{|\{\{|\$\(|<[^>]*>$)/.test(value) &&
    !/^(true|false|null|none|redacted|\*+)$/i.test(value);
  if (named) return true;
  if (trivial(value)) return false;
  const hits = (text: string) =>
    scanText(JSON.stringify({ name: key, value: text }), 'value').some((f) => f.rule !== 'plain-secret');
  if (hits(value)) return true;
  const decoded = decodeBase64(value);
  if (
    decoded !== undefined &&
    (hits(decoded) || /(^|\n)\s*[\w.-]*(pass|secret|token|key)[\w.-]*\s*[:=]/i.test(decoded))
  )
    return true;
  // Multi-line values (config files in a ConfigMap): scanned as text, line by line.
  return value.includes('\n') && scanText(value, 'value').some((f) => f.rule !== 'plain-secret');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A copy of `obj` with secret material masked:
 * - every value under `data`/`stringData` of a Secret, and every annotation of a Secret except tool steering ones;
 * - `kubectl.kubernetes.io/last-applied-configuration` of any object (a full copy of it, values included);
 * - any other scalar that {@link looksSecret}.
 */
export function maskObject(obj: K8sObject, mask: Masker): K8sObject {
  const isSecret = obj.kind === 'Secret';
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    if (v === null || v === undefined) return v;
    const key = String(path[path.length - 1] ?? '');
    const top = path[0];
    if (isSecret && (top === 'data' || top === 'stringData') && path.length >= 2) return mask(v);
    if (path.length === 3 && top === 'metadata' && path[1] === 'annotations') {
      if (key === 'kubectl.kubernetes.io/last-applied-configuration') return mask(v);
      if (isSecret && !SAFE_SECRET_ANNOTATION.test(key)) return mask(v);
    }
    // Env entries: { name: DB_PASSWORD, value: literal }.
    if (key === 'value' && path.length >= 2) {
      const parent = path.slice(0, -1).reduce<any>((o, p) => o?.[p], obj);
      if (parent && typeof parent.name === 'string' && looksSecret(parent.name, v)) return mask(v);
    }
    return looksSecret(key, v) ? mask(v) : v;
  };
  return walk(obj, []) as K8sObject;
}

/** Cut a text (an error message) of any line that carries secret material. */
export function redactText(text: string): string {
  const lines = new Set(scanText(text, 'text').map((f) => f.line));
  if (!lines.size) return text;
  return text
    .split('\n')
    .map((l, i) => (lines.has(i + 1) ? '[line redacted: possible secret material]' : l))
    .join('\n');
}
