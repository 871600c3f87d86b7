import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiObject } from 'cdk8s';
import { parse } from 'yaml';
import { helmLint, TOOLCHAINS, type ToolchainId } from '@gitops/toolchain';
import { checkParity, parityTargets, renderSystem, stageFiles, type SystemRender } from './index';
import { fixtureSystem } from './testing/fixture-system';

let dir: string;
let r: SystemRender;

function stage(render: SystemRender, into: string) {
  const files = new Map<string, string>();
  for (const [p, c] of Object.entries(render.chart)) files.set(`charts/${render.system.name}/${p}`, c);
  for (const [p, c] of Object.entries(render.overlays)) files.set(`overlays/${render.system.name}/${p}`, c);
  stageFiles(into, files);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'emit-'));
  r = renderSystem(fixtureSystem());
  stage(r, dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chart and overlay emitters (fixture system, real helm and kustomize)', () => {
  it.each(Object.keys(TOOLCHAINS) as ToolchainId[])(
    'helm (%s) and kustomize render exactly the synthesis in every environment',
    async (tc) => {
      for (const t of parityTargets(r)) {
        for (const res of await checkParity(dir, t, tc)) {
          expect(res.problems, `${res.form} ${t.environment} (${tc})`).toEqual([]);
          expect(res.objects.length).toBe(t.expected.length);
        }
      }
    },
  );

  it('values-<env>.yaml holds only what the environment changes', () => {
    expect(parse(r.chart['values-dev.yaml'])).toEqual({});
    const prod = parse(r.chart['values-prod.yaml']);
    expect(prod.image).toEqual({ tag: 'v1.0.1' });
    expect(prod.replicas).toBeUndefined();
    expect(prod.ingress.cidrs).toEqual(['10.0.0.0/16', '192.168.0.0/24']);
    expect(parse(r.chart['values-mini-corp.yaml']).image).toEqual({
      repository: 'registry.mini-corp.internal/fixture',
    });
  });

  it('templates reference values, and structure is conditional on values', () => {
    const deploy = r.chart['templates/fixture-web-deployment.yaml'];
    expect(deploy).toContain(
      'image: {{ printf "%s:%s" .Values.image.repository .Values.image.tag | toJson }}',
    );
    expect(r.chart['templates/fixture-ingress.yaml']).toContain(
      'nginx.ingress.kubernetes.io/whitelist-source-range: {{ join "," .Values.ingress.cidrs | toJson }}',
    );
    expect(deploy).toMatch(
      /\{\{- if eq \(toString \.Values\.autoscaling\.enabled\) "false" \}\}\n\s+replicas: \{\{ \.Values\.replicas \| float64 \| toJson \}\}/,
    );
    expect(r.chart['templates/fixture-web-poddisruptionbudget.yaml']).toMatch(
      /^\{\{- if eq \(toString \.Values\.pdb\.enabled\) "true" \}\}$/m,
    );
    expect(r.chart['templates/fixture-web-horizontalpodautoscaler.yaml']).toMatch(
      /^\{\{- if eq \(toString \.Values\.autoscaling\.enabled\) "true" \}\}$/m,
    );
    expect(r.chart['templates/fixture-migrate-job.yaml']).toContain('helm.sh/hook: pre-install,pre-upgrade');
    expect(r.chart['templates/fixture-migrate-job.yaml']).not.toContain('argocd.argoproj.io/hook:');
    expect(r.chart['templates/fixture-alerts-configmap.yaml']).toContain('{{ "{{" }} $labels.instance }}');
  });

  it('overlays patch the base instead of copying it', () => {
    const prod = parse(r.overlays['prod/kustomization.yaml']);
    expect(prod.resources).toEqual([
      '../base',
      'fixture-web-horizontalpodautoscaler.yaml',
      'fixture-web-poddisruptionbudget.yaml',
    ]);
    expect(prod.images).toEqual([
      { name: '116912495274.dkr.ecr.us-east-1.amazonaws.com/fixture', newTag: 'v1.0.1' },
    ]);
    const mini = parse(r.overlays['mini-corp/kustomization.yaml']);
    expect(mini.images).toEqual([
      {
        name: '116912495274.dkr.ecr.us-east-1.amazonaws.com/fixture',
        newName: 'registry.mini-corp.internal/fixture',
        newTag: 'v1.0.0',
      },
    ]);
    expect(parse(r.overlays['dev/kustomization.yaml'])).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['../base'],
    });
    const ops = parse(r.overlays['prod/patches/fixture-web-deployment.yaml']);
    expect(ops).toContainEqual({ op: 'remove', path: '/spec/replicas' });
  });

  it('rendering twice gives byte-identical files', () => {
    const again = renderSystem(fixtureSystem());
    expect(again.chart).toEqual(r.chart);
    expect(again.overlays).toEqual(r.overlays);
  });

  it('helm lint --strict passes with every values file and both Helm versions', () => {
    for (const tc of Object.keys(TOOLCHAINS) as ToolchainId[]) {
      for (const env of ['dev', 'prod', 'mini-corp']) {
        expect(() =>
          helmLint(join(dir, 'charts/fixture'), [join(dir, `charts/fixture/values-${env}.yaml`)], tc),
        ).not.toThrow();
      }
    }
  });

  it('explains a number written into a string by that number, not by a value that correlates by chance', async () => {
    const base = fixtureSystem();
    const sys = fixtureSystem({
      environments: {
        ...base.environments,
        prod: { ...base.environments.prod, replicas: 3, autoscaling: { enabled: false } },
      },
      build(chart, v) {
        base.build(chart, v);
        new ApiObject(chart, 'count', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'fixture-count' },
          data: { replicas: String(v.replicas) },
        });
      },
    });
    const render = renderSystem(sys);
    // pdb.enabled and ingress.tls.enabled are true exactly where replicas is 3: only a probe tells them apart.
    expect(render.chart['templates/fixture-count-configmap.yaml']).toContain(
      'replicas: {{ printf "%v" .Values.replicas | toJson }}',
    );
    const out = mkdtempSync(join(tmpdir(), 'emit-count-'));
    try {
      stage(render, out);
      for (const t of parityTargets(render))
        for (const res of await checkParity(out, t, 'v35')) expect(res.problems).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('a broken template or patch makes parity fail', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'emit-broken-'));
    try {
      stage(r, broken);
      const tpl = join(broken, 'charts/fixture/templates/fixture-web-deployment.yaml');
      writeFileSync(tpl, readFileSync(tpl, 'utf8').replace('containerPort: 8080', 'containerPort: 8081'));
      const patch = join(broken, 'overlays/fixture/prod/patches/fixture-web-deployment.yaml');
      writeFileSync(patch, readFileSync(patch, 'utf8').replace('op: remove', 'op: test\n  value: 1'));
      const prod = parityTargets(r).find((t) => t.environment === 'prod')!;
      const [helm, kust] = await checkParity(broken, prod, 'v35').catch(
        (e) => [{ problems: ['x'] }, { problems: [String(e)] }] as any,
      );
      expect(helm.problems.join('\n')).toMatch(/containerPort|8081|x/);
      expect(kust.problems.length).toBeGreaterThan(0);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
