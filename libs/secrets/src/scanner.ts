/**
 * The secret scanner: finds credentials in rendered manifests, values, tool outputs (validation reports,
 * diff previews) and any other text, with the rules of `rules.json` (data, not code) plus three structural
 * rules:
 *
 *  - plain-secret      a `v1/Secret` object (secrets come from the store via ExternalSecret)
 *  - env-credential    an env var named like a credential (…PASSWORD, …TOKEN, …API_KEY) with a literal value
 *  - field-credential  a field named password/token/apiKey/clientSecret… with a literal value
 *  - high-entropy      a long random-looking token
 *  - base64 `<rule>`   a base64 value that decodes to something a text rule finds
 *
 * References are not secrets: `{{ … }}`, `${…}`, `$(VAR)`, `<placeholder>`, `secretKeyRef`, ExternalSecret
 * keys, sha256 digests and hex checksums are ignored. Findings never carry the secret: excerpts are
 * redacted and a short fingerprint (sha256 prefix) identifies a value for the allow-list.
 *
 * Every pattern run over scanned text has RE2 semantics (`./linear-regex`, re2js): the scan is linear in
 * the text's length whatever the text, so a crafted value cannot stall a render or a preview.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { globSync } from 'tinyglobby';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { linearRegex, type LinearRegex } from './linear-regex';
import RULES from './rules.json';

/** Ids of the data rules (rules.json) and of the structural rules. */
export type SecretRule = string;

export interface SecretFinding {
  readonly source: string;
  readonly line: number;
  readonly rule: SecretRule;
  /** What was found, with the secret part redacted. */
  readonly excerpt: string;
  /** `sha256:<12 hex>` of the secret value: identifies it (for the allow-list) without revealing it. */
  readonly fingerprint: string;
  /** Where in a structured value (`db.password`, `spec.template…`), when known. */
  readonly path?: string;
}

interface TextRuleData {
  readonly id: string;
  readonly description: string;
  readonly pattern: string;
  readonly flags?: string;
  readonly secretGroup?: number;
  readonly keywords?: readonly string[];
  readonly requires?: readonly string[];
  readonly minLength?: number;
}

interface CompiledRule extends TextRuleData {
  readonly re: LinearRegex;
}

const TEXT_RULES: readonly CompiledRule[] = (RULES.textRules as TextRuleData[]).map((r) => ({
  ...r,
  re: linearRegex(r.pattern, r.flags ?? ''),
}));
const CREDENTIAL_NAME = linearRegex(RULES.credentialName, 'i');
const CREDENTIAL_FIELD = linearRegex(RULES.credentialField, 'i');
const REFERENCE = linearRegex(RULES.reference, 'i');
/** A values key that holds a credential itself (not a name or reference of one). */
const CREDENTIAL_VALUE_KEY = linearRegex(RULES.credentialValueKey, 'i');

/** Every rule id the scanner can report, with its description. */
export const SECRET_RULES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(TEXT_RULES.map((r) => [r.id, r.description])),
  'plain-secret': 'A v1/Secret object',
  'env-credential': 'An env var named like a credential with a literal value',
  'field-credential': 'A field named like a credential with a literal value',
  'high-entropy': 'A long random-looking token',
};

export function fingerprint(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}

/** A secret as it may appear in a message: never more than its first 4 characters, and only when long. */
export function redact(s: string): string {
  return s.length < 16 ? `***(${s.length} chars)` : `${s.slice(0, 4)}…(${s.length} chars)`;
}

/** Replace every occurrence of the secrets found in `text` by their redaction (for logs and errors). */
export function redactText(text: string, source = 'text'): string {
  let out = text;
  for (const f of scanText(text, source, { secrets: true }) as (SecretFinding & { secret?: string })[])
    if (f.secret) out = out.split(f.secret).join(redact(f.secret));
  return out;
}

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

interface Collect {
  readonly source: string;
  readonly out: (SecretFinding & { secret?: string })[];
  readonly keepSecrets: boolean;
}

function push(c: Collect, f: Omit<SecretFinding, 'fingerprint'>, secret: string): void {
  c.out.push({ ...f, fingerprint: fingerprint(secret), ...(c.keepSecrets ? { secret } : {}) });
}

function scanRules(text: string, c: Collect, lineBase = 0, prefix = ''): void {
  const lower = text.toLowerCase();
  for (const r of TEXT_RULES) {
    if (r.keywords && !r.keywords.some((k) => lower.includes(k))) continue;
    if (r.requires && !r.requires.every((k) => lower.includes(k))) continue;
    for (const m of r.re.matchAll(text)) {
      const whole = m.groups[0] ?? '';
      const secret = m.groups[r.secretGroup ?? 0] ?? whole;
      if (REFERENCE.test(secret)) continue;
      if (r.minLength && secret.length < r.minLength) continue;
      push(
        c,
        {
          source: c.source,
          line: lineBase || lineOf(text, m.index),
          rule: `${prefix}${r.id}`,
          excerpt: whole.replace(secret, redact(secret)).trim(),
        },
        secret,
      );
    }
  }
}

