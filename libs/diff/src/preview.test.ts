import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configMap, FixtureRepo } from './fixture';
import { formatJson } from './format-json';
import { formatMarkdown, GITHUB_COMMENT_LIMIT } from './format-markdown';
import { formatText } from './format-text';
import { exitCodeOf, runPreview } from './preview';
import type { AppPreview, PreviewReport } from './types';

const app = (r: PreviewReport, name: string): AppPreview => {
  const a = r.apps.find((x) => x.application === name);
  if (!a) throw new Error(`${name} not previewed: ${r.apps.map((x) => x.application).join(', ')}`);
  return a;
};
const allFormats = (r: PreviewReport) =>
  [...formatMarkdown(r), formatJson(r), formatText(r, { color: true }), formatText(r)].join('\n');

describe('runPreview on throw-away repositories', () => {
  let repo: FixtureRepo;
  let base: string;
  beforeAll(() => {
    repo = new FixtureRepo();
    base = repo.git('rev-parse', 'HEAD').trim();
  });
  afterAll(() => repo.cleanup());

  // Each case branches from the initial commit and compares a head commit with it.
  const onBranch = (name: string, change: () => void): string => {
    repo.git('checkout', '-q', '-B', name, base);
    change();
    return repo.commit(name);
  };

  it('an image tag change in one environment: only that application changes, with a production risk flag', async () => {
    const head = onBranch('image', () =>
      repo.setObjects('alpha', 'prod', [configMap('alpha-settings', 'alpha', { mode: 'prod' })], {
        replicas: 2,
        image: 'registry.example.com/alpha:v1.1.0',
      }),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    expect(r.selection.systems).toEqual(['alpha']);
    expect(r.selection.nx).toBe('not-needed');
    expect(r.apps.map((a) => a.application)).toEqual(['alpha-dev', 'alpha-prod']);
    expect(r.notReached).toEqual(['beta-dev', 'beta-prod']);
    expect(app(r, 'alpha-dev').changes).toEqual([]);
    // values-prod.yaml cannot change the dev render: not rendered at all. Rendering it anyway agrees.
    expect(app(r, 'alpha-dev').inputsUnchanged).toBe(true);
    const full = await runPreview({ repoDir: repo.dir, base, head, skipUnchanged: false });
    expect(app(full, 'alpha-dev')).toMatchObject({ changes: [], objects: { base: 2, head: 2 } });
    expect(app(full, 'alpha-dev').inputsUnchanged).toBeUndefined();
    const prod = app(r, 'alpha-prod');
    expect(prod.counts).toEqual({ added: 0, removed: 0, changed: 1, renamed: 0 });
    expect(prod.changes[0].key).toBe('apps/Deployment alpha/alpha-web');
    expect(prod.changes[0].changedPaths).toEqual(['spec.template.spec.containers[0].image']);
    expect(prod.changes[0].diff).toContain('-        - image: registry.example.com/alpha:v1.0.0');
    expect(prod.changes[0].diff).toContain('+        - image: registry.example.com/alpha:v1.1.0');
    expect(prod.risks.map((f) => f.code)).toEqual(['image-changed']);
    expect(exitCodeOf(r)).toBe(2);
    const [md] = formatMarkdown(r);
    expect(md).toContain(
      '| `alpha-prod` | prod | manual sync | 0 | 0 | 1 | 0 | ⚠️ image changed | \\~ Deployment alpha-web |',
    );
    expect(md).toContain(
      '| `alpha-dev` | dev | manual sync | 0 | 0 | 0 | 0 | none (security rules only) | no change |',
    );
    expect(md).toContain('```diff');
  });

  it('a chart version bump alone is noise (helm.sh/chart label, checksum annotation): empty preview', async () => {
    const head = onBranch('noise', () =>
      repo.write('charts/alpha/Chart.yaml', 'apiVersion: v2\nname: alpha\nversion: 0.2.0\n'),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    expect(r.apps.length).toBe(2);
    expect(r.apps.every((a) => a.changes.length === 0)).toBe(true);
    expect(exitCodeOf(r)).toBe(0);
  });

  it('a new resource is added (kustomize overlay)', async () => {
    const head = onBranch('added', () =>
      repo.setObjects('beta', 'dev', [
        configMap('beta-settings', 'beta', { mode: 'dev' }),
        configMap('beta-extra', 'beta', { feature: 'on' }),
      ]),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    expect(r.selection.systems).toEqual(['beta']);
    const dev = app(r, 'beta-dev');
    expect(dev.counts).toEqual({ added: 1, removed: 0, changed: 0, renamed: 0 });
    expect(dev.changes[0]).toMatchObject({ type: 'added', key: '/ConfigMap beta/beta-extra' });
    expect(
      dev.changes[0].diff
        .split('\n')
        .slice(1)
        .every((l) => l.startsWith('+')),
    ).toBe(true);
    expect(dev.risks).toEqual([]); // dev: no risk flags
    expect(dev.riskAssessed).toBe(false);
    expect(app(r, 'beta-prod').inputsUnchanged).toBe(true); // its overlay folder did not change
  });

  it('a removed resource is removed and flagged in production', async () => {
    const head = onBranch('removed', () => repo.setObjects('beta', 'prod', []));
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const prod = app(r, 'beta-prod');
    expect(prod.counts).toEqual({ added: 0, removed: 1, changed: 0, renamed: 0 });
    expect(prod.changes[0]).toMatchObject({ type: 'removed', key: '/ConfigMap beta/beta-settings' });
    expect(prod.risks.map((f) => f.code)).toEqual(['object-removed']);
  });

  it('a renamed resource is one rename, not an add and a remove', async () => {
    const head = onBranch('renamed', () =>
      repo.setObjects('beta', 'dev', [configMap('beta-config', 'beta', { mode: 'dev' })]),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const dev = app(r, 'beta-dev');
    expect(dev.counts).toEqual({ added: 0, removed: 0, changed: 0, renamed: 1 });
    expect(dev.changes[0]).toMatchObject({
      type: 'renamed',
      key: '/ConfigMap beta/beta-config',
      previousKey: '/ConfigMap beta/beta-settings',
      previousName: 'beta-settings',
    });
    expect(dev.changes[0].similarity).toBeGreaterThanOrEqual(0.8);
    expect(formatMarkdown(r)[0]).toContain('⇄ ConfigMap beta-settings→beta-config');
  });

  it('a Secret value change shows a changed marker with a short hash and never the value, in every format', async () => {
    const OLD = 'hunter2-OLD-very-distinctive-1f0c';
    const NEW = 'hunter2-NEW-very-distinctive-9a7e';
    const secret = (v: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'alpha' },
      type: 'Opaque',
      stringData: { password: v, user: 'app-user-distinctive-77' },
      data: { token: Buffer.from(v).toString('base64') },
    });
    repo.git('checkout', '-q', '-B', 'secret-base', base);
    repo.setObjects('alpha', 'prod', [configMap('alpha-settings', 'alpha', { mode: 'prod' }), secret(OLD)], {
      replicas: 2,
      image: 'registry.example.com/alpha:v1.0.0',
    });
    const secretBase = repo.commit('secret base');
    repo.setObjects('alpha', 'prod', [configMap('alpha-settings', 'alpha', { mode: 'prod' }), secret(NEW)], {
      replicas: 2,
      image: 'registry.example.com/alpha:v1.0.0',
    });
    const head = repo.commit('rotate secret');
    const r = await runPreview({ repoDir: repo.dir, base: secretBase, head });
    const prod = app(r, 'alpha-prod');
    expect(prod.counts.changed).toBe(1);
    const diff = prod.changes[0].diff;
    expect(diff).toMatch(/^\+ {2}password: <secret changed>$/m);
    expect(diff).toMatch(/^- {2}password: <secret>$/m);
    expect(diff).toMatch(/^ {3}user: <secret unchanged>$/m);
    expect(prod.changes[0].changedPaths).toEqual(['data.token', 'stringData.password']);
    const everything = allFormats(r);
    for (const raw of [
      OLD,
      NEW,
      'app-user-distinctive-77',
      Buffer.from(OLD).toString('base64'),
      Buffer.from(NEW).toString('base64'),
    ]) {
      expect(everything).not.toContain(raw);
      expect(everything).not.toContain(raw.slice(0, 20));
    }
  });

  it('an Application that exists only on the head side is all-added', async () => {
    const head = onBranch('new-env', () => {
      repo.write(
        'charts/alpha/values-staging.yaml',
        'objects: []\ndeployment: { replicas: 1, image: registry.example.com/alpha:v1.0.0 }\n',
      );
      repo.write(
        'overlays/argocd/staging/applications.yaml',
        [
          'apiVersion: argoproj.io/v1alpha1',
          'kind: Application',
          'metadata: { name: alpha-staging, namespace: argocd, labels: { gitops.platform/system: alpha, gitops.platform/environment: staging } }',
          'spec:',
          '  source: { path: charts/alpha, helm: { releaseName: alpha, valueFiles: [values-staging.yaml] } }',
          '  destination: { namespace: alpha }',
        ].join('\n'),
      );
    });
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const staging = app(r, 'alpha-staging');
    expect(staging.presence).toBe('added');
    expect(staging.counts).toEqual({ added: 1, removed: 0, changed: 0, renamed: 0 });
    expect(r.selection.reasons.alpha).toEqual([
      'charts/alpha/values-staging.yaml',
      'overlays/argocd/staging/applications.yaml',
    ]);
  });

  it('the default head is the working tree: uncommitted changes are previewed', async () => {
    repo.git('checkout', '-q', '-B', 'worktree', base);
    repo.setObjects('beta', 'prod', [
      configMap('beta-settings', 'beta', { mode: 'prod', extra: 'uncommitted' }),
    ]);
    try {
      const r = await runPreview({ repoDir: repo.dir, base });
      expect(r.head.ref).toBe('working tree');
      expect(app(r, 'beta-prod').counts.changed).toBe(1);
    } finally {
      repo.git('checkout', '-q', '--', '.');
    }
  });

  it('a render error is reported per application with exit code 1', async () => {
    const head = onBranch('broken', () =>
      repo.write('charts/alpha/templates/broken.yaml', '{{ .Values.nope.missing }}\n'),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    expect(app(r, 'alpha-prod').error).toMatch(/^head: helm template/);
    expect(app(r, 'alpha-prod').error).not.toContain(repo.dir);
    expect(exitCodeOf(r)).toBe(1);
    expect(formatMarkdown(r)[0]).toContain('❌ render failed');
  });

  it('a docs-only change previews nothing', async () => {
    const head = onBranch('docs', () => {
      repo.write('docs/guide.md', '# guide\n');
      repo.write('README.md', '# fixture\n\nmore words\n');
    });
    const r = await runPreview({ repoDir: repo.dir, base, head });
    expect(r.apps).toEqual([]);
    expect(r.selection).toMatchObject({
      systems: [],
      applications: [],
      ignoredFiles: ['README.md', 'docs/guide.md'],
      nx: 'not-needed',
    });
    expect(exitCodeOf(r)).toBe(0);
    // Nothing previewable: no comment part at all (the workflow deletes an earlier one).
    expect(formatMarkdown(r)).toEqual([]);
  });

  it('a huge change is split into parts under 65,536 characters, summary complete in part 1, nothing lost', async () => {
    const many = Array.from({ length: 160 }, (_, i) =>
      configMap(`bulk-${String(i).padStart(3, '0')}`, 'alpha', {
        payload: `line ${i}\n`.repeat(60) + 'x'.repeat(400),
      }),
    );
    const head = onBranch('huge', () =>
      repo.setObjects('alpha', 'prod', [configMap('alpha-settings', 'alpha', { mode: 'prod' }), ...many], {
        replicas: 1,
        image: 'registry.example.com/alpha:v2.0.0',
      }),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const prod = app(r, 'alpha-prod');
    expect(prod.counts.added).toBe(160);
    expect(prod.risks.map((f) => f.code).sort()).toEqual(['image-changed', 'replicas-lowered']);
    const parts = formatMarkdown(r);
    expect(parts.length).toBeGreaterThan(1);
    for (const [i, p] of parts.entries()) {
      expect(p.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
      expect(p.startsWith(`<!-- gitops-diff-preview part ${i + 1} -->\n`)).toBe(true);
      // Fences and <details> are balanced in every part.
      expect((p.match(/^```+diff$/gm) ?? []).length).toBe((p.match(/^```+$/gm) ?? []).length);
      expect((p.match(/<details>/g) ?? []).length).toBe((p.match(/<\/details>/g) ?? []).length);
    }
    expect(parts[0]).toContain(`_Part 1 of ${parts.length}._`);
    expect(parts[0]).toMatch(
      /^\| `alpha-prod` \| prod \| manual sync \| 160 \| 0 \| 1 \| 0 \| ⚠️ (replicas lowered, image changed|image changed, replicas lowered) \|/m,
    );
    expect(parts[0]).toContain('| `alpha-dev` | dev |');
    const joined = parts.join('\n');
    for (const c of prod.changes) expect(joined).toContain(c.key);
    expect(joined).not.toContain('characters not shown');
    expect(joined).toContain('+    line 59');
  });
});

describe('selection through the Nx project graph', () => {
  let repo: FixtureRepo;
  let base: string;
  beforeAll(() => {
    repo = new FixtureRepo(undefined, { nx: true });
    base = repo.git('rev-parse', 'HEAD').trim();
  });
  afterAll(() => repo.cleanup());

  it('a shared library change reaches every dependent system', async () => {
    repo.write('libs/shared/src/index.ts', 'export const replicas = 3;\n');
    const head = repo.commit('lib change');
    const r = await runPreview({ repoDir: repo.dir, base, head });
    expect(r.selection.nx).toBe('used');
    expect(r.selection.systems).toEqual(['alpha', 'beta']);
    expect(r.selection.reasons.alpha).toEqual(['Nx affected by libs/shared']);
    expect(r.apps.map((a) => a.application)).toEqual(['alpha-dev', 'alpha-prod', 'beta-dev', 'beta-prod']);
    expect(r.notes.filter((n) => n.includes('Nx could not'))).toEqual([]);
  });

  it('a docs-only change previews nothing, without asking Nx', async () => {
    const from = repo.git('rev-parse', 'HEAD').trim();
    repo.write('docs/runbook.md', '# runbook\n');
    repo.write('apps/alpha/README.md', '# alpha\n');
    const head = repo.commit('docs');
    const r = await runPreview({ repoDir: repo.dir, base: from, head });
    expect(r.apps).toEqual([]);
    expect(r.selection.nx).toBe('not-needed');
  });

  it('a root file Nx considers global (nx.json) reaches every system; a file no project owns reaches none', async () => {
    const from = repo.git('rev-parse', 'HEAD').trim();
    repo.write('tools/script.sh', 'echo hi\n');
    const head = repo.commit('tooling');
    const r = await runPreview({ repoDir: repo.dir, base: from, head });
    expect(r.selection.nx).toBe('used');
    expect(r.apps).toEqual([]);
  });
});
