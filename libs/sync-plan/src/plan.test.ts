import { describe, expect, it } from 'vitest';
import type { K8sObject } from '@gitops/toolchain';
import {
  globMatch,
  hookDeletePolicies,
  kindRank,
  projectPermitsObject,
  syncPhasesOf,
  waveOf,
} from './argo-rules';
import { buildSyncPlan } from './plan';

/**
 * The plan against Argo CD's own behaviour, case by case from its source and tests
 * (argoproj/argo-cd gitops-engine/pkg/sync/sync_tasks.go, sync_tasks_test.go, sync_context.go).
 */
const obj = (
  kind: string,
  name: string,
  opts: { apiVersion?: string; namespace?: string; annotations?: Record<string, string>; spec?: any } = {},
): K8sObject => ({
  apiVersion: opts.apiVersion ?? (kind === 'Deployment' ? 'apps/v1' : kind === 'Job' ? 'batch/v1' : 'v1'),
  kind,
  metadata: {
    name,
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  },
  ...(opts.spec ? { spec: opts.spec } : {}),
});
const wave = (n: number) => ({ 'argocd.argoproj.io/sync-wave': String(n) });
const order = (objects: K8sObject[], namespace = 'app', createNamespace = false) =>
  buildSyncPlan(objects, { namespace, createNamespace }).tasks.map(
    (t) => `${t.phase}/${t.wave} ${t.kind} ${t.name}`,
  );

describe("Argo CD's rules", () => {
  it('kind order: Helm kind_sorter order, unknown kinds (custom resources) last', () => {
    const kinds = ['Deployment', 'Service', 'ConfigMap', 'Namespace', 'ExternalSecret', 'Ingress', 'Job'];
    expect([...kinds].sort((a, b) => kindRank(a) - kindRank(b))).toEqual([
      'Namespace',
      'ConfigMap',
      'Service',
      'Deployment',
      'Job',
      'Ingress',
      'ExternalSecret',
    ]);
    expect(kindRank('ExternalSecret')).toBe(0);
    expect(kindRank('Namespace')).toBeLessThan(0);
  });

  it('hook phases: Argo CD annotation wins over Helm; Helm pre-/post-install|upgrade map to PreSync/PostSync; Skip is neither', () => {
    const helm = obj('Job', 'j', { annotations: { 'helm.sh/hook': 'pre-install,pre-upgrade' } });
    expect(syncPhasesOf(helm)).toEqual(['PreSync']);
    const both = obj('Job', 'j', {
      annotations: { 'helm.sh/hook': 'pre-install', 'argocd.argoproj.io/hook': 'Sync' },
    });
    expect(syncPhasesOf(both)).toEqual(['Sync']);
    expect(syncPhasesOf(obj('Job', 'j', { annotations: { 'helm.sh/hook': 'test' } }))).toEqual([]);
    expect(syncPhasesOf(obj('Job', 'j', { annotations: { 'argocd.argoproj.io/hook': 'Skip' } }))).toEqual([]);
    expect(
      syncPhasesOf(obj('Job', 'j', { annotations: { 'argocd.argoproj.io/hook': 'PreSync,PostSync' } })),
    ).toEqual(['PreSync', 'PostSync']);
    expect(syncPhasesOf(obj('ConfigMap', 'c'))).toEqual(['Sync']);
    // crd-install is not a hook for Argo CD (hook/helm/hook.go)
    expect(syncPhasesOf(obj('Job', 'j', { annotations: { 'helm.sh/hook': 'crd-install' } }))).toEqual([
      'Sync',
    ]);
  });

  it('waves: sync-wave, else helm.sh/hook-weight, else 0; delete policy defaults to BeforeHookCreation', () => {
    expect(waveOf(obj('Job', 'j', { annotations: { 'helm.sh/hook-weight': '5' } }))).toBe(5);
    expect(waveOf(obj('Job', 'j', { annotations: { 'helm.sh/hook-weight': '5', ...wave(-2) } }))).toBe(-2);
    expect(waveOf(obj('Job', 'j', { annotations: { 'argocd.argoproj.io/sync-wave': 'x' } }))).toBe(0);
    expect(
      hookDeletePolicies(obj('Job', 'j', { annotations: { 'argocd.argoproj.io/hook': 'Sync' } })),
    ).toEqual(['BeforeHookCreation']);
  });

  it('project permissions: cluster objects by group, kind and name (Go filepath.Match); empty namespace allow-list permits nothing', () => {
    const project = (spec: object): K8sObject => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'p' },
      spec,
    });
    const named = project({ clusterResourceWhitelist: [{ group: '', kind: 'Namespace', name: 'shop' }] });
    expect(projectPermitsObject(named, { group: '', kind: 'Namespace' }, 'shop', false)).toBe(true);
    expect(projectPermitsObject(named, { group: '', kind: 'Namespace' }, 'kube-system', false)).toBe(false);
    const byKind = project({ clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] });
    expect(projectPermitsObject(byKind, { group: '', kind: 'Namespace' }, 'kube-system', false)).toBe(true);
    expect(projectPermitsObject(project({}), { group: 'apps', kind: 'Deployment' }, 'd', true)).toBe(true);
    expect(
      projectPermitsObject(
        project({ namespaceResourceWhitelist: [] }),
        { group: 'apps', kind: 'Deployment' },
        'd',
        true,
      ),
    ).toBe(false);
    expect(globMatch('shop-*', 'shop-dev')).toBe(true);
    expect(globMatch('shop-?', 'shop-dev')).toBe(false);
  });
});

