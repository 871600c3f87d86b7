/**
 * Schema factoring (compile.ts factorSchema): large subschemas become shared `definitions` so that ajv emits
 * small functions V8 optimises. It must never change a verdict: every fixture document is validated by ajv
 * against each schema as written and as factored, with the same result.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { factorSchema, FORMATS } from './compile';
import { ensureSchemaDir } from './schemas';
import { generateBenchCorpus } from './bench';
import { splitDocuments } from './validator';
import { parseDocument } from './yaml11';

const ajv = () =>
  new Ajv({
    strict: false,
    validateSchema: false,
    inlineRefs: false,
    formats: FORMATS as any,
    allErrors: true,
  });

describe('schema factoring', () => {
  it('moves large subschemas into shared definitions, leaves small ones inline', () => {
    const big = {
      type: 'object',
      properties: Object.fromEntries([...Array(60)].map((_, i) => [`f${i}`, { type: 'string' }])),
    };
    const schema = { type: 'object', properties: { a: big, b: big, c: { type: 'integer' } } };
    const out = factorSchema(schema) as any;
    expect(out.properties.a).toEqual({ $ref: '#/definitions/gitops-factored-0' });
    expect(out.properties.b).toEqual(out.properties.a);
    expect(out.properties.c).toEqual({ type: 'integer' });
    expect(out.definitions['gitops-factored-0']).toEqual(big);
    // A subschema with its own base URI: left as written.
    const withId = { properties: { a: { ...big, id: 'http://x/y' } } };
    expect(factorSchema(withId)).toBe(withId);
  });

  it('gives the same verdicts as the schema as written, for every kind of the bench corpus and the fixtures', () => {
    const dir = ensureSchemaDir();
    const docs = splitDocuments(generateBenchCorpus(300))
      .map((d) => parseDocument(Buffer.from(d.text), false).value as any)
      .filter((v) => v && typeof v === 'object');
    const fixtureDir = join(__dirname, '..', 'fixtures');
    for (const sub of ['valid', 'invalid'])
      for (const f of readdirSync(join(fixtureDir, sub)).filter((f) => f.endsWith('.yaml')))
        for (const d of splitDocuments(readFileSync(join(fixtureDir, sub, f), 'utf8'))) {
          const v = parseDocument(Buffer.from(d.text), false).value as any;
          if (v && typeof v === 'object' && typeof v.kind === 'string') docs.push(v);
        }
    const byFile = new Map<string, any[]>();
    for (const d of docs) {
      const kind = String(d.kind).toLowerCase();
      const [group, version] = String(d.apiVersion).includes('/')
        ? String(d.apiVersion).split('/')
        : ['', d.apiVersion];
      const file = group.includes('.')
        ? join(dir, group, `${kind}_${version}.json`)
        : join(
            dir,
            'v1.31.0-standalone-strict',
            `${kind}${group ? `-${group.split('.')[0]}` : ''}-${version}.json`,
          );
      byFile.set(file, [...(byFile.get(file) ?? []), d]);
    }
    let compared = 0;
    let invalid = 0;
    for (const [file, objs] of byFile) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      const schema = JSON.parse(text);
      const factored = factorSchema(schema) as any;
      if (text.length > 65_536)
        expect(
          Object.keys(factored.definitions).filter((k) => k.startsWith('gitops-factored-')).length,
        ).toBeGreaterThan(5);
      const plain = ajv().compile(schema);
      const fast = ajv().compile(factored);
      for (const o of objs) {
        const want = plain(o);
        expect(fast(o), `${file}: ${o.metadata?.name}`).toBe(want);
        expect((fast.errors ?? []).length > 0).toBe((plain.errors ?? []).length > 0);
        compared++;
        if (!want) invalid++;
      }
    }
    expect(compared).toBeGreaterThan(300);
    expect(invalid).toBeGreaterThan(3);
  }, 120_000);
});
