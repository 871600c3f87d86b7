/**
 * A scanner for secret material in rendered manifests and in tool outputs (validation reports, diffs):
 *
 *  - plain-secret      a `v1/Secret` object (secrets must come from the store via ExternalSecret)
 *  - aws-access-key    an AWS access key id (AKIA…, ASIA…)
 *  - aws-secret-key    an AWS secret access key assigned to an aws_secret_access_key-like name
 *  - private-key       a PEM private key block
 *  - env-credential    an env var named like a credential (…PASSWORD, …TOKEN, …API_KEY) with a literal value
 *  - field-credential  a field named password/token/apiKey/clientSecret… with a literal value
 *  - inline-credential `password=…`, `token=…` in an argument, query string or connection string
 *  - url-credentials   a URL with a user and password (postgres://user:pass@host)
 *  - known-token       GitHub, Slack, Google API and JWT tokens
 *  - high-entropy      a long random-looking base64 token
 *
 * References are not secrets: `{{ … }}`, `${…}`, `$(VAR)`, `<placeholder>`, `secretKeyRef`, ExternalSecret
 * keys, sha256 digests and hex checksums are ignored.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { globSync } from 'tinyglobby';
import { parseAllDocuments } from 'yaml';

export type SecretRule =
  | 'plain-secret'
  | 'aws-access-key'
  | 'aws-secret-key'
  | 'private-key'
  | 'env-credential'
  | 'field-credential'
  | 'inline-credential'
  | 'url-credentials'
  | 'known-token'
  | 'high-entropy';

export interface SecretFinding {
  readonly source: string;
  readonly line: number;
  readonly rule: SecretRule;
  /** What was found, with the secret part redacted. */
  readonly excerpt: string;
}

