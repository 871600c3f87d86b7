import { describe, expect, it } from 'vitest';
import type { K8sObject } from '@gitops/toolchain';
import {
  EXEMPT_ANNOTATION,
  EXEMPT_REASON_ANNOTATION,
  POLICY_RULES,
  runPolicies,
  type PolicyContext,
} from './policy';
import { policyContextFor } from './workspace';

const REG = '116912495274.dkr.ecr.us-east-1.amazonaws.com';
const prod: PolicyContext = policyContextFor('prod');
const dev: PolicyContext = policyContextFor('dev');
const labels = { 'app.kubernetes.io/name': 'web' };

/** A platform-like output that satisfies every rule in production. */
function good(): K8sObject[] {
  return structuredClone([
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop', labels: { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' } },
    },
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q', namespace: 'shop' },
      spec: { hard: { pods: '20' } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', annotations: { 'argocd.argoproj.io/sync-wave': '1' } },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 10001,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'web',
                image: `${REG}/web:v1.2.3`,
                ports: [{ name: 'http', containerPort: 8080 }],
                resources: {
                  requests: { cpu: '100m', memory: '128Mi' },
                  limits: { cpu: '1', memory: '256Mi' },
                },
                readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
                livenessProbe: { httpGet: { path: '/live', port: 'http' } },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                volumeMounts: [{ name: 'shared', mountPath: '/data' }],
              },
            ],
            volumes: [{ name: 'shared', persistentVolumeClaim: { claimName: 'shared' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'shared', namespace: 'shop' },
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 6,
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'web',
        namespace: 'shop',
        annotations: {
          'alb.ingress.kubernetes.io/scheme': 'internet-facing',
          'alb.ingress.kubernetes.io/inbound-cidrs': '10.0.0.0/8',
          'alb.ingress.kubernetes.io/target-type': 'ip',
        },
      },
      spec: {
        ingressClassName: 'alb',
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web', port: { name: 'http' } } },
                },
              ],
            },
          },
        ],
      },
    },
    {
      apiVersion: 'external-secrets.io/v1beta1',
      kind: 'ExternalSecret',
      metadata: { name: 'db', namespace: 'shop' },
      spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws' }, target: { name: 'db' } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'migrate',
        namespace: 'shop',
        annotations: {
          'argocd.argoproj.io/hook': 'PreSync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
        },
      },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 10001,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'm',
                image: `${REG}/web:v1.2.3`,
                resources: {
                  requests: { cpu: '100m', memory: '128Mi' },
                  limits: { cpu: '1', memory: '256Mi' },
                },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    },
  ]) as K8sObject[];
}

const find = (objs: K8sObject[], kind: string, name?: string) =>
  objs.find((o) => o.kind === kind && (!name || o.metadata.name === name))! as any;
const container = (objs: K8sObject[]) => find(objs, 'Deployment').spec.template.spec.containers[0];

/** One breaking change per rule: the rule must fire, and only on the broken resource. */
const BAD: Record<string, { ctx?: PolicyContext; mutate: (o: K8sObject[]) => void; expect: string }> = {
  'pss-restricted': {
    mutate: (o) => (container(o).securityContext.allowPrivilegeEscalation = true),
    expect: 'allowPrivilegeEscalation: false',
  },
  'resources-set': {
    mutate: (o) => delete container(o).resources.limits,
    expect: 'does not set limits.cpu, limits.memory',
  },
  'probes-set': { mutate: (o) => delete container(o).livenessProbe, expect: 'has no livenessProbe' },
  'startup-probe': {
    mutate: (o) => (container(o).readinessProbe.initialDelaySeconds = 120),
    expect: 'has no startupProbe',
  },
  'image-tag-pinned': {
    mutate: (o) => (container(o).image = `${REG}/web:latest`),
    expect: 'uses the tag latest',
  },
  'image-registry-allowed': {
    mutate: (o) => (container(o).image = 'docker.io/library/nginx:1.27'),
    expect: 'not from an allowed registry of prod',
  },
  'scaled-no-replicas': {
    mutate: (o) => (find(o, 'Deployment').spec.replicas = 3),
    expect: 'must not set spec.replicas',
  },
  'hpa-bounds': {
    mutate: (o) => (find(o, 'HorizontalPodAutoscaler').spec.maxReplicas = 50),
    expect: 'exceeds the ResourceQuota of 20 pods',
  },
  'rwo-single-replica': {
    mutate: (o) => (find(o, 'PersistentVolumeClaim').spec.accessModes = ['ReadWriteOnce']),
    expect: 'ReadWriteOnce claim shared',
  },
  'prod-pdb': {
    mutate: (o) =>
      (find(o, 'PodDisruptionBudget').spec = { minAvailable: 2, selector: { matchLabels: labels } }),
    expect: 'allows no eviction',
  },
  'service-selects-pods': {
    mutate: (o) => (find(o, 'Service').spec.ports[0].targetPort = 'metrics'),
    expect: 'targetPort "metrics" is not a container port',
  },
  'ingress-backends-exist': {
    mutate: (o) => (find(o, 'Ingress').spec.rules[0].http.paths[0].backend.service.name = 'webb'),
    expect: 'backend Service webb does not exist',
  },
  'no-plain-secret': {
    mutate: (o) => o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pw', namespace: 'shop' } }),
    expect: 'plain Secret pw',
  },
  'prod-ingress-restricted': {
    mutate: (o) => delete find(o, 'Ingress').metadata.annotations['alb.ingress.kubernetes.io/inbound-cidrs'],
    expect: 'open to 0.0.0.0/0',
  },
  'target-type-ip-readiness-gate': {
    mutate: (o) => (find(o, 'Namespace').metadata.labels = {}),
    expect: 'not labelled elbv2.k8s.aws/pod-readiness-gate-inject',
  },
  'alb-managed-security-groups': {
    mutate: (o) =>
      (find(o, 'Ingress').metadata.annotations['alb.ingress.kubernetes.io/security-groups'] =
        'sg-0123456789abcdef0'),
    expect: 'hand-attached security groups drift',
  },
  'argocd-hooks-waves': {
    mutate: (o) => (find(o, 'Deployment').metadata.annotations['argocd.argoproj.io/sync-wave'] = 'first'),
    expect: 'is not an integer',
  },
  // The rules of rules/*.ts (each has its own test file too).
  'limitrange-bounds': {
    mutate: (o) =>
      o.push({
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'lr', namespace: 'shop' },
        spec: { limits: [{ type: 'Container', max: { cpu: '500m', memory: '1Gi' } }] },
      }),
    expect: 'limits.cpu 1 exceeds the maximum 500m of LimitRange lr',
  },
  'quota-max-scale': {
    mutate: (o) => (find(o, 'ResourceQuota').spec.hard['requests.cpu'] = '500m'),
    expect: 'need requests.cpu 900m but ResourceQuota q allows 500m',
  },
  'run-as-non-root-uid': {
    mutate: (o) => delete find(o, 'Deployment').spec.template.spec.securityContext.runAsUser,
    expect: 'sets runAsNonRoot without a numeric runAsUser',
  },
  'prod-service-exposure': {
    mutate: (o) => (find(o, 'Service').spec.type = 'LoadBalancer'),
    expect: 'is type LoadBalancer in prod',
  },
  'exec-needs-binary': {
    mutate: (o) => (container(o).lifecycle = { preStop: { exec: { command: ['sleep', '15'] } } }),
    expect: 'needs `sleep` in image',
  },
  'stable-selectors': {
    mutate: (o) => {
      const d = find(o, 'Deployment');
      d.spec.selector.matchLabels['cdk8s.io/metadata.addr'] = 'shop-web-c856bd0e';
      d.spec.template.metadata.labels['cdk8s.io/metadata.addr'] = 'shop-web-c856bd0e';
    },
    expect: 'a hash of the construct path',
  },
  'pull-policy-pinned': {
    mutate: (o) => (container(o).imagePullPolicy = 'Always'),
    expect: 'with imagePullPolicy: Always',
  },
};

