/**
 * How the compiled command-line tools run TypeScript without transpiling it at every start.
 *
 * Every `.ts` file a command loads — the tool itself, the `@gitops/*` libraries and the systems' own
 * `apps/<system>/src/*.ts`, which are user code loaded at render time — is compiled once by esbuild (TypeScript
 * → CommonJS, inline source map) into a content-addressed cache, `dist/ts-cache/<sha256>.js`, the key being the
 * hash of the file's path, its content and the compiler settings. A start therefore reads each source it
 * needs, hashes it (microseconds) and loads the cached JavaScript; esbuild itself is loaded only when a file
 * changed. `npm ci` fills the cache ahead of time (`prepare`: tools/cli/bin/build.cjs), so a clean clone
 * never compiles at run time; an edited file is recompiled on its first use, so the cache can never serve
 * stale code (the key is the content), and a cache entry is only used when its trailer names its own key (a
 * write cut short is recompiled, never executed).
 *
 * Modules are loaded on demand, exactly like `require`: a command pays only for what it imports, and
 * `import()` in the sources stays lazy. There is one copy of every module: a system's `@gitops/platform`
 * import and the CLI's resolve to the same file (tsconfig.base.json `paths`), so `instanceof` and module state
 * behave as under tsx or vitest. Stack traces through the systems' code point at its TypeScript lines (source
 * maps; all files' with GITOPS_SOURCE_MAPS=all).
 *
 * `tsx` remains the development runner (tests, `tsx tools/cli/src/<command>.ts`); both run the same sources.
 */
'use strict';
const { createHash, createHmac, randomBytes, timingSafeEqual } = require('node:crypto');
const { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } = require('node:fs');
const Module = require('node:module');
const { basename, dirname, join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../../..');
/** The cache folder: dist/ts-cache of this checkout, or $GITOPS_TS_CACHE_DIR (e.g. one cache for several copies). */
const CACHE_DIR = process.env.GITOPS_TS_CACHE_DIR ? resolve(process.env.GITOPS_TS_CACHE_DIR) : join(ROOT, 'dist', 'ts-cache');
/** Changes with the compiler and its settings: any change gives new keys. */
const TRANSFORM = {
  loader: 'ts',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  legalComments: 'none',
  // import() becomes require(): a system's .ts file loads through this hook (Node's ESM loader knows no .ts).
  supported: { 'dynamic-import': false },
};

let salt;
function compilerSalt() {
  if (salt === undefined) {
    let version = 'unknown';
    try {
      version = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version;
    } catch {
      // esbuild missing: compile() reports it
    }
    salt = `gitops-ts-cache/1 esbuild ${version} ${JSON.stringify(TRANSFORM)}\0`;
  }
  return salt;
}

/**
 * The cache key: compiler settings, file name and content. The output depends on nothing else: the source map
 * names the file by its base name, which resolves next to the module wherever the checkout lives.
 */
const keyOf = (filename, source) =>
  createHash('sha256').update(compilerSalt()).update(basename(filename)).update('\0').update(source).digest('hex');
/**
 * The checkout's integrity key (libs/validation/src/integrity.ts: `$GITOPS_INTEGRITY_KEY`, else
 * node_modules/.cache/gitops-integrity.key; 32 random bytes, 0600, created on first use, never overwriting a
 * file that is not a key). Undefined when it can be neither read nor created: then nothing is cached.
 */
let integrity;
function integrityKey() {
  if (integrity !== undefined) return integrity || undefined;
  const file = resolve(process.env.GITOPS_INTEGRITY_KEY ?? join(ROOT, 'node_modules', '.cache', 'gitops-integrity.key'));
  integrity = null;
  try {
    const key = readFileSync(file);
    if (key.length === 32) integrity = key;
    return integrity || undefined;
  } catch (err) {
    if (err?.code !== 'ENOENT') return undefined;
  }
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fresh = randomBytes(32);
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, fresh);
    } finally {
      closeSync(fd);
    }
    integrity = fresh;
  } catch {
    try {
      const key = readFileSync(file); // created by another process meanwhile
      if (key.length === 32) integrity = key;
    } catch {
      // no key: run without the cache
    }
  }
  return integrity || undefined;
}

/** HMAC-SHA256 of the entry's key and code under the integrity key (hex), or undefined without a key. */
function macOf(key, code) {
  const k = integrityKey();
  return k && createHmac('sha256', k).update(`gitops-ts-cache\0${key}\0`).update(code).digest('hex');
}

