/**
 * The pull-request workflows, parsed from their YAML: fork-safe two-stage structure (pull_request renders
 * without write access; workflow_run comments and runs no pull-request code), no expression pasted into a shell
 * line, actions pinned by full commit SHA, `!cancelled()` rather than `always()`, a `check` job for stale outputs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WORKSPACE_ROOT } from './fixture';
import { partMarker } from './format-markdown';

const load = (name: string) => {
  const text = readFileSync(join(WORKSPACE_ROOT, '.github/workflows', name), 'utf8');
  return { text, wf: parse(text, { uniqueKeys: true }) as any };
};
const stage1 = load('diff-preview.yml');
const stage2 = load('diff-preview-comment.yml');
const jobsOf = (wf: any) => Object.entries(wf.jobs) as [string, any][];
const stepsOf = (wf: any) => jobsOf(wf).flatMap(([, j]) => j.steps as any[]);
const WRITE = /write/;

describe('.github/workflows: two-stage, fork-safe diff preview', () => {
  it('every action is pinned by a full commit SHA (the tag only as a comment)', () => {
    for (const { text, wf } of [stage1, stage2]) {
      for (const s of stepsOf(wf)) if (s.uses) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      for (const line of text.split('\n').filter((l) => /uses:/.test(l)))
        expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  it('stage 1 runs on pull_request with a read-only token that is not persisted, and no expression in a shell line', () => {
    const { wf } = stage1;
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.permissions).toEqual({ contents: 'read' });
    for (const [, job] of jobsOf(wf)) {
      expect(job.permissions).toEqual({ contents: 'read' });
      expect(JSON.stringify(job.permissions)).not.toMatch(WRITE);
      for (const s of job.steps) {
        if (String(s.uses).startsWith('actions/checkout@')) expect(s.with['persist-credentials']).toBe(false);
        // Untrusted values (branch names…) reach shell lines only through env.
        if (s.run) expect(s.run).not.toContain('${{');
        expect(JSON.stringify(s)).not.toMatch(/secrets\./);
      }
    }
  });

  it('stage 1 has a check job that fails on stale outputs, and a render job running the documented command', () => {
    const { wf } = stage1;
    const check = wf.jobs.check;
    expect(check.steps.some((s: any) => /^npm run check\b/.test(s.run ?? ''))).toBe(true);
    const render = wf.jobs.render;
    expect(
      render.steps.find((s: any) => String(s.uses).startsWith('actions/checkout@')).with['fetch-depth'],
    ).toBe(0);
    const diff = render.steps.find((s: any) => /npm run diff/.test(s.run ?? ''));
    expect(diff.env).toEqual({ BASE_REF: '${{ github.base_ref }}' });
    const cmd = diff.run.trim().split('\n').pop();
    expect(cmd).toBe(
      'npm run diff -- --base "origin/$BASE_REF" --format markdown --output preview/diff-preview.md',
    );
    expect(readFileSync(join(WORKSPACE_ROOT, 'docs/diff-preview.md'), 'utf8')).toContain(cmd);
    const upload = render.steps.find((s: any) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(upload.with).toMatchObject({ name: 'diff-preview', path: 'preview/' });
    for (const s of render.steps.slice(render.steps.indexOf(diff) + 1))
      expect(s.if).toBe('${{ !cancelled() }}');
  });

  it('stage 2 runs on workflow_run of stage 1, may write comments, and runs no code of the pull request', () => {
    const { wf, text } = stage2;
    expect(wf.on).toEqual({ workflow_run: { workflows: [stage1.wf.name], types: ['completed'] } });
    expect(wf.permissions).toEqual({ actions: 'read', 'pull-requests': 'write' });
    const steps = stepsOf(wf);
    expect(steps.some((s) => String(s.uses).startsWith('actions/checkout@'))).toBe(false);
    expect(steps.some((s) => s.run)).toBe(false);
    expect(text).not.toMatch(/always\(\)/);
    const download = steps.find((s) => String(s.uses).startsWith('actions/download-artifact@'));
    expect(download.with).toMatchObject({
      name: 'diff-preview',
      'run-id': '${{ github.event.workflow_run.id }}',
    });
    const comment = steps.find((s) => String(s.uses).startsWith('actions/github-script@'));
    expect(comment.if).toContain('!cancelled()');
    const script: string = comment.with.script;
    expect(script).not.toContain('${{');
    expect(partMarker(3)).toMatch(new RegExp(/^<!-- gitops-diff-preview part (\d+) -->/.source));
    expect(script).toContain('<!-- gitops-diff-preview part (\\d+) -->');
    expect(script).toContain('preview/diff-preview.md.${n}');
    expect(script).toContain('pr.head.sha !== process.env.RUN_HEAD_SHA');
    for (const api of ['createComment', 'updateComment', 'deleteComment', 'listComments', 'pulls.get'])
      expect(script).toContain(api);
    // Valid JavaScript, as github-script runs it (an async function body).
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
    expect(() => new AsyncFunction('require', 'github', 'context', 'core', script)).not.toThrow();
  });

  it('the comment script posts, updates and deletes exactly as the preview parts say (run against a fake GitHub)', async () => {
    const script: string = stepsOf(stage2.wf).find((s) => String(s.uses).startsWith('actions/github-script@'))
      .with.script;
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
    const run = async (files: Record<string, string>, comments: any[], headSha = 'abc') => {
      const calls: string[] = [];
      const fs = {
        existsSync: (f: string) => f in files,
        readFileSync: (f: string) => files[f],
      };
      const github = {
        paginate: async () => comments,
        rest: {
          pulls: { get: async () => ({ data: { head: { sha: headSha } } }) },
          issues: {
            listComments: 'listComments',
            createComment: async (a: any) => calls.push(`create ${a.body.split('\n')[0]}`),
            updateComment: async (a: any) => calls.push(`update ${a.comment_id}`),
            deleteComment: async (a: any) => calls.push(`delete ${a.comment_id}`),
          },
        },
      };
      const core = { info: () => {}, setFailed: (m: string) => calls.push(`failed ${m}`) };
      const context = { repo: { owner: 'o', repo: 'r' } };
      process.env.RUN_HEAD_SHA = 'abc';
      await new AsyncFunction('require', 'github', 'context', 'core', script)(
        () => fs,
        github,
        context,
        core,
      );
      return calls;
    };
    const bot = (id: number, n: number) => ({ id, body: `${partMarker(n)}\nold`, user: { type: 'Bot' } });
    const part = (n: number) => `${partMarker(n)}\nnew`;
    expect(
      await run({ 'preview/pr-number': '7\n', 'preview/diff-preview.md': part(1) }, [bot(11, 1), bot(12, 2)]),
    ).toEqual(['update 11', 'delete 12']);
    // Nothing previewable: no part, every earlier part deleted.
    expect(await run({ 'preview/pr-number': '7' }, [bot(11, 1), bot(12, 2)])).toEqual([
      'delete 11',
      'delete 12',
    ]);
    // A preview of an older commit is not posted; a forged number is refused.
    expect(await run({ 'preview/pr-number': '7', 'preview/diff-preview.md': part(1) }, [], 'newer')).toEqual(
      [],
    );
    expect((await run({ 'preview/pr-number': '7; rm -rf /' }, []))[0]).toMatch(/^failed/);
    expect((await run({ 'preview/pr-number': '7', 'preview/diff-preview.md': 'no marker' }, []))[0]).toMatch(
      /^failed preview part 1 is malformed/,
    );
  });
});
