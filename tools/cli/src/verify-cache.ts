/**
 * Content-addressed cache of verification results, so `npm run render` does not run helm and kustomize
 * again (nor the schemas and policies) for outputs whose inputs did not change.
 *
 * An entry says "this system × environment verified clean" and keeps what helm and kustomize rendered
 * (the sync plan reads it). Its key is a sha256 over everything that can change the result:
 *  - the target (system, environment, namespace, Kubernetes version) and the synthesis it is compared with;
 *  - every file of `charts/<system>/` and `overlays/<system>/` as staged for this render (read from disk:
 *    what helm and kustomize read);
 *  - the toolchain: its id and the sha256 of the helm and kubectl binaries actually executed;
 *  - the generated schema folder's signed marker (source, versions, fingerprint, digest of every file);
 *  - the code of the checks: every library source (`libs/<lib>/src`, tests excluded), this folder's
 *    verification code and `package-lock.json` (validator, YAML parser, ajv versions).
 * Only successes are stored; a failure is verified again every time. Entries live in
 * `node_modules/.cache/gitops-verify/` (`$GITOPS_VERIFY_CACHE_DIR`), a folder this command owns, each
 * signed with HMAC-SHA256 under the checkout's integrity key (libs/validation/src/integrity.ts) over its
 * key and content: an entry edited, truncated, planted or copied under another key is not used (the target
 * is verified again). CI starts without the folder, so it always verifies from scratch.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { canonical, WORKSPACE_ROOT, type ParityTarget } from '@gitops/render';
import { getToolchain, type K8sObject, type ToolchainId } from '@gitops/toolchain';
import { ensureSchemaDir, sha256, sign, verifySignature } from '@gitops/validation';

const FORMAT = 'gitops-verify-cache/1';
/** Entries kept at most; beyond that the least recently used are removed. */
const MAX_ENTRIES = 20_000;

/** What every key shares: toolchain, schemas, code. Computed once per process. */
export interface VerifyFingerprint {
  readonly toolchain: string;
  readonly schemas: string;
  readonly code: string;
}

