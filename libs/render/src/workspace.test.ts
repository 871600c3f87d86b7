/**
 * The backbone guarantees, on the real systems and the committed outputs:
 * parity of chart, overlay and synthesis with both Helm versions and both Kustomize versions,
 * `helm lint --strict`, no drift, determinism, and minimal per-environment changes.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { helmLint, TOOLCHAINS, type ToolchainId } from '@gitops/toolchain';
import {
  checkParity,
  loadSystems,
  mergeValues,
  parityTargets,
  renderSystem,
  renderWorkspace,
  compareWithDisk,
  existingRoots,
  WORKSPACE_ROOT,
  type LoadedSystem,
  type SystemDefinition,
  type SystemRender,
} from './index';

let systems: LoadedSystem[];
let renders: SystemRender[];

beforeAll(async () => {
  systems = await loadSystems();
  renders = systems.map((s) => renderSystem(s.definition));
});

const toolchains = Object.keys(TOOLCHAINS) as ToolchainId[];

describe('committed outputs', () => {
  it('the three systems of the seeds are there, each rendered for dev, prod and mini-corp', () => {
    expect(systems.map((s) => s.definition.name)).toEqual(
      expect.arrayContaining(['aegis-tickets', 'mini-xdr', 'ode']),
    );
    for (const r of renders)
      expect(r.samples.map((s) => s.label)).toEqual(['defaults', 'dev', 'prod', 'mini-corp']);
  });

  it.each(toolchains)(
    'parity: helm template and kustomize build (%s) of the committed files equal the synthesis, field for field',
    async (tc) => {
      const spec = TOOLCHAINS[tc];
      for (const r of renders) {
        for (const t of parityTargets(r)) {
          const results = await checkParity(WORKSPACE_ROOT, t, tc);
          for (const res of results) {
            expect(
              res.problems,
              `${res.form} ${t.system}/${t.environment} with helm ${spec.helmVersion} / kustomize ${spec.kustomizeVersion}`,
            ).toEqual([]);
            expect(res.objects.length).toBe(t.expected.length);
          }
        }
      }
    },
  );

  it.each(toolchains)('helm lint --strict passes for every system × environment (%s)', (tc) => {
    for (const r of renders) {
      for (const env of ['dev', 'prod', 'mini-corp']) {
        const chart = join(WORKSPACE_ROOT, 'charts', r.system.name);
        expect(
          () => helmLint(chart, [join(chart, `values-${env}.yaml`)], tc),
          `${r.system.name} ${env}`,
        ).not.toThrow();
      }
    }
  });

  it('the committed files are exactly what a fresh render produces (no drift)', async () => {
    const argocd = (await import(join(WORKSPACE_ROOT, 'apps/argocd/src/index.ts'))).renderArgoCdFiles;
    const fresh = renderWorkspace(systems, argocd);
    const roots = [...new Set([...fresh.roots, ...existingRoots(WORKSPACE_ROOT)])];
    expect(compareWithDisk(WORKSPACE_ROOT, fresh.files, roots)).toEqual([]);
  });

  it('no generated name carries a cdk8s hash and every namespaced object has its namespace', () => {
    for (const r of renders) {
      for (const s of r.samples) {
        for (const o of s.objects) {
          expect(o.metadata.name, `${o.kind} in ${r.system.name}`).not.toMatch(/-c8[0-9a-f]{6}$/);
          expect(JSON.stringify(o)).not.toContain('cdk8s.io/metadata.addr');
          if (
            ![
              'Namespace',
              'ClusterSecretStore',
              'ClusterRole',
              'ClusterRoleBinding',
              'StorageClass',
              'PersistentVolume',
            ].includes(o.kind)
          ) {
            expect(o.metadata.namespace, `${o.kind}/${o.metadata.name} in ${r.system.name} ${s.label}`).toBe(
              (s.values as any).namespace,
            );
          }
        }
      }
    }
  });
});

describe('determinism and minimal changes', () => {
  it('rendering twice gives byte-identical files', () => {
    for (const s of systems) {
      const again = renderSystem(s.definition);
      const first = renders.find((r) => r.system.name === s.definition.name)!;
      expect(again.chart).toEqual(first.chart);
      expect(again.overlays).toEqual(first.overlays);
    }
  });

  function changedFiles(a: SystemRender, b: SystemRender): string[] {
    const out: string[] = [];
    for (const [kind, fa, fb] of [
      ['charts', a.chart, b.chart],
      ['overlays', a.overlays, b.overlays],
    ] as const) {
      for (const k of new Set([...Object.keys(fa), ...Object.keys(fb)]))
        if (fa[k] !== fb[k]) out.push(`${kind}/${k}`);
    }
    return out.sort();
  }

  function withEnv(
    def: SystemDefinition<any>,
    env: 'dev' | 'prod' | 'mini-corp',
    change: unknown,
  ): SystemDefinition<any> {
    return {
      ...def,
      build: def.build,
      environments: { ...def.environments, [env]: mergeValues(def.environments[env], change) },
    };
  }

  const cases: [string, 'dev' | 'prod' | 'mini-corp', (v: any) => unknown][] = [
    ['mini-xdr', 'prod', (v) => ({ backend: { image: { tag: `${v.backend.image.tag}-hotfix1` } } })],
    [
      'mini-xdr',
      'mini-corp',
      (v) => ({ ingress: { allowedCidrs: [...v.ingress.allowedCidrs, '10.101.0.0/16'] } }),
    ],
    ['aegis-tickets', 'dev', (v) => ({ frontend: { image: { tag: `${v.frontend.image.tag}-rc2` } } })],
    ['ode', 'prod', (v) => ({ api: { image: { tag: `${v.api.image.tag}-p1` } } })],
    ['aegis-tickets', 'prod', () => ({ secretStore: { awsRegion: 'eu-west-2' } })],
    ['mini-xdr', 'dev', () => ({ frontend: { resources: { requests: { cpu: '75m' } } } })],
  ];

  it.each(cases)(
    "changing one value of %s in %s changes only that environment's values file and overlay",
    (name, env, change) => {
      const def = systems.find((s) => s.definition.name === name)!.definition;
      const base = renders.find((r) => r.system.name === name)!;
      const current = base.samples.find((s) => s.label === env)!.values;
      const changed = renderSystem(withEnv(def, env, change(current)));
      const files = changedFiles(base, changed);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files)
        expect(f, `${name}: ${files.join(', ')}`).toMatch(
          new RegExp(`^(charts/values-${env}\\.yaml|overlays/${env}/)`),
        );
    },
  );
});
