import { describe, expect, it } from 'vitest';
import { EXEMPT_ANNOTATION, EXEMPT_REASON_ANNOTATION, runPolicies } from '../policy';
import { policyContextFor } from '../workspace';

const svc = (spec: Record<string, unknown>, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop', annotations },
  spec: { ports: [{ port: 80 }], ...spec },
});
const run = (env: string, objs: any[]) =>
  runPolicies(objs, policyContextFor(env), { rules: ['prod-service-exposure'] }).map(
    (v) => `${v.path}: ${v.message}`,
  );

describe('prod-service-exposure', () => {
  it('refuses LoadBalancer, NodePort and externalIPs in prod only', () => {
    expect(run('prod', [svc({ type: 'LoadBalancer' })])).toEqual([
      '/spec/type: Service shop/web is type LoadBalancer in prod: it opens a load balancer (internet-facing unless annotated internal) that no Ingress allow-list restricts; use ClusterIP behind the Ingress, or exempt it with policy.gitops.platform/exempt: prod-service-exposure and an exempt-reason',
    ]);
    expect(run('prod', [svc({ type: 'NodePort' })])).toEqual([
      expect.stringContaining('opens a port on every node'),
    ]);
    expect(run('prod', [svc({ externalIPs: ['203.0.113.7'] })])).toEqual([
      expect.stringMatching(/^\/spec\/externalIPs: .*203\.0\.113\.7/),
    ]);
    expect(run('dev', [svc({ type: 'LoadBalancer' })])).toEqual([]);
    expect(run('prod', [svc({ type: 'ClusterIP' }), svc({})])).toEqual([]);
  });
  it('names an internal load balancer as such, and honours an exemption with a reason', () => {
    const internal = { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' };
    expect(run('prod', [svc({ type: 'LoadBalancer' }, internal)])).toEqual([
      expect.stringContaining('opens an internal load balancer'),
    ]);
    const exempt = {
      [EXEMPT_ANNOTATION]: 'prod-service-exposure',
      [EXEMPT_REASON_ANNOTATION]: 'partner VPN; NET-42',
    };
    expect(run('prod', [svc({ type: 'LoadBalancer' }, exempt)])).toEqual([]);
    const noReason = { [EXEMPT_ANNOTATION]: 'prod-service-exposure' };
    expect(
      runPolicies([svc({ type: 'LoadBalancer' }, noReason)], policyContextFor('prod'))
        .map((v) => v.rule)
        .sort(),
    ).toEqual(['exemption-reason-required', 'prod-service-exposure']);
  });
});