/** Files (sorted, relative to `root`) under `dir`, recursively; `filter` on the relative path. */
export function listFiles(
  root: string,
  dir: string,
  filter: (rel: string) => boolean = () => true,
): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (err: any) {
      if (err?.code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (e.isFile() || e.isSymbolicLink()) {
        const rel = relative(root, p);
        if (filter(rel)) out.push(rel);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** sha256 over the paths and contents of files (length-prefixed, so no two file sets collide). */
export function hashFiles(root: string, files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    const body = readFileSync(join(root, f));
    h.update(`${Buffer.byteLength(f)}:${f}${body.length}:`).update(body);
  }
  return h.digest('hex');
}

/** The code the verification runs: library sources (tests excluded), the CLI's verification, the lockfile. */
export function codeVersion(workspaceRoot = WORKSPACE_ROOT): string {
  const libs = listFiles(
    workspaceRoot,
    join(workspaceRoot, 'libs'),
    (rel) =>
      /^libs\/[^/]+\/src\//.test(rel) && /\.(ts|js|cjs|mjs|json)$/.test(rel) && !/\.test\.ts$/.test(rel),
  );
  const cli = ['tools/cli/src/verify.ts', 'tools/cli/src/verify-cache.ts', 'package-lock.json'].filter((f) =>
    existsSync(join(workspaceRoot, f)),
  );
  return hashFiles(workspaceRoot, [...libs, ...cli]);
}

/** The fingerprint of this checkout's verification (binaries, schema folder, code). */
export function verifyFingerprint(toolchain: ToolchainId, workspaceRoot = WORKSPACE_ROOT): VerifyFingerprint {
  const tc = getToolchain(toolchain);
  const marker = join(ensureSchemaDir(), '.gitops-schemas.json');
  return {
    toolchain: `${toolchain}:helm=${tc.binaries.helm.sha256}:kubectl=${tc.binaries.kubectl.sha256}`,
    schemas: sha256(readFileSync(marker)),
    code: codeVersion(workspaceRoot),
  };
}

/** What a cached success keeps: the objects each form rendered. */
export interface CachedTarget {
  readonly helm: readonly K8sObject[];
  readonly kustomize: readonly K8sObject[];
  readonly resources: number;
}

/**
 * Signed entries by key, in a folder the command owns: each entry is HMAC-SHA256-signed (checkout
 * integrity key) over its format, key and payload; one that does not verify is removed and never used.
 */
export class SignedCache {
  readonly dir: string;
  private writes = 0;
  /** Entries used, absent, and refused (edited, relocated, unreadable), in this process. */
  readonly stats = { hits: 0, misses: 0, rejected: 0 };

  constructor(
    dir: string,
    private readonly format: string,
  ) {
    this.dir = resolve(dir);
  }

  private file(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  /** The cached value for a key, or undefined (absent, unreadable, or its signature does not match). */
  get<T>(key: string): T | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(key), 'utf8');
    } catch {
      this.stats.misses++;
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as { key: string; payload: string; signature: string };
      if (
        entry.key === key &&
        typeof entry.payload === 'string' &&
        typeof entry.signature === 'string' &&
        verifySignature(entry.signature, this.format, key, entry.payload)
      ) {
        this.stats.hits++;
        return JSON.parse(entry.payload) as T;
      }
    } catch {
      // unreadable: recomputed, and the entry replaced
    }
    this.stats.rejected++;
    rmSync(this.file(key), { force: true });
    return undefined;
  }

  /** Record a value (written atomically: a reader sees the old entry, the new one, or none). */
  put(key: string, value: unknown): void {
    const payload = JSON.stringify(value);
    const text = JSON.stringify({ key, payload, signature: sign(this.format, key, payload) });
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${key}.${process.pid}.tmp`);
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, this.file(key));
    this.writes++;
  }

  /** Remove the least recently written entries beyond `max` (only after this process wrote). */
  prune(max = MAX_ENTRIES): void {
    if (!this.writes || !existsSync(this.dir)) return;
    // Only this cache's entries (<sha256>.json): the folder may be any (GITOPS_*_CACHE_DIR).
    const names = readdirSync(this.dir).filter((n) => /^[0-9a-f]{64}\.json$/.test(n));
    if (names.length <= max) return;
    const byAge = names
      .map((n) => ({ n, t: statSync(join(this.dir, n), { throwIfNoEntry: false } as any)?.mtimeMs ?? 0 }))
      .sort((a, b) => a.t - b.t);
    for (const { n } of byAge.slice(0, names.length - max)) rmSync(join(this.dir, n), { force: true });
  }
}

/** sha256 of length-prefixed parts. */
export function keyOf(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${Buffer.byteLength(p)}:${p}`);
  return h.digest('hex');
}

export class VerifyCache extends SignedCache {
  constructor(
    readonly fingerprint: VerifyFingerprint,
    dir = process.env.GITOPS_VERIFY_CACHE_DIR ??
      join(WORKSPACE_ROOT, 'node_modules', '.cache', 'gitops-verify'),
  ) {
    super(dir, FORMAT);
  }

  /** The key of one system × environment staged under `outputDir`. */
  targetKey(outputDir: string, t: ParityTarget): string {
    const files = [
      ...listFiles(outputDir, join(outputDir, 'charts', t.system)),
      ...listFiles(outputDir, join(outputDir, 'overlays', t.system)),
    ];
    return this.key(
      'target',
      JSON.stringify([t.system, t.environment, t.namespace, t.kubeVersion]),
      canonical(t.expected),
      hashFiles(outputDir, files),
    );
  }

  /** The key of the Argo CD objects staged under `outputDir/overlays/argocd`. */
  argoKey(outputDir: string, kubeVersion: string): string {
    const files = listFiles(outputDir, join(outputDir, 'overlays', 'argocd'));
    return this.key('argocd', kubeVersion, hashFiles(outputDir, files));
  }

  private key(...parts: string[]): string {
    const f = this.fingerprint;
    return keyOf(FORMAT, f.toolchain, f.schemas, f.code, ...parts);
  }
}
