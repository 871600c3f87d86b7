import { describe, expect, it } from 'vitest';
import type { K8sObject } from '@gitops/toolchain';
import { checkApplicationSync, formatProblem, type ApplicationSyncInput, type PlanRule } from './checks';

/**
 * One negative test per failure class: a small Application that syncs cleanly, broken in exactly one
 * way; the checker must name the Application, the object, the step and the missing dependency.
 */
const NS = 'shop';
const w = (n: number, extra: Record<string, string> = {}) => ({
  'argocd.argoproj.io/sync-wave': String(n),
  ...extra,
});

function base(): K8sObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: NS,
        annotations: w(-5, { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' }),
      },
    },
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'shop-store', annotations: w(-4) },
      spec: { provider: { fake: { data: [] } }, conditions: [{ namespaces: [NS] }] },
    },
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'db', namespace: NS, annotations: w(-3) },
      spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'shop-store' }, target: { name: 'db' } },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'api', namespace: NS, annotations: w(-3) },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'shop-migrate',
        namespace: NS,
        annotations: w(-2, {
          'argocd.argoproj.io/hook': 'Sync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
        }),
      },
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'm', env: [{ name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } }] },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'data',
        namespace: NS,
        annotations: w(0, { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' }),
      },
      spec: { storageClassName: 'gp3', accessModes: ['ReadWriteOnce'] },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: NS, annotations: w(0) },
      data: {},
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: NS, annotations: w(0) },
      spec: {
        template: {
          spec: {
            serviceAccountName: 'api',
            volumes: [
              { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
              { name: 'settings', configMap: { name: 'settings' } },
              { name: 'ca', configMap: { name: 'kube-root-ca.crt' } },
            ],
            containers: [{ name: 'api', envFrom: [{ secretRef: { name: 'db' } }] }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'api',
        namespace: NS,
        labels: { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/component': 'api' },
        annotations: w(0),
      },
      spec: { selector: { 'app.kubernetes.io/name': 'shop' } },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'api', namespace: NS, annotations: w(0) },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/component': 'api' } },
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'api', namespace: NS, annotations: w(1) },
      spec: { ingressClassName: 'alb' },
    },
  ];
}

const project = (): K8sObject => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: { name: 'shop' },
  spec: {
    clusterResourceWhitelist: [
      { group: '', kind: 'Namespace', name: NS },
      { group: 'external-secrets.io', kind: 'ClusterSecretStore', name: 'shop-store' },
    ],
    namespaceResourceWhitelist: [
      { group: '', kind: 'ServiceAccount' },
      { group: '', kind: 'PersistentVolumeClaim' },
      { group: '', kind: 'ConfigMap' },
      { group: '', kind: 'Service' },
      { group: 'apps', kind: 'Deployment' },
      { group: 'batch', kind: 'Job' },
      { group: 'external-secrets.io', kind: 'ExternalSecret' },
      { group: 'monitoring.coreos.com', kind: 'ServiceMonitor' },
      { group: 'networking.k8s.io', kind: 'Ingress' },
    ],
    syncWindows: [{ kind: 'deny', schedule: '0 18 * * 5', duration: '62h', syncOverrun: true }],
  },
});

const application = (): K8sObject => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'shop-dev', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
  spec: { syncPolicy: { syncOptions: ['CreateNamespace=false'] } },
});

function check(
  mutate: (objects: K8sObject[], extra: { project: K8sObject; app: K8sObject }) => void = () => {},
  input: Partial<ApplicationSyncInput> = {},
  environment = 'dev',
) {
  const objects = base();
  const extra = { project: project(), app: application() };
  mutate(objects, extra);
  return checkApplicationSync({
    application: 'shop-dev',
    environment,
    namespace: NS,
    objects,
    ...extra,
    ...input,
  }).problems;
}
const find = (objects: K8sObject[], kind: string) => objects.find((o) => o.kind === kind)!;
const rules = (problems: { rule: PlanRule }[]) => problems.map((p) => p.rule);

