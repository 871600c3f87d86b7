import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, mergeValues, resolveValues, synthesize } from '@gitops/render';
import { all, container, find, parseQuantity } from '@gitops/platform';
import system from './system';

const objs = Object.fromEntries(
  ENVIRONMENT_NAMES.map((e) => [e, synthesize(system, resolveValues(system, e))]),
);
const ns = { dev: 'tickets-dev', prod: 'tickets-prod', 'mini-corp': 'aegis-tickets' } as const;

describe('aegis-tickets (seed 003)', () => {
  it.each(ENVIRONMENT_NAMES)('%s: explicit namespaces, no plain Secret', (env) => {
    for (const o of objs[env]) {
      if (!['Namespace', 'ClusterSecretStore'].includes(o.kind)) expect(o.metadata.namespace).toBe(ns[env]);
      expect(o.kind).not.toBe('Secret');
    }
    expect(JSON.stringify(objs[env])).not.toContain('cdk8s.io');
  });
  it('dev runs on tickets-dev, EKS 1.28, eu-west-1, namespace tickets-dev', () => {
    expect(resolveValues(system, 'dev').cluster).toMatchObject({
      name: 'tickets-dev',
      kubernetesVersion: '1.28.0',
      region: 'eu-west-1',
    });
    expect(find(objs.dev, 'Namespace').metadata.name).toBe('tickets-dev');
  });
  it.each(ENVIRONMENT_NAMES)(
    '%s: backend keeps 2 replicas through an HPA (replicas omitted) serving /api',
    (env) => {
      const d = find(objs[env], 'Deployment', 'aegis-tickets-backend');
      expect(d.spec).not.toHaveProperty('replicas');
      const hpa = find(objs[env], 'HorizontalPodAutoscaler', 'aegis-tickets-backend');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.minReplicas).toBe(2);
      expect(hpa.spec.behavior.scaleUp.policies.length).toBeGreaterThan(0);
      const paths = find(objs[env], 'Ingress').spec.rules[0].http.paths;
      expect(paths[0]).toMatchObject({
        path: '/api',
        backend: { service: { name: 'aegis-tickets-backend' } },
      });
      expect(paths[1]).toMatchObject({
        path: '/',
        backend: { service: { name: 'aegis-tickets-frontend', port: { number: 8080 } } },
      });
    },
  );
  it.each(ENVIRONMENT_NAMES)(
    '%s: nginx frontend, 1 replica, non-root on 8080 with writable cache dirs',
    (env) => {
      const d = find(objs[env], 'Deployment', 'aegis-tickets-frontend');
      const c = container(d);
      expect(d.spec.replicas).toBe(1);
      expect(c.ports[0].containerPort).toBe(8080);
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 101,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
      expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(
        expect.arrayContaining(['/tmp', '/var/cache/nginx', '/var/run']),
      );
    },
  );
  it.each(ENVIRONMENT_NAMES)('%s: pod security contexts on every pod', (env) => {
    for (const d of all(objs[env], 'Deployment')) {
      expect(d.spec.template.spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container(d).securityContext.capabilities).toEqual({ drop: ['ALL'] });
    }
  });
  it.each(ENVIRONMENT_NAMES)('%s: RDS credentials through External Secrets', (env) => {
    const es = find(objs[env], 'ExternalSecret', 'aegis-tickets-database');
    expect(es.spec.data.map((d: any) => d.remoteRef.property)).toEqual([
      'host',
      'port',
      'dbname',
      'username',
      'password',
    ]);
    expect(container(find(objs[env], 'Deployment', 'aegis-tickets-backend')).env).toContainEqual({
      name: 'DB_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'aegis-tickets-database', key: 'DB_PASSWORD' } },
    });
    expect(find(objs[env], 'ClusterSecretStore').spec.provider).toHaveProperty(
      env === 'mini-corp' ? 'vault' : 'aws',
    );
  });
  it('internet-facing ALB with target-type ip, declared public, in dev and prod', () => {
    for (const env of ['dev', 'prod'] as const) {
      const a = find(objs[env], 'Ingress').metadata.annotations;
      expect(a).toMatchObject({
        'alb.ingress.kubernetes.io/scheme': 'internet-facing',
        'alb.ingress.kubernetes.io/target-type': 'ip',
        'policy.gitops.platform/public': 'true',
      });
      expect(find(objs[env], 'Namespace').metadata.labels['elbv2.k8s.aws/pod-readiness-gate-inject']).toBe(
        'enabled',
      );
    }
    const lab = find(objs['mini-corp'], 'Ingress');
    expect(lab.spec.ingressClassName).toBe('nginx');
    expect(lab.metadata.annotations['policy.gitops.platform/public']).toBeUndefined();
  });
  it.each(ENVIRONMENT_NAMES)(
    '%s: SLOs 99.9 % / 30 d, p95 <= 800 ms, errors < 1 %, DB saturation < 80 % with the seed rule names',
    (env) => {
      const rule = find(objs[env], 'PrometheusRule');
      const rec = Object.fromEntries(rule.spec.groups[0].rules.map((r: any) => [r.record, r.expr]));
      for (const n of [
        'sli:http:request_duration_seconds:p95',
        'sli:http:request_rate:5m',
        'sli:http:error_rate:5m',
        'sli:db:saturation:connections',
      ])
        expect(rec[n]).toBeTruthy();
      expect(rec['slo:availability:target']).toBe('vector(0.999)');
      expect(rec['slo:latency:target']).toBe('vector(0.8)');
      expect(rec['slo:error_rate:target']).toBe('vector(0.01)');
      const alerts = Object.fromEntries(rule.spec.groups[1].rules.map((a: any) => [a.alert, a]));
      expect(alerts.AegisTicketsBackendDbConnectionSaturation.expr).toContain('> 0.8');
      expect(alerts.AegisTicketsBackendErrorBudgetBurn1h.expr).toContain('> 0.0144');
      expect(alerts.AegisTicketsBackendErrorBudgetBurn1h.annotations.summary).toContain('30-day');
      expect(find(objs[env], 'ServiceMonitor').spec.endpoints[0].port).toBe('http');
    },
  );
  it.each(ENVIRONMENT_NAMES)('%s: ResourceQuota holds the HPA at its maximum', (env) => {
    const hard = find(objs[env], 'ResourceQuota').spec.hard;
    const hpa = find(objs[env], 'HorizontalPodAutoscaler').spec;
    const be = container(find(objs[env], 'Deployment', 'aegis-tickets-backend')).resources.requests;
    const fe = container(find(objs[env], 'Deployment', 'aegis-tickets-frontend')).resources.requests;
    const cpu = (hpa.maxReplicas + 1) * parseQuantity('', '', be.cpu) + 2 * parseQuantity('', '', fe.cpu);
    expect(cpu).toBeLessThanOrEqual(parseQuantity('', '', hard['requests.cpu']));
  });
  it('rejects an open ingress not declared public and a public mini-corp', () => {
    const p = (o: object, env: 'prod' | 'mini-corp' = 'prod') =>
      system.schema.safeParse(mergeValues(resolveValues(system, env), o));
    expect(p({ ingress: { public: false } }).success).toBe(false);
    expect(p({ ingress: { public: true, allowedCidrs: ['10.100.0.0/16'] } }, 'mini-corp').success).toBe(
      false,
    );
    expect(p({ backend: { autoscaling: { minReplicas: 5, maxReplicas: 2 } } }).success).toBe(false);
    expect(p({ frontend: { image: { tag: 'latest' } } }).success).toBe(false);
  });
});
