import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, mergeValues, resolveValues, synthesize } from '@gitops/render';
import { all, container, find } from '@gitops/platform';
import system from './system';

const render = (env: (typeof ENVIRONMENT_NAMES)[number]) => synthesize(system, resolveValues(system, env));
const objs = Object.fromEntries(ENVIRONMENT_NAMES.map((e) => [e, render(e)]));
const backend = (env: string) => find(objs[env], 'Deployment', 'mini-xdr-backend');

describe('mini-xdr renders in every environment', () => {
  it.each(ENVIRONMENT_NAMES)('%s: explicit names/namespaces, no plain Secret, no cdk8s labels', (env) => {
    for (const o of objs[env]) {
      expect(o.metadata.name).toBeTruthy();
      if (!['Namespace', 'ClusterSecretStore'].includes(o.kind))
        expect(o.metadata.namespace).toBe('mini-xdr');
      expect(o.kind).not.toBe('Secret');
    }
    expect(JSON.stringify(objs[env])).not.toContain('cdk8s.io');
    expect(JSON.stringify(objs[env])).not.toMatch(/:latest"/);
  });
  it('defaults validate and render', () => {
    expect(synthesize(system, resolveValues(system, 'defaults')).length).toBeGreaterThan(10);
  });
});

describe('mini-xdr backend (seed 000)', () => {
  it.each(ENVIRONMENT_NAMES)(
    '%s: FastAPI on 8000 with /health probes and a 150 s startup allowance',
    (env) => {
      const c = container(backend(env));
      expect(c.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
      expect(c.readinessProbe.httpGet.path).toBe('/health');
      expect(c.livenessProbe.httpGet.path).toBe('/health');
      expect(c.startupProbe.httpGet.path).toBe('/health');
      expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBe(150);
      // Seed 000's table: readiness initial delay 30 s → 90 s, liveness 60 s → 120 s.
      expect(c.readinessProbe.initialDelaySeconds).toBe(90);
      expect(c.livenessProbe.initialDelaySeconds).toBe(120);
      expect(find(objs[env], 'Service', 'mini-xdr-backend').spec.ports[0]).toMatchObject({
        port: 8000,
        targetPort: 'http',
      });
    },
  );
  it.each(ENVIRONMENT_NAMES)('%s: requests 500m/1Gi, limits 1500m/3Gi', (env) => {
    expect(container(backend(env)).resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '1500m', memory: '3Gi' },
    });
  });
  it.each(ENVIRONMENT_NAMES)(
    '%s: UVICORN_WORKERS=1, TMPDIR=/tmp, PYTHONUNBUFFERED=1, DATABASE_URL from the ExternalSecret',
    (env) => {
      const envs = container(backend(env)).env;
      expect(envs).toContainEqual({ name: 'UVICORN_WORKERS', value: '1' });
      expect(envs).toContainEqual({ name: 'TMPDIR', value: '/tmp' });
      expect(envs).toContainEqual({ name: 'PYTHONUNBUFFERED', value: '1' });
      expect(envs).toContainEqual({
        name: 'DATABASE_URL',
        valueFrom: { secretKeyRef: { name: 'mini-xdr-database', key: 'DATABASE_URL' } },
      });
    },
  );
  it.each(ENVIRONMENT_NAMES)('%s: /tmp 1Gi emptyDir, /app/models 5Gi RWX, /app/data 10Gi RWO', (env) => {
    const d = backend(env);
    const c = container(d);
    expect(d.spec.template.spec.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } });
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'models', mountPath: '/app/models' },
        { name: 'data', mountPath: '/app/data' },
      ]),
    );
    const models = find(objs[env], 'PersistentVolumeClaim', 'mini-xdr-models');
    const data = find(objs[env], 'PersistentVolumeClaim', 'mini-xdr-data');
    expect(models.spec).toMatchObject({
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: '5Gi' } },
    });
    expect(data.spec).toMatchObject({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '10Gi' } },
    });
    const aws = env !== 'mini-corp';
    expect(models.spec.storageClassName).toBe(aws ? 'efs-sc' : 'nfs-client');
    expect(data.spec.storageClassName).toBe(aws ? 'gp3' : 'local-path');
  });
  it.each(ENVIRONMENT_NAMES)('%s: one replica, no HPA, recreated (RWO volume)', (env) => {
    expect(backend(env).spec.replicas).toBe(1);
    expect(backend(env).spec.strategy).toEqual({ type: 'Recreate' });
    expect(all(objs[env], 'HorizontalPodAutoscaler')).toHaveLength(0);
  });
  it.each(ENVIRONMENT_NAMES)('%s: versioned image v1.1.8 pulled IfNotPresent on amd64 nodes', (env) => {
    const c = container(backend(env));
    const registry =
      env === 'mini-corp'
        ? 'registry.mini-corp.internal/mini-xdr'
        : '116912495274.dkr.ecr.us-east-1.amazonaws.com';
    expect(c.image).toBe(`${registry}/mini-xdr-backend:v1.1.8`);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(backend(env).spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' });
  });
  it.each(ENVIRONMENT_NAMES)(
    '%s: Alembic `alembic upgrade head` runs on every sync, after the database Secret, before the workloads',
    (env) => {
      const job = find(objs[env], 'Job', 'mini-xdr-migrate');
      const wave = (o: any) => Number(o.metadata.annotations['argocd.argoproj.io/sync-wave']);
      expect(container(job).command).toEqual(['alembic', 'upgrade', 'head']);
      // A Sync-phase hook: PreSync would run before the ExternalSecret that writes DATABASE_URL exists.
      expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
      expect(wave(job)).toBeGreaterThan(wave(find(objs[env], 'ExternalSecret', 'mini-xdr-database')));
      expect(wave(job)).toBeLessThan(wave(backend(env)));
      expect(container(job).image).toBe(container(backend(env)).image);
    },
  );
  it('RDS credentials come from Secrets Manager on AWS and Vault in mini-corp', () => {
    expect(find(objs.prod, 'ClusterSecretStore').spec.provider.aws.service).toBe('SecretsManager');
    expect(find(objs.dev, 'ClusterSecretStore').spec.provider.aws.region).toBe('us-east-1');
    expect(find(objs['mini-corp'], 'ClusterSecretStore').spec.provider.vault).toBeDefined();
    expect(find(objs.prod, 'ExternalSecret').spec.data[0]).toEqual({
      secretKey: 'DATABASE_URL',
      remoteRef: { key: 'mini-xdr/database', property: 'url' },
    });
  });
});

