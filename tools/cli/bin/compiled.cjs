/**
 * The CLIs run compiled: one esbuild bundle per command in node_modules/.cache/gitops-cli/, rebuilt when
 * any of its inputs (the TypeScript it was built from, package-lock.json) is newer than the bundle. A
 * fresh process then starts in tens of milliseconds instead of transpiling TypeScript at run time.
 *
 * Start-up of `validate` is mostly loading code, so:
 * - the small pure-JavaScript packages the files mode needs (js-yaml, yaml, re2js) are bundled in, which
 *   saves resolving and reading ~100 files (yaml alone: ~90 ms unbundled, ~15 ms bundled); everything else
 *   stays an ordinary `require` (renderers, ajv's compiler — loaded only when needed);
 * - `run()` executes the bundle with V8's code cache (`<bundle>.<hash>.v8`): the bytecode of every function
 *   the previous run compiled, so the next run neither parses nor compiles them again. The entry is keyed by
 *   the bundle's SHA-256 and Node's version, and HMAC-signed with the checkout's integrity key
 *   (libs/validation/src/integrity.ts): bytecode not produced here is never loaded. No key yet (nothing
 *   validated in this checkout): no code cache.
 */
const { createHash, createHmac, timingSafeEqual } = require('node:crypto');
const {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const Module = require('node:module');
const { dirname, join, resolve } = require('node:path');
const vm = require('node:vm');

const ROOT = resolve(__dirname, '../../..');
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'gitops-cli');
/** Packages inlined into the bundles (pure JavaScript, no files read relative to their own folder). */
const BUNDLED = ['js-yaml', 'yaml', 're2js'];

function isFresh(bundle, meta) {
  if (!existsSync(bundle) || !existsSync(meta)) return false;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(meta, 'utf8')).inputs;
  } catch {
    return false;
  }
  const built = statSync(bundle).mtimeMs;
  for (const f of [...inputs, 'package-lock.json', 'tools/cli/bin/compiled.cjs']) {
    let st;
    try {
      st = statSync(join(ROOT, f));
    } catch {
      return false;
    }
    if (st.mtimeMs > built) return false;
  }
  return true;
}

/** Every dependency of the workspace except the bundled ones: left to `require` at run time. */
function externals() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => !BUNDLED.includes(n));
  return names.flatMap((n) => [n, `${n}/*`]);
}

/** Build `tools/cli/src/<name>.ts` into the cache unless the bundle is current; returns the bundle path. */
function ensureBuilt(name) {
  const bundle = join(OUT_DIR, `${name}.cjs`);
  const meta = join(OUT_DIR, `${name}.meta.json`);
  if (isFresh(bundle, meta)) return bundle;
  const esbuild = require('esbuild');
  mkdirSync(OUT_DIR, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  const result = esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'tools', 'cli', 'src', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    tsconfig: join(ROOT, 'tsconfig.base.json'),
    outfile: tmp,
    metafile: true,
    logLevel: 'error',
    legalComments: 'none',
    external: externals(),
  });
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'));
  writeFileSync(`${meta}.${process.pid}.tmp`, JSON.stringify({ inputs }));
  renameSync(`${meta}.${process.pid}.tmp`, meta);
  renameSync(tmp, bundle);
  return bundle;
}

function integrityKey() {
  const file = resolve(
    process.env.GITOPS_INTEGRITY_KEY ?? join(ROOT, 'node_modules', '.cache', 'gitops-integrity.key'),
  );
  try {
    const key = readFileSync(file);
    return key.length === 32 ? key : undefined;
  } catch {
    return undefined;
  }
}

const mac = (key, ...parts) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(`${Buffer.byteLength(p)}:`).update(p);
  return h.digest();
};

/** A run that lasted this long compiled the validation path too: its code cache replaces a shorter run's. */
const FULL_RUN_MS = 150;

/**
 * Build (if needed) and run `tools/cli/src/<name>.ts` as this process's program, through V8's code cache.
 * `GITOPS_CODE_CACHE=off` runs it without.
 */
function run(name) {
  const bundle = ensureBuilt(name);
  const source = readFileSync(bundle, 'utf8');
  const key = process.env.GITOPS_CODE_CACHE === 'off' ? undefined : integrityKey();
  // The bundle is only ever replaced by a rename: its inode, size and time identify its content.
  const st = statSync(bundle);
  const hash = createHash('sha256').update(`${st.ino}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 32);
  // V8 refuses a cache made under other flags: one per Node version, architecture and flag set.
  const flags = createHash('sha256').update(process.execArgv.join('\0')).digest('hex').slice(0, 8);
  const cacheFile = `${bundle}.${hash}.${process.version}-${process.arch}-${flags}.v8`;
  let cachedData;
  let full = false;
  if (key) {
    try {
      const entry = readFileSync(cacheFile);
      const data = entry.subarray(33);
      if (entry.length > 33 && timingSafeEqual(entry.subarray(0, 32), mac(key, hash, entry.subarray(32, 33), data))) {
        cachedData = data;
        full = entry[32] === 1;
      }
    } catch {
      // no cache yet
    }
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const accepted = cachedData !== undefined && !script.cachedDataRejected;
  const started = process.hrtime.bigint();
  if (key && (!accepted || !full)) {
    process.once('exit', () => {
      const ranFull = Number(process.hrtime.bigint() - started) / 1e6 >= FULL_RUN_MS;
      if (accepted && !ranFull) return;
      try {
        const data = script.createCachedData();
        const tier = Buffer.from([ranFull ? 1 : 0]);
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, Buffer.concat([mac(key, hash, tier, data), tier, data]));
        renameSync(tmp, cacheFile);
        // Entries of earlier bundles.
        for (const f of readdirSync(OUT_DIR))
          if (f.startsWith(`${name}.cjs.`) && !f.startsWith(`${name}.cjs.${hash}.`) && f.endsWith('.v8'))
            rmSync(join(OUT_DIR, f), { force: true });
      } catch {
        // the code cache is an optimisation only
      }
    });
  }
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(dirname(bundle));
  const req = Module.createRequire(bundle);
  script.runInThisContext()(mod.exports, req, mod, bundle, dirname(bundle));
}

module.exports = { ensureBuilt, run, OUT_DIR };
