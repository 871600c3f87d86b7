import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WORKSPACE_ROOT } from './fixture';
import { partMarker } from './format-markdown';

describe('.github/workflows/diff-preview.yml', () => {
  const text = readFileSync(join(WORKSPACE_ROOT, '.github/workflows/diff-preview.yml'), 'utf8');
  const wf = parse(text, { uniqueKeys: true });
  const steps: any[] = wf.jobs['diff-preview'].steps;

  it('is a valid pull_request workflow with write access to pull requests', () => {
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(steps.find((s) => String(s.uses).startsWith('actions/checkout@')).with['fetch-depth']).toBe(0);
    expect(steps.find((s) => String(s.uses).startsWith('actions/setup-node@')).with['node-version']).toBe(20);
    expect(steps.some((s) => /^npm ci\b/.test(s.run ?? ''))).toBe(true);
    for (const s of steps) expect(s.uses ?? s.run).toBeTruthy();
  });

  it('runs exactly the documented command and updates comments by the formatter’s marker', () => {
    const cmd = steps.find((s) => /npm run diff/.test(s.run ?? '')).run.trim();
    expect(cmd).toBe(
      'npm run diff -- --base origin/${{ github.base_ref }} --format markdown --output diff-preview.md',
    );
    expect(readFileSync(join(WORKSPACE_ROOT, 'docs/diff-preview.md'), 'utf8')).toContain(cmd);
    const script: string = steps.find((s) => String(s.uses).startsWith('actions/github-script@')).with.script;
    expect(partMarker(3)).toMatch(new RegExp(/<!-- gitops-diff-preview part (\d+) -->/.source));
    expect(script).toContain('<!-- gitops-diff-preview part (\\d+) -->');
    expect(script).toContain('diff-preview.md.${n}');
    for (const api of ['createComment', 'updateComment', 'deleteComment', 'listComments'])
      expect(script).toContain(api);
    // The script is valid JavaScript (as an async function body, the way github-script runs it).
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
    expect(() => new AsyncFunction('require', 'github', 'context', 'core', script)).not.toThrow();
  });
});