/**
 * An entry ends with its key and the HMAC of its code: a cached file is executed only when both match, so
 * code this checkout did not compile (a planted or edited entry, a restored cache from elsewhere) never runs.
 */
const trailerOf = (key, code) => `\n//# gitops-ts-cache ${key} ${macOf(key, code)}\n`;
const entryOf = (key) => join(CACHE_DIR, key.slice(0, 2), `${key}.js`);

let esbuild;
/** Compile one TypeScript source (esbuild's own error on a syntax error, as tsx reports it). */
function transform(filename, source) {
  esbuild ??= require('esbuild');
  try {
    return esbuild.transformSync(source, { ...TRANSFORM, sourcefile: basename(filename) }).code;
  } catch (err) {
    // The error names the file by its full path, as tsx reports it (the CLIs print it relative to the cwd).
    esbuild.transformSync(source, { ...TRANSFORM, sourcefile: filename });
    throw err;
  }
}

/** The JavaScript of `filename`: from the cache when present and whole, else compiled and stored. */
function compile(filename, source = readFileSync(filename, 'utf8')) {
  const key = keyOf(filename, source);
  const entry = entryOf(key);
  const signed = integrityKey() !== undefined;
  if (signed) {
    try {
      const cached = readFileSync(entry, 'utf8');
      const at = cached.lastIndexOf('\n//# gitops-ts-cache ');
      const body = at >= 0 ? cached.slice(0, at) : '';
      const want = Buffer.from(trailerOf(key, body));
      const got = Buffer.from(cached.slice(at));
      if (at >= 0 && got.length === want.length && timingSafeEqual(got, want)) return { code: cached, hit: true, key };
    } catch {
      // not cached yet
    }
  }
  const body = transform(filename, source);
  if (!signed) return { code: body, hit: false, key }; // no key: compiled in memory, not cached
  const code = body + trailerOf(key, body);
  try {
    mkdirSync(dirname(entry), { recursive: true });
    const tmp = `${entry}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, entry); // atomic: a concurrent reader sees no entry or the whole entry
  } catch {
    // a read-only checkout: run without caching
  }
  return { code, hit: false, key };
}

/** tsconfig.base.json `paths`: `@gitops/<lib>` → absolute file. */
function aliases() {
  const out = new Map();
  const paths = JSON.parse(readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8')).compilerOptions?.paths ?? {};
  for (const [name, targets] of Object.entries(paths)) {
    if (!name.includes('*') && Array.isArray(targets) && targets[0]) out.set(name, join(ROOT, targets[0]));
  }
  return out;
}

/**
 * Node decodes the inline source map of every module it loads while source maps are on (~1 ms each, a third of
 * a command's start-up). The line numbers that reach users are those of the systems' own code (`apps/…`: a
 * build() error names the author's file and line), so the platform's own modules (libs/, tools/) load without
 * theirs, every other module with it; GITOPS_SOURCE_MAPS=all keeps all (debugging an internal error's stack).
 */
const ALL_MAPS = process.env.GITOPS_SOURCE_MAPS === 'all';
const PLATFORM = [`${join(ROOT, 'libs')}/`, `${join(ROOT, 'tools')}/`];
function withoutForeignMap(filename, code) {
  if (ALL_MAPS || !PLATFORM.some((dir) => filename.startsWith(dir))) return code;
  const at = code.lastIndexOf('\n//# sourceMappingURL=');
  return at < 0 ? code : code.slice(0, at + 1);
}

let registered = false;
/** Install the `.ts` loader and the `@gitops/*` aliases in this process. */
function register() {
  if (registered) return;
  registered = true;
  const alias = aliases();
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    const target = alias.get(request);
    return resolveFilename.call(this, target ?? request, parent, ...rest);
  };
  Module._extensions['.ts'] = function (module, filename) {
    module._compile(withoutForeignMap(filename, compile(filename).code), filename);
  };
  process.setSourceMapsEnabled(true);
}

/** Run `file` (a `.ts` entry point) as the main module: `require.main === module` holds in it. */
function runMain(file, argv = process.argv.slice(2)) {
  register();
  const entry = resolve(ROOT, file);
  process.argv = [process.argv[0], entry, ...argv];
  Module._load(entry, null, true);
}

module.exports = { register, runMain, compile, keyOf, CACHE_DIR, ROOT };
