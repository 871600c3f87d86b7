/**
 * Secrets: no emitted file and no diff/validation output carries secret material (plain Secret objects,
 * credentials in env values, private keys, AWS keys, credentials in URLs, tokens). The scanner is proven
 * to catch planted secrets, so an empty result cannot be a scanner that sees nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatJson, formatMarkdown, formatText, runPreview } from '@gitops/diff';
import { runValidateCli } from '@gitops/validation';
import { formatFindings, scanText, scanTree, type SecretRule } from './secret-scan';
import { installFixtureSystem, REPO_ROOT, ScratchWorkspace } from './throwaway-workspace';

describe('the scanner catches planted secrets', () => {
  // Built from parts so this file itself holds no scannable secret.
  const AKIA = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
  const AWS_SECRET = ['wJalrXUtnFEMI', 'K7MDENG', 'bPxRfiCYEXAMPLEKEY'].join('/');
  const PEM = ['-----BEGIN', 'RSA PRIVATE KEY-----'].join(' ');
  const planted: [string, SecretRule, string][] = [
    [
      'a plain Secret object',
      'plain-secret',
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  url: x\n',
    ],
    [
      'a plain Secret in a JSON report',
      'plain-secret',
      JSON.stringify({
        objects: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { a: 'eA==' } }],
      }),
    ],
    [
      'a plain Secret in a diff',
      'plain-secret',
      '```diff\n+apiVersion: v1\n+kind: Secret\n+metadata:\n+  name: db\n```\n',
    ],
    ['an AWS access key id', 'aws-access-key', `env:\n  - name: AWS_ACCESS_KEY_ID\n    value: ${AKIA}\n`],
    ['an AWS secret access key', 'aws-secret-key', `aws_secret_access_key = ${AWS_SECRET}\n`],
    ['a private key', 'private-key', `data:\n  key.pem: |\n    ${PEM}\n    MIIEow...\n`],
    [
      'a password in an env value',
      'env-credential',
      'containers:\n  - env:\n      - name: DB_PASSWORD\n        value: hunter2-prod\n',
    ],
    [
      'an API token in an env value',
      'env-credential',
      'env:\n  - name: SLACK_API_TOKEN\n    value: abc123def456\n',
    ],
    ['a password field', 'field-credential', 'auth:\n  username: admin\n  password: Sup3rS3cret\n'],
    [
      'a password in a command line',
      'inline-credential',
      'args: ["--db", "host=db password=hunter2 sslmode=require"]\n',
    ],
    [
      'a token in a query string',
      'inline-credential',
      'url: https://hooks.example.com/notify?channel=ops&token=abcd1234efgh\n',
    ],
    [
      'credentials in a database URL',
      'url-credentials',
      'data:\n  DATABASE_URL: postgres://admin:hunter2@db.internal:5432/app\n',
    ],
    [
      'a GitHub token',
      'github-token',
      `token: ${['ghp', '1234567890abcdefghijABCDEFGHIJ123456'].join('_')}\n`,
    ],
    ['a JWT', 'jwt', `auth: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${'dozjgNryP4J3jVmNHl0w5N'}\n`],
    [
      'a random base64 token',
      'high-entropy',
      'annotations:\n  webhook: Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MGFiY2RlZjEyMzQ1Njc4OTBBQkNE\n',
    ],
  ];
  for (const [title, rule, text] of planted) {
    it(title, () => {
      const findings = scanText(text, 'planted.yaml');
      expect(
        findings.map((f) => f.rule),
        formatFindings(findings),
      ).toContain(rule);
      // The excerpt never repeats a long secret in full.
      for (const f of findings) expect(f.excerpt).not.toContain('hunter2-prod');
    });
  }

  const references: [string, string][] = [
    [
      'secretKeyRef',
      'env:\n  - name: DATABASE_URL\n    valueFrom:\n      secretKeyRef: {name: db, key: url}\n',
    ],
    [
      'an ExternalSecret',
      'apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nspec:\n  target: {name: db}\n  data:\n    - secretKey: DATABASE_URL\n      remoteRef: {key: mini-xdr/database, property: url}\n',
    ],
    [
      'a variable reference',
      'env:\n  - name: DB_PASSWORD\n    value: $(FROM_FILE)\n  - name: URL\n    value: postgres://app:$(DB_PASSWORD)@db:5432/app\n',
    ],
    ['a Helm action', 'env:\n  - name: API_TOKEN\n    value: {{ .Values.token | quote }}\n'],
    [
      'an image digest',
      'image: registry.example.com/app@sha256:0b5e6f2a3c4d4e8f9a1b2c3d4e5f6a7b0b5e6f2a3c4d4e8f9a1b2c3d4e5f6a7b\n',
    ],
    [
      'an EKS endpoint and an ACM ARN',
      'server: https://4F1C2A9E7B3D5C8E0A6B2D4F1E3C5A7B.gr7.us-east-1.eks.amazonaws.com\ncert: arn:aws:acm:us-east-1:116912495274:certificate/0b5e6f2a-3c4d-4e8f-9a1b-2c3d4e5f6a7b\n',
    ],
    [
      'an AppProject that denies Secrets',
      'spec:\n  namespaceResourceBlacklist:\n    - group: ""\n      kind: Secret\n',
    ],
    ['a TLS secret name', 'tls:\n  - secretName: xdr-tls\n    hosts: [xdr.example.com]\n'],
  ];
  for (const [title, text] of references) {
    it(`ignores ${title}`, () => {
      const findings = scanText(text, 'reference.yaml');
      expect(findings, formatFindings(findings)).toEqual([]);
    });
  }
});

describe('committed outputs: every file in charts/ and overlays/', () => {
  it('holds no secret material', () => {
    const { files, findings } = scanTree(REPO_ROOT, ['charts', 'overlays']);
    expect(files).toBeGreaterThan(0);
    expect(findings, formatFindings(findings)).toEqual([]);
  });
});

describe('tool outputs on a copy of this repository: validation reports and diff previews', () => {
  let ws: ScratchWorkspace;
  let sourcesSha: string;

  beforeAll(() => {
    // Commit 1: sources only; commit 2: the rendered outputs. A diff between them shows every object in full.
    ws = ScratchWorkspace.create('secrets', {
      include: [
        'libs',
        'tools/cli',
        'apps',
        'package.json',
        'tsconfig.base.json',
        'tsconfig.json',
        'nx.json',
        '.gitignore',
      ],
    });
    sourcesSha = ws.git('rev-parse', 'HEAD').trim();
    for (const d of ['charts', 'overlays'])
      if (existsSync(join(REPO_ROOT, d))) cpSync(join(REPO_ROOT, d), ws.path(d), { recursive: true });
    ws.commitAll('outputs');
  });
  afterAll(() => ws?.dispose());

  it('npm run validate (json, verbose, and text): no secret material', () => {
    for (const args of [
      ['-output', 'json', '-verbose', '-summary'],
      ['-verbose', '-summary'],
    ]) {
      let out = '';
      runValidateCli(['-repo', ws.dir, ...args], {
        stdout: (s) => void (out += s),
        stderr: (s) => void (out += s),
        cwd: ws.dir,
      });
      expect(out.length).toBeGreaterThan(1000);
      const findings = scanText(out, `validate ${args.join(' ')}`);
      expect(findings, formatFindings(findings)).toEqual([]);
    }
  });

  it('npm run diff (json, markdown, text) of every object: no secret material', async () => {
    const report = await runPreview({ repoDir: ws.dir, base: sourcesSha, head: 'HEAD', all: true });
    expect(report.apps.length).toBeGreaterThan(0);
    const outputs = {
      json: formatJson(report),
      markdown: formatMarkdown(report, { maxChars: 1_000_000 }).join('\n'),
      text: formatText(report, { color: false }),
    };
    expect(outputs.json).toContain('"kind"');
    for (const [format, text] of Object.entries(outputs)) {
      const findings = scanText(text, `diff --format ${format}`);
      expect(findings, formatFindings(findings)).toEqual([]);
    }
  });

  it('a credential planted in a system value is refused at render time, redacted, nothing written', async () => {
    installFixtureSystem(ws);
    ws.commitAll('fixture system');
    const before = ws.status('charts', 'overlays');
    const password = 'Hunter2' + 'Prod';
    ws.edit(
      'apps/zz-kust/src/environments.ts',
      "greeting: 'hello',",
      `greeting: 'postgres://admin:${password}@db.internal:5432/app',`,
    );
    const r = await ws.run('render', ['--skip-verify', '-q']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('secret material');
    expect(r.stderr).toMatch(/apps\/zz-kust\/src\/environments\.ts \(.*\): url-credentials: greeting/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(password);
    expect(ws.status('charts', 'overlays')).toBe(before);
    expect(existsSync(ws.path('charts/zz-kust'))).toBe(false);
  });

  it('…and a credential in rendered outputs is masked in the diff preview', async () => {
    // (The render refuses it; a preview of the sources must not print it either.) The system's outputs and
    // Application exist from an earlier render without the credential.
    installFixtureSystem(ws);
    const r = await ws.run('render', ['--skip-verify', '-q']);
    expect(r.code, r.stderr).toBe(0);
    ws.commitAll('zz-kust rendered');
    // Outputs holding a credential (written by hand or by an older version) are what a preview shows.
    const cm = 'overlays/zz-kust/base/zz-kust-settings-configmap.yaml';
    ws.edit(cm, /greeting: .*/, `greeting: postgres://admin:${'Hunter2' + 'Prod'}@db.internal:5432/app`);
    const report = await runPreview({ repoDir: ws.dir, base: 'HEAD', all: true, systems: ['zz-kust'] });
    // The preview masks what the scanner recognises: the diff shows the object, never the credential.
    const md = formatMarkdown(report, { maxChars: 1_000_000 }).join('\n');
    expect(
      report.apps.every((a) => !a.error),
      md.slice(0, 3000),
    ).toBe(true);
    expect(md).toContain('<secret');
    expect(md).not.toContain('Hunter2' + 'Prod');
    expect(scanText(md, 'diff').map((f) => f.rule)).not.toContain('url-credentials');
  });
});