describe('policy engine', () => {
  it('passes the platform-like output in every environment', () => {
    expect(runPolicies(good(), prod)).toEqual([]);
    expect(runPolicies(good(), dev)).toEqual([]);
  });

  it('has a failing case for every rule', () => {
    expect(Object.keys(BAD).sort()).toEqual(POLICY_RULES.map((r) => r.id).sort());
  });

  for (const [id, c] of Object.entries(BAD)) {
    it(`${id} fails a crafted bad resource`, () => {
      const objs = good();
      c.mutate(objs);
      const v = runPolicies(objs, c.ctx ?? prod, { source: 'charts/shop (values-prod.yaml)' });
      expect(v.map((x) => x.rule)).toContain(id);
      const hit = v.find((x) => x.rule === id)!;
      expect(hit.message).toContain(c.expect);
      expect(hit.source).toBe('charts/shop (values-prod.yaml)');
      expect(hit.path).toMatch(/^\//);
      // An HPA above the quota's pods also overruns the quota at maximum scale.
      expect(v.every((x) => x.rule === id || (id === 'hpa-bounds' && x.rule === 'quota-max-scale'))).toBe(
        true,
      );
    });
  }

  it('applies production-only rules only in production', () => {
    const objs = good();
    BAD['prod-pdb'].mutate(objs);
    BAD['prod-ingress-restricted'].mutate(objs);
    expect(runPolicies(objs, dev)).toEqual([]);
  });

  it('honours an exemption with a reason, and rejects one without', () => {
    const objs = good();
    container(objs).image = `${REG}/web:latest`;
    const dep = find(objs, 'Deployment');
    dep.metadata.annotations[EXEMPT_ANNOTATION] = 'image-tag-pinned';
    expect(runPolicies(objs, prod).map((v) => v.rule)).toEqual([
      'exemption-reason-required',
      'image-tag-pinned',
    ]);
    dep.metadata.annotations[EXEMPT_REASON_ANNOTATION] = 'upstream publishes only latest; tracked in OPS-12';
    expect(runPolicies(objs, prod)).toEqual([]);
    dep.metadata.annotations[EXEMPT_ANNOTATION] = 'image-tag-pinned,no-such-rule';
    expect(runPolicies(objs, prod).map((v) => v.message)).toEqual([
      'exemption names unknown rule(s) no-such-rule',
    ]);
  });

  it('recognises untagged images, digests and registry prefixes', () => {
    const objs = good();
    container(objs).image = `${REG}/web`;
    expect(runPolicies(objs, prod).map((v) => v.message)).toEqual([expect.stringContaining('has no tag')]);
    container(objs).image = `${REG}/web@sha256:${'a'.repeat(64)}`;
    expect(runPolicies(objs, prod)).toEqual([]);
    container(objs).image = `${REG}.evil.com/web:v1`;
    expect(runPolicies(objs, prod).map((v) => v.rule)).toEqual(['image-registry-allowed']);
  });

  it('requires minReplicas <= maxReplicas', () => {
    const objs = good();
    find(objs, 'HorizontalPodAutoscaler').spec.minReplicas = 7;
    expect(runPolicies(objs, prod).map((v) => v.message)).toContain('minimum 7 is greater than maximum 6');
  });
});
