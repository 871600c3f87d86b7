import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CLUSTER_ADDONS,
  CLUSTERS,
  ENVIRONMENT_NAMES,
  ENVIRONMENTS,
  GIT_REPOSITORY,
} from '@gitops/environments';
import { WORKSPACE_ROOT } from '@gitops/render';
import {
  checkApplicationSync,
  checkRepositorySync,
  formatProblem,
  prunedSince,
  readArgoObjects,
  RENDERED_ANNOTATION,
  type ApplicationPlanResult,
  type RepositorySyncReport,
} from '@gitops/sync-plan';
import type { K8sObject } from '@gitops/toolchain';
import { MINIMUM_ARGOCD_VERSION, REQUIRED_TRACKING_METHOD } from './config';

/**
 * The committed outputs, planned as Argo CD syncs them (every Application rendered with the real
 * helm/kustomize), for all systems × environments: no step needs something that comes later, and each
 * of the six sync/prune defects of issue 12 is fixed — one test per point.
 */
const REPO_DIR = process.env.ARGOCD_CHECK_REPO_DIR ?? WORKSPACE_ROOT;
let report: RepositorySyncReport;
const app = (name: string): ApplicationPlanResult => {
  const a = report.applications.find((x) => x.source.application === name);
  if (!a) throw new Error(`no Application ${name} in the committed outputs`);
  return a;
};
const argo = (env: string) => readArgoObjects(REPO_DIR, env).flatMap((f) => f.objects);
const objectsOf = (a: ApplicationPlanResult) =>
  a.report.plan.tasks.flatMap((t) => (t.object ? [t.object] : []));
const annotation = (o: K8sObject, k: string) => o.metadata.annotations?.[k];

beforeAll(() => {
  report = checkRepositorySync({ repoDir: REPO_DIR, environments: [...ENVIRONMENT_NAMES] });
});

