/**
 * The user-facing error contract of the CLIs: a non-zero exit, one clear message on stderr that names
 * what is wrong (file, resource, field, what was expected), and never a stack trace.
 */
import { expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from './throwaway-workspace';
import type { ScratchWorkspace } from './throwaway-workspace';

const STACK_LINE = /^\s{4}at .+/m;
const BUG_MARKERS =
  /internal error|unexpected error|TypeError|ReferenceError|SyntaxError: Unexpected|RangeError|\bnode:internal\b/;

/** Assert the contract; `mentions` are substrings (or patterns) the message must contain. */
export function expectUserError(r: RunResult, mentions: readonly (string | RegExp)[] = []): void {
  const all = `${r.stdout}\n${r.stderr}`;
  const context = `exit ${r.code} (signal ${r.signal})\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout.slice(0, 2000)}`;
  expect(r.signal, context).toBeNull();
  expect(r.code, context).not.toBe(0);
  expect(r.code, context).not.toBe(70); // runMain's exit code for bugs
  expect(STACK_LINE.test(all), `stack trace printed:\n${context}`).toBe(false);
  expect(BUG_MARKERS.test(all), `bug marker printed:\n${context}`).toBe(false);
  const message = r.stderr.trim() || r.stdout.trim();
  expect(message.length, context).toBeGreaterThan(0);
  // One message: at most one `error:` line from the CLI's exit handler.
  expect((r.stderr.match(/^error: /gm) ?? []).length, context).toBeLessThanOrEqual(1);
  for (const m of mentions) {
    if (typeof m === 'string') expect(all, context).toContain(m);
    else expect(all, context).toMatch(m);
  }
}

/** The committed outputs of a scratch workspace are exactly as they were. */
export function expectOutputsUntouched(ws: ScratchWorkspace): void {
  expect(ws.status('charts', 'overlays'), 'charts/ and overlays/ changed').toBe('');
  expect(
    () => readFileSync(join(ws.dir, '.render-journal.json')),
    'a render journal was left behind',
  ).toThrow();
}
