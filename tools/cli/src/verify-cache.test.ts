/**
 * The verification cache of `npm run render`: a target is answered from the cache only when every input
 * that can change its result is the same (staged chart and overlay files, synthesis, toolchain binaries,
 * schema folder, verification code); changing any of them verifies again with the real binaries. Entries
 * are signed: an edited, truncated or relocated entry is never used. Failures are never cached.
 */
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderWorkspace, stageFiles, type WorkspaceRender } from '@gitops/render';
import { TOOLCHAINS } from '@gitops/toolchain';
import { shopSystem } from './testing/shop-system';
import { verifyOutputs } from './verify';
import { codeVersion, VerifyCache, verifyFingerprint, type VerifyFingerprint } from './verify-cache';

let root: string;
let rendered: WorkspaceRender;
let fingerprint: VerifyFingerprint;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'verify-cache-'));
  rendered = renderWorkspace([{ definition: shopSystem(), root: 'apps/shop' }]);
  fingerprint = verifyFingerprint('v35');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh staging folder holding the render (as `npm run render` stages it). */
function stage(name: string, files = rendered.files): string {
  const dir = join(root, name);
  stageFiles(dir, files);
  return dir;
}

async function verify(dir: string, cache: VerifyCache, r: WorkspaceRender = rendered) {
  const report = await verifyOutputs(dir, r, 'v35', undefined, undefined, { cache });
  return { ...report, lines: report.lines };
}

describe('verification cache', () => {
  const cacheDir = () => join(root, 'cache');

  it('verifies on a cold cache, then answers the same inputs from it, and re-verifies when any input changes', async () => {
    const cache = () => new VerifyCache(fingerprint, cacheDir());
    const dir = stage('staged');
    const cold = await verify(dir, cache());
    expect(cold.problems).toEqual([]);
    expect({ verified: cold.verified, cached: cold.cached }).toEqual({ verified: 3, cached: 0 });
    expect(readdirSync(cacheDir()).filter((n) => n.endsWith('.json'))).toHaveLength(3);

    const warm = await verify(stage('staged-again'), cache());
    expect({ verified: warm.verified, cached: warm.cached }).toEqual({ verified: 0, cached: 3 });
    expect(warm.lines.map((l) => l.replace(/ \(verified before: same inputs\)$/, ''))).toEqual(cold.lines);

    // A chart file (every environment renders the chart): all three again.
    const chart = stage('chart-changed');
    appendFileSync(join(chart, 'charts/shop/values.yaml'), '# a comment\n');
    expect((await verify(chart, cache())).verified).toBe(3);

    // An overlay file.
    const overlay = stage('overlay-changed');
    const kfile = join(overlay, 'overlays/shop/prod/kustomization.yaml');
    writeFileSync(kfile, `${readFileSync(kfile, 'utf8')}# a comment\n`);
    expect((await verify(overlay, cache())).verified).toBe(3);

    // A file added to the chart (templates read it through .Files).
    const added = stage('file-added');
    writeFileSync(join(added, 'charts/shop/extra.txt'), 'x\n');
    expect((await verify(added, cache())).verified).toBe(3);

    // Each part of the fingerprint: toolchain binaries, schema folder, code of the checks.
    for (const part of ['toolchain', 'schemas', 'code'] as const) {
      const changed = new VerifyCache({ ...fingerprint, [part]: `${fingerprint[part]}-changed` }, cacheDir());
      const r = await verify(stage(`fp-${part}`), changed);
      expect({ part, verified: r.verified, cached: r.cached }).toEqual({ part, verified: 3, cached: 0 });
    }

    // The same files and fingerprint are still answered from the cache.
    expect((await verify(stage('unchanged'), cache())).cached).toBe(3);
  }, 240_000);

  it('re-verifies when the synthesis the outputs are compared with changes, and never caches a failure', async () => {
    const cache = () => new VerifyCache(fingerprint, join(root, 'cache-synthesis'));
    const dir = stage('synthesis');
    expect((await verify(dir, cache())).verified).toBe(3);
    // Same files on disk, but the synthesis says otherwise: verified again, and the parity check fails.
    const prod = rendered.systems[0].samples.find((s) => s.label === 'prod')!;
    const objects = structuredClone(prod.objects);
    objects[0].metadata.labels = { ...objects[0].metadata.labels, 'drift.example.com/x': 'y' };
    const drifted: WorkspaceRender = {
      ...rendered,
      systems: [
        {
          ...rendered.systems[0],
          samples: rendered.systems[0].samples.map((s) => (s === prod ? { ...s, objects } : s)),
        },
      ],
    };
    const r1 = await verify(dir, cache(), drifted);
    expect({ verified: r1.verified, cached: r1.cached }).toEqual({ verified: 1, cached: 2 });
    expect(r1.problems.join('\n')).toMatch(/parity with the synthesis: differs/);
    const r2 = await verify(dir, cache(), drifted);
    expect(r2.verified).toBe(1); // the failure was not cached
    expect(r2.problems).toEqual(r1.problems);
  }, 240_000);

  it('never uses an entry that was edited, or copied under another key', async () => {
    const dir = join(root, 'cache-tamper');
    const cache = () => new VerifyCache(fingerprint, dir);
    const staged = stage('tamper');
    await verify(staged, cache());
    const names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
    expect(names).toHaveLength(3);
    // Edit one entry's payload (as a bad merge or a hand edit would), keeping its signature.
    const first = join(dir, names[0]);
    const entry = JSON.parse(readFileSync(first, 'utf8'));
    writeFileSync(
      first,
      JSON.stringify({ ...entry, payload: entry.payload.replace(/"resources":\d+/, '"resources":1') }),
    );
    // Copy another entry over the second (a valid signature, for another key).
    writeFileSync(join(dir, names[1]), readFileSync(join(dir, names[2])));
    const c = cache();
    const r = await verify(staged, c);
    expect({ verified: r.verified, cached: r.cached }).toEqual({ verified: 2, cached: 1 });
    expect(c.stats.rejected).toBe(2);
    expect(r.problems).toEqual([]);
    // Re-verified entries are written again and used next time.
    expect((await verify(staged, cache())).cached).toBe(3);
  }, 240_000);
});

