/**
 * `prod-service-exposure`: in production a Service is reachable from outside the cluster only through
 * the Ingress, whose sources `prod-ingress-restricted` keeps closed. A `type: LoadBalancer` Service
 * opens a load balancer of its own (internet-facing by default on AWS) that no Ingress rule restricts;
 * a `NodePort` opens a port on every node; `externalIPs` route outside addresses to the Service.
 * Each is refused unless the Service carries an exemption with a reason (`policy.gitops.platform/exempt:
 * prod-service-exposure` + `policy.gitops.platform/exempt-reason`). Host ports are refused everywhere by
 * `pss-restricted`.
 */
import type { Finding, PolicyRule } from '../policy';
import { describe, finding } from './util';

export const prodServiceExposure: PolicyRule = {
  id: 'prod-service-exposure',
  title: 'No LoadBalancer, NodePort or externalIPs Services in production',
  description:
    'In production a Service is type ClusterIP (or ExternalName/headless) and sets no externalIPs: traffic enters through the Ingress, whose sources prod-ingress-restricted checks. A LoadBalancer or NodePort Service needs an exemption with a reason.',
  check(ix, ctx) {
    if (!ctx.production) return [];
    const out: Finding[] = [];
    for (const s of ix.byKind('Service')) {
      const type = s.spec?.type ?? 'ClusterIP';
      if (type === 'LoadBalancer' || type === 'NodePort') {
        const internal = Object.entries(s.metadata?.annotations ?? {}).some(
          ([k, v]) =>
            (k === 'service.beta.kubernetes.io/aws-load-balancer-scheme' && v === 'internal') ||
            (k === 'service.beta.kubernetes.io/aws-load-balancer-internal' && v === 'true'),
        );
        out.push(
          finding(
            s,
            '/spec/type',
            `${describe(s)} is type ${type} in ${ctx.environment}: it ${type === 'NodePort' ? 'opens a port on every node' : internal ? 'opens an internal load balancer' : 'opens a load balancer (internet-facing unless annotated internal)'} that no Ingress allow-list restricts; use ClusterIP behind the Ingress, or exempt it with policy.gitops.platform/exempt: prod-service-exposure and an exempt-reason`,
          ),
        );
      }
      if (Array.isArray(s.spec?.externalIPs) && s.spec.externalIPs.length) {
        out.push(
          finding(
            s,
            '/spec/externalIPs',
            `${describe(s)} sets externalIPs ${s.spec.externalIPs.join(', ')} in ${ctx.environment}: traffic to those addresses bypasses the Ingress`,
          ),
        );
      }
    }
    return out;
  },
};