describe('mini-xdr frontend and ingress (seed 001)', () => {
  it.each(ENVIRONMENT_NAMES)('%s: Next.js on 3000', (env) => {
    const d = find(objs[env], 'Deployment', 'mini-xdr-frontend');
    expect(container(d).ports[0].containerPort).toBe(3000);
    expect(container(d).image).toMatch(/mini-xdr-frontend:v1\.1\.8$/);
  });
  it('IP-restricted ALB with target-type ip; HTTPS in prod only', () => {
    for (const env of ['dev', 'prod'] as const) {
      const i = find(objs[env], 'Ingress', 'mini-xdr-ingress');
      expect(i.spec.ingressClassName).toBe('alb');
      expect(i.metadata.annotations['alb.ingress.kubernetes.io/target-type']).toBe('ip');
      expect(i.metadata.annotations['alb.ingress.kubernetes.io/inbound-cidrs']).not.toContain('0.0.0.0/0');
      expect(i.metadata.annotations['alb.ingress.kubernetes.io/healthcheck-path']).toBe('/health');
      expect(find(objs[env], 'Namespace').metadata.labels['elbv2.k8s.aws/pod-readiness-gate-inject']).toBe(
        'enabled',
      );
    }
    expect(find(objs.prod, 'Ingress').metadata.annotations['alb.ingress.kubernetes.io/ssl-redirect']).toBe(
      '443',
    );
    expect(
      find(objs.prod, 'Ingress').metadata.annotations['alb.ingress.kubernetes.io/certificate-arn'],
    ).toMatch(/^arn:aws:acm:us-east-1:/);
    expect(
      find(objs.dev, 'Ingress').metadata.annotations['alb.ingress.kubernetes.io/certificate-arn'],
    ).toBeUndefined();
  });
  it('mini-corp uses ingress-nginx with private CIDRs only', () => {
    const i = find(objs['mini-corp'], 'Ingress');
    expect(i.spec.ingressClassName).toBe('nginx');
    expect(i.metadata.annotations['nginx.ingress.kubernetes.io/whitelist-source-range']).toBe(
      '10.100.0.0/16',
    );
    expect(JSON.stringify(objs['mini-corp'])).not.toMatch(/amazonaws|alb\.ingress|eks\.amazonaws/);
  });
  it('routes /api and /health to the backend and / to the frontend', () => {
    const paths = find(objs.prod, 'Ingress').spec.rules[0].http.paths.map((p: any) => [
      p.path,
      p.backend.service.name,
      p.backend.service.port.number,
    ]);
    expect(paths).toEqual([
      ['/api', 'mini-xdr-backend', 8000],
      ['/health', 'mini-xdr-backend', 8000],
      ['/', 'mini-xdr-frontend', 3000],
    ]);
  });
});

