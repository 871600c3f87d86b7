/**
 * The pull requests of issue "PR previews that cannot lie", each committed in a throw-away repository and
 * previewed as a reviewer would: Argo CD object changes, prune semantics, hooks, refusals, every input file,
 * base-branch config, leaks, files outside the repository, risk rules across objects, sizes.
 */
import { symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
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

describe('preview scenarios on throw-away repositories (Argo CD as the platform emits it)', () => {
  let repo: FixtureRepo;
  let base: string;
  beforeAll(() => {
    repo = new FixtureRepo(undefined, { argo: true });
    base = repo.git('rev-parse', 'HEAD').trim();
  });
  afterAll(() => repo.cleanup());
  const onBranch = (name: string, change: () => void): string => {
    repo.git('checkout', '-q', '-B', name, base);
    change();
    return repo.commit(name);
  };

  it('turning on prod auto-prune is a first-class change of the root app, with a risk', async () => {
    const head = onBranch('auto-prune', () =>
      repo.editYaml('overlays/argocd/prod/applications.yaml', (a) => {
        if (a.metadata.name === 'alpha-prod') a.spec.syncPolicy.automated.prune = true;
      }),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const root = app(r, 'root-prod');
    expect(root.role).toBe('argocd');
    expect(root.changes.map((c) => c.key)).toEqual(['argoproj.io/Application argocd/alpha-prod']);
    expect(root.changes[0].notes).toContain('auto-prune false → true (removed objects will be deleted)');
    expect(root.risks.map((f) => f.code)).toContain('argocd-policy');
    expect(r.apps.some((a) => a.changes.length)).toBe(true);
    expect(exitCodeOf(r)).toBe(2);
    const [md] = formatMarkdown(r);
    expect(md).toContain('Application argocd/alpha-prod');
    expect(md).toContain('auto-prune false → true');
  });

  it('a cascade finalizer, an inverted freeze window and a kind removed from an allow-list are all shown', async () => {
    const head = onBranch('argo-policy', () => {
      repo.editYaml('overlays/argocd/prod/applications.yaml', (a) => {
        a.metadata.finalizers = ['resources-finalizer.argocd.argoproj.io'];
      });
      repo.editYaml('overlays/argocd/prod/appprojects.yaml', (p) => {
        p.spec.syncWindows[0].kind = 'allow';
        p.spec.namespaceResourceWhitelist = p.spec.namespaceResourceWhitelist.filter(
          (k: any) => k.kind !== 'Deployment',
        );
      });
    });
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const root = app(r, 'root-prod');
    const notes = root.changes.flatMap((c) => c.notes ?? []);
    expect(notes).toContain(
      'finalizer resources-finalizer.argocd.argoproj.io added: deleting Application alpha-prod will cascade-delete every resource it manages',
    );
    expect(notes.some((n) => /sync window (inverted|removed): deny 0 18 \* \* 5/.test(n))).toBe(true);
    expect(notes).toContain(
      'namespaceResourceWhitelist: apps/Deployment removed (Argo CD will refuse to sync these kinds)',
    );
    expect(new Set(root.risks.map((f) => f.code))).toEqual(new Set(['argocd-policy']));
    expect(root.risks.length).toBeGreaterThanOrEqual(4);
  });

  it('prune semantics per environment: deleted in dev (auto-prune), stays in prod (prune disabled)', async () => {
    const head = onBranch('prune', () => {
      repo.setObjects('beta', 'dev', []);
      repo.setObjects('beta', 'prod', []);
    });
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const dev = app(r, 'beta-dev').changes[0];
    const prod = app(r, 'beta-prod').changes[0];
    expect(dev.prune).toEqual({ outcome: 'deleted', message: 'would be deleted: auto-prune in dev' });
    expect(prod.prune?.outcome).toBe('stays');
    expect(prod.prune?.message).toMatch(/^stays: prune disabled in prod/);
    // A deletion that will not happen is not reported as a production deletion.
    expect(app(r, 'beta-prod').risks).toEqual([]);
    expect(app(r, 'beta-prod').syncPolicy).toBe('automated, prune off, self-heal on');
    expect(formatMarkdown(r).join('')).toContain('stays: prune disabled in prod');
  });

  it('hooks are labelled with phase and wave; a removed hook is never pruned', async () => {
    const job = (name: string, ann: Record<string, string>) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'alpha', annotations: ann },
      spec: {
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'r.example.com/m:1' }] },
        },
      },
    });
    const head = onBranch('hooks', () =>
      repo.setObjects(
        'alpha',
        'prod',
        [
          configMap('alpha-settings', 'alpha', { mode: 'prod' }),
          job('migrate', {
            'helm.sh/hook': 'pre-install,pre-upgrade',
            'helm.sh/hook-weight': '-5',
            'helm.sh/hook-delete-policy': 'before-hook-creation',
          }),
          job('smoke', { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/sync-wave': '3' }),
        ],
        { replicas: 2, image: 'registry.example.com/alpha:v1.0.0' },
      ),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const ch = app(r, 'alpha-prod').changes;
    expect(ch.find((c) => c.name === 'migrate')!.hook).toEqual({
      phases: ['PreSync'],
      wave: -5,
      deletePolicy: 'before-hook-creation',
    });
    expect(ch.find((c) => c.name === 'smoke')!.hook).toEqual({ phases: ['PostSync'], wave: 3 });
    const md = formatMarkdown(r).join('');
    expect(md).toContain('PreSync hook · wave -5');
    expect(md).toContain('PostSync hook · wave 3');
  });

  it('a multi-source Application is refused clearly (exit 1), never skipped silently', async () => {
    const head = onBranch('multi-source', () =>
      repo.editYaml('overlays/argocd/dev/applications.yaml', (a) => {
        if (a.metadata.name !== 'alpha-dev') return;
        a.spec.sources = [
          a.spec.source,
          { repoURL: 'https://example.com/values.git', targetRevision: 'main', ref: 'values' },
        ];
        delete a.spec.source;
      }),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const a = app(r, 'alpha-dev');
    expect(a.refused).toMatch(/^multi-source Application \(spec\.sources\): not previewed/);
    expect(exitCodeOf(r)).toBe(1);
    expect(formatMarkdown(r)[0]).toContain('⛔ not previewed');
  });

  it('a .txt read by a configMapGenerator is a render input, not documentation', async () => {
    const head0 = onBranch('generator-base', () => {
      repo.write('overlays/beta/dev/greeting.txt', 'hello\n');
      repo.write(
        'overlays/beta/dev/kustomization.yaml',
        stringify({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: ['objects.yaml'],
          configMapGenerator: [
            {
              name: 'greeting',
              namespace: 'beta',
              files: ['greeting.txt'],
              options: { disableNameSuffixHash: true },
            },
          ],
        }),
      );
    });
    repo.write('overlays/beta/dev/greeting.txt', 'hello, world\n');
    const head = repo.commit('greeting');
    const r = await runPreview({ repoDir: repo.dir, base: head0, head });
    expect(r.selection.ignoredFiles).toEqual([]);
    const dev = app(r, 'beta-dev');
    expect(dev.changes.map((c) => c.key)).toEqual(['/ConfigMap beta/greeting']);
    expect(dev.changes[0].diff).toContain('+    hello, world');
  });

  it('the preview config comes from the base branch: a .gitops-diff.yaml added by the change cannot hide its own image bump', async () => {
    const head = onBranch('own-config', () => {
      repo.write('.gitops-diff.yaml', stringify({ ignore: ['**.image', '**'], riskEnvironments: [] }));
      repo.setObjects('alpha', 'prod', [configMap('alpha-settings', 'alpha', { mode: 'prod' })], {
        replicas: 2,
        image: 'registry.example.com/alpha:v9.9.9',
      });
    });
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const prod = app(r, 'alpha-prod');
    expect(prod.counts.changed).toBe(1);
    expect(prod.risks.map((f) => f.code)).toEqual(['image-changed']);
    expect(r.notes.some((n) => n.includes("the preview uses the base branch's version"))).toBe(true);
    // --config names a repository path read at the base too.
    await expect(
      runPreview({ repoDir: repo.dir, base, head, configFile: '.gitops-diff.yaml' }),
    ).rejects.toThrow(/does not exist at the base commit/);
  });

  it('leaks: a base64 password and an AWS key in a ConfigMap, a Secret inside a List, Secret annotations — nothing in any format', async () => {
    const B64 = Buffer.from('DB_PASSWORD=Tr0ub4dor&3-leak').toString('base64');
    const AWS = 'AKIAZ7Q3EXAMPLEKEY42';
    const SECRET_IN_LIST = 'list-secret-value-8842';
    const ANNOTATION = 'annotation-secret-5531';
    const head = onBranch('leaks', () =>
      repo.setObjects(
        'alpha',
        'prod',
        [
          configMap('alpha-settings', 'alpha', { mode: 'prod', 'app.env': B64, 'aws-key': AWS }),
          {
            apiVersion: 'v1',
            kind: 'List',
            items: [
              {
                apiVersion: 'v1',
                kind: 'Secret',
                metadata: {
                  name: 'listed',
                  namespace: 'alpha',
                  annotations: { 'example.com/bootstrap-token': ANNOTATION },
                },
                stringData: { token: SECRET_IN_LIST },
              },
            ],
          },
        ],
        { replicas: 2, image: 'registry.example.com/alpha:v1.0.0' },
      ),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const everything = allFormats(r);
    for (const raw of [B64, AWS, SECRET_IN_LIST, ANNOTATION, 'Tr0ub4dor'])
      expect(everything).not.toContain(raw);
    expect(app(r, 'alpha-prod').changes.map((c) => c.key)).toContain('/Secret alpha/listed');
    expect(everything).not.toMatch(/sha256:[0-9a-f]{8}|hmac:/);
  });

  it('a symlink out of the repository is refused exactly as Argo CD refuses it', async () => {
    const outside = join(tmpdir(), `outside-${process.pid}.yaml`);
    writeFileSync(
      outside,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: stolen, namespace: alpha }\ndata: { k: OUTSIDE-CONTENT-1234 }\n',
    );
    const head = onBranch('oob-symlink', () =>
      symlinkSync(outside, join(repo.dir, 'charts/alpha/templates/stolen.yaml')),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const a = app(r, 'alpha-prod');
    expect(a.error).toContain(
      'repository contains out-of-bounds symlinks. file: charts/alpha/templates/stolen.yaml',
    );
    expect(allFormats(r)).not.toContain('OUTSIDE-CONTENT-1234');
    expect(exitCodeOf(r)).toBe(1);
    // A relative symlink that stays inside the repository is fine (Argo CD allows it).
    const inside = onBranch('in-bounds-symlink', () =>
      symlinkSync('../values-dev.yaml', join(repo.dir, 'charts/alpha/templates/values-copy.txt')),
    );
    const ok = await runPreview({ repoDir: repo.dir, base, head: inside });
    expect(ok.apps.every((x) => !x.error)).toBe(true);
  });

  it('a value file outside the repository is refused (Argo CD: resolved to outside repository root)', async () => {
    const head = onBranch('oob-values', () =>
      repo.editYaml('overlays/argocd/dev/applications.yaml', (a) => {
        if (a.metadata.name === 'alpha-dev') a.spec.source.helm.valueFiles = ['../../../../../etc/passwd'];
      }),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    expect(app(r, 'alpha-dev').error).toContain(
      "file '../../../../../etc/passwd' resolved to outside repository root",
    );
    expect(allFormats(r)).not.toContain('root:x:0:0');
  });

  it('a renamed component whose NetworkPolicy now selects no pods is a risk, though the policy itself did not change', async () => {
    const netpol = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web-ingress', namespace: 'beta' },
      spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } }, policyTypes: ['Ingress'] },
    };
    const deploy = (name: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'beta' },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': name } },
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': name } },
          spec: { containers: [{ name, image: 'r.example.com/w:1' }] },
        },
      },
    });
    const b = onBranch('np-base', () => repo.setObjects('beta', 'dev', [netpol, deploy('web')]));
    repo.setObjects('beta', 'dev', [netpol, deploy('frontend')]);
    const head = repo.commit('rename web to frontend');
    const r = await runPreview({ repoDir: repo.dir, base: b, head });
    const dev = app(r, 'beta-dev');
    expect(dev.changes.map((c) => c.key)).not.toContain('networking.k8s.io/NetworkPolicy beta/web-ingress');
    expect(dev.risks.map((f) => f.code)).toContain('netpol-selects-nothing');
  });

  it('a 100 KB single line: every markdown part under 65,536 characters', async () => {
    const head = onBranch('long-line', () =>
      repo.setObjects('beta', 'prod', [
        configMap('beta-settings', 'beta', { mode: 'prod', blob: 'q'.repeat(100 * 1024) }),
      ]),
    );
    const r = await runPreview({ repoDir: repo.dir, base, head });
    const parts = formatMarkdown(r);
    expect(parts.length).toBeGreaterThan(0);
    for (const p of parts) expect(p.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(parts.join('')).toMatch(/more characters not shown/);
  });
});

describe('markdown injection through file names', () => {
  it('a file name cannot inject links, images or HTML into the comment', async () => {
    const repo = new FixtureRepo();
    try {
      const base = repo.git('rev-parse', 'HEAD').trim();
      const evil = 'charts/alpha/x](https:--evil.example)<img src=x onerror=alert(1)>`*|.txt';
      repo.write(evil, 'not a template\n');
      const head = repo.commit('evil name');
      const r = await runPreview({ repoDir: repo.dir, base, head });
      // Outside code fences (which GitHub shows literally) nothing of the name is live markdown.
      const md = formatMarkdown(r)
        .join('\n')
        .replace(/^(`{3,})[a-z]*\n[\s\S]*?^\1$/gm, '');
      expect(md).toContain('Reached by');
      expect(md).not.toContain('<img');
      expect(md).not.toContain('](https:--evil.example)');
      expect(md).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
    } finally {
      repo.cleanup();
    }
  });
});
