/**
 * The Argo CD Applications of one side of the preview, read from the committed files under `overlays/argocd/`
 * (what Argo CD reads), plus the Argo CD objects themselves as first-class entries:
 *
 * - every Application (labelled with `gitops.platform/system` and `environment`, or not) → one entry;
 * - a root app-of-apps whose source is inside `overlays/argocd/` → an `argocd` entry rendering that folder
 *   (the AppProjects and Applications it syncs);
 * - `overlays/argocd/<env>/bootstrap/` (applied by hand once per cluster) → a `bootstrap` entry.
 *
 * Sources Argo CD would render differently from a single helm/kustomize/directory run are refused, never
 * skipped silently: multi-source Applications, plugins, charts from Helm repositories, other repositories.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { globSync } from 'tinyglobby';
import {
  ARGOCD_OUTPUT_DIR,
  ENVIRONMENT_LABEL,
  parseManifests,
  SYSTEM_LABEL,
  type ArgoRenderSource,
  type K8sObject,
} from '@gitops/toolchain';
import { expandLists } from './diff-manifests';

export interface PreviewSource extends Omit<ArgoRenderSource, 'form'> {
  readonly form: 'helm' | 'kustomize' | 'directory' | 'argocd';
  readonly role: 'application' | 'argocd' | 'bootstrap';
  /** The Application object (absent for bootstrap entries). */
  readonly app?: K8sObject;
  /** Why this source is not previewed. */
  readonly refused?: string;
  /** `directory` sources: read sub-folders too. */
  readonly recurse?: boolean;
}

const KUSTOMIZATION = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The environment of a file under overlays/argocd/<env>/. */
const envOfFile = (file: string) => file.split('/')[2] ?? '';

function sourceOf(app: K8sObject, definedIn: string, treeDir: string, repoUrls: Set<string>): PreviewSource {
  const labels = app.metadata?.labels ?? {};
  const name = String(app.metadata?.name ?? '');
  const environment = String(labels[ENVIRONMENT_LABEL] ?? envOfFile(definedIn));
  const src = app.spec?.source ?? {};
  const path = posix.normalize(String(src.path ?? '.')).replace(/\/$/, '');
  const inArgo = path === ARGOCD_OUTPUT_DIR || path.startsWith(`${ARGOCD_OUTPUT_DIR}/`);
  const role = inArgo ? 'argocd' : 'application';
  const common = {
    application: name,
    system: String(labels[SYSTEM_LABEL] ?? (inArgo ? 'argocd' : name)),
    environment,
    role,
    path,
    namespace: String(app.spec?.destination?.namespace ?? ''),
    definedIn,
    app,
  } as const;
  const refuse = (why: string): PreviewSource => ({
    ...common,
    form: 'kustomize',
    kubeVersion: '',
    refused: why,
  });
  if (Array.isArray(app.spec?.sources))
    return refuse(
      'multi-source Application (spec.sources): not previewed — Argo CD merges the sources (and $values references) in ways a single helm/kustomize run does not reproduce; preview each source as its own Application',
    );
  if (app.spec?.sourceHydrator) return refuse('Application with spec.sourceHydrator: not previewed');
  if (!app.spec?.source) return refuse('Application without spec.source');
  if (src.plugin) return refuse(`config management plugin ${src.plugin?.name ?? ''}: not previewed`);
  if (src.chart)
    return refuse(
      `chart ${src.chart} from Helm repository ${src.repoURL}: not previewed (not in this repository)`,
    );
  if (repoUrls.size && src.repoURL && !repoUrls.has(String(src.repoURL)))
    return refuse(`source repository ${src.repoURL} is not this repository`);
  if (posix.isAbsolute(String(src.path ?? '')) || path === '..' || path.startsWith('../'))
    return refuse(`${src.path}: app path outside root`);
  const dir = join(treeDir, path);
  const isDir = existsSync(dir) && statSync(dir).isDirectory();
  const form = src.helm
    ? 'helm'
    : src.kustomize
      ? 'kustomize'
      : src.directory
        ? 'directory'
        : isDir && existsSync(join(dir, 'Chart.yaml'))
          ? 'helm'
          : isDir && KUSTOMIZATION.some((k) => existsSync(join(dir, k)))
            ? 'kustomize'
            : 'directory';
  return {
    ...common,
    form: role === 'argocd' && form === 'kustomize' ? 'argocd' : form,
    releaseName: form === 'helm' ? String(src.helm?.releaseName ?? name) : undefined,
    valueFiles: form === 'helm' ? (src.helm?.valueFiles ?? []).map(String) : undefined,
    kubeVersion: String((form === 'helm' ? src.helm?.kubeVersion : src.kustomize?.kubeVersion) ?? ''),
    recurse: form === 'directory' ? src.directory?.recurse === true : undefined,
  };
}

/** The committed Argo CD objects of one tree, as preview sources (sorted by name). Throws on YAML errors. */
export function discoverSources(treeDir: string): PreviewSource[] {
  const files = globSync(`${ARGOCD_OUTPUT_DIR}/**/*.{yaml,yml}`, { cwd: treeDir }).sort();
  const apps: { app: K8sObject; file: string }[] = [];
  const bootstrapEnvs = new Set<string>();
  for (const rel of files) {
    if (rel.split('/')[3] === 'bootstrap') bootstrapEnvs.add(envOfFile(rel));
    if (KUSTOMIZATION.includes(posix.basename(rel))) continue;
    for (const obj of expandLists(parseManifests(readFileSync(join(treeDir, rel), 'utf8'), rel)))
      if (obj?.kind === 'Application' && String(obj.apiVersion ?? '').startsWith('argoproj.io/'))
        apps.push({ app: obj, file: rel });
  }
  // The repository these files describe: the URL the root app-of-apps syncs from, when there is one.
  const repoUrls = new Set<string>();
  for (const { app } of apps) {
    const p = String(app.spec?.source?.path ?? '');
    if (p.startsWith(ARGOCD_OUTPUT_DIR) && app.spec?.source?.repoURL)
      repoUrls.add(String(app.spec.source.repoURL));
  }
  const out = new Map<string, PreviewSource>();
  for (const { app, file } of apps) {
    const s = sourceOf(app, file, treeDir, repoUrls);
    if (!out.has(s.application)) out.set(s.application, s);
  }
  for (const env of bootstrapEnvs) {
    const name = `bootstrap-${env}`;
    out.set(name, {
      application: name,
      system: 'argocd',
      environment: env,
      role: 'bootstrap',
      form: 'directory',
      path: `${ARGOCD_OUTPUT_DIR}/${env}/bootstrap`,
      namespace: '',
      kubeVersion: '',
      definedIn: `${ARGOCD_OUTPUT_DIR}/${env}/bootstrap`,
    });
  }
  return [...out.values()].sort((a, b) => a.application.localeCompare(b.application));
}

/** Objects of a plain directory source (Argo CD's directory type: *.yaml, *.yml, *.json), as one YAML stream. */
export function readDirectorySource(treeDir: string, s: PreviewSource): string {
  const dir = join(treeDir, s.path);
  const docs: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (s.recurse) visit(p);
      } else if (/\.(ya?ml)$/.test(e.name)) docs.push(readFileSync(p, 'utf8'));
      else if (/\.json$/.test(e.name)) docs.push(JSON.stringify(JSON.parse(readFileSync(p, 'utf8'))));
    }
  };
  if (!existsSync(dir)) throw new Error(`${s.path}: app path does not exist`);
  visit(dir);
  return docs.map((d) => d.replace(/^---\s*\n/, '')).join('\n---\n');
}
