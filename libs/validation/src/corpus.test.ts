import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createValidator } from './validator';

const FIXTURES = join(__dirname, '..', 'fixtures');
const validator = createValidator({ strict: true, kubernetesVersion: '1.31.0' });

describe('broken manifests corpus', () => {
  const files = readdirSync(join(FIXTURES, 'invalid')).sort();
  it('has at least 40 broken manifests', () => expect(files.length).toBeGreaterThanOrEqual(40));
  for (const file of files) {
    it(`rejects ${file}`, () => {
      const text = readFileSync(join(FIXTURES, 'invalid', file), 'utf8');
      const status = /^# status: (\S+)/m.exec(text)![1];
      const expects = [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => m[1]);
      expect(expects.length).toBeGreaterThan(0);
      const results = validator.validateText(text, file).filter((r) => r.status !== 'statusEmpty');
      expect(results).toHaveLength(1);
      expect(results[0].status).toBe(status);
      for (const e of expects) expect(results[0].msg).toContain(e);
    });
  }
});

describe('valid manifests corpus', () => {
  for (const file of readdirSync(join(FIXTURES, 'valid')).sort()) {
    it(`accepts ${file}`, () => {
      const results = validator.validateText(readFileSync(join(FIXTURES, 'valid', file), 'utf8'), file);
      const bad = results.filter((r) => r.status !== 'statusValid' && r.status !== 'statusEmpty');
      expect(bad.map((r) => r.msg)).toEqual([]);
      expect(results.some((r) => r.status === 'statusValid')).toBe(true);
    });
  }
});