describe('sync plan of the committed outputs (3 systems × 3 environments)', () => {
  it('every Application renders and no step needs something that does not exist yet', () => {
    expect(report.errors).toEqual([]);
    expect(report.applications.map((a) => a.source.application).sort()).toHaveLength(9);
    expect(report.problems.map(formatProblem)).toEqual([]);
  });

  it.each(ENVIRONMENT_NAMES)(
    '1. mini-xdr-%s migrates on an empty cluster and on every later sync: after its namespace and database Secret, before the workloads',
    (env) => {
      const { plan } = app(`mini-xdr-${env}`).report;
      const job = plan.tasks.find((t) => t.kind === 'Job' && t.name === 'mini-xdr-migrate')!;
      const es = plan.tasks.find((t) => t.kind === 'ExternalSecret' && t.name === 'mini-xdr-database')!;
      const workloads = plan.tasks.filter((t) => t.kind === 'Deployment');
      // A hook (runs on every sync operation, automated and self-heal included) in the Sync phase.
      expect(job.hook).toBe(true);
      expect(job.phase).toBe('Sync');
      // The ExternalSecret's step is awaited (condition Ready: the Secret is written) before the job's.
      expect(es.step).toBeLessThan(job.step);
      expect(plan.steps[es.step].awaited).toBe(true);
      for (const w of workloads) expect(job.step).toBeLessThan(w.step);
      // The namespace (with its pod-security labels) exists before anything: created before the dry run.
      expect(plan.namespaceCreatedFirst).toBe('mini-xdr');
      const ns = plan.tasks.find((t) => t.kind === 'Namespace')!;
      expect(ns.step).toBe(0);
      expect(ns.object!.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
      // No selective sync needed: nothing in the plan depends on a later step.
      expect(app(`mini-xdr-${env}`).report.problems).toEqual([]);
    },
  );

  it('2. every claim syncs in the wave of its first consumer (WaitForFirstConsumer classes bind only then)', () => {
    let claims = 0;
    for (const a of report.applications) {
      const { plan } = a.report;
      for (const pvc of plan.tasks.filter((t) => t.kind === 'PersistentVolumeClaim')) {
        claims++;
        const consumers = plan.tasks.filter((t) =>
          JSON.stringify(t.object?.spec ?? {}).includes(`"claimName":"${pvc.name}"`),
        );
        expect(consumers.length, `${a.source.application}: ${pvc.name} has a consumer`).toBeGreaterThan(0);
        expect(Math.min(...consumers.map((c) => c.step)), `${a.source.application}: ${pvc.name}`).toBe(
          pvc.step,
        );
        const sc = pvc.object!.spec.storageClassName;
        expect(CLUSTER_ADDONS[a.source.environment as 'dev'].storageClasses[sc]).toBeDefined();
      }
    }
    expect(claims).toBeGreaterThanOrEqual(6); // mini-xdr data + models in 3 environments
    expect(CLUSTER_ADDONS['mini-corp'].storageClasses['local-path']).toBe('WaitForFirstConsumer');
  });

  it('3. removing the last object of a kind keeps the kind permitted until Argo CD has pruned it', () => {
    const a = app('mini-xdr-dev');
    const project = argo('dev').find((o) => o.kind === 'AppProject' && o.metadata.name === 'mini-xdr')!;
    // The project records what was rendered; the next render compares with it.
    expect(annotation(project, RENDERED_ANNOTATION)).toContain('/PersistentVolumeClaim');
    // Simulate the next render dropping both claims, with an allow-list regenerated from it.
    const next = structuredClone(objectsOf(a).filter((o) => o.kind !== 'PersistentVolumeClaim'));
    for (const d of next.filter((o) => o.kind === 'Deployment')) {
      const pod = d.spec.template.spec;
      pod.volumes = (pod.volumes ?? []).filter((v: any) => !v.persistentVolumeClaim);
    }
    const pruned = prunedSince(project, next);
    expect(pruned).toEqual([{ group: '', kind: 'PersistentVolumeClaim', name: '', namespaced: true }]);
    const shrunk = structuredClone(project);
    shrunk.spec.namespaceResourceWhitelist = shrunk.spec.namespaceResourceWhitelist.filter(
      (e: any) => e.kind !== 'PersistentVolumeClaim',
    );
    const base = {
      application: 'mini-xdr-dev',
      environment: 'dev',
      namespace: 'mini-xdr',
      objects: next,
      pruned,
    };
    const orphaned = checkApplicationSync({ ...base, project: shrunk }).problems;
    expect(orphaned.map((p) => p.rule)).toEqual(['pruned-kind']);
    expect(formatProblem(orphaned[0])).toMatch(/never prune it.*retained\.ts/);
    // Kept in the project (apps/argocd/src/retained.ts), the prune proceeds.
    expect(checkApplicationSync({ ...base, project }).problems).toEqual([]);
  });

  it('4. ServiceMonitors still select their Services when label tracking rewrites app.kubernetes.io/instance', () => {
    let monitors = 0;
    for (const a of report.applications) {
      const objects = objectsOf(a);
      for (const sm of objects.filter((o) => o.kind === 'ServiceMonitor')) {
        monitors++;
        const match: Record<string, string> = sm.spec.selector.matchLabels;
        expect(Object.keys(match)).not.toContain('app.kubernetes.io/instance');
        // Label tracking sets the label to the Application name on every managed object.
        const services = objects
          .filter((o) => o.kind === 'Service')
          .map((s) => ({
            ...s.metadata.labels,
            'app.kubernetes.io/instance': a.source.application,
          }));
        expect(
          services.some((labels) => Object.entries(match).every(([k, v]) => labels[k] === v)),
          `${a.source.application}: ServiceMonitor ${sm.metadata.name} selects a Service`,
        ).toBe(true);
      }
    }
    expect(monitors).toBe(4 * 3);
  });

  it('5. cluster-scoped permissions name their objects, and each store serves only its system namespace', () => {
    for (const env of ENVIRONMENT_NAMES) {
      for (const p of argo(env).filter((o) => o.kind === 'AppProject')) {
        for (const e of p.spec.clusterResourceWhitelist ?? [])
          expect(e.name, `${env} ${p.metadata.name}`).toMatch(/^[a-z0-9-]+$/);
        const ns = p.spec.destinations.map((d: any) => d.namespace);
        const nsEntries = (p.spec.clusterResourceWhitelist ?? []).filter((e: any) => e.kind === 'Namespace');
        expect(nsEntries.map((e: any) => e.name)).toEqual(p.metadata.name === 'platform' ? [] : ns);
      }
    }
    for (const a of report.applications) {
      const stores = objectsOf(a).filter((o) => o.kind === 'ClusterSecretStore');
      expect(stores.length).toBe(1);
      for (const s of stores) expect(s.spec.conditions).toEqual([{ namespaces: [a.source.namespace] }]);
    }
  });

  it('6a. the prod freeze window lets a running sync finish (syncOverrun)', () => {
    const windows = argo('prod').flatMap((o) => (o.kind === 'AppProject' ? (o.spec.syncWindows ?? []) : []));
    expect(windows.length).toBeGreaterThanOrEqual(4);
    for (const w of windows) expect(w).toMatchObject({ kind: 'deny', syncOverrun: true, manualSync: true });
  });

  it('6b. deleting a cascading Application never deletes the namespace or claims (Delete=false)', () => {
    for (const a of report.applications) {
      const app = argo(a.source.environment).find((o) => o.metadata.name === a.source.application)!;
      const cascades = (app.metadata.finalizers ?? []).length > 0;
      expect(cascades).toBe(a.source.environment !== 'prod');
      for (const o of objectsOf(a).filter((x) => ['Namespace', 'PersistentVolumeClaim'].includes(x.kind)))
        expect(annotation(o, 'argocd.argoproj.io/sync-options')).toBe('Prune=false,Delete=false');
    }
  });

  it('6c. the root app manages itself, so bootstrap changes reach the cluster', () => {
    for (const env of ENVIRONMENT_NAMES) {
      const { objects } = readArgoObjects(REPO_DIR, env).find((f) =>
        f.file.endsWith('bootstrap/root-app.yaml'),
      )!;
      const root = objects.find((o) => o.kind === 'Application')!;
      expect(root.spec.source.path).toBe(`overlays/argocd/${env}`);
      // Its folder's kustomization lists the bootstrap file (built with kustomize in committed.test.ts).
    }
  });

  it('6d. mini-corp Ingresses neither hold a wave nor keep the app Progressing (ingress-nginx publishes no address)', () => {
    const nginx = CLUSTER_ADDONS['mini-corp'].addOns.find((a) => a.name === 'ingress-nginx')!;
    expect(nginx.publishesIngressStatus).toBe(false);
    for (const a of report.applications.filter((x) => x.source.environment === 'mini-corp')) {
      const { plan } = a.report;
      for (const t of plan.tasks.filter((x) => x.kind === 'Ingress')) {
        expect(plan.steps[t.step].awaited).toBe(false);
        expect(annotation(t.object!, 'argocd.argoproj.io/ignore-healthcheck')).toBe('true');
      }
    }
  });

  it('6e. repository URL and cluster servers come from one place (libs/environments/src/clusters.ts)', () => {
    const servers = new Set(Object.values(CLUSTERS).map((c) => c.server));
    for (const env of ENVIRONMENT_NAMES)
      for (const o of argo(env)) {
        if (o.kind === 'Application') {
          expect(o.spec.source.repoURL).toBe(GIT_REPOSITORY.url);
          expect(o.spec.source.targetRevision).toBe(GIT_REPOSITORY.revision);
          if (o.metadata.labels?.['gitops.platform/system'])
            expect(servers.has(o.spec.destination.server)).toBe(true);
        } else expect(o.spec.sourceRepos).toEqual([GIT_REPOSITORY.url]);
      }
  });

  it('declares every environment’s storage classes and the add-ons behind every custom kind', () => {
    for (const env of ENVIRONMENT_NAMES) {
      const sc = ENVIRONMENTS[env].storageClasses;
      expect(Object.keys(CLUSTER_ADDONS[env].storageClasses).sort()).toEqual(
        [sc.readWriteMany, sc.readWriteOnce].sort(),
      );
    }
    expect(report.problems.filter((p) => p.rule === 'api' || p.rule === 'ingress-class')).toEqual([]);
  });

  it('docs state the minimum Argo CD version, the tracking setting, first and later syncs, where repository and servers are set; README links the plan', () => {
    const doc = readFileSync(join(WORKSPACE_ROOT, 'docs/argocd.md'), 'utf8');
    expect(doc).toContain(`Minimum Argo CD version: ${MINIMUM_ARGOCD_VERSION}`);
    expect(doc).toContain(`Tracking method: \`${REQUIRED_TRACKING_METHOD}\``);
    expect(doc).toContain('**First sync on an empty cluster.**');
    expect(doc).toContain('**Every later sync**');
    expect(doc).toContain('libs/environments/src/clusters.ts');
    expect(doc).toContain('npm run plan -- mini-xdr prod');
    const readme = readFileSync(join(WORKSPACE_ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/`npm run plan -- mini-xdr prod`.*docs\/argocd\.md/);
  });
});
