import { describe, expect, it } from 'vitest';
import { runPolicies } from '../policy';
import { policyContextFor } from '../workspace';
import { deployment } from './fixtures';

const run = (objs: any[]) =>
  runPolicies(objs, policyContextFor('dev'), { rules: ['stable-selectors'] }).map(
    (v) => `${v.resource} ${v.path}`,
  );
const ADDR = 'cdk8s.io/metadata.addr';

describe('stable-selectors', () => {
  it('flags construct-path hashes in workload selectors, pod labels and Service/PDB/NetworkPolicy selectors', () => {
    const d: any = deployment();
    d.spec.selector.matchLabels[ADDR] = 'shop-web-c856bd0e';
    d.spec.template.metadata.labels[ADDR] = 'shop-web-c856bd0e';
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { [ADDR]: 'x' } },
    };
    const np = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'n', namespace: 'shop' },
      spec: { podSelector: { matchLabels: { [ADDR]: 'x' } } },
    };
    expect(run([d, svc, np])).toEqual([
      'apps/v1/Deployment shop/web /spec/selector/matchLabels/cdk8s.io~1metadata.addr',
      'apps/v1/Deployment shop/web /spec/template/metadata/labels/cdk8s.io~1metadata.addr',
      'v1/Service shop/web /spec/selector/cdk8s.io~1metadata.addr',
      'networking.k8s.io/v1/NetworkPolicy shop/n /spec/podSelector/matchLabels/cdk8s.io~1metadata.addr',
    ]);
  });
  it('passes app.kubernetes.io selectors', () => {
    expect(run([deployment()])).toEqual([]);
  });
});
