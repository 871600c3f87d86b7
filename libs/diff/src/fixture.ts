/** Throw-away git repositories with tiny hand-written charts, overlays and Argo CD Applications (for tests and benchmarks). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

export interface FixtureSystem {
  readonly name: string;
  readonly form: 'helm' | 'kustomize';
  readonly environments: readonly string[];
}

export const DEFAULT_SYSTEMS: readonly FixtureSystem[] = [
  { name: 'alpha', form: 'helm', environments: ['dev', 'prod'] },
  { name: 'beta', form: 'kustomize', environments: ['dev', 'prod'] },
];

/** The chart template: a Deployment with the usual chart noise, plus every object listed in the values. */
const TEMPLATE = `{{- range .Values.objects }}
---
{{ toYaml . }}
{{- end }}
{{- if .Values.deployment }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  namespace: {{ .Release.Namespace }}
  labels:
    app.kubernetes.io/name: web
    helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
spec:
  replicas: {{ .Values.deployment.replicas }}
  selector:
    matchLabels: { app.kubernetes.io/name: web }
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
        helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
      annotations:
        checksum/config: {{ .Chart.Version | sha256sum }}
    spec:
      containers:
        - name: web
          image: {{ .Values.deployment.image }}
          readinessProbe: { httpGet: { path: /healthz, port: 8080 } }
{{- end }}
`;

export class FixtureRepo {
  readonly dir: string;
  /** Argo CD as the platform emits it: sync policies, AppProjects, a root app-of-apps per environment. */
  argo = false;
  constructor(
    readonly systems: readonly FixtureSystem[] = DEFAULT_SYSTEMS,
    options: { nx?: boolean; argo?: boolean } = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'gitops-diff-fixture-'));
    this.git('init', '-q', '-b', 'main');
    this.write('.gitignore', 'node_modules\n.nx/\n');
    this.write('README.md', '# fixture\n');
    for (const s of systems) {
      if (s.form === 'helm') {
        this.write(`charts/${s.name}/Chart.yaml`, `apiVersion: v2\nname: ${s.name}\nversion: 0.1.0\n`);
        this.write(`charts/${s.name}/templates/objects.yaml`, TEMPLATE);
      }
      for (const env of s.environments) {
        this.setObjects(
          s.name,
          env,
          [configMap(`${s.name}-settings`, s.name, { mode: env })],
          s.form === 'helm' ? { replicas: 2, image: `registry.example.com/${s.name}:v1.0.0` } : undefined,
        );
      }
    }
    this.argo = !!options.argo;
    this.writeApplications();
    if (options.nx) this.addNxWorkspace();
    this.commit('initial');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    });
  }

  write(path: string, content: string): void {
    const p = join(this.dir, path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }

  remove(path: string): void {
    rmSync(join(this.dir, path), { recursive: true, force: true });
  }

  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  system(name: string): FixtureSystem {
    const s = this.systems.find((x) => x.name === name);
    if (!s) throw new Error(`no fixture system ${name}`);
    return s;
  }

  /** Replace the objects (and, for helm systems, the chart's Deployment values) of one system × environment. */
  setObjects(
    system: string,
    env: string,
    objects: readonly object[],
    deployment?: { replicas: number; image: string },
  ): void {
    const s = this.system(system);
    if (s.form === 'helm') {
      this.write(
        `charts/${system}/values-${env}.yaml`,
        stringify({ objects, ...(deployment ? { deployment } : {}) }),
      );
    } else {
      this.write(
        `overlays/${system}/${env}/objects.yaml`,
        objects.map((o) => stringify(o)).join('---\n') || '{}\n',
      );
      this.write(
        `overlays/${system}/${env}/kustomization.yaml`,
        stringify({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: ['objects.yaml'],
        }),
      );
    }
  }

  writeApplications(): void {
    const envs = [...new Set(this.systems.flatMap((s) => s.environments))];
    for (const env of envs) {
      const systems = this.systems.filter((s) => s.environments.includes(env));
      const apps = systems.map((s) => (this.argo ? argoApplication(s, env) : application(s, env)));
      this.write(`overlays/argocd/${env}/applications.yaml`, apps.map((a) => stringify(a)).join('---\n'));
      if (!this.argo) continue;
      this.write(
        `overlays/argocd/${env}/appprojects.yaml`,
        systems.map((s) => stringify(appProject(s, env))).join('---\n'),
      );
      this.write(
        `overlays/argocd/${env}/kustomization.yaml`,
        stringify({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: ['appprojects.yaml', 'applications.yaml'],
        }),
      );
      this.write(`overlays/argocd/${env}/bootstrap/root-app.yaml`, stringify(rootApplication(env)));
    }
  }

  /** Edit a YAML file of the repository in place (all documents). */
  editYaml(path: string, edit: (doc: any) => void): void {
    const docs = parseAllDocuments(readFileSync(join(this.dir, path), 'utf8')).map((d) => d.toJS());
    for (const d of docs) if (d) edit(d);
    this.write(
      path,
      docs
        .filter(Boolean)
        .map((d) => stringify(d))
        .join('---\n'),
    );
  }

  /** A minimal Nx workspace: libs/shared imported by apps/<system>/src/system.ts of every system. */
  addNxWorkspace(): void {
    this.write(
      'nx.json',
      JSON.stringify(
        {
          neverConnectToCloud: true,
          defaultBase: 'main',
          plugins: [],
          pluginsConfig: { '@nx/js': { analyzeSourceFiles: true } },
        },
        null,
        2,
      ),
    );
    this.write('package.json', JSON.stringify({ name: 'fixture', private: true }, null, 2));
    this.write(
      'tsconfig.base.json',
      JSON.stringify(
        { compilerOptions: { baseUrl: '.', paths: { '@fixture/shared': ['libs/shared/src/index.ts'] } } },
        null,
        2,
      ),
    );
    this.write(
      'libs/shared/project.json',
      JSON.stringify({ name: 'shared', projectType: 'library', sourceRoot: 'libs/shared/src' }),
    );
    this.write('libs/shared/src/index.ts', 'export const replicas = 2;\n');
    for (const s of this.systems) {
      this.write(
        `apps/${s.name}/project.json`,
        JSON.stringify({ name: s.name, projectType: 'application', sourceRoot: `apps/${s.name}/src` }),
      );
      this.write(
        `apps/${s.name}/src/system.ts`,
        `import { replicas } from '@fixture/shared';\nexport default { name: '${s.name}', replicas };\n`,
      );
    }
    symlinkSync(join(WORKSPACE_ROOT, 'node_modules'), join(this.dir, 'node_modules'));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function application(s: FixtureSystem, env: string): object {
  const source =
    s.form === 'helm'
      ? {
          repoURL: 'https://example.com/repo.git',
          targetRevision: 'main',
          path: `charts/${s.name}`,
          helm: { releaseName: s.name, valueFiles: [`values-${env}.yaml`], kubeVersion: '1.31.0' },
        }
      : {
          repoURL: 'https://example.com/repo.git',
          targetRevision: 'main',
          path: `overlays/${s.name}/${env}`,
          kustomize: { kubeVersion: '1.31.0' },
        };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: `${s.name}-${env}`,
      namespace: 'argocd',
      labels: { 'gitops.platform/system': s.name, 'gitops.platform/environment': env },
    },
    spec: {
      project: s.name,
      source,
      destination: { server: 'https://kubernetes.default.svc', namespace: s.name },
    },
  };
}