/** Lines of YAML-ish text where a top-level `kind: Secret` (optionally behind a diff marker) appears. */
const PLAIN_SECRET_LINE = linearRegex(`^[+\\- ]?kind:[ \\t]*["']?Secret["']?[ \\t\\r]*$`, 'm');
const TOKEN = linearRegex('^[A-Za-z0-9+/_-]{16,}={0,2}$');
const BASE64 = linearRegex('^[A-Za-z0-9+/]+={0,2}$');
const PRINTABLE = linearRegex('^[\\x20-\\x7e\\t\\r\\n]+$');
const DIGEST_PREFIX = linearRegex('sha(256|512)[:-]$|@sha256:$');
const HEX = linearRegex('^[0-9a-fA-F]+$');
const UPPER = linearRegex('[A-Z]');
const LOWER = linearRegex('[a-z]');
const DIGIT = linearRegex('[0-9]');
const PATH_SEPARATOR = linearRegex('[/_-]');
const HELM_ACTION = linearRegex('\\{\\{.*?\\}\\}', 's');
/** `password=…` / `password: …` as the first such line of a decoded base64 value. */
const DECODED_ASSIGNMENT = linearRegex(
  '^[ \\t]*([A-Za-z_][A-Za-z0-9_.-]{0,60})[ \\t]*[:=][ \\t]*(\\S{3,})[ \\t\\r]*$',
  'm',
);

function isRandomToken(tok: string, before: string): boolean {
  if (tok.length < RULES.entropy.minLength) return false;
  if (DIGEST_PREFIX.test(before)) return false; // digests
  if (HEX.test(tok)) return false; // hex: checksums, git shas, EKS endpoint ids
  if (!UPPER.test(tok) || !LOWER.test(tok) || !DIGIT.test(tok)) return false; // words, paths, names
  if (PATH_SEPARATOR.test(tok) && tok.split(/[/_-]/).every((part) => part.length < 20)) return false; // paths
  return entropy(tok) >= RULES.entropy.minBits;
}

/** Whether a UTF-16 code unit is a token character: `A-Za-z0-9+/=_-` (base64, base64url, padding). */
function isTokenChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2b || // +
    c === 0x2f || // /
    c === 0x3d || // =
    c === 0x5f || // _
    c === 0x2d // -
  );
}

/** Maximal runs of token characters at least `min` long: one pass over the text (linear by construction). */
function* tokenRuns(text: string, min: number): Generator<{ index: number; text: string }> {
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && isTokenChar(text.charCodeAt(i))) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= min) yield { index: start, text: text.slice(start, i) };
      start = -1;
    }
  }
}

/** Base64 that decodes to printable text holding a secret a text rule finds (a base64 password, a key). */
function scanTokens(text: string, c: Collect): void {
  for (const m of tokenRuns(text, 16)) {
    const tok = m.text;
    if (!TOKEN.test(tok)) continue; // '=' inside the run: not one token
    const before = text.slice(Math.max(0, m.index - 8), m.index);
    const line = lineOf(text, m.index);
    if (tok.length >= RULES.base64.minLength && BASE64.test(tok) && tok.length % 4 === 0) {
      const decoded = Buffer.from(tok, 'base64').toString('utf8');
      if (PRINTABLE.test(decoded)) {
        const inner: Collect = { source: c.source, out: [], keepSecrets: false };
        scanRules(decoded, inner, line, 'base64 ');
        scanDecodedStructure(decoded, inner, line);
        for (const f of inner.out) push(c, { ...f, excerpt: `base64 of ${f.excerpt}` }, tok);
        if (inner.out.length) continue;
      }
    }
    if (isRandomToken(tok, before))
      push(c, { source: c.source, line, rule: 'high-entropy', excerpt: redact(tok) }, tok);
  }
}

/** `password=…` / `password: …` inside a decoded base64 value. */
function scanDecodedStructure(decoded: string, c: Collect, line: number): void {
  for (const m of DECODED_ASSIGNMENT.matchAll(decoded)) {
    const [, key = '', value = ''] = m.groups;
    if ((CREDENTIAL_FIELD.test(key) || CREDENTIAL_NAME.test(key)) && !REFERENCE.test(value))
      push(
        c,
        { source: c.source, line, rule: 'base64 field-credential', excerpt: `${key}=${redact(value)}` },
        value,
      );
    return; // the first assignment only
  }
}

/** Nodes visited per text at most: YAML aliases make a small text a huge (shared) tree. */
const STRUCTURE_BUDGET = 200_000;

