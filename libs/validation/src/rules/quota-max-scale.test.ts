import { describe, expect, it } from 'vitest';
import { runPolicies } from '../policy';
import { policyContextFor } from '../workspace';
import { deployment, hpa, limitRange, quota } from './fixtures';

const run = (objs: any[]) =>
  runPolicies(objs, policyContextFor('dev'), { rules: ['quota-max-scale'] }).map(
    (v) => `${v.resource} ${v.path}: ${v.message}`,
  );

describe('quota-max-scale', () => {
  it('counts each workload at its HPA maximum plus the rolling-update surge (25% rounded up by default)', () => {
    // 10 replicas + 3 surge (25% of 10, rounded up) = 13 pods x 100m = 1.3 CPU
    const objs = [quota({ 'requests.cpu': '1200m', pods: '13' }), deployment(), hpa('web', 10)];
    expect(run(objs)).toEqual([
      'v1/ResourceQuota shop/quota /spec/hard/requests.cpu: at maximum scale the workloads of namespace shop need requests.cpu 1300m but ResourceQuota quota allows 1200m (Deployment web: 10 replica(s) at the autoscaler maximum + 3 surge x 100m): pods beyond the quota are refused when the autoscaler scales up or a rollout surges; raise the quota or lower maxReplicas/resources',
    ]);
    expect(run([quota({ 'requests.cpu': '1300m', pods: '13' }), deployment(), hpa('web', 10)])).toEqual([]);
  });
  it('counts no surge for Recreate, an explicit maxSurge, Jobs by parallelism, KEDA maxima', () => {
    const recreate = deployment({}, { replicas: 4, strategy: { type: 'Recreate' } });
    expect(run([quota({ pods: '4' }), recreate])).toEqual([]);
    const surge2 = deployment(
      {},
      { replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2 } } },
    );
    expect(run([quota({ pods: '5' }), surge2])).toEqual([
      expect.stringContaining('need pods 6 but ResourceQuota quota allows 5'),
    ]);
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: 'shop' },
      spec: { parallelism: 3, template: deployment().spec.template },
    };
    expect(run([quota({ pods: '2' }), job])).toEqual([
      expect.stringContaining('Job migrate: 3 pod(s) (parallelism)'),
    ]);
    const keda = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'w', namespace: 'shop' },
      spec: { scaleTargetRef: { name: 'web' }, maxReplicaCount: 20 },
    };
    expect(run([quota({ 'limits.memory': '5Gi' }), deployment({}, { replicas: undefined }), keda])).toEqual([
      expect.stringContaining(
        'need limits.memory 6.25Gi but ResourceQuota quota allows 5Gi (Deployment web: 20 replica(s) at the autoscaler maximum + 5 surge x 256Mi)',
      ),
    ]);
  });
  it('sizes pods as the API server does: LimitRange defaults, init containers by maximum, sidecars for the lifetime', () => {
    const d = deployment(
      { resources: {} },
      { replicas: 2, strategy: { type: 'Recreate' } },
      {
        initContainers: [
          {
            name: 'proxy',
            restartPolicy: 'Always',
            image: 'p:1',
            resources: { requests: { cpu: '50m' }, limits: { cpu: '50m' } },
          },
          { name: 'seed', image: 's:1', resources: { requests: { cpu: '900m' }, limits: { cpu: '900m' } } },
        ],
      },
    );
    const lr = limitRange({ defaultRequest: { cpu: '200m' }, default: { cpu: '400m' } });
    // per pod: max(app 200m + sidecar 50m, sidecar 50m + init 900m) = 950m; 2 pods = 1.9
    expect(run([quota({ 'requests.cpu': '1800m' }), lr, d])).toEqual([
      expect.stringContaining('need requests.cpu 1900m'),
    ]);
  });
  it('reports a container the quota cannot admit (no value and no LimitRange default)', () => {
    expect(
      run([quota({ 'limits.cpu': '4' }), deployment({ resources: { requests: { cpu: '1' } } })]),
    ).toEqual([
      expect.stringMatching(
        /^apps\/v1\/Deployment shop\/web .*has a container without limits\.cpu .*the API server refuses its pods/,
      ),
    ]);
  });
  it('ignores scoped quotas and other namespaces', () => {
    expect(run([quota({ pods: '1' }, { scopes: ['BestEffort'] }), deployment({}, { replicas: 5 })])).toEqual(
      [],
    );
    const other = { ...quota({ pods: '1' }), metadata: { name: 'q', namespace: 'other' } };
    expect(run([other, deployment({}, { replicas: 5 })])).toEqual([]);
  });
});
