import { describe, expect, it } from 'vitest';
import type { Chart } from 'cdk8s';
import {
  all,
  ConfigError,
  container,
  find,
  MigrationJob,
  QueueWorker,
  synth,
  WebService,
  type WebServiceProps,
} from './index';

const image = { repository: '116912495274.dkr.ecr.us-east-1.amazonaws.com/app', tag: 'v1.0.1' };
const resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1500m', memory: '3Gi' } };
const base: WebServiceProps = {
  system: 'sys',
  component: 'web',
  namespace: 'test',
  image,
  resources,
  port: 8000,
  health: { path: '/health' },
  kubernetesVersion: '1.30.0',
};
const web = (extra: Partial<WebServiceProps> = {}) =>
  synth((c: Chart) => void new WebService(c, 'Web', { ...base, ...extra }));

describe('WebService', () => {
  it('emits a Deployment, Service and ServiceAccount with explicit names and namespaces only', () => {
    const objs = web();
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/sys-web',
      'Deployment/sys-web',
      'PodDisruptionBudget/sys-web',
      'Service/sys-web',
    ]);
    for (const o of objs) expect(o.metadata.namespace).toBe('test');
    expect(JSON.stringify(objs)).not.toContain('cdk8s.io');
  });
  it('selects pods by app.kubernetes.io labels and the Service matches them on a named port', () => {
    const objs = web();
    const d = find(objs, 'Deployment');
    const sel = {
      'app.kubernetes.io/name': 'sys',
      'app.kubernetes.io/instance': 'sys',
      'app.kubernetes.io/component': 'web',
    };
    expect(d.spec.selector.matchLabels).toEqual(sel);
    expect(d.spec.template.metadata.labels).toMatchObject(sel);
    const svc = find(objs, 'Service');
    expect(svc.spec.selector).toEqual(sel);
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
    expect(container(d).ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
  });
  it('applies the restricted profile, /tmp emptyDir, pinned image and arch selector', () => {
    const d = find(web(), 'Deployment');
    const pod = d.spec.template.spec;
    const c = container(d);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
    });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } });
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(c.image).toBe(`${image.repository}:v1.0.1`);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('sys-web');
    expect(c.resources).toEqual(resources);
  });
  it('sizes a startup probe from maxStartupSeconds so slow starters are not killed by liveness', () => {
    const c = container(find(web({ maxStartupSeconds: 150 }), 'Deployment'));
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(150);
    expect(c.startupProbe).toMatchObject({
      httpGet: { path: '/health', port: 'http' },
      periodSeconds: 10,
      failureThreshold: 15,
    });
    expect(c.livenessProbe.httpGet.path).toBe('/health');
    expect(c.readinessProbe.httpGet.path).toBe('/health');
    expect(container(find(web(), 'Deployment')).startupProbe).toBeUndefined();
  });
  it('defaults to 2 replicas with a PDB, and omits replicas under an HPA', () => {
    const fixed = web();
    expect(find(fixed, 'Deployment').spec.replicas).toBe(2);
    expect(find(fixed, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    const scaled = web({
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 5,
        cpuUtilization: 70,
        behavior: {
          scaleUp: { policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }] },
          scaleDown: { policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
        },
      },
    });
    expect(find(scaled, 'Deployment').spec).not.toHaveProperty('replicas');
    expect(find(scaled, 'HorizontalPodAutoscaler').spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 5,
      scaleTargetRef: { name: 'sys-web' },
    });
    expect(all(web({ replicas: 1 }), 'PodDisruptionBudget')).toHaveLength(0);
  });
  it('drains with the native preStop sleep (no binary in the image) and a longer grace period', () => {
    const d = find(web({ preStopDelaySeconds: 20, terminationGracePeriodSeconds: 45 }), 'Deployment');
    expect(container(d).lifecycle).toEqual({ preStop: { sleep: { seconds: 20 } } });
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(45);
    expect(d.spec.template.metadata.annotations).toBeUndefined();
    expect(() => web({ preStopDelaySeconds: 30, terminationGracePeriodSeconds: 30 })).toThrow(
      /terminationGracePeriodSeconds \(30\) must exceed preStopDelaySeconds/,
    );
  });
  it('refuses the native sleep below Kubernetes 1.30 or on an unknown version, naming the choices', () => {
    expect(() => web({ kubernetesVersion: '1.29.0' })).toThrow(
      /runs Kubernetes 1.29.0, but lifecycle.preStop.sleep needs 1.30.*preStopSleep: 'exec'.*preStopDelaySeconds: 0/,
    );
    expect(() => web({ kubernetesVersion: undefined })).toThrow(/pass kubernetesVersion/);
    expect(
      container(find(web({ kubernetesVersion: undefined, preStopDelaySeconds: 0 }), 'Deployment')).lifecycle,
    ).toBeUndefined();
  });
  it("runs the image's sleep only when chosen, and declares the binary for policy exec-needs-binary", () => {
    const d = find(web({ kubernetesVersion: '1.28.0', preStopSleep: 'exec' }), 'Deployment');
    expect(container(d).lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '15'] } } });
    expect(d.spec.template.metadata.annotations).toEqual({
      'policy.gitops.platform/image-binaries': 'web=sleep',
    });
  });
  it('fails on a missing resource request, naming the construct and field', () => {
    const bad = { requests: { cpu: '500m' }, limits: { cpu: '1', memory: '1Gi' } } as any;
    expect(() => web({ resources: bad })).toThrow(ConfigError);
    expect(() => web({ resources: bad })).toThrow(/test\/Web: resources.requests.memory is missing/);
    expect(() => web({ resources: undefined as any })).toThrow(/resources are required/);
  });
  it('fails when requests exceed limits or quantities are malformed', () => {
    expect(() =>
      web({ resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }),
    ).toThrow(/requests.cpu \(2\) exceeds/);
    expect(() =>
      web({ resources: { requests: { cpu: 'lots', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }),
    ).toThrow(/not a Kubernetes quantity/);
  });
  it('fails on a latest image and privileged ports', () => {
    expect(() => web({ image: { ...image, tag: 'latest' } })).toThrow(/"latest" is not allowed/);
    expect(() => web({ port: 80 })).toThrow(/not an unprivileged port/);
  });
  it('never lets a ReadWriteOnce claim run with more than one replica, and recreates instead of surging', () => {
    const data = {
      name: 'data',
      mountPath: '/app/data',
      claim: { claimName: 'data', accessMode: 'ReadWriteOnce' as const },
    };
    expect(() => web({ volumes: [data] })).toThrow(/ReadWriteOnce but the workload can run 2 replicas/);
    expect(() =>
      web({
        volumes: [data],
        autoscaling: {
          minReplicas: 1,
          maxReplicas: 3,
          cpuUtilization: 70,
          behavior: {
            scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
            scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
          },
        },
      }),
    ).toThrow(/can run 3 replicas/);
    const d = find(web({ volumes: [data], replicas: 1 }), 'Deployment');
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.template.spec.volumes).toContainEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: 'data' },
    });
    expect(find(web(), 'Deployment').spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
  });
  it('mounts the IRSA token only for IRSA ServiceAccounts', () => {
    const d = find(web({ serviceAccount: { serviceAccountName: 'docs', irsa: true } }), 'Deployment');
    expect(d.spec.template.spec).toMatchObject({
      serviceAccountName: 'docs',
      automountServiceAccountToken: true,
    });
  });
  it('spreads across zones on request', () => {
    const tsc = find(web({ zoneSpread: true }), 'Deployment').spec.template.spec.topologySpreadConstraints;
    expect(tsc[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1 });
    expect(find(web(), 'Deployment').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });
  it('renders secret env vars and a metrics port', () => {
    const objs = web({
      env: [
        { name: 'A', value: '1' },
        { name: 'DB', secret: { name: 's', key: 'url' } },
      ],
      metricsPort: 9090,
    });
    expect(container(find(objs, 'Deployment')).env).toEqual([
      { name: 'A', value: '1' },
      { name: 'DB', valueFrom: { secretKeyRef: { name: 's', key: 'url' } } },
    ]);
    expect(find(objs, 'Service').spec.ports[1]).toEqual({
      name: 'metrics',
      port: 9090,
      targetPort: 'metrics',
      protocol: 'TCP',
    });
  });
  it('is deterministic', () => {
    expect(JSON.stringify(web({ maxStartupSeconds: 90 }))).toBe(
      JSON.stringify(web({ maxStartupSeconds: 90 })),
    );
  });
});

