/**
 * The CLIs run compiled: one esbuild bundle per command in node_modules/.cache/gitops-cli/, rebuilt when
 * any of its inputs (the TypeScript it was built from, package-lock.json) is newer than the bundle. A
 * fresh process then starts in tens of milliseconds instead of transpiling TypeScript at run time.
 */
const { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../../..');
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'gitops-cli');

function isFresh(bundle, meta) {
  if (!existsSync(bundle) || !existsSync(meta)) return false;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(meta, 'utf8')).inputs;
  } catch {
    return false;
  }
  const built = statSync(bundle).mtimeMs;
  for (const f of [...inputs, 'package-lock.json']) {
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
    packages: 'external',
  });
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'));
  writeFileSync(`${meta}.${process.pid}.tmp`, JSON.stringify({ inputs }));
  renameSync(`${meta}.${process.pid}.tmp`, meta);
  renameSync(tmp, bundle);
  return bundle;
}

module.exports = { ensureBuilt, OUT_DIR };