describe('buildSyncPlan', () => {
  it('orders by phase, wave, kind, name; hooks run in their phase', () => {
    expect(
      order([
        obj('Deployment', 'b', { namespace: 'app' }),
        obj('Deployment', 'a', { namespace: 'app' }),
        obj('Service', 'z', { namespace: 'app' }),
        obj('ConfigMap', 'late', { namespace: 'app', annotations: wave(1) }),
        obj('Job', 'post', { namespace: 'app', annotations: { 'argocd.argoproj.io/hook': 'PostSync' } }),
        obj('Job', 'pre', {
          namespace: 'app',
          annotations: { 'argocd.argoproj.io/hook': 'PreSync', ...wave(5) },
        }),
      ]),
    ).toEqual([
      'PreSync/5 Job pre',
      'Sync/0 Service z',
      'Sync/0 Deployment a',
      'Sync/0 Deployment b',
      'Sync/1 ConfigMap late',
      'PostSync/0 Job post',
    ]);
  });

  it('moves a Namespace before the first object in it, into that object’s phase and wave (adjustDeps)', () => {
    // sync_tasks_test.go TestSyncNamespaceCreatedBeforeDryRun… / adjustDeps: the PreSync hook pulls the namespace forward.
    const plan = buildSyncPlan(
      [
        obj('Namespace', 'app', { annotations: wave(-3) }),
        obj('Job', 'migrate', { namespace: 'app', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } }),
        obj('ConfigMap', 'c', { namespace: 'app', annotations: wave(-1) }),
      ],
      { namespace: 'app' },
    );
    expect(plan.tasks.map((t) => `${t.phase}/${t.wave} ${t.kind}`)).toEqual([
      'PreSync/0 Namespace',
      'PreSync/0 Job',
      'Sync/-1 ConfigMap',
    ]);
    expect(plan.tasks[0].note).toMatch(/adjustDeps/);
    expect(plan.namespaceCreatedFirst).toBe('app');
  });

  it('gives objects without a namespace the destination namespace, and creates it first with CreateNamespace=true', () => {
    const plan = buildSyncPlan([obj('ConfigMap', 'c', { annotations: wave(-1) })], {
      namespace: 'dest',
      createNamespace: true,
    });
    expect(plan.tasks.map((t) => `${t.phase}/${t.wave} ${t.kind} ${t.namespace}/${t.name}`)).toEqual([
      'PreSync/0 Namespace dest/dest',
      'Sync/-1 ConfigMap dest/c',
    ]);
    expect(plan.namespaceCreatedFirst).toBe('dest');
  });

  it('moves a CRD before the first object of its kind', () => {
    const crd: K8sObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com', annotations: wave(3) },
      spec: { group: 'example.com', names: { kind: 'Widget' } },
    };
    const cr = obj('Widget', 'w', { apiVersion: 'example.com/v1', namespace: 'app' });
    expect(order([cr, crd]).map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual([
      'Sync/0 CustomResourceDefinition',
      'Sync/0 Widget',
    ]);
  });

  it('waits on every step but the last; SyncFail hooks are not steps of a successful sync', () => {
    const plan = buildSyncPlan(
      [
        obj('Deployment', 'd', { namespace: 'app' }),
        obj('Service', 's', { namespace: 'app', annotations: wave(1) }),
        obj('Job', 'fail', { namespace: 'app', annotations: { 'argocd.argoproj.io/hook': 'SyncFail' } }),
      ],
      { namespace: 'app' },
    );
    expect(plan.steps.map((s) => [s.phase, s.wave, s.awaited])).toEqual([
      ['Sync', 0, true],
      ['Sync', 1, false],
      ['SyncFail', 0, false],
    ]);
    expect(plan.tasks[0].waitsFor).toMatch(/rollout/);
  });
});