function scanStructure(
  value: unknown,
  text: string,
  c: Collect,
  path: string[] = [],
  budget = { left: STRUCTURE_BUDGET },
): void {
  if (--budget.left < 0) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => scanStructure(v, text, c, [...path, String(i)], budget));
    return;
  }
  if (!value || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  const find = (rule: SecretRule, needle: string, excerpt: string, at: string[]) => {
    const i = text.indexOf(needle);
    push(
      c,
      { source: c.source, line: i >= 0 ? lineOf(text, i) : 0, rule, excerpt, path: at.join('.') },
      needle,
    );
  };
  if (o.kind === 'Secret' && o.apiVersion === 'v1') {
    const name = String((o.metadata as any)?.name ?? '?');
    find('plain-secret', name, `v1/Secret ${name} at ${path.join('.') || '(document)'}`, path);
  }
  // env: [{ name: DB_PASSWORD, value: literal }]
  if (
    typeof o.name === 'string' &&
    typeof o.value === 'string' &&
    CREDENTIAL_NAME.test(o.name) &&
    !REFERENCE.test(o.value)
  ) {
    find('env-credential', o.value, `${o.name}=${redact(o.value)}`, [...path, 'value']);
  }
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string' && CREDENTIAL_FIELD.test(k) && !REFERENCE.test(v))
      find('field-credential', v, `${[...path, k].join('.')}: ${redact(v)}`, [...path, k]);
    scanStructure(v, text, c, [...path, k], budget);
  }
}

export interface ScanOptions {
  /** Internal: keep the secret on each finding (for redaction); never printed. */
  readonly secrets?: boolean;
}

/** Scan one text (a manifest file, a JSON report, a markdown diff, a log). */
export function scanText(text: string, source: string, o: ScanOptions = {}): SecretFinding[] {
  const c: Collect = { source, out: [], keepSecrets: !!o.secrets };
  scanRules(text, c);
  if (text.includes('Secret'))
    for (const m of PLAIN_SECRET_LINE.matchAll(text)) {
      const line = (m.groups[0] ?? '').trim();
      push(c, { source, line: lineOf(text, m.index), rule: 'plain-secret', excerpt: line }, line);
    }
  // Structure, when the text parses (YAML streams, JSON reports): env values, credential fields, Secret objects.
  let docs: unknown[] = [];
  try {
    const trimmed = text.trimStart();
    // Helm actions become plain scalars so templates parse as the YAML they render to.
    const yamlText = text.includes('{{') ? HELM_ACTION.replaceAll(text, '__HELM_ACTION__') : text;
    docs =
      (trimmed.startsWith('{') || trimmed.startsWith('[')) && !trimmed.startsWith('{{')
        ? [JSON.parse(text)]
        : (loadAll(yamlText, undefined, { schema: CORE_SCHEMA }) as unknown[]);
  } catch {
    docs = [];
  }
  const structural: Collect = { ...c, out: [] };
  for (const d of docs) scanStructure(d, text, structural);
  // A Secret found both by line and by structure is one finding.
  for (const f of structural.out)
    if (!(f.rule === 'plain-secret' && c.out.some((x) => x.rule === 'plain-secret'))) c.out.push(f);
  scanTokens(text, c);
  return dedupe(c.out).sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
}

function dedupe<T extends SecretFinding>(fs: T[]): T[] {
  const seen = new Set<string>();
  return fs.filter((f) => {
    const k = `${f.source}\0${f.line}\0${f.rule}\0${f.fingerprint}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Scan a structured value (a system's values): every string leaf with the text rules, every credential-named
 * key holding a literal, every random-looking token. `source` names the file; paths are dotted.
 */
export function scanValue(value: unknown, source: string): SecretFinding[] {
  const out: SecretFinding[] = [];
  const walk = (v: unknown, path: string[]) => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, [...path, String(i)]));
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
      return;
    }
    if (typeof v !== 'string') return;
    const at = path.join('.');
    const key = path[path.length - 1] ?? '';
    const c: Collect = { source, out: [], keepSecrets: false };
    if ((CREDENTIAL_FIELD.test(key) || CREDENTIAL_VALUE_KEY.test(key)) && !REFERENCE.test(v))
      push(c, { source, line: 0, rule: 'field-credential', excerpt: `${at}: ${redact(v)}` }, v);
    scanRules(v, c);
    scanTokens(v, c);
    for (const f of c.out)
      out.push({
        ...f,
        line: 0,
        path: at,
        excerpt: f.excerpt.startsWith(at) ? f.excerpt : `${at}: ${f.excerpt}`,
      });
  };
  walk(value, []);
  return dedupe(out);
}

/** Scan every file under the given folders of `root` (relative paths in the findings). */
export function scanTree(
  root: string,
  folders: readonly string[],
): { files: number; findings: SecretFinding[] } {
  const findings: SecretFinding[] = [];
  let files = 0;
  for (const f of globSync(
    folders.map((d) => `${d}/**/*`),
    { cwd: root, dot: true },
  ).sort()) {
    const full = join(root, f);
    if (!statSync(full).isFile()) continue;
    files++;
    findings.push(...scanText(readFileSync(full, 'utf8'), relative(root, full)));
  }
  return { files, findings };
}

/** Scan a map of files (path → content), as a render produces them. */
export function scanFiles(files: ReadonlyMap<string, string>): SecretFinding[] {
  const out: SecretFinding[] = [];
  for (const [path, content] of files) out.push(...scanText(content, path));
  return out;
}

export function formatFindings(findings: readonly SecretFinding[]): string {
  return findings
    .map((f) => `${f.source}${f.line ? `:${f.line}` : ''}: ${f.rule}: ${f.excerpt} (${f.fingerprint})`)
    .join('\n');
}
