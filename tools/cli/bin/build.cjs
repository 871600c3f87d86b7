#!/usr/bin/env node
/**
 * `npm ci` → `prepare`: compile the workspace's TypeScript ahead of time so that no command transpiles at
 * start (see ts-hook.cjs): every non-test `.ts` file under libs/, tools/ and apps/ into the content-addressed
 * cache dist/ts-cache/, and the single-file `validate` bundle. Entries no current file produces are removed
 * (the cache stays the size of the workspace). Safe to re-run; `--quiet` prints nothing on success.
 */
'use strict';
const { readdirSync, readFileSync, rmSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const { compile, keyOf, CACHE_DIR, ROOT } = require('./ts-hook.cjs');

const started = Date.now();
const files = [];
const walk = (dir) => {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'fixtures' && !e.name.startsWith('.')) walk(p);
    } else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'))
      files.push(p);
  }
};
for (const top of ['libs', 'tools', 'apps']) walk(join(ROOT, top));

const keep = new Set();
let compiled = 0;
const failed = [];
for (const f of files) {
  let source;
  try {
    source = readFileSync(f, 'utf8');
  } catch {
    continue; // vanished meanwhile
  }
  keep.add(`${keyOf(f, source)}.js`);
  try {
    if (!compile(f, source).hit) compiled++;
  } catch {
    // A file that does not compile is reported when a command loads it, with esbuild's message.
    failed.push(relative(ROOT, f));
  }
}
let removed = 0;
for (const shard of (() => {
  try {
    return readdirSync(CACHE_DIR);
  } catch {
    return [];
  }
})()) {
  // Only what this cache writes: <2 hex>/<sha256>.js (and its .tmp files); $GITOPS_TS_CACHE_DIR may name
  // any folder, and files this command did not write are never removed.
  if (!/^[0-9a-f]{2}$/.test(shard)) continue;
  const dir = join(CACHE_DIR, shard);
  if (!statSync(dir).isDirectory()) continue;
  for (const f of readdirSync(dir)) {
    if (keep.has(f) || !/^[0-9a-f]{64}\.js(\.\d+\.tmp)?$/.test(f) || !f.startsWith(shard)) continue;
    rmSync(join(dir, f), { force: true });
    removed++;
  }
}
require('./compiled.cjs').ensureBuilt('validate');
if (!process.argv.includes('--quiet'))
  process.stderr.write(
    `gitops build: ${files.length} TypeScript files (${compiled} compiled, ${removed} stale entries removed) and the validate bundle in ${Date.now() - started} ms${failed.length ? `; not compiled (reported when used): ${failed.join(', ')}` : ''}\n`,
  );
