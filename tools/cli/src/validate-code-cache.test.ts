/**
 * `npm run validate` starts from V8 code caches (the bundle's and each compiled validator's), HMAC-signed with
 * the checkout's integrity key. Bytecode that was not written by this checkout is never loaded: a tampered cache
 * entry is ignored (the run is correct) and replaced by a signed one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..', '..');
const VALIDATE = join(ROOT, 'tools', 'cli', 'bin', 'validate.cjs');
const scratch = mkdtempSync(join(tmpdir(), 'gitops-code-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const INVALID = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: 1}\n';
const ajvCache = join(scratch, 'ajv');
const run = () =>
  spawnSync(process.execPath, ['--max-semi-space-size=1', VALIDATE, '-summary', 'cm.yaml'], {
    cwd: scratch,
    encoding: 'utf8',
    env: { ...process.env, GITOPS_AJV_CACHE: ajvCache },
  });

/** Flip bytes in the bytecode part of every entry (the first 32 or 33 bytes are the signature). */
function tamper(files: string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of files) {
    const b = readFileSync(f);
    for (let i = 40; i < b.length; i += 97) b[i] ^= 0x5a;
    writeFileSync(f, b);
    out.set(f, b);
  }
  return out;
}

describe('signed V8 code caches of the validate command', () => {
  it('are written by a run, used by the next, and a tampered entry is never loaded but replaced', () => {
    writeFileSync(join(scratch, 'cm.yaml'), INVALID);
    const expected =
      /^cm\.yaml - ConfigMap c is invalid: .* - at '\/data\/a': got number, want string\nSummary: 1 resource found in 1 file - Valid: 0, Invalid: 1, Errors: 0, Skipped: 0\n$/;
    const first = run();
    expect(first.stdout).toMatch(expected);
    expect(first.status).toBe(1);
    run(); // a key exists now (created by the first validation): caches are written
    const cliDir = join(ROOT, 'node_modules', '.cache', 'gitops-cli');
    const bundleCaches = readdirSync(cliDir)
      .filter((f) => f.startsWith('validate.cjs.') && f.endsWith('.v8'))
      .map((f) => join(cliDir, f));
    const ajvCaches = readdirSync(ajvCache, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.v8'))
      .map((f) => join(ajvCache, f));
    expect(bundleCaches.length).toBeGreaterThan(0);
    expect(ajvCaches.length).toBeGreaterThan(0);
    const tampered = tamper([...bundleCaches, ...ajvCaches]);
    const again = run();
    expect(again.stdout).toMatch(expected);
    expect(again.status).toBe(1);
    expect(again.stderr).toBe('');
    // Each tampered entry that this run's flags use was replaced by a freshly signed one.
    const replaced = [...tampered].filter(([f, b]) => {
      try {
        return !readFileSync(f).equals(b);
      } catch {
        return true; // removed (an earlier bundle's entry)
      }
    });
    expect(replaced.length).toBeGreaterThanOrEqual(2);
    expect(run().stdout).toMatch(expected);
  }, 120_000);
});
