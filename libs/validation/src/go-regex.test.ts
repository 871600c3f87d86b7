import { describe, expect, it } from 'vitest';
import { goPatternToJs, translateGoPatterns } from './go-regex';

describe('Go regular expressions in CRD schemas', () => {
  it('rewrites (?i) into case-insensitive classes with the same meaning', () => {
    const re = new RegExp(goPatternToJs('^(?i)(abort|warn)?$'), 'u');
    expect(re.test('Abort')).toBe(true);
    expect(re.test('WARN')).toBe(true);
    expect(re.test('')).toBe(true);
    expect(re.test('drop')).toBe(false);
  });
  it('leaves other patterns alone and walks nested schemas', () => {
    expect(goPatternToJs('^[a-z]+$')).toBe('^[a-z]+$');
    const s = translateGoPatterns({ properties: { a: { type: 'string', pattern: '(?i)x' } } });
    expect(s.properties.a.pattern).toBe('[xX]');
  });
});