describe('mini-xdr values encode the lessons', () => {
  const withOverride = (override: object) =>
    system.schema.safeParse(mergeValues(resolveValues(system, 'prod'), override));
  it('rejects 2 backend replicas or an HPA above 1 while /app/data is ReadWriteOnce', () => {
    const r = withOverride({ backend: { replicas: 2 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].message).toMatch(/ReadWriteOnce.*seed 000/);
    expect(
      withOverride({ backend: { autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 3 } } }).success,
    ).toBe(false);
    expect(
      withOverride({ backend: { replicas: 2, storage: { data: { accessMode: 'ReadWriteMany' } } } }).success,
    ).toBe(true);
  });
  it('rejects latest, negative replicas, bad CIDRs, 0.0.0.0/0 and foreign registries', () => {
    expect(withOverride({ backend: { image: { tag: 'latest' } } }).success).toBe(false);
    expect(withOverride({ frontend: { replicas: -1 } }).error!.issues[0].message).toMatch(
      /must not be negative/,
    );
    expect(withOverride({ frontend: { replicas: 1.5 } }).success).toBe(false);
    expect(withOverride({ ingress: { allowedCidrs: ['10.0.0.1/8'] } }).success).toBe(false);
    expect(withOverride({ ingress: { allowedCidrs: ['0.0.0.0/0'] } }).success).toBe(false);
    expect(withOverride({ backend: { image: { repository: 'docker.io/mini-xdr/backend' } } }).success).toBe(
      false,
    );
    expect(withOverride({ backend: { image: { platform: 'arm64' } } }).error!.issues[0].message).toMatch(
      /seed 002/,
    );
  });
  it('supports a per-environment tag override', () => {
    const v = mergeValues(resolveValues(system, 'dev'), { backend: { image: { tag: 'v1.1.9-rc1' } } });
    const o = synthesize(system, system.schema.parse(v));
    expect(container(find(o, 'Deployment', 'mini-xdr-backend')).image).toMatch(/:v1\.1\.9-rc1$/);
  });
  it('clusters: prod mini-xdr-cluster EKS 1.31 us-east-1, mini-corp on-prem 1.30', () => {
    expect(resolveValues(system, 'prod').cluster).toMatchObject({
      name: 'mini-xdr-cluster',
      kubernetesVersion: '1.31.0',
      region: 'us-east-1',
    });
    expect(resolveValues(system, 'mini-corp').cluster).toMatchObject({
      name: 'mini-corp-lab',
      kubernetesVersion: '1.30.0',
    });
    expect(resolveValues(system, 'mini-corp').platform.provider).toBe('onprem');
  });
});