describe('checkApplicationSync: failure classes', () => {
  it('the fixture syncs cleanly', () => {
    expect(check().map(formatProblem)).toEqual([]);
  });

  it('a migration hook in PreSync reads a Secret its ExternalSecret writes only in the Sync phase', () => {
    const problems = check((o) => {
      find(o, 'Job').metadata.annotations!['argocd.argoproj.io/hook'] = 'PreSync';
    });
    expect(rules(problems)).toEqual(['secret']);
    expect(formatProblem(problems[0])).toBe(
      'shop-dev: Job shop/shop-migrate at PreSync wave -2: Secret db (spec.template.spec.containers[m].env[DB]) does not exist yet: ExternalSecret db produces it only at Sync wave -3 [secret]',
    );
  });

  it('a Secret written by an ExternalSecret in the same wave is not there yet (asynchronous)', () => {
    const problems = check((o) => {
      find(o, 'ExternalSecret').metadata.annotations!['argocd.argoproj.io/sync-wave'] = '-2';
    });
    expect(rules(problems)).toEqual(['secret']);
    expect(problems[0].missing).toMatch(/asynchronously/);
  });

  it('a hook in a namespace nothing creates', () => {
    const problems = check((o) => {
      find(o, 'Job').metadata.namespace = 'jobs';
    });
    expect(rules(problems)).toContain('namespace');
    expect(problems.find((p) => p.rule === 'namespace')!.object).toBe('Job jobs/shop-migrate');
  });

  it('no Namespace object and no CreateNamespace=true; CreateNamespace=true fixes it', () => {
    const drop = (o: K8sObject[]) => o.splice(o.indexOf(find(o, 'Namespace')), 1);
    expect(rules(check(drop))).toContain('namespace');
    const problems = check((o, e) => {
      drop(o);
      e.app.spec.syncPolicy.syncOptions = ['CreateNamespace=true'];
    });
    expect(rules(problems)).not.toContain('namespace');
  });

  it('a claim before its consumer on a WaitForFirstConsumer class; an Immediate class may come first', () => {
    const early = (o: K8sObject[]) => {
      find(o, 'PersistentVolumeClaim').metadata.annotations!['argocd.argoproj.io/sync-wave'] = '-1';
    };
    const problems = check(early);
    expect(rules(problems)).toEqual(['claim-binding']);
    expect(problems[0].missing).toMatch(/first consumer Deployment shop\/api syncs later \(Sync wave 0\)/);
    expect(rules(check(early, {}, 'mini-corp').filter((p) => p.rule === 'claim-binding'))).toEqual([
      'claim-binding', // gp3 is not declared for mini-corp
    ]);
    const efs = check((o) => {
      early(o);
      find(o, 'PersistentVolumeClaim').spec.storageClassName = 'efs-sc';
    });
    expect(rules(efs)).toEqual([]);
  });

  it('a claim, a ConfigMap, a ServiceAccount its pod needs that come later or never', () => {
    const problems = check((o) => {
      find(o, 'PersistentVolumeClaim').metadata.annotations!['argocd.argoproj.io/sync-wave'] = '1';
      find(o, 'ConfigMap').metadata.name = 'other';
      find(o, 'ServiceAccount').metadata.annotations!['argocd.argoproj.io/sync-wave'] = '2';
    });
    expect(rules(problems).sort()).toEqual(['claim', 'config-map', 'service-account']);
    expect(problems.find((p) => p.rule === 'config-map')!.missing).toMatch(
      /nothing in the Application creates it/,
    );
  });

  it('an ExternalSecret whose store syncs later, or serves other namespaces only', () => {
    expect(
      rules(
        check((o) => {
          find(o, 'ClusterSecretStore').metadata.annotations!['argocd.argoproj.io/sync-wave'] = '0';
        }),
      ),
    ).toContain('secret-store');
    const other = check((o) => {
      find(o, 'ClusterSecretStore').spec.conditions = [{ namespaces: ['billing'] }];
    });
    expect(rules(other)).toEqual(['store-scope']);
  });

  it('a ClusterSecretStore without conditions (any namespace could read through it)', () => {
    expect(rules(check((o) => delete find(o, 'ClusterSecretStore').spec.conditions))).toEqual([
      'store-scope',
    ]);
  });

  it('a CRD kind no declared add-on serves, or a version it does not serve', () => {
    const problems = check((o) => {
      o.push({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'tls', namespace: NS },
      });
      find(o, 'ServiceMonitor').apiVersion = 'monitoring.coreos.com/v2';
    });
    expect(rules(problems).filter((r) => r === 'api')).toHaveLength(2);
    expect(problems.find((p) => p.rule === 'api')!.missing).toMatch(/external-secrets 0\.19\.2/);
  });

  it('an Ingress class no add-on implements; on mini-corp an Ingress that waits for an address', () => {
    expect(rules(check((o) => void (find(o, 'Ingress').spec.ingressClassName = 'traefik')))).toContain(
      'ingress-class',
    );
    const nginx = (o: K8sObject[]) => void (find(o, 'Ingress').spec.ingressClassName = 'nginx');
    const lab = check(nginx, { storageClasses: { gp3: 'WaitForFirstConsumer' } }, 'mini-corp');
    expect(rules(lab)).toEqual(['ingress-status']);
    expect(lab[0].missing).toMatch(/ignore-healthcheck/);
    const midway = check(
      (o) => {
        nginx(o);
        find(o, 'Ingress').metadata.annotations!['argocd.argoproj.io/ignore-healthcheck'] = 'true';
        find(o, 'Service').metadata.annotations!['argocd.argoproj.io/sync-wave'] = '2';
      },
      { storageClasses: { gp3: 'WaitForFirstConsumer' } },
      'mini-corp',
    );
    expect(rules(midway)).toEqual(['ingress-status']);
    expect(midway[0].missing).toMatch(/next wave never starts/);
  });

  it('a kind the project does not permit; a cluster-scoped kind permitted by kind, not by name', () => {
    const problems = check((_o, e) => {
      e.project.spec.namespaceResourceWhitelist = e.project.spec.namespaceResourceWhitelist.filter(
        (x: any) => x.kind !== 'ConfigMap',
      );
      e.project.spec.clusterResourceWhitelist[0] = { group: '', kind: 'Namespace' };
    });
    expect(rules(problems).sort()).toEqual(['project', 'project-scope']);
    expect(problems.find((p) => p.rule === 'project')!.object).toBe('ConfigMap shop/settings');
    expect(problems.find((p) => p.rule === 'project-scope')!.missing).toMatch(/kube-system/);
  });

  it('a kind being pruned that the project no longer permits (the live object would be orphaned)', () => {
    const problems = check(undefined, {
      pruned: [{ group: 'batch', kind: 'CronJob', name: '', namespaced: true }],
    });
    expect(rules(problems)).toEqual(['pruned-kind']);
    expect(problems[0].step).toBe('prune');
    expect(
      check(undefined, { pruned: [{ group: 'batch', kind: 'Job', name: '', namespaced: true }] }),
    ).toEqual([]);
  });

  it('a selector on the tracking label', () => {
    const problems = check((o) => {
      find(o, 'ServiceMonitor').spec.selector.matchLabels['app.kubernetes.io/instance'] = 'shop';
      o.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'np', namespace: NS },
        spec: {
          ingress: [
            { from: [{ namespaceSelector: { matchLabels: { 'app.kubernetes.io/instance': 'x' } } }] },
          ],
        },
      });
    });
    expect(rules(problems).filter((r) => r === 'tracking-label')).toHaveLength(2);
  });

  it('a deny window without syncOverrun', () => {
    const problems = check((_o, e) => delete e.project.spec.syncWindows[0].syncOverrun);
    expect(rules(problems)).toEqual(['sync-window']);
  });

  it('a stateful object without Delete=false where deleting the Application cascades; none needed without the finalizer', () => {
    const strip = (o: K8sObject[]) => {
      delete find(o, 'PersistentVolumeClaim').metadata.annotations!['argocd.argoproj.io/sync-options'];
    };
    expect(rules(check(strip))).toEqual(['delete-protection']);
    expect(rules(check((o, e) => (strip(o), delete e.app.metadata.finalizers)))).toEqual([]);
  });

  it('an HPA whose metrics API no add-on serves (Degraded), a LoadBalancer Service where none exists', () => {
    const hpa = (type: string): K8sObject => ({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: `api-${type.toLowerCase()}`, namespace: NS },
      spec: { metrics: [{ type }] },
    });
    const permitHpa = (e: { project: K8sObject }) =>
      e.project.spec.namespaceResourceWhitelist.push({
        group: 'autoscaling',
        kind: 'HorizontalPodAutoscaler',
      });
    // dev declares metrics-server (metrics.k8s.io) and KEDA (external.metrics.k8s.io), no custom metrics adapter.
    const problems = check((o, e) => {
      permitHpa(e);
      o.push(hpa('Resource'), hpa('External'), hpa('Pods'));
    });
    expect(problems.map((p) => `${p.rule} ${p.object}`)).toEqual([
      'metrics-api HorizontalPodAutoscaler shop/api-pods',
    ]);
    const noAddOns = check(
      (o, e) => {
        permitHpa(e);
        o.push(hpa('Resource'));
      },
      { addOns: [] },
    );
    expect(rules(noAddOns)).toContain('metrics-api');
    const lb = check(
      (o) => void (find(o, 'Service').spec.type = 'LoadBalancer'),
      { storageClasses: { gp3: 'WaitForFirstConsumer' } },
      'mini-corp',
    );
    expect(rules(lb)).toContain('service-status');
    expect(lb.find((p) => p.rule === 'service-status')!.missing).toMatch(/next wave never starts/);
  });
});
