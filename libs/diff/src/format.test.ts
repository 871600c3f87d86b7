import { describe, expect, it } from 'vitest';
import { countChanges, diffManifests } from './diff-manifests';
import { formatJson } from './format-json';
import { formatMarkdown, GITHUB_COMMENT_LIMIT, partMarker } from './format-markdown';
import { formatText } from './format-text';
import type { AppPreview, K8sObject, PreviewReport } from './types';

const cm = (name: string, data: Record<string, string>): K8sObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
  data,
});

function report(apps: { name: string; env?: string; base: K8sObject[]; head: K8sObject[] }[]): PreviewReport {
  const previews: AppPreview[] = apps.map((a) => {
    const changes = diffManifests(a.base, a.head, { assessRisk: a.env === 'prod' });
    return {
      application: a.name,
      system: 'sys',
      environment: a.env ?? 'dev',
      form: 'helm',
      path: 'charts/sys',
      namespace: 'ns',
      presence: 'both',
      changes,
      counts: countChanges(changes),
      objects: { base: a.base.length, head: a.head.length },
      riskAssessed: a.env === 'prod',
      risks: changes.flatMap((c) => c.risks),
    };
  });
  return {
    base: { ref: 'main', sha: 'a'.repeat(40) },
    head: { ref: 'HEAD', sha: 'b'.repeat(40) },
    selection: {
      systems: ['sys'],
      applications: [],
      reasons: { sys: ['charts/sys/values.yaml'] },
      changedFiles: ['charts/sys/values.yaml'],
      ignoredFiles: [],
      nx: 'not-needed',
    },
    apps: previews,
    notReached: ['other-dev'],
    notes: [],
  };
}

const balanced = (p: string) => {
  expect((p.match(/<details>/g) ?? []).length).toBe((p.match(/<\/details>/g) ?? []).length);
  const fences = p.match(/^`{3,}(diff|text)?$/gm) ?? [];
  expect(fences.length % 2).toBe(0);
};

describe('formatMarkdown', () => {
  it('fits a small change in one part with the summary table first', () => {
    const parts = formatMarkdown(
      report([{ name: 'sys-dev', base: [cm('a', { k: '1' })], head: [cm('a', { k: '2' })] }]),
    );
    expect(parts).toHaveLength(1);
    expect(parts[0].startsWith(`${partMarker(1)}\n## GitOps diff preview`)).toBe(true);
    expect(parts[0].indexOf('| Application |')).toBeLessThan(parts[0].indexOf('<details>'));
    expect(parts[0]).toContain(
      '| `sys-dev` | dev | — | 0 | 0 | 1 | 0 | none (security rules only) | \\~ ConfigMap a |',
    );
    expect(parts[0]).toContain('**Not reached** (1): `other-dev`');
    balanced(parts[0]);
  });

  it('splits one object larger than a part over several parts, reopening <details> and the fence', () => {
    const big = Object.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [`key${i}`, `value ${i} `.repeat(5)]),
    );
    const parts = formatMarkdown(
      report([{ name: 'sys-prod', env: 'prod', base: [], head: [cm('big', big)] }]),
      { maxChars: 20_000 },
    );
    expect(parts.length).toBeGreaterThan(5);
    parts.forEach((p, i) => {
      expect(p.length).toBeLessThanOrEqual(20_000);
      expect(p.startsWith(partMarker(i + 1))).toBe(true);
      balanced(p);
    });
    expect(parts[1]).toContain('(continued)');
    const joined = parts.join('');
    for (let i = 0; i < 3000; i += 137) expect(joined).toContain(`+  key${i}: `);
    expect(joined).not.toContain('[line cut');
  });

  it('folds only a single line too long for a part, and says how much is not shown', () => {
    const parts = formatMarkdown(
      report([{ name: 'sys-dev', base: [], head: [cm('huge-line', { blob: 'z'.repeat(50_000) })] }]),
      { maxChars: 10_000 },
    );
    parts.forEach((p) => expect(p.length).toBeLessThan(10_000));
    expect(parts.join('')).toMatch(/\+ {2}blob: z+ … \[[\d,]+ more characters not shown\]/);
  });

  it('a 100 KB single line (and a 1 MB one) never crashes: every part under 65,536 characters', () => {
    for (const size of [100 * 1024, 1024 * 1024]) {
      const r = report([
        {
          name: 'sys-prod',
          env: 'prod',
          base: [cm('one-line', { blob: 'a' })],
          head: [cm('one-line', { blob: 'x'.repeat(size) })],
        },
      ]);
      const parts = formatMarkdown(r);
      expect(parts.length).toBeGreaterThan(0);
      for (const p of parts) {
        expect(p.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
        balanced(p);
      }
      const m = /\+ {2}blob: x+ … \[([\d,]+) more characters not shown\]/.exec(parts.join(''));
      expect(Number(m![1].replace(/,/g, ''))).toBeGreaterThan(size - 2000);
      // Also with long names and many objects: no part ever exceeds the limit.
      expect(formatText(r).length).toBeGreaterThan(size);
    }
  });

  it('keeps the summary complete in part 1 with many applications', () => {
    const apps = Array.from({ length: 40 }, (_, i) => ({
      name: `app-${i}`,
      env: i % 2 ? 'prod' : 'dev',
      base: [cm('x', { v: 'a\n'.repeat(300) })],
      head: [cm('x', { v: 'b\n'.repeat(300) }), cm('y', { v: '1' })],
    }));
    const parts = formatMarkdown(report(apps), { maxChars: 8_000 });
    expect(parts.length).toBeGreaterThan(3);
    for (let i = 0; i < 40; i++) expect(parts[0]).toContain(`| \`app-${i}\` |`);
  });
});

describe('formatText and formatJson', () => {
  it('colours only when asked', () => {
    const r = report([{ name: 'sys-dev', base: [cm('a', { k: '1' })], head: [cm('a', { k: '2' })] }]);
    expect(formatText(r)).not.toContain('\u001b[');
    expect(formatText(r, { color: true })).toContain('\u001b[');
    expect(formatText(r)).toContain('~ changed /ConfigMap ns/a');
  });

  it('JSON carries totals and changes', () => {
    const r = report([{ name: 'sys-dev', base: [cm('a', { k: '1' })], head: [] }]);
    const j = JSON.parse(formatJson(r));
    expect(j.schemaVersion).toBe(1);
    expect(j.totals).toMatchObject({ removed: 1, changedApps: 1 });
    expect(j.apps[0].changes[0]).toMatchObject({ type: 'removed', key: '/ConfigMap ns/a' });
  });
});