export function configMap(name: string, namespace: string, data: Record<string, string>): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': name } },
    data,
  };
}

export const REPO_URL = 'https://example.com/repo.git';

/** An Application as the platform emits it: automated sync, prune on in dev and off in prod, cascade finalizer off. */
export function argoApplication(s: FixtureSystem, env: string): any {
  const app: any = application(s, env);
  app.spec.source.repoURL = REPO_URL;
  app.spec.syncPolicy = {
    automated: { prune: env !== 'prod', selfHeal: true },
    syncOptions: ['CreateNamespace=false'],
  };
  return app;
}

export function appProject(s: FixtureSystem, env: string): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: s.name, namespace: 'argocd', labels: { 'gitops.platform/environment': env } },
    spec: {
      sourceRepos: [REPO_URL],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: s.name }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
      namespaceResourceWhitelist: [
        { group: '', kind: 'ConfigMap' },
        { group: 'apps', kind: 'Deployment' },
      ],
      syncWindows:
        env === 'prod'
          ? [{ kind: 'deny', schedule: '0 18 * * 5', duration: '62h', applications: ['*'], manualSync: true }]
          : [],
    },
  };
}

export function rootApplication(env: string): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: `root-${env}`, namespace: 'argocd', labels: { 'gitops.platform/environment': env } },
    spec: {
      project: 'default',
      source: { repoURL: REPO_URL, targetRevision: 'main', path: `overlays/argocd/${env}` },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'argocd' },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  };
}
