import { describe, expect, it } from 'vitest';
import { runPolicies } from '../policy';
import { policyContextFor } from '../workspace';
import { deployment, limitRange } from './fixtures';

const run = (objs: any[]) =>
  runPolicies(objs, policyContextFor('dev'), { rules: ['limitrange-bounds'] }).map(
    (v) => `${v.path}: ${v.message}`,
  );

describe('limitrange-bounds', () => {
  const lr = limitRange({
    max: { cpu: '1', memory: '1Gi' },
    min: { cpu: '50m' },
    default: { cpu: '500m', memory: '512Mi' },
    defaultRequest: { cpu: '100m', memory: '128Mi' },
  });
  it('passes containers within the bounds, and namespaces without a LimitRange', () => {
    expect(run([lr, deployment()])).toEqual([]);
    expect(run([deployment({ resources: { limits: { cpu: '8' } } })])).toEqual([]);
  });
  it('refuses a limit above the maximum, naming the container, value, bound and LimitRange (cdk8s-plus 1500m/2048Mi)', () => {
    const d = deployment({
      name: 'main',
      resources: { limits: { cpu: '1500m', memory: '2048Mi' }, requests: { cpu: '1000m', memory: '512Mi' } },
    });
    expect(run([lr, d])).toEqual([
      '/spec/template/spec/containers/0/resources/limits/cpu: container main of Deployment shop/web: limits.cpu 1500m exceeds the maximum 1 of LimitRange limits of namespace shop; the API server refuses the pod: lower it to 1 or less',
      '/spec/template/spec/containers/0/resources/limits/memory: container main of Deployment shop/web: limits.memory 2048Mi exceeds the maximum 1Gi of LimitRange limits of namespace shop; the API server refuses the pod: lower it to 1Gi or less',
    ]);
  });
  it('applies the defaulting the API server does: a request above the default limit of a container without limit', () => {
    const d = deployment({ resources: { requests: { cpu: '100m', memory: '768Mi' } } });
    expect(run([lr, d])).toEqual([
      '/spec/template/spec/containers/0/resources/requests/memory: container web of Deployment shop/web: requests.memory 768Mi exceeds limits.memory 512Mi (from the LimitRange default: the container sets none); the API server refuses the pod: set limits.memory explicitly',
    ]);
  });
  it('takes the limit as request when only the limit is set, and checks init containers and minimums', () => {
    const d = deployment(
      { resources: { limits: { cpu: '2', memory: '256Mi' } } },
      {},
      {
        initContainers: [
          { name: 'init', image: 'x:1', resources: { requests: { cpu: '10m' }, limits: { cpu: '20m' } } },
        ],
      },
    );
    const out = run([lr, d]);
    expect(out).toContainEqual(
      expect.stringMatching(
        /containers\/0\/resources\/requests\/cpu: .*requests\.cpu 2 \(the request defaults to the limit\) exceeds the maximum 1/,
      ),
    );
    expect(out).toContainEqual(
      expect.stringMatching(
        /initContainers\/0\/resources\/limits\/cpu: container init .*limits\.cpu 20m is below the minimum 50m/,
      ),
    );
  });
  it('checks maxLimitRequestRatio', () => {
    const ratio = limitRange({ maxLimitRequestRatio: { memory: '2' } });
    expect(
      run([
        ratio,
        deployment({
          resources: { requests: { cpu: '1', memory: '100Mi' }, limits: { cpu: '1', memory: '400Mi' } },
        }),
      ]),
    ).toEqual([
      expect.stringContaining('limits.memory/requests.memory is 4, above the maxLimitRequestRatio 2'),
    ]);
  });
});