const CREDENTIAL_NAME =
  /(pass(word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth)$/i;
const CREDENTIAL_FIELD =
  /^(password|passwd|pwd|token|api[_-]?key|apikey|client[_-]?secret|secret[_-]?access[_-]?key|access[_-]?token|auth[_-]?token|private[_-]?key|bearer)$/i;
/** A value that refers to a secret instead of holding one. */
const REFERENCE =
  /^\s*$|\{\{|\$\{|\$\(|__HELM_ACTION__|^<[^>]*>$|^(true|false|null|none|changeme-in-store|redacted|\*+)$/i;

function redact(s: string): string {
  return s.length <= 8 ? '***' : `${s.slice(0, 4)}…(${s.length} chars)`;
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

interface TextRule {
  readonly rule: SecretRule;
  readonly re: RegExp;
  /** Group holding the secret (for the reference check and redaction); 0 = whole match. */
  readonly group?: number;
}

const TEXT_RULES: readonly TextRule[] = [
  { rule: 'private-key', re: /-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----/g },
  { rule: 'aws-access-key', re: /\b((AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16})\b/g, group: 1 },
  {
    rule: 'aws-secret-key',
    re: /aws[_-]?secret[_-]?(access[_-]?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})\b/gi,
    group: 2,
  },
  {
    rule: 'url-credentials',
    re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"`]+:([^\s@/'"`]+)@[^\s/'"`]+/gi,
    group: 1,
  },
  {
    rule: 'inline-credential',
    re: /(?:^|[\s?&;,"'(-])(?:password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key)=([^\s&;,"')]{3,})/gi,
    group: 1,
  },
  {
    rule: 'known-token',
    re: /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})/g,
    group: 1,
  },
];

/** Lines of YAML-ish text where a top-level `kind: Secret` (optionally behind a diff marker) appears. */
const PLAIN_SECRET_LINE = /^[+\- ]?kind:\s*["']?Secret["']?\s*$/gm;

function scanStructure(
  value: unknown,
  source: string,
  text: string,
  out: SecretFinding[],
  path: string[] = [],
): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => scanStructure(v, source, text, out, [...path, String(i)]));
    return;
  }
  if (!value || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  const find = (rule: SecretRule, needle: string, what: string) => {
    const i = text.indexOf(needle);
    out.push({ source, line: i >= 0 ? lineOf(text, i) : 0, rule, excerpt: what });
  };
  if (o.kind === 'Secret' && typeof o.apiVersion === 'string' && o.apiVersion === 'v1') {
    const name = (o.metadata as any)?.name ?? '?';
    find('plain-secret', `${name}`, `v1/Secret ${name} at ${path.join('.') || '(document)'}`);
  }
  // env: [{ name: DB_PASSWORD, value: literal }]
  if (
    typeof o.name === 'string' &&
    typeof o.value === 'string' &&
    CREDENTIAL_NAME.test(o.name) &&
    !REFERENCE.test(o.value)
  ) {
    find('env-credential', o.value, `${o.name}=${redact(o.value)}`);
  }
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string' && CREDENTIAL_FIELD.test(k) && !REFERENCE.test(v))
      find('field-credential', v, `${[...path, k].join('.')}: ${redact(v)}`);
    scanStructure(v, source, text, out, [...path, k]);
  }
}

const ENTROPY_TOKEN = /(?<![A-Za-z0-9+/=_-])([A-Za-z0-9+/_-]{32,}={0,2})(?![A-Za-z0-9+/=_-])/g;

function scanEntropy(text: string, source: string, out: SecretFinding[]): void {
  for (const m of text.matchAll(ENTROPY_TOKEN)) {
    const tok = m[1];
    const before = text.slice(Math.max(0, m.index! - 8), m.index!);
    if (/sha(256|512)[:-]$|@sha256:$/.test(before)) continue; // digests
    if (/^[0-9a-f]+$/i.test(tok)) continue; // hex: checksums, git shas, EKS endpoint ids
    if (!/[A-Z]/.test(tok) || !/[a-z]/.test(tok) || !/[0-9]/.test(tok)) continue; // words, paths, names
    if (/[/_-]/.test(tok) && tok.split(/[/_-]/).every((part) => part.length < 20)) continue; // paths and compound names
    if (entropy(tok) < 4.5) continue;
    out.push({ source, line: lineOf(text, m.index!), rule: 'high-entropy', excerpt: redact(tok) });
  }
}

/** Scan one text (a manifest file, a JSON report, a markdown diff). */
export function scanText(text: string, source: string): SecretFinding[] {
  const out: SecretFinding[] = [];
  for (const { rule, re, group = 0 } of TEXT_RULES) {
    for (const m of text.matchAll(re)) {
      const secret = m[group] ?? m[0];
      if (REFERENCE.test(secret)) continue;
      out.push({
        source,
        line: lineOf(text, m.index!),
        rule,
        excerpt: m[0].replace(secret, redact(secret)).trim(),
      });
    }
  }
  for (const m of text.matchAll(PLAIN_SECRET_LINE))
    out.push({ source, line: lineOf(text, m.index!), rule: 'plain-secret', excerpt: m[0].trim() });
  // Structure, when the text parses (YAML streams, JSON reports): env values, credential fields, Secret objects.
  let docs: unknown[] = [];
  try {
    const trimmed = text.trimStart();
    // Helm actions become plain scalars so templates parse as the YAML they render to.
    const yamlText = text.replace(/\{\{-?[\s\S]*?-?\}\}/g, '__HELM_ACTION__');
    docs =
      /^[{[]/.test(trimmed) && !trimmed.startsWith('{{')
        ? [JSON.parse(text)]
        : parseAllDocuments(yamlText, { logLevel: 'silent' }).map((d) => d.toJS({ maxAliasCount: 100 }));
  } catch {
    docs = [];
  }
  const structural: SecretFinding[] = [];
  for (const d of docs) scanStructure(d, source, text, structural);
  // A Secret found both by line and by structure is one finding.
  for (const f of structural)
    if (!(f.rule === 'plain-secret' && out.some((o) => o.rule === 'plain-secret'))) out.push(f);
  scanEntropy(text, source, out);
  return out.sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
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

export function formatFindings(findings: readonly SecretFinding[]): string {
  return findings.map((f) => `${f.source}:${f.line}: ${f.rule}: ${f.excerpt}`).join('\n');
}
