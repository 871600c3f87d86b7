import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, mergeValues, resolveValues, synthesize } from '@gitops/render';
import { container, find, parseQuantity } from '@gitops/platform';
import system from './system';

const objs = Object.fromEntries(
  ENVIRONMENT_NAMES.map((e) => [e, synthesize(system, resolveValues(system, e))]),
);
const seedEnvs = ['dev', 'prod'] as const;

describe('ode (seed 004)', () => {
  it.each(ENVIRONMENT_NAMES)('%s: namespace ode, no plain Secret', (env) => {
    for (const o of objs[env]) {
      if (!['Namespace', 'ClusterSecretStore'].includes(o.kind)) expect(o.metadata.namespace).toBe('ode');
      expect(o.kind).not.toBe('Secret');
    }
  });
  it('prod runs on ode-production-cluster, EKS 1.29, us-east-1, VPC 10.0.0.0/16', () => {
    const v = resolveValues(system, 'prod');
    expect(v.cluster).toMatchObject({
      name: 'ode-production-cluster',
      kubernetesVersion: '1.29.0',
      region: 'us-east-1',
    });
    expect(v.network.vpcCidr).toBe('10.0.0.0/16');
    const api = find(objs.prod, 'NetworkPolicy', 'ode-api');
    expect(api.spec.ingress[0].from[0].ipBlock.cidr).toBe('10.0.0.0/16');
  });
  it.each(seedEnvs)(
    '%s: ode-api HPA 2-10 on CPU 70 % / memory 80 %, up 100 %/60 s, down 50 %/60 s after 5 min',
    (env) => {
      const h = find(objs[env], 'HorizontalPodAutoscaler', 'ode-api').spec;
      expect(h).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
      expect(h.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([
        ['cpu', 70],
        ['memory', 80],
      ]);
      expect(h.behavior.scaleUp.policies).toEqual([{ type: 'Percent', value: 100, periodSeconds: 60 }]);
      expect(h.behavior.scaleDown).toMatchObject({
        policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
        stabilizationWindowSeconds: 300,
      });
      expect(find(objs[env], 'Deployment', 'ode-api').spec).not.toHaveProperty('replicas');
    },
  );
  it.each(seedEnvs)(
    '%s: ode-worker 2-20 on Redis queue depth > 100, up 100 %/30 s max 4 pods, down 50 %/60 s after 10 min',
    (env) => {
      const so = find(objs[env], 'ScaledObject', 'ode-worker').spec;
      expect(so).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 20 });
      expect(so.triggers[0]).toMatchObject({ type: 'redis', metadata: { listLength: '100' } });
      const b = so.advanced.horizontalPodAutoscalerConfig.behavior;
      expect(b.scaleUp).toMatchObject({
        policies: [
          { type: 'Percent', value: 100, periodSeconds: 30 },
          { type: 'Pods', value: 4, periodSeconds: 30 },
        ],
        selectPolicy: 'Min',
      });
      expect(b.scaleDown).toMatchObject({
        policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
        stabilizationWindowSeconds: 600,
      });
      expect(find(objs[env], 'Deployment', 'ode-worker').spec).not.toHaveProperty('replicas');
    },
  );
  it.each(ENVIRONMENT_NAMES)('%s: worker 120 s graceful shutdown, metrics and /health on 9090', (env) => {
    const w = find(objs[env], 'Deployment', 'ode-worker');
    expect(w.spec.template.spec.terminationGracePeriodSeconds).toBe(120);
    expect(container(w).ports).toEqual([{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }]);
    expect(container(w).livenessProbe.httpGet).toMatchObject({ path: '/health', port: 'metrics' });
    expect(find(objs[env], 'Service', 'ode-worker').spec.ports[0]).toMatchObject({ port: 9090 });
    for (const name of ['ode-api', 'ode-viewer']) {
      expect(container(find(objs[env], 'Deployment', name)).ports).toContainEqual({
        name: 'metrics',
        containerPort: 9090,
        protocol: 'TCP',
      });
      expect(find(objs[env], 'ServiceMonitor', name).spec.endpoints[0].port).toBe('metrics');
    }
  });
  it.each(ENVIRONMENT_NAMES)('%s: viewer behind the ingress', (env) => {
    const i = find(objs[env], 'Ingress', 'ode-viewer');
    expect(i.spec.rules[0].http.paths[0].backend.service).toEqual({
      name: 'ode-viewer',
      port: { number: 8080 },
    });
    expect(i.spec.ingressClassName).toBe(env === 'mini-corp' ? 'nginx' : 'alb');
  });
  it.each(ENVIRONMENT_NAMES)('%s: database and Redis URLs from External Secrets', (env) => {
    const es = find(objs[env], 'ExternalSecret', 'ode-secrets');
    expect(es.spec.data.map((d: any) => d.secretKey)).toEqual(
      expect.arrayContaining(['database-url', 'redis-url']),
    );
    const e = container(find(objs[env], 'Deployment', 'ode-api')).env;
    expect(e).toContainEqual({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'ode-secrets', key: 'database-url' } },
    });
    expect(e).toContainEqual({
      name: 'REDIS_URL',
      valueFrom: { secretKeyRef: { name: 'ode-secrets', key: 'redis-url' } },
    });
  });
  it.each(seedEnvs)('%s: IRSA for the S3 documents bucket', (env) => {
    const sa = find(objs[env], 'ServiceAccount', 'ode-documents');
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
    for (const name of ['ode-api', 'ode-worker']) {
      expect(find(objs[env], 'Deployment', name).spec.template.spec).toMatchObject({
        serviceAccountName: 'ode-documents',
        automountServiceAccountToken: true,
      });
    }
    expect(find(objs[env], 'Deployment', 'ode-viewer').spec.template.spec.automountServiceAccountToken).toBe(
      false,
    );
  });
  it('mini-corp has no IRSA and gets MinIO credentials from Vault', () => {
    const sa = find(objs['mini-corp'], 'ServiceAccount', 'ode-documents');
    expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBeUndefined();
    expect(
      find(objs['mini-corp'], 'Deployment', 'ode-api').spec.template.spec.automountServiceAccountToken,
    ).toBe(false);
    expect(find(objs['mini-corp'], 'ExternalSecret', 'ode-object-store')).toBeTruthy();
    expect(find(objs['mini-corp'], 'ClusterSecretStore').spec.provider.vault).toBeDefined();
  });
  it('prod spreads across zones, dev does not', () => {
    expect(
      find(objs.prod, 'Deployment', 'ode-worker').spec.template.spec.topologySpreadConstraints[0].topologyKey,
    ).toBe('topology.kubernetes.io/zone');
    expect(
      find(objs.dev, 'Deployment', 'ode-worker').spec.template.spec.topologySpreadConstraints,
    ).toBeUndefined();
  });
  it.each(ENVIRONMENT_NAMES)(
    '%s: the ResourceQuota holds every autoscaler at its maximum plus a surge pod',
    (env) => {
      const hard = find(objs[env], 'ResourceQuota').spec.hard;
      const req = (name: string) => container(find(objs[env], 'Deployment', name)).resources.requests;
      const q = (s: string) => parseQuantity('', '', s);
      const api = find(objs[env], 'HorizontalPodAutoscaler', 'ode-api').spec.maxReplicas + 1;
      const worker = find(objs[env], 'ScaledObject', 'ode-worker').spec.maxReplicaCount + 1;
      const viewer = find(objs[env], 'Deployment', 'ode-viewer').spec.replicas + 1;
      for (const [res, key] of [
        ['cpu', 'requests.cpu'],
        ['memory', 'requests.memory'],
      ] as const) {
        const sum =
          api * q(req('ode-api')[res]) +
          worker * q(req('ode-worker')[res]) +
          viewer * q(req('ode-viewer')[res]);
        expect(sum).toBeLessThanOrEqual(q(hard[key]));
      }
    },
  );
  it('rejects bad values', () => {
    const p = (o: object, env: 'prod' | 'mini-corp' = 'prod') =>
      system.schema.safeParse(mergeValues(resolveValues(system, env), o));
    expect(p({ worker: { queueScaling: { minReplicas: 30 } } }).success).toBe(false);
    expect(p({ documents: { irsa: true } }, 'mini-corp').success).toBe(false);
    expect(p({ ingress: { allowedCidrs: ['0.0.0.0/0'] } }).success).toBe(false);
    expect(p({ api: { image: { tag: 'latest' } } }).success).toBe(false);
  });
});
