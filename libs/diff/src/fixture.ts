/** Throw-away git repositories with tiny hand-written charts, overlays and Argo CD Applications (for tests and benchmarks). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';

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
  constructor(
    readonly systems: readonly FixtureSystem[] = DEFAULT_SYSTEMS,
    options: { nx?: boolean } = {},
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
      const apps = this.systems.filter((s) => s.environments.includes(env)).map((s) => application(s, env));
      this.write(`overlays/argocd/${env}/applications.yaml`, apps.map((a) => stringify(a)).join('---\n'));
    }
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
