/**
 * Integrity of what the validator reads from caches: the generated schema folder and the compiled-validator
 * cache. Both are signed with HMAC-SHA256 under a per-checkout key (`node_modules/.cache/gitops-integrity.key`,
 * 32 random bytes, mode 0600, created on first use), so a file edited, swapped or planted in a cache —
 * by a tool, a bad merge, a restored CI cache, a disk error — is detected and never used: a schema file that
 * does not match its recorded digest is refused; a cached validator whose signature does not match is not
 * executed (it is recompiled). Whoever can read the key (the same user) can forge signatures: this is an
 * integrity check, not a defence against code running as you.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ValidationConfigError } from './errors';
const WORKSPACE_ROOT = resolve(__dirname, '../../..');

/** Where the key is kept: `$GITOPS_INTEGRITY_KEY`, else `node_modules/.cache/gitops-integrity.key`. */
export function integrityKeyFile(): string {
  return resolve(
    process.env.GITOPS_INTEGRITY_KEY ??
      join(WORKSPACE_ROOT, 'node_modules', '.cache', 'gitops-integrity.key'),
  );
}

let cached: { file: string; key: Buffer } | undefined;

/** The checkout's signing key, created (exclusively, 0600) on first use. */
export function integrityKey(): Buffer {
  const file = integrityKeyFile();
  if (cached?.file === file) return cached.key;
  let key: Buffer | undefined;
  try {
    key = readFileSync(file);
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err;
  }
  if (key && key.length !== 32) {
    // Never overwritten: $GITOPS_INTEGRITY_KEY may name any file, and a file that is not a key is not ours.
    throw new ValidationConfigError(
      `${file}: not an integrity key (${key.length} bytes, expected 32); refusing to replace it — ` +
        `delete it if it is the checkout's key (node_modules/.cache/gitops-integrity.key), or point GITOPS_INTEGRITY_KEY elsewhere`,
    );
  }
  if (!key) {
    mkdirSync(dirname(file), { recursive: true });
    const fresh = randomBytes(32);
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, fresh);
      } finally {
        closeSync(fd);
      }
      key = fresh;
    } catch (err: any) {
      if (err?.code !== 'EEXIST') throw err;
      key = readFileSync(file); // another process created it first
    }
  }
  cached = { file, key };
  return key;
}

/** HMAC-SHA256 (hex) of the parts, separated unambiguously. */
export function sign(...parts: (string | Buffer)[]): string {
  const h = createHmac('sha256', integrityKey());
  for (const p of parts) h.update(`${Buffer.byteLength(p)}:`).update(p);
  return h.digest('hex');
}

export function verifySignature(signature: string, ...parts: (string | Buffer)[]): boolean {
  const want = Buffer.from(sign(...parts), 'hex');
  const got = Buffer.from(/^[0-9a-f]{64}$/.test(signature) ? signature : '', 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
