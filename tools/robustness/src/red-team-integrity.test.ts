/**
 * Red team, part two: integrity of what is executed or trusted (binaries swapped mid-run, a poisoned
 * compile cache, a tampered schema folder), schema sources that are malformed or point elsewhere, commands
 * that must never delete what they did not write, and values the API server would refuse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getToolchain, helmTemplate, kustomizeBuild, ToolchainError, TOOLCHAINS } from '@gitops/toolchain';
import { createHash } from 'node:crypto';
import { writeLock } from '@gitops/images';
import { generateSchemas, integrityKey, readSchemaFile } from '@gitops/validation';
import { SignedCache } from '../../cli/src/verify-cache';
import { expectOutputsUntouched, expectUserError } from './contract';
import {
  installFixtureSystem,
  REPO_ROOT,
  runProcess,
  runRepoCli,
  PLATFORM_WITHOUT_SYSTEMS,
  ScratchWorkspace,
} from './throwaway-workspace';

const scratch: string[] = [];
function tempDir(label: string): string {
  const d = mkdtempSync(join(tmpdir(), `gitops-red-team-${label}-`));
  scratch.push(d);
  return d;
}
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

const INVALID_CONFIGMAP =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: x\ndata:\n  n: 1\n';

describe('binaries are verified at each use, not once per process', () => {
  const spec = TOOLCHAINS.v35;
  let dir: string;
  let chart: string;
  beforeAll(() => {
    const real = getToolchain('v35');
    dir = tempDir('toolchain');
    const folder = join(dir, `v35-${spec.helmVersion}-${spec.kubectlVersion}`);
    mkdirSync(join(folder, 'helm'), { recursive: true });
    mkdirSync(join(folder, 'kubectl'), { recursive: true });
    copyFileSync(real.helm, join(folder, 'helm', 'helm'));
    copyFileSync(real.kubectl, join(folder, 'kubectl', 'kubectl'));
    chart = tempDir('chart');
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
    mkdirSync(join(chart, 'templates'));
    writeFileSync(
      join(chart, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
    );
  });

  it('a helm binary swapped after verification (same process, next render) is refused, not run', () => {
    const before = process.env.GITOPS_TOOLCHAIN_DIR;
    process.env.GITOPS_TOOLCHAIN_DIR = dir;
    try {
      const o = { chartDir: chart, releaseName: 'c', namespace: 'x', toolchain: 'v35' as const };
      expect(helmTemplate(o)).toContain('kind: ConfigMap');
      const helm = getToolchain('v35').helm;
      // An attacker replaces the file at the path (a rename over it: the inode changes).
      writeFileSync(`${helm}.evil`, '#!/bin/sh\necho "kind: Evil"\n', { mode: 0o755 });
      renameSync(`${helm}.evil`, helm);
      let err: unknown;
      try {
        helmTemplate(o);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ToolchainError);
      expect((err as Error).message).toMatch(
        /helm\/helm: the helm binary was replaced after it was verified/,
      );
    } finally {
      if (before === undefined) delete process.env.GITOPS_TOOLCHAIN_DIR;
      else process.env.GITOPS_TOOLCHAIN_DIR = before;
    }
  });

  it('a kubectl binary modified in place after verification is refused (its content is hashed again)', () => {
    const before = process.env.GITOPS_TOOLCHAIN_DIR;
    process.env.GITOPS_TOOLCHAIN_DIR = dir;
    try {
      const kubectl = getToolchain('v35').kubectl;
      const overlay = tempDir('overlay');
      writeFileSync(join(overlay, 'kustomization.yaml'), 'resources: [cm.yaml]\n');
      writeFileSync(join(overlay, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n');
      expect(kustomizeBuild(overlay, 'v35')).toContain('kind: ConfigMap');
      const bytes = readFileSync(kubectl);
      bytes[bytes.length - 10] ^= 0xff;
      writeFileSync(kubectl, bytes); // same inode, new content
      expect(() => kustomizeBuild(overlay, 'v35')).toThrow(
        /kubectl: sha256 .* does not match the pinned .*changed after it was verified/,
      );
    } finally {
      if (before === undefined) delete process.env.GITOPS_TOOLCHAIN_DIR;
      else process.env.GITOPS_TOOLCHAIN_DIR = before;
    }
  });
});

describe('caches are signed: nothing unsigned is executed or trusted', () => {
  it('a poisoned compile cache (every entry replaced by "valid") never makes an invalid ConfigMap pass', async () => {
    const cache = tempDir('ajv-cache');
    const file = join(tempDir('manifest'), 'cm.yaml');
    writeFileSync(file, INVALID_CONFIGMAP);
    const env = { GITOPS_AJV_CACHE: cache };
    const first = await runRepoCli('validate', ['-strict', '-summary', file], { env });
    expect(first.code, first.stdout + first.stderr).toBe(1);
    expect(first.stdout).toContain('ConfigMap c is invalid');
    const entries = readdirSync(cache, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.cjs'));
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      const text = readFileSync(join(cache, e), 'utf8');
      const signature = text.split('\n')[0];
      // Keep the signature line, swap the code: and plant an unsigned entry beside.
      writeFileSync(
        join(cache, e),
        `${signature}\nmodule.exports = function validate() { return true; };\nmodule.exports.default = module.exports;\n`,
      );
    }
    const again = await runRepoCli('validate', ['-strict', '-summary', file], { env });
    expect(again.code, again.stdout + again.stderr).toBe(1);
    expect(again.stdout).toContain('ConfigMap c is invalid');
    // The entries were replaced by freshly compiled, signed ones.
    for (const e of entries) expect(readFileSync(join(cache, e), 'utf8')).not.toContain('return true; }');
  });

  it('a generated schema edited after generation is refused with the file named (exit 1)', async () => {
    const out = join(tempDir('schemas'), 'gen');
    const gen = await runRepoCli('schemas', ['-output', out], { timeoutMs: 180_000 });
    expect(gen.code, gen.stderr).toBe(0);
    const schema = join(out, 'v1.31.0-standalone-strict', 'configmap-v1.json');
    expect(existsSync(schema)).toBe(true);
    writeFileSync(schema, '{}\n'); // accepts anything
    const file = join(tempDir('manifest2'), 'cm.yaml');
    writeFileSync(file, INVALID_CONFIGMAP);
    const r = await runRepoCli('validate', ['-strict', '-kubernetes-version', '1.31.0', file], {
      env: { GITOPS_SCHEMAS_DIR: out, GITOPS_AJV_CACHE: 'off' },
    });
    expectUserError(r, [schema, 'differs from the', 'recorded when it was generated']);
  });
});

describe('a reader never trips over a concurrent regeneration of the schema folder', () => {
  /** A one-kind schema source; `note` changes the generated content (so old and new files differ). */
  function tinySource(note: string): string {
    const s = tempDir('tiny-src');
    mkdirSync(join(s, 'kubernetes', 'v1.31.0'), { recursive: true });
    writeFileSync(
      join(s, 'kubernetes', 'v1.31.0', '_definitions.json'),
      JSON.stringify({
        definitions: {
          'io.k8s.api.core.v1.ConfigMap': {
            type: 'object',
            properties: {
              data: { type: 'object', additionalProperties: { type: 'string' } },
              [note]: { type: 'string' },
            },
            'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'ConfigMap' }],
          },
        },
      }),
    );
    return s;
  }

  it('a read in the instant between the two renames waits for the new folder instead of reporting it missing', async () => {
    const out = join(tempDir('gap'), 'gen');
    generateSchemas({ source: tinySource('first'), out });
    const file = join(out, 'v1.31.0-standalone-strict', 'configmap-v1.json');
    // The state between generateSchemas' two renames: the old folder moved aside, the new one not yet in.
    const aside = `${out}.old-${process.pid}-1`;
    renameSync(out, aside);
    const child = runProcess(
      process.execPath,
      [
        '-e',
        `setTimeout(() => require('fs').renameSync(${JSON.stringify(aside)}, ${JSON.stringify(out)}), 400)`,
      ],
      tmpdir(),
    );
    const t = Date.now();
    const read = readSchemaFile(file); // blocks, re-checking the marker, until the folder is back
    expect(Date.now() - t).toBeGreaterThanOrEqual(300);
    expect(read?.text).toContain('"first"');
    expect((await child).code).toBe(0);
    // With no replacement under way, a missing file is simply missing (no wait).
    const t2 = Date.now();
    expect(readSchemaFile(join(out, 'v1.31.0-standalone-strict', 'nothing-v1.json'))).toBeNull();
    expect(Date.now() - t2).toBeLessThan(200);
  });

  it('readers during back-to-back regenerations (different content) always get a verified schema', async () => {
    const out = join(tempDir('churn'), 'gen');
    const sources = [tinySource('alpha'), tinySource('beta')];
    generateSchemas({ source: sources[0], out });
    const file = join(out, 'v1.31.0-standalone-strict', 'configmap-v1.json');
    const script = join(tempDir('churn-script'), 'churn.ts');
    writeFileSync(
      script,
      `import { generateSchemas } from '@gitops/validation';\n` +
        `const sources = ${JSON.stringify(sources)};\n` +
        `process.stderr.write('started\\n');\n` +
        `const until = Date.now() + 4000;\nlet n = 0;\n` +
        `while (Date.now() < until) generateSchemas({ source: sources[n++ % 2], out: ${JSON.stringify(out)} });\n` +
        `console.log(n);\n`,
    );
    let started!: () => void;
    const running = new Promise<void>((res) => (started = res));
    const churn = runProcess(join(REPO_ROOT, 'node_modules/.bin/tsx'), [script], REPO_ROOT, {
      timeoutMs: 60_000,
      onStderr: (e) => e.includes('started') && started(),
    });
    await Promise.race([running, churn]);
    let reads = 0;
    const seen = new Set<string>();
    const until = Date.now() + 3000;
    let done = false;
    void churn.then(() => (done = true));
    while (Date.now() < until && !done) {
      const r = readSchemaFile(file); // throws on a digest mismatch; null when missing
      expect(r, `read ${reads}`).not.toBeNull();
      seen.add(r!.text.includes('"alpha"') ? 'alpha' : 'beta');
      reads++;
      if (reads % 50 === 0) await new Promise((res) => setImmediate(res));
    }
    const c = await churn;
    expect(c.code, c.stderr).toBe(0);
    expect(Number(c.stdout.trim())).toBeGreaterThan(5); // the folder really was replaced, repeatedly
    expect(reads).toBeGreaterThan(100);
    expect(seen.size).toBe(2);
  });
});

