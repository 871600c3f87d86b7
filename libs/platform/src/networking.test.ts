import { describe, expect, it } from 'vitest';
import {
  AppIngress,
  type AppIngressProps,
  DefaultDenyNetworkPolicy,
  find,
  ingressControllerPeer,
  NetworkPolicy,
  synth,
} from './index';

const base: AppIngressProps = {
  name: 'web',
  namespace: 'test',
  controller: 'alb',
  host: 'app.example.com',
  routes: [{ path: '/', serviceName: 'web', servicePort: 8080 }],
  allowedCidrs: ['203.0.113.0/24', '10.0.0.0/16'],
  alb: {
    groupName: 'grp',
    healthCheckPath: '/health',
    certificateArn: 'arn:aws:acm:us-east-1:116912495274:certificate/0b5e6f2a-3c4d',
  },
};
const ing = (extra: Partial<AppIngressProps> = {}) =>
  find(
    synth((c) => void new AppIngress(c, 'I', { ...base, ...extra })),
    'Ingress',
  );

describe('AppIngress (ALB)', () => {
  it('uses target-type ip, the CIDR allow-list, health check and group', () => {
    const i = ing();
    expect(i.spec.ingressClassName).toBe('alb');
    expect(i.metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/inbound-cidrs': '203.0.113.0/24,10.0.0.0/16',
      'alb.ingress.kubernetes.io/healthcheck-path': '/health',
      'alb.ingress.kubernetes.io/group.name': 'grp',
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}]',
      'argocd.argoproj.io/sync-wave': '1',
    });
    expect(i.metadata.annotations['alb.ingress.kubernetes.io/certificate-arn']).toBeUndefined();
    expect(i.spec.rules[0]).toEqual({
      host: 'app.example.com',
      http: {
        paths: [
          { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 8080 } } } },
        ],
      },
    });
  });
  it('adds the ACM certificate and ssl-redirect with HTTPS', () => {
    expect(ing({ tls: true }).metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/certificate-arn': base.alb!.certificateArn,
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
    });
    expect(() => ing({ tls: true, alb: { ...base.alb!, certificateArn: undefined } })).toThrow(
      /ACM certificate ARN/,
    );
  });
  it('refuses 0.0.0.0/0 unless declared public, and marks public ingresses', () => {
    expect(() => ing({ allowedCidrs: ['0.0.0.0/0'] })).toThrow(/not declared public/);
    expect(
      ing({ allowedCidrs: ['0.0.0.0/0'], public: true }).metadata.annotations[
        'policy.gitops.platform/public'
      ],
    ).toBe('true');
    expect(ing().metadata.annotations['policy.gitops.platform/public']).toBeUndefined();
  });
  it('rejects invalid CIDRs and an empty allow-list', () => {
    expect(() => ing({ allowedCidrs: ['10.0.0.1/16'] })).toThrow(
      /allowedCidrs\[0\] "10.0.0.1\/16" is not an IPv4 CIDR/,
    );
    expect(() => ing({ allowedCidrs: ['300.0.0.0/8'] })).toThrow(/not an IPv4 CIDR/);
    expect(() => ing({ allowedCidrs: [] })).toThrow(/at least one CIDR/);
  });
});

describe('AppIngress (ingress-nginx)', () => {
  it('uses the nginx class and whitelist annotation', () => {
    const i = ing({ controller: 'nginx', alb: undefined, allowedCidrs: ['10.100.0.0/16'] });
    expect(i.spec.ingressClassName).toBe('nginx');
    expect(i.metadata.annotations['nginx.ingress.kubernetes.io/whitelist-source-range']).toBe(
      '10.100.0.0/16',
    );
    expect(Object.keys(i.metadata.annotations).some((k) => k.startsWith('alb.'))).toBe(false);
  });
  it('serves TLS from a secret', () => {
    const i = ing({ controller: 'nginx', tls: true, nginx: { tlsSecretName: 'tls' } });
    expect(i.spec.tls).toEqual([{ hosts: ['app.example.com'], secretName: 'tls' }]);
    expect(() => ing({ controller: 'nginx', tls: true })).toThrow(/tlsSecretName/);
  });
});

describe('NetworkPolicies', () => {
  it('denies everything by default and allows DNS', () => {
    const objs = synth((c) => void new DefaultDenyNetworkPolicy(c, 'D', { namespace: 'test' }));
    expect(find(objs, 'NetworkPolicy', 'default-deny').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
    });
    expect(find(objs, 'NetworkPolicy', 'default-deny-allow-dns').spec.egress[0].ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
  });
  it('allows only the listed flows', () => {
    const p = find(
      synth(
        (c) =>
          void new NetworkPolicy(c, 'P', {
            name: 'api',
            namespace: 'test',
            podSelector: { a: 'b' },
            ingress: [ingressControllerPeer('alb', '10.0.0.0/16', [8080])],
            egress: [{ pods: { c: 'd' }, ports: [5432] }],
          }),
      ),
      'NetworkPolicy',
    );
    expect(p.spec).toEqual({
      podSelector: { matchLabels: { a: 'b' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
      egress: [
        { to: [{ podSelector: { matchLabels: { c: 'd' } } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      ],
    });
    expect(ingressControllerPeer('nginx', '10.0.0.0/16', [80])).toEqual({
      namespaces: { 'kubernetes.io/metadata.name': 'ingress-nginx' },
      ports: [80],
    });
    expect(() =>
      synth((c) => void new NetworkPolicy(c, 'P', { name: 'x', namespace: 'test', podSelector: {} })),
    ).toThrow(/needs ingress and\/or egress/);
    expect(() =>
      synth(
        (c) =>
          void new NetworkPolicy(c, 'P', { name: 'x', namespace: 'test', podSelector: {}, egress: [{}] }),
      ),
    ).toThrow(/pods, namespaces or cidr/);
  });
});
