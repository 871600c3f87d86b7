import { describe, expect, it } from 'vitest';
import { find, GuardedNamespace, type GuardedNamespaceProps, synth } from './index';

const props: GuardedNamespaceProps = {
  name: 'shop',
  quota: { requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '8', limitsMemory: '16Gi', pods: 20 },
  limitRange: {
    defaultRequest: { cpu: '50m', memory: '64Mi' },
    defaultLimit: { cpu: '500m', memory: '512Mi' },
    max: { cpu: '2', memory: '4Gi' },
  },
};

describe('GuardedNamespace', () => {
  it('labels the namespace for PSS restricted, without a namespace of its own', () => {
    const ns = find(
      synth((c) => void new GuardedNamespace(c, 'N', props), 'shop'),
      'Namespace',
    );
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(ns.metadata.labels['elbv2.k8s.aws/pod-readiness-gate-inject']).toBeUndefined();
    expect(ns.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-5');
    // It holds the claims: never pruned, kept when a cascading Application is deleted.
    expect(ns.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
  });
  it('adds the ALB readiness-gate label on request', () => {
    const ns = find(
      synth((c) => void new GuardedNamespace(c, 'N', { ...props, albReadinessGate: true }), 'shop'),
      'Namespace',
    );
    expect(ns.metadata.labels['elbv2.k8s.aws/pod-readiness-gate-inject']).toBe('enabled');
  });
  it('emits a ResourceQuota and a LimitRange at wave -4', () => {
    const objs = synth((c) => void new GuardedNamespace(c, 'N', props), 'shop');
    const q = find(objs, 'ResourceQuota');
    expect(q.spec.hard).toEqual({
      'requests.cpu': '4',
      'requests.memory': '8Gi',
      'limits.cpu': '8',
      'limits.memory': '16Gi',
      pods: '20',
    });
    expect(q.metadata).toMatchObject({
      name: 'shop-quota',
      namespace: 'shop',
      annotations: { 'argocd.argoproj.io/sync-wave': '-4' },
    });
    expect(find(objs, 'LimitRange').spec.limits[0]).toMatchObject({
      type: 'Container',
      default: { cpu: '500m' },
      defaultRequest: { memory: '64Mi' },
    });
  });
  it('rejects malformed quantities', () => {
    expect(() =>
      synth(
        (c) => void new GuardedNamespace(c, 'N', { ...props, quota: { ...props.quota, limitsCpu: 'eight' } }),
      ),
    ).toThrow(/quota.limits.cpu "eight"/);
  });
});
