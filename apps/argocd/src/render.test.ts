import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENVIRONMENT_NAMES } from '@gitops/environments';
import {
  argoSourceOf,
  discoverArgoSources,
  kustomizeBuild,
  parseManifests,
  type K8sObject,
} from '@gitops/toolchain';
import {
  bootstrapProblems,
  globMatch,
  loadArgoRepository,
  projectPermits,
  projectPermitsDestination,
  REPOSITORY_CHECKS,
  type ArgoRepository,
} from './checks';
import { validateArgoObject } from './crd-schema';
import { fixtureSystems, writeFixtureRepo } from './fixtures';
import { argoCdPaths, renderArgoCdFiles, REPO_URL } from './index';

const systems = fixtureSystems();
const files = renderArgoCdFiles(systems);
const objectsOf = (path: string): K8sObject[] => parseManifests(files[path], path);

describe('renderArgoCdFiles (fixture systems)', () => {
  it('emits the documented layout per environment, and nothing else', () => {
    const expected = ENVIRONMENT_NAMES.flatMap((env) => {
      const p = argoCdPaths(env);
      return [p.kustomization, p.appProjects, p.applications, p.rootApp];
    }).sort();
    expect(Object.keys(files)).toEqual(expected);
    for (const path of Object.keys(files)) expect(path.startsWith('overlays/argocd/')).toBe(true);
  });

  it('is deterministic: byte-identical across runs and independent of system order', () => {
    expect(renderArgoCdFiles(fixtureSystems())).toEqual(files);
    expect(renderArgoCdFiles([...fixtureSystems()].reverse())).toEqual(files);
  });

  it('emits objects that validate strictly against the Argo CD CRD schemas', () => {
    const all = Object.keys(files)
      .filter((p) => !p.endsWith('kustomization.yaml'))
      .flatMap(objectsOf);
    expect(all.length).toBe(3 * (2 + 2 + 2));
    expect(all.flatMap(validateArgoObject)).toEqual([]);
  });

  it('strict validation rejects unknown fields and wrong types', () => {
    const app = objectsOf(argoCdPaths('dev').applications)[0];
    expect(validateArgoObject({ ...app, spec: { ...app.spec, sourcePath: 'x' } }).join()).toMatch(
      /sourcePath/,
    );
    expect(
      validateArgoObject({ ...app, spec: { ...app.spec, syncPolicy: { retry: { limit: '5' } } } }).join(),
    ).toMatch(/limit/);
    expect(validateArgoObject({ ...app, metadata: { ...app.metadata, labelz: {} } }).join()).toMatch(
      /labelz/,
    );
  });

  it('points chart systems at the chart with values-<env>.yaml and overlay systems at the overlay', () => {
    for (const env of ENVIRONMENT_NAMES) {
      const apps = objectsOf(argoCdPaths(env).applications);
      const ledger = apps.find((a) => a.metadata.name === `ledger-${env}`)!;
      const shop = apps.find((a) => a.metadata.name === `shop-${env}`)!;
      expect(ledger.spec.source).toEqual({
        repoURL: REPO_URL,
        targetRevision: 'main',
        path: 'charts/ledger',
        helm: {
          releaseName: 'ledger',
          valueFiles: [`values-${env}.yaml`],
          kubeVersion: expect.stringMatching(/^1\.\d+\.\d+$/),
        },
      });
      expect(shop.spec.source).toEqual({
        repoURL: REPO_URL,
        targetRevision: 'main',
        path: `overlays/shop/${env}`,
        kustomize: { kubeVersion: expect.stringMatching(/^1\.\d+\.\d+$/) },
      });
      expect(ledger.metadata.annotations['argocd.argoproj.io/manifest-generate-paths']).toBe('.');
      expect(shop.metadata.annotations['argocd.argoproj.io/manifest-generate-paths']).toBe(
        `/overlays/shop/${env};/overlays/shop/base`,
      );
      expect(shop.spec.destination).toEqual({ server: expect.any(String), namespace: `shop-${env}` });
      for (const a of apps) {
        expect(a.metadata.labels['gitops.platform/system']).toBe(a.spec.project);
        expect(a.metadata.labels['gitops.platform/environment']).toBe(env);
        expect(a.metadata.namespace).toBe('argocd');
      }
    }
  });

  it('gives each system its own project: own destination, computed cluster-scoped allow-list', () => {
    const projects = objectsOf(argoCdPaths('prod').appProjects);
    expect(projects.map((p) => p.metadata.name)).toEqual(['ledger', 'shop']);
    const ledger = projects.find((p) => p.metadata.name === 'ledger')!;
    const shop = projects.find((p) => p.metadata.name === 'shop')!;
    expect(ledger.spec.destinations).toEqual([
      { server: 'https://prod.eks.example.com', namespace: 'ledger-prod' },
    ]);
    // By name (Argo CD 3.3+): the project may touch its own Namespace and store, not any other.
    expect(ledger.spec.clusterResourceWhitelist).toEqual([
      { group: '', kind: 'Namespace', name: 'ledger-prod' },
      { group: 'external-secrets.io', kind: 'ClusterSecretStore', name: 'ledger-store' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ledger-reader' },
    ]);
    expect(shop.spec.clusterResourceWhitelist).toEqual([
      { group: '', kind: 'Namespace', name: 'shop-prod' },
      { group: 'external-secrets.io', kind: 'ClusterSecretStore', name: 'shop-store' },
    ]);
    expect(shop.spec.namespaceResourceWhitelist).toContainEqual({ group: 'batch', kind: 'Job' });
    expect(shop.spec.namespaceResourceWhitelist).not.toContainEqual({
      group: 'rbac.authorization.k8s.io',
      kind: 'Role',
    });
    expect(ledger.spec.sourceRepos).toEqual([REPO_URL]);
  });

  it('applies the per-environment sync policies', () => {
    const app = (env: (typeof ENVIRONMENT_NAMES)[number]) =>
      objectsOf(argoCdPaths(env).applications).find((a) => a.spec.project === 'shop')!;
    expect(app('dev').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app('mini-corp').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app('prod').spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    expect(app('prod').metadata.finalizers).toBeUndefined();
    expect(app('dev').metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    for (const env of ENVIRONMENT_NAMES) {
      expect(app(env).spec.syncPolicy.syncOptions).toEqual(
        expect.arrayContaining(['ServerSideApply=true', 'CreateNamespace=false', 'PruneLast=true']),
      );
      expect(app(env).spec.syncPolicy.retry).toEqual({
        limit: expect.any(Number),
        backoff: { duration: expect.any(String), factor: 2, maxDuration: expect.any(String) },
      });
    }
    const prodProjects = objectsOf(argoCdPaths('prod').appProjects);
    for (const p of prodProjects)
      expect(p.spec.syncWindows).toEqual([expect.objectContaining({ kind: 'deny', manualSync: true })]);
    for (const p of objectsOf(argoCdPaths('dev').appProjects)) expect(p.spec.syncWindows).toBeUndefined();
  });

  it('never fights the autoscaler: ignores replicas of HPA targets and respects it on sync', () => {
    const ledger = objectsOf(argoCdPaths('dev').applications).find((a) => a.spec.project === 'ledger')!;
    expect(ledger.spec.ignoreDifferences).toEqual([
      {
        group: 'apps',
        kind: 'Deployment',
        name: 'ledger-api',
        namespace: 'ledger-dev',
        jsonPointers: ['/spec/replicas'],
      },
    ]);
    expect(ledger.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  it('bootstraps with one file: the platform project and the root app-of-apps of the environment folder', () => {
    for (const env of ENVIRONMENT_NAMES) {
      const p = argoCdPaths(env);
      expect(files[p.rootApp]).toContain(
        `kubectl apply -n argocd -f overlays/argocd/${env}/bootstrap/root-app.yaml`,
      );
      const [project, root] = objectsOf(p.rootApp);
      expect(project).toMatchObject({
        kind: 'AppProject',
        metadata: { name: 'platform', namespace: 'argocd' },
      });
      expect(root).toMatchObject({
        kind: 'Application',
        metadata: { name: `root-${env}`, namespace: 'argocd' },
        spec: {
          project: 'platform',
          source: { path: `overlays/argocd/${env}` },
          destination: { server: 'https://kubernetes.default.svc', namespace: 'argocd' },
        },
      });
      expect(root.metadata.labels['gitops.platform/system']).toBeUndefined();
      expect(argoSourceOf(root, p.rootApp)).toBeUndefined();
      expect(parse(files[p.kustomization])).toEqual({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        // The root app manages itself: bootstrap changes reach the cluster.
        resources: ['bootstrap/root-app.yaml', 'appprojects.yaml', 'applications.yaml'],
      });
    }
  });

  it('refuses a system whose name collides with the platform project', async () => {
    const [shop] = fixtureSystems();
    expect(() =>
      renderArgoCdFiles([{ ...shop, definition: { ...shop.definition, name: 'platform' } }]),
    ).toThrow(/platform/);
  });
});

describe('repository checks on a fixture repository (real helm and kustomize)', () => {
  let dir: string;
  let repo: ArgoRepository;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'argocd-fixture-'));
    writeFixtureRepo(dir, systems, files);
    repo = loadArgoRepository(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('discoverArgoSources finds exactly one source per system × environment', () => {
    const sources = discoverArgoSources(dir);
    expect(sources.map((s) => `${s.system}/${s.environment}/${s.form}`).sort()).toEqual(
      ['ledger', 'shop']
        .flatMap((s) => ENVIRONMENT_NAMES.map((e) => `${s}/${e}/${s === 'ledger' ? 'helm' : 'kustomize'}`))
        .sort(),
    );
    expect(repo.rendered.every((r) => r.objects && r.objects.length > 5)).toBe(true);
  });

  it.each(Object.entries(REPOSITORY_CHECKS))('%s', (_name, check) => {
    expect(check(repo)).toEqual([]);
  });

  it('the root apps build and permit exactly the environment folder', () => {
    expect(bootstrapProblems(repo, (d) => kustomizeBuild(d))).toEqual([]);
  });

  // The checks must catch what they claim to: break the fixture and look for the failure.
  it('detects a missing cluster-scoped kind, a foreign namespace, a bad wave order and a bad hook', () => {
    const shop = repo.rendered.find((r) => r.source.application === 'shop-dev')!;
    const project = structuredClone(shop.project!);
    project.spec.clusterResourceWhitelist = project.spec.clusterResourceWhitelist.filter(
      (e: any) => e.kind !== 'ClusterSecretStore',
    );
    const objects = structuredClone(shop.objects!);
    objects.find((o) => o.kind === 'Service')!.metadata.namespace = 'elsewhere';
    objects.find((o) => o.kind === 'Ingress')!.metadata.annotations['argocd.argoproj.io/sync-wave'] = '-20';
    objects.find((o) => o.kind === 'Job')!.metadata.annotations['argocd.argoproj.io/hook-delete-policy'] =
      'HookSucceeded';
    objects.find((o) => o.kind === 'Deployment')!.spec.replicas = 3;
    const app = structuredClone(shop.app);
    delete app.spec.ignoreDifferences;
    const broken: ArgoRepository = { ...repo, rendered: [{ ...shop, app, project, objects }] };
    expect(
      REPOSITORY_CHECKS['AppProjects permit the repo, destination and every rendered kind'](broken).join(
        '\n',
      ),
    ).toMatch(/does not permit external-secrets.io\/ClusterSecretStore/);
    expect(REPOSITORY_CHECKS['destination namespaces match the rendered objects'](broken).join('\n')).toMatch(
      /"elsewhere"/,
    );
    const hooks =
      REPOSITORY_CHECKS['hook and wave annotations are valid and order as described'](broken).join('\n');
    expect(hooks).toMatch(/workloads must sync before ingress/);
    expect(hooks).toMatch(/BeforeHookCreation/);
    expect(REPOSITORY_CHECKS['no Application fights an autoscaler'](broken).join('\n')).toMatch(
      /sets spec.replicas/,
    );
  });

  it('detects a duplicated and a missing Application', () => {
    const dup = repo.sources.find((s) => s.application === 'shop-prod')!;
    const broken: ArgoRepository = {
      ...repo,
      sources: [
        ...repo.sources.filter((s) => s.application !== 'ledger-dev'),
        { ...dup, application: 'shop-prod-2' },
      ],
    };
    const problems =
      REPOSITORY_CHECKS['each system × environment is deployed by exactly one Application'](broken).join(
        '\n',
      );
    expect(problems).toMatch(/shop × prod: deployed by 2 Applications/);
    expect(problems).toMatch(/ledger × dev: deployed by 0 Applications/);
  });

  it('detects an overlay reading files outside its manifest-generate-paths', () => {
    const shop = repo.rendered.find((r) => r.source.application === 'shop-dev')!;
    const app = structuredClone(shop.app);
    app.metadata.annotations['argocd.argoproj.io/manifest-generate-paths'] = '/overlays/shop/dev';
    const broken: ArgoRepository = { ...repo, rendered: [{ ...shop, app }] };
    expect(
      REPOSITORY_CHECKS['manifest-generate-paths cover exactly what each source reads'](broken).join('\n'),
    ).toMatch(/reads overlays\/shop\/base/);
  });

  it('fails clearly when overlays/argocd is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'argocd-empty-'));
    try {
      expect(() => loadArgoRepository(empty)).toThrow(/overlays\/argocd\/ is missing.*npm run render/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('Argo CD project rules as the checks apply them', () => {
  const obj = (apiVersion: string, kind: string): K8sObject => ({
    apiVersion,
    kind,
    metadata: { name: 'x' },
  });
  const project = (spec: object): K8sObject => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'p' },
    spec,
  });

  it('denies cluster-scoped kinds unless allow-listed, allows namespaced kinds when no namespace allow-list is set', () => {
    expect(projectPermits(project({}), obj('v1', 'Namespace'))).toBe(false);
    expect(projectPermits(project({}), obj('apps/v1', 'Deployment'))).toBe(true);
    expect(
      projectPermits(
        project({ clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] }),
        obj('v1', 'Namespace'),
      ),
    ).toBe(true);
    expect(
      projectPermits(
        project({ clusterResourceWhitelist: [{ group: '*', kind: '*' }] }),
        obj('rbac.authorization.k8s.io/v1', 'ClusterRole'),
      ),
    ).toBe(true);
    expect(
      projectPermits(
        project({ namespaceResourceWhitelist: [{ group: '', kind: 'Service' }] }),
        obj('apps/v1', 'Deployment'),
      ),
    ).toBe(false);
    expect(
      projectPermits(
        project({ namespaceResourceBlacklist: [{ group: 'apps', kind: '*' }] }),
        obj('apps/v1', 'Deployment'),
      ),
    ).toBe(false);
  });

  it('matches destinations with globs', () => {
    const p = project({ destinations: [{ server: 'https://*.eks.amazonaws.com', namespace: 'team-*' }] });
    expect(projectPermitsDestination(p, { server: 'https://a.eks.amazonaws.com', namespace: 'team-a' })).toBe(
      true,
    );
    expect(projectPermitsDestination(p, { server: 'https://a.eks.amazonaws.com', namespace: 'other' })).toBe(
      false,
    );
    expect(globMatch('a.b', 'axb')).toBe(false);
  });
});