describe('verification fingerprint', () => {
  it('names the digests of the binaries that run', () => {
    const fp = verifyFingerprint('v35');
    expect(fp.toolchain).toContain(TOOLCHAINS.v35.sha256.helm);
    expect(fp.toolchain).toContain(TOOLCHAINS.v35.sha256.kubectl);
    expect(verifyFingerprint('v28').toolchain).not.toBe(fp.toolchain);
    expect(fp.schemas).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the code version changes with any library source, the verification code or the lockfile, not with tests', () => {
    const ws = mkdtempSync(join(tmpdir(), 'verify-code-'));
    try {
      const write = (p: string, text: string) => {
        mkdirSync(join(ws, p, '..'), { recursive: true });
        writeFileSync(join(ws, p), text);
      };
      write('libs/validation/src/policy.ts', 'a');
      write('libs/validation/src/policy.test.ts', 't');
      write('tools/cli/src/verify.ts', 'v');
      write('package-lock.json', '{}');
      const v0 = codeVersion(ws);
      write('libs/validation/src/policy.test.ts', 't2');
      expect(codeVersion(ws)).toBe(v0);
      for (const [p, text] of [
        ['libs/validation/src/policy.ts', 'b'],
        ['libs/toolchain/src/render.ts', 'new file'],
        ['tools/cli/src/verify.ts', 'v2'],
        ['package-lock.json', '{"x":1}'],
      ]) {
        const before = codeVersion(ws);
        write(p, text);
        expect(codeVersion(ws), p).not.toBe(before);
      }
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
});
