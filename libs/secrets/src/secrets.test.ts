/**
 * libs/secrets: rules loaded as data catch what they name, messages never carry the secret, values are
 * scanned leaf by leaf, and only the reviewed allow-list exempts (fingerprint + source, or a resource).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXEMPT_ANNOTATION, EXEMPT_REASON_ANNOTATION, runPolicies } from '@gitops/validation';
import {
  allowList,
  assertNoSecrets,
  fingerprint,
  loadAllowList,
  redactText,
  scanText,
  scanValue,
  SECRET_RULES,
  SecretsFoundError,
} from './index';
import { linearRegex } from './linear-regex';
import RULES from './rules.json';

// Built from parts so this file holds no scannable secret itself.
const AKIA = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
const AWS_SECRET = ['wJalrXUtnFEMI', 'K7MDENG', 'bPxRfiCYEXAMPLEKEY'].join('/');
const PEM = ['-----BEGIN', 'OPENSSH PRIVATE KEY-----'].join(' ');

describe('rules as data', () => {
  it('every rule of rules.json is an RE2 pattern (no lookaround, no backreference), has a description, and is reported by id', () => {
    for (const r of RULES.textRules) {
      expect(() => linearRegex(r.pattern, (r as { flags?: string }).flags ?? '')).not.toThrow();
      expect(SECRET_RULES[r.id]).toBe(r.description);
    }
    for (const p of [RULES.credentialName, RULES.credentialField, RULES.credentialValueKey, RULES.reference])
      expect(() => linearRegex(p, 'i')).not.toThrow();
    // What a backtracking engine accepts and RE2 refuses is refused, naming the pattern.
    expect(() => linearRegex('(a)\\1')).toThrow(/"\(a\)\\\\1" is not an RE2 pattern/);
    expect(() => linearRegex('x(?!y)')).toThrow(/is not an RE2 pattern/);
  });

  it('a text crafted for catastrophic backtracking is scanned in linear time', () => {
    // Each line is the worst case of one pattern for a backtracking engine: an unclosed Helm action repeated
    // (quadratic), an assignment never followed by a terminator, a URL whose user:password never reaches '@',
    // a JWT-like run that never completes, blank lines before an assignment in decoded base64.
    const n = 200_000;
    const crafted = [
      '{{'.repeat(n),
      `password=${'a'.repeat(n)}`,
      `x://${'a:'.repeat(n / 2)}`,
      `eyJ${'a'.repeat(n)}.eyJ`,
      `aws_secret_access_key=${'A'.repeat(n)}`,
      Buffer.from(`${' \n'.repeat(n / 4)}x`).toString('base64'),
    ].join('\n');
    const t = performance.now();
    scanText(crafted, 'crafted.yaml');
    const linearMs = performance.now() - t;
    // The old backtracking scan took over 12 s for a quarter of this text; linear stays far below 10 s
    // even on a loaded machine (typically ~0.3 s).
    expect(linearMs).toBeLessThan(10_000);
    // And the crafted text still finds what it holds.
    expect(scanText(`password=${'a'.repeat(n)}`, 'x').map((f) => f.rule)).toContain('inline-credential');
  });

  const samples: [string, string][] = [
    ['gitlab-token', `token: glpat-${'A1b2C3d4E5f6G7h8I9j0'}`],
    ['slack-token', `url: https://hooks.slack.com/services/${'T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX'}`],
    ['stripe-key', `key: ${['sk', 'live', '4eC39HqLyjWDarjtT1zdp7dc'].join('_')}`],
    ['npm-token', `//registry.npmjs.org/:_authToken=${['npm', 'a'.repeat(36)].join('_')}`],
    ['gcp-api-key', `key: AIza${'SyA1234567890abcdefghijklmnopqrstuv'}`],
    ['private-key', `data: |\n  ${PEM}\n`],
  ];
  for (const [rule, text] of samples) {
    it(`${rule} is found`, () => {
      expect(scanText(text, 'x.yaml').map((f) => f.rule)).toContain(rule);
    });
  }
});

describe('values are scanned leaf by leaf, and nothing echoes a secret', () => {
  it('an AWS key pair, a PEM key and a base64 password in values', () => {
    const b64 = Buffer.from('password=hunter2-prod').toString('base64');
    const findings = scanValue(
      {
        aws: { accessKeyId: AKIA, note: `aws_secret_access_key=${AWS_SECRET}` },
        tls: { key: PEM },
        blob: b64,
      },
      'apps/x/src/environments.ts',
    );
    const rules = findings.map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['aws-access-key', 'aws-secret-key', 'private-key']));
    expect(rules.some((r) => r.startsWith('base64 '))).toBe(true);
    const text = JSON.stringify(findings);
    for (const secret of [AKIA, AWS_SECRET, 'hunter2-prod', b64]) expect(text).not.toContain(secret);
    expect(findings.find((f) => f.rule === 'aws-access-key')!.path).toBe('aws.accessKeyId');
  });

  it('a password key in values is a finding; a reference or a secret name is not', () => {
    expect(scanValue({ db: { password: 'hunter2hunter2' } }, 'v').map((f) => f.rule)).toEqual([
      'field-credential',
    ]);
    expect(scanValue({ db: { passwordSecretName: 'db-creds', password: '{{ .Values.x }}' } }, 'v')).toEqual(
      [],
    );
  });

  it('redactText removes every secret from a log line', () => {
    const line = `connecting to postgres://app:${'S3cretPassw0rd!'}@db:5432/app with ${AKIA}`;
    const red = redactText(line);
    expect(red).not.toContain('S3cretPassw0rd!');
    expect(red).not.toContain(AKIA);
    expect(red).toContain('postgres://app:');
  });
});

describe('the render gate and the reviewed allow-list', () => {
  const files = new Map([['charts/x/values.yaml', `note: ${AKIA}\n`]]);

  it('refuses with every finding redacted', () => {
    let err: unknown;
    try {
      assertNoSecrets({
        values: [{ source: 'apps/x/src/environments.ts', label: 'prod', value: { k: AKIA } }],
        files,
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SecretsFoundError);
    const msg = (err as Error).message;
    expect(msg).toContain('apps/x/src/environments.ts (prod): aws-access-key: k: AKIA…(20 chars)');
    expect(msg).toContain('charts/x/values.yaml:1: aws-access-key');
    expect(msg).not.toContain(AKIA);
  });

  it('an entry exempts exactly its fingerprint in its source', () => {
    const allow = allowList([
      {
        rule: 'aws-access-key',
        source: 'charts/x/values.yaml',
        fingerprint: fingerprint(AKIA),
        reason: 'AWS documentation example key',
        reviewedBy: '@platform',
      },
    ]);
    expect(() => assertNoSecrets({ values: [], files }, allow)).not.toThrow();
    const elsewhere = new Map([['charts/y/values.yaml', `note: ${AKIA}\n`]]);
    expect(() => assertNoSecrets({ values: [], files: elsewhere }, allow)).toThrow(SecretsFoundError);
  });

  it('the allow-list file is validated: a reason and a reviewer are required', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitops-allowlist-'));
    try {
      writeFileSync(
        join(dir, 'secrets-allowlist.yaml'),
        'entries:\n  - rule: no-plain-secret\n    resource: v1/Secret a/b\n    reason: x\n',
      );
      expect(() => loadAllowList(dir)).toThrow(
        /secrets-allowlist\.yaml: entries\.0\.reason: .*entries\.0\.reviewedBy/,
      );
      writeFileSync(
        join(dir, 'secrets-allowlist.yaml'),
        'entries:\n  - rule: no-plain-secret\n    resource: v1/Secret a/b\n    reason: a CA bundle needed before the store runs\n    reviewedBy: "@platform"\n',
      );
      expect(loadAllowList(dir).plainSecrets).toEqual(['v1/Secret a/b']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no-plain-secret: an annotation never exempts it; the allow-list does', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'b',
        namespace: 'a',
        annotations: { [EXEMPT_ANNOTATION]: 'no-plain-secret', [EXEMPT_REASON_ANNOTATION]: 'trust me' },
      },
    };
    const ctx = { environment: 'dev', allowedRegistries: [], production: false };
    const v = runPolicies([secret], ctx).map((x) => `${x.rule}: ${x.message}`);
    expect(v).toContain(
      'exemption-reason-required: no-plain-secret cannot be exempted by an annotation: add a reviewed entry to secrets-allowlist.yaml',
    );
    expect(v.some((m) => m.startsWith('no-plain-secret: plain Secret b'))).toBe(true);
    expect(
      runPolicies([secret], { ...ctx, plainSecretsAllowed: ['v1/Secret a/b'] }).map((x) => x.rule),
    ).toEqual(['exemption-reason-required']);
  });
});