describe('environment variables that name paths never overwrite or delete what the command did not write', () => {
  it('GITOPS_INTEGRITY_KEY naming a file that is not a key: refused, the file kept (it was overwritten before)', () => {
    const file = join(tempDir('not-a-key'), 'id_rsa');
    writeFileSync(file, 'my own file\n');
    const before = process.env.GITOPS_INTEGRITY_KEY;
    process.env.GITOPS_INTEGRITY_KEY = file;
    try {
      expect(() => integrityKey()).toThrow(
        /id_rsa: not an integrity key \(12 bytes, expected 32\); refusing to replace it/,
      );
    } finally {
      if (before === undefined) delete process.env.GITOPS_INTEGRITY_KEY;
      else process.env.GITOPS_INTEGRITY_KEY = before;
    }
    expect(readFileSync(file, 'utf8')).toBe('my own file\n');
  });

  it('GITOPS_TS_CACHE_DIR naming a folder with other files: prepare removes only its own stale entries', async () => {
    const dir = tempDir('ts-cache');
    mkdirSync(join(dir, 'ab'));
    mkdirSync(join(dir, 'docs'));
    const mine = [
      join(dir, 'ab', 'notes.txt'),
      join(dir, 'ab', 'script.js'),
      join(dir, 'docs', 'x.js'),
      join(dir, 'top.js'),
    ];
    for (const f of mine) writeFileSync(f, 'keep\n');
    const stale = join(dir, 'ab', `ab${'0'.repeat(62)}.js`);
    writeFileSync(stale, 'stale entry\n');
    const r = await runProcess(process.execPath, ['tools/cli/bin/build.cjs', '--quiet'], REPO_ROOT, {
      env: { GITOPS_TS_CACHE_DIR: dir },
      timeoutMs: 180_000,
    });
    expect(r.code, r.stderr).toBe(0);
    for (const f of mine) expect(readFileSync(f, 'utf8'), f).toBe('keep\n');
    expect(existsSync(stale)).toBe(false);
  });

  it('a cache folder (GITOPS_VERIFY_CACHE_DIR, GITOPS_RENDER_CACHE_DIR) with other .json files: pruning keeps them', () => {
    const dir = tempDir('signed-cache');
    writeFileSync(join(dir, 'settings.json'), '{}\n');
    const cache = new SignedCache(dir, 'test-format/1');
    for (let i = 0; i < 5; i++) cache.put(createHash('sha256').update(String(i)).digest('hex'), { i });
    cache.prune(2);
    const left = readdirSync(dir).sort();
    expect(left).toContain('settings.json');
    expect(left.filter((n) => /^[0-9a-f]{64}\.json$/.test(n))).toHaveLength(2);
  });

  it('an image lock is written through a fresh temporary file, never through one planted at its name', () => {
    const dir = tempDir('lock');
    const victim = join(tempDir('lock-victim'), 'precious.txt');
    writeFileSync(victim, 'precious\n');
    const file = join(dir, 'images.lock.yaml');
    symlinkSync(victim, `${file}.tmp-${process.pid}`);
    expect(() => writeLock(file, { system: 'zz', environments: {} })).toThrow(/EEXIST/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(existsSync(file)).toBe(false);
  });
});

describe('the compiled TypeScript cache (dist/ts-cache) runs only what this checkout compiled and signed', () => {
  it('a planted entry at a source’s address (with the key in its trailer) is never executed', async () => {
    const dir = tempDir('ts-cache-planted');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { keyOf } = require(join(REPO_ROOT, 'tools/cli/bin/ts-hook.cjs'));
    const file = join(REPO_ROOT, 'tools/cli/src/chart-version.ts');
    const key: string = keyOf(file, readFileSync(file, 'utf8'));
    const entry = join(dir, key.slice(0, 2), `${key}.js`);
    mkdirSync(join(dir, key.slice(0, 2)), { recursive: true });
    const evil = "process.stdout.write('EVIL'); process.exit(9);";
    const forged = [
      `${evil}\n//# gitops-ts-cache ${key}\n`, // the unsigned trailer of before
      `${evil}\n//# gitops-ts-cache ${key} ${'0'.repeat(64)}\n`, // a forged MAC
    ];
    for (const text of forged) {
      writeFileSync(entry, text);
      const r = await runProcess(
        process.execPath,
        ['tools/cli/bin/gitops.cjs', 'chart-version', '--help'],
        REPO_ROOT,
        {
          env: { GITOPS_TS_CACHE_DIR: dir },
          timeoutMs: 60_000,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('EVIL');
      // Replaced by the compiled, signed entry.
      expect(readFileSync(entry, 'utf8')).not.toContain('EVIL');
      expect(readFileSync(entry, 'utf8')).toMatch(new RegExp(`//# gitops-ts-cache ${key} [0-9a-f]{64}\\n$`));
    }
  });
});

describe('schema sources and outputs', () => {
  const source = () => {
    const s = tempDir('schema-src');
    mkdirSync(join(s, 'kubernetes', 'v1.31.0'), { recursive: true });
    return s;
  };

  it('schemas -output <an existing folder with other files>: refused, the files kept', async () => {
    const out = tempDir('existing');
    writeFileSync(join(out, 'notes.md'), 'mine\n');
    const r = await runRepoCli('schemas', ['-output', out, '-kubernetes-version', '1.31.0']);
    expectUserError(r, [out, 'was not generated by this command']);
    expect(readFileSync(join(out, 'notes.md'), 'utf8')).toBe('mine\n');
  });

  it('a malformed _definitions.json: exit 1 naming the file', async () => {
    const s = source();
    writeFileSync(join(s, 'kubernetes', 'v1.31.0', '_definitions.json'), '{"definitions": {"a": ');
    const r = await runRepoCli('schemas', ['-source', s, '-output', join(tempDir('o1'), 'x')]);
    expectUserError(r, [join(s, 'kubernetes', 'v1.31.0', '_definitions.json'), 'not valid JSON']);
  });

  it('a remote $ref: exit 1 naming the file, nothing fetched', async () => {
    const s = source();
    writeFileSync(
      join(s, 'kubernetes', 'v1.31.0', '_definitions.json'),
      JSON.stringify({
        definitions: {
          'io.k8s.api.core.v1.ConfigMap': {
            type: 'object',
            properties: { data: { $ref: 'https://evil.example.com/schema.json' } },
            'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'ConfigMap' }],
          },
        },
      }),
    );
    const r = await runRepoCli('schemas', ['-source', s, '-output', join(tempDir('o2'), 'x')]);
    expectUserError(r, [
      join(s, 'kubernetes', 'v1.31.0', '_definitions.json'),
      'remote references are never fetched',
    ]);
  });
});

describe('values the API server would refuse are refused before anything is written', () => {
  let ws: ScratchWorkspace;
  beforeAll(async () => {
    ws = ScratchWorkspace.create('api-limits', {
      include: PLATFORM_WITHOUT_SYSTEMS,
    });
    installFixtureSystem(ws);
    const r = await ws.run('render', ['--skip-verify', '-q']);
    expect(r.code, r.stderr).toBe(0);
    ws.commitAll('rendered');
  });
  afterAll(() => ws?.dispose());

  const ENV = 'apps/zz-kust/src/environments.ts';
  const cases: [string, string, string, (string | RegExp)[]][] = [
    ['replicas 2^31 (int32 overflow)', 'replicas: 1,', 'replicas: 2147483648,', ['replicas', 'int32']],
    [
      'a CIDR Go refuses (010.000.000.000/8)',
      "allowedCidrs: ['10.0.0.0/16'],",
      "allowedCidrs: ['010.000.000.000/8'],",
      ['allowedCidrs.0', 'leading zeros'],
    ],
    [
      'an API server that is not https (file:///etc/passwd)',
      'server: `https://${name}.example.com`,',
      "server: 'file:///etc/passwd',",
      ['cluster.server', 'https://'],
    ],
    [
      'a 2 MB ConfigMap (API server limit 1 MiB)',
      "greeting: 'hello',",
      "greeting: 'x'.repeat(2_000_000),",
      ['ConfigMap data is', 'refuses more than 1048576 bytes'],
    ],
    [
      'an AWS key pair, a PEM private key and a base64 password in values',
      "greeting: 'hello',",
      `greeting: ['${['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('')}', 'aws_secret_access_key=${['wJalrXUtnFEMI', 'K7MDENG', 'bPxRfiCYEXAMPLEKEY'].join('/')}', '${['-----BEGIN', 'RSA PRIVATE KEY-----'].join(' ')}', '${Buffer.from('password=hunter2-prod').toString('base64')}'].join(' '),`,
      ['secret material', 'aws-access-key', 'aws-secret-key', 'private-key', 'base64 inline-credential'],
    ],
  ];
  it('a credential as an env literal in build() (not a value): refused from the emitted files, redacted', async () => {
    const literal = ['hunter2', 'prod', 'literal'].join('-');
    ws.edit(
      'apps/zz-kust/src/system.ts',
      'build(chart, v) {',
      `build(chart, v) {
    new ApiObject(chart, 'worker', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'zz-kust-worker' },
      spec: { containers: [{ name: 'w', image: \`\${v.image.repository}:\${v.image.tag}\`, env: [{ name: 'DB_PASSWORD', value: '${literal}' }] }] },
    });`,
    );
    try {
      const r = await ws.run('render', ['--skip-verify', '-q'], { timeoutMs: 90_000 });
      expectUserError(r, ['secret material', 'env-credential', 'DB_PASSWORD', 'overlays/zz-kust/']);
      expect(`${r.stdout}${r.stderr}`).not.toContain(literal);
      expectOutputsUntouched(ws);
    } finally {
      ws.reset();
    }
  });

  for (const [title, from, to, mentions] of cases) {
    it(title, async () => {
      ws.edit(ENV, from, to);
      try {
        const r = await ws.run('render', ['--skip-verify', '-q'], { timeoutMs: 90_000 });
        expectUserError(r, mentions);
        for (const secret of ['IOSFODNN7EXAMPLE', 'bPxRfiCYEXAMPLEKEY', 'hunter2-prod'])
          expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
        expectOutputsUntouched(ws);
      } finally {
        ws.reset();
      }
    });
  }
});

void REPO_ROOT;
