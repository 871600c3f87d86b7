/**
 * Regular expressions with RE2 semantics (linear time in the input, no backtracking), for every pattern
 * the scanner runs over text it did not write: rules.json (data) and the scanner's own patterns. A text
 * built to make a backtracking engine explode (`password=aaaa…`, thousands of `{{`) is scanned in time
 * proportional to its length.
 */
import { RE2JS } from 're2js';

/** A compiled RE2 pattern with the few operations the scanner uses. */
export interface LinearRegex {
  readonly source: string;
  /** Whether the pattern matches anywhere in `text`. */
  test(text: string): boolean;
  /** Every non-overlapping match, left to right: index, whole match, groups (undefined when not taking part). */
  matchAll(
    text: string,
  ): Iterable<{ readonly index: number; readonly groups: readonly (string | undefined)[] }>;
  /** Replace every match by `replacement` (a literal). */
  replaceAll(text: string, replacement: string): string;
}

/** Map JavaScript flags (`i`, `m`, `s`) to RE2JS flags; anything else is refused. */
function flagsOf(flags: string): number {
  let f = 0;
  for (const c of flags) {
    if (c === 'i') f |= RE2JS.CASE_INSENSITIVE;
    else if (c === 'm') f |= RE2JS.MULTILINE;
    else if (c === 's') f |= RE2JS.DOTALL;
    else if (c !== 'g') throw new Error(`linear regex: unsupported flag "${c}"`);
  }
  return f;
}

/** Compile `pattern` with RE2 semantics; throws (naming the pattern) on syntax RE2 does not accept (lookaround, backreferences). */
export function linearRegex(pattern: string, flags = ''): LinearRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, flagsOf(flags));
  } catch (err) {
    throw new Error(
      `linear regex: ${JSON.stringify(pattern)} is not an RE2 pattern: ${(err as Error).message}`,
    );
  }
  return {
    source: pattern,
    test: (text) => re.test(text),
    *matchAll(text) {
      const m = re.matcher(text);
      const n = m.groupCount();
      let from = 0;
      while (from <= text.length && m.find(from)) {
        const groups: (string | undefined)[] = [];
        for (let g = 0; g <= n; g++) groups.push(m.group(g) ?? undefined);
        const start = m.start();
        const end = m.end();
        yield { index: start, groups };
        from = end > start ? end : end + 1;
      }
    },
    replaceAll: (text, replacement) => re.matcher(text).replaceAll(RE2JS.quoteReplacement(replacement)),
  };
}
