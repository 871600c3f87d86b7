import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configMap, FixtureRepo, WORKSPACE_ROOT } from './fixture';

const TSX = join(WORKSPACE_ROOT, 'node_modules', '.bin', 'tsx');
const CLI = join(WORKSPACE_ROOT, 'tools', 'cli', 'src', 'diff.ts');

function run(args: string[]) {
  const r = spawnSync(TSX, [CLI, ...args], {
    cwd: WORKSPACE_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run diff (CLI)', () => {
  let repo: FixtureRepo;
  let base: string;
  let head: string;
  let out: string;
  beforeAll(() => {
    repo = new FixtureRepo();
    base = repo.git('rev-parse', 'HEAD').trim();
    repo.setObjects('beta', 'prod', [configMap('beta-settings', 'beta', { mode: 'prod', added: 'yes' })]);
    head = repo.commit('change beta prod');
    out = mkdtempSync(join(tmpdir(), 'gitops-diff-out-'));
  });
  afterAll(() => {
    repo.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  it('--exit-code: 2 with changes, 0 without', () => {
    const changed = run([
      '--repo',
      repo.dir,
      '--base',
      base,
      '--head',
      head,
      '--format',
      'text',
      '--exit-code',
    ]);
    expect(changed.stderr).toBe('');
    expect(changed.code).toBe(2);
    expect(changed.stdout).toContain('~ changed /ConfigMap beta/beta-settings');
    expect(changed.stdout).toContain('+  added: yes');
    const same = run(['--repo', repo.dir, '--base', head, '--head', head, '--format', 'json', '--exit-code']);
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout).apps).toEqual([]);
  });

  it('--output writes numbered markdown parts and removes its own stale parts, never files it did not write', () => {
    const file = join(out, 'diff-preview.md');
    writeFileSync(`${file}.7`, '<!-- gitops-diff-preview part 7 -->\nstale part of an earlier run\n');
    writeFileSync(`${file}.2024`, 'notes of the user\n');
    const r = run([
      '--repo',
      repo.dir,
      '--base',
      base,
      '--head',
      head,
      '--format',
      'markdown',
      '--output',
      file,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^<!-- gitops-diff-preview part 1 -->/);
    expect(existsSync(`${file}.7`)).toBe(false);
    expect(readFileSync(`${file}.2024`, 'utf8')).toBe('notes of the user\n');
  });

  it('piped output is complete: 200 KB and more reach the reader (no exit before stdout drains)', () => {
    const lines = Array.from({ length: 4000 }, (_, i) => `setting-${i} = ${'v'.repeat(50)}`).join('\n');
    repo.setObjects('beta', 'prod', [configMap('beta-settings', 'beta', { mode: 'prod', big: lines })]);
    const bigHead = repo.commit('big');
    for (const format of ['json', 'text', 'markdown']) {
      // Through a real shell pipe, as CI runs it (`npm run diff … | tee`).
      const r = spawnSync(
        'bash',
        [
          '-c',
          `"${TSX}" "${CLI}" --repo "${repo.dir}" --base ${head} --head ${bigHead} --format ${format} | cat`,
        ],
        { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } },
      );
      expect(r.status).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(200 * 1024);
      if (format === 'json')
        expect(JSON.parse(r.stdout).apps.find((a: any) => a.application === 'beta-prod').changes[0].key).toBe(
          '/ConfigMap beta/beta-settings',
        );
      if (format === 'text') expect(r.stdout).toContain('+    setting-3999 = ');
      if (format === 'markdown') expect(r.stdout.trimEnd().endsWith('</details>')).toBe(true);
    }
  });

  it('nothing previewable: no markdown part is written, and an earlier one is removed', () => {
    const file = join(out, 'nothing.md');
    writeFileSync(file, 'old');
    writeFileSync(`${file}.2`, '<!-- gitops-diff-preview part 2 -->\nold part\n');
    writeFileSync(`${file}.9`, 'not written by the preview\n');
    const before = repo.git('rev-parse', 'HEAD').trim();
    repo.write('docs/notes.md', '# notes\n');
    const docs = repo.commit('docs only');
    const r = run([
      '--repo',
      repo.dir,
      '--base',
      before,
      '--head',
      docs,
      '--format',
      'markdown',
      '--output',
      file,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('nothing to preview');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.2`)).toBe(false);
    expect(readFileSync(`${file}.9`, 'utf8')).toBe('not written by the preview\n');
  });

  it('user mistakes print one line and exit 1, without a stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /^diff: unknown option '--bogus'/],
      [['--repo', repo.dir, '--base', 'no-such-ref'], /^diff: unknown git ref "no-such-ref"/],
      [['--repo', tmpdir()], /^diff: .* is not inside a git repository$/],
      [
        ['--repo', repo.dir, '--base', base, '--system', 'nope'],
        /^diff: unknown system nope \(known: alpha, beta\)$/,
      ],
      [['--format', 'yaml'], /^diff: option '--format <format>' argument 'yaml' is invalid/],
      [
        ['--repo', repo.dir, '--output', join(out, 'missing', 'x.md')],
        /^diff: --output: folder .*missing does not exist$/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