describe('QueueWorker', () => {
  const worker = (extra: object = {}) =>
    synth(
      (c) =>
        void new QueueWorker(c, 'W', {
          system: 'sys',
          component: 'worker',
          namespace: 'test',
          image,
          resources,
          ...extra,
        }),
    );
  it('exposes metrics and /health on 9090 with a 120 s graceful shutdown', () => {
    const objs = worker();
    const d = find(objs, 'Deployment');
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(120);
    expect(container(d).livenessProbe.httpGet).toEqual({ path: '/health', port: 'metrics', scheme: 'HTTP' });
    expect(find(objs, 'Service').spec.ports).toEqual([
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(d.spec.replicas).toBe(1);
  });
  it('scales on Redis queue depth with KEDA and omits replicas', () => {
    const objs = worker({
      queueScaling: {
        minReplicas: 2,
        maxReplicas: 20,
        listName: 'jobs',
        listLength: 100,
        connectionSecret: { name: 's', addressKey: 'redis-address' },
        behavior: {
          scaleUp: { policies: [{ type: 'Percent', value: 100, periodSeconds: 30 }] },
          scaleDown: { policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
        },
      },
    });
    expect(find(objs, 'Deployment').spec).not.toHaveProperty('replicas');
    const so = find(objs, 'ScaledObject');
    expect(so.spec).toMatchObject({
      minReplicaCount: 2,
      maxReplicaCount: 20,
      scaleTargetRef: { name: 'sys-worker' },
    });
    expect(so.spec.triggers[0]).toMatchObject({
      type: 'redis',
      metadata: { listName: 'jobs', listLength: '100' },
      authenticationRef: { name: 'sys-worker-redis' },
    });
    expect(find(objs, 'TriggerAuthentication').spec.secretTargetRef).toEqual([
      { parameter: 'address', name: 's', key: 'redis-address' },
    ]);
    expect(find(objs, 'PodDisruptionBudget')).toBeTruthy();
  });
  it('rejects HPA and KEDA together', () => {
    const b = {
      scaleUp: { policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 60 }] },
      scaleDown: { policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 60 }] },
    };
    expect(() =>
      worker({
        autoscaling: { minReplicas: 1, maxReplicas: 2, cpuUtilization: 50, behavior: b },
        queueScaling: {
          minReplicas: 1,
          maxReplicas: 2,
          listName: 'q',
          listLength: 1,
          connectionSecret: { name: 's', addressKey: 'a' },
          behavior: b,
        },
      }),
    ).toThrow(/either autoscaling \(HPA\) or queueScaling \(KEDA\)/);
  });
});

describe('MigrationJob', () => {
  it('is an Argo CD Sync-phase hook in the migration wave, with the restricted profile', () => {
    const objs = synth(
      (c) =>
        void new MigrationJob(c, 'M', {
          system: 'sys',
          component: 'migrate',
          namespace: 'test',
          image,
          resources,
          command: ['alembic', 'upgrade', 'head'],
        }),
    );
    const job = find(objs, 'Job', 'sys-migrate');
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      'argocd.argoproj.io/sync-wave': '-2',
    });
    expect(JSON.stringify(job)).not.toContain('helm.sh');
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(container(job).command).toEqual(['alembic', 'upgrade', 'head']);
    expect(container(job).securityContext.readOnlyRootFilesystem).toBe(true);
    expect(job.spec.template.spec.automountServiceAccountToken).toBe(false);
  });
  it('needs a command', () => {
    expect(() =>
      synth(
        (c) =>
          void new MigrationJob(c, 'M', {
            system: 'sys',
            component: 'migrate',
            namespace: 'test',
            image,
            resources,
            command: [],
          }),
      ),
    ).toThrow(/command must not be empty/);
  });
});
