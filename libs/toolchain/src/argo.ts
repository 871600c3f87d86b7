import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { globSync } from 'tinyglobby';
import { parseManifests, type K8sObject } from './manifests';
import { helmTemplate, helmTemplateAsync, kustomizeBuild, kustomizeBuildAsync } from './render';
import type { ToolchainId } from './toolchain';

/** Labels every generated Argo CD Application carries. */
export const SYSTEM_LABEL = 'gitops.platform/system';
export const ENVIRONMENT_LABEL = 'gitops.platform/environment';

/** Where the generated Argo CD objects live, one folder per environment. */
export const ARGOCD_OUTPUT_DIR = 'overlays/argocd';

/** One Argo CD Application's source, with everything needed to render it exactly as Argo CD does. */
export interface ArgoRenderSource {
  /** Application name. */
  readonly application: string;
  readonly system: string;
  readonly environment: string;
  readonly form: 'helm' | 'kustomize';
  /** Repository-relative path of the chart or overlay. */
  readonly path: string;
  /** Helm release name (Argo CD defaults it to the Application name). */
  readonly releaseName?: string;
  /** Helm value files, relative to the chart. */
  readonly valueFiles?: readonly string[];
  /** Destination namespace. */
  readonly namespace: string;
  /** Kubernetes version passed to helm/kustomize (`spec.source.helm.kubeVersion` / `kustomize.kubeVersion`). */
  readonly kubeVersion: string;
  /** The file the Application was read from, repository-relative. */
  readonly definedIn: string;
}

/** The ArgoRenderSource of one Application object; undefined for Applications that are not system deployments (root apps). */
export function argoSourceOf(app: K8sObject, definedIn: string): ArgoRenderSource | undefined {
  if (app.kind !== 'Application') return undefined;
  const labels = app.metadata.labels ?? {};
  const system = labels[SYSTEM_LABEL];
  const environment = labels[ENVIRONMENT_LABEL];
  const src = app.spec?.source;
  if (!system || !environment || !src?.path) return undefined;
  const form = src.helm ? 'helm' : 'kustomize';
  return {
    application: app.metadata.name!,
    system,
    environment,
    form,
    path: src.path,
    releaseName: form === 'helm' ? (src.helm.releaseName ?? app.metadata.name) : undefined,
    valueFiles: form === 'helm' ? (src.helm.valueFiles ?? []) : undefined,
    namespace: app.spec.destination?.namespace ?? '',
    kubeVersion: (form === 'helm' ? src.helm.kubeVersion : src.kustomize?.kubeVersion) ?? '',
    definedIn,
  };
}

/** Read the committed Argo CD Applications under `overlays/argocd/` and return their sources, sorted by application name. */
export function discoverArgoSources(repoDir: string): ArgoRenderSource[] {
  const files = globSync(`${ARGOCD_OUTPUT_DIR}/**/*.yaml`, { cwd: repoDir, absolute: true }).sort();
  const out: ArgoRenderSource[] = [];
  for (const file of files) {
    const rel = relative(repoDir, file);
    for (const obj of parseManifests(readFileSync(file, 'utf8'), rel)) {
      const s = argoSourceOf(obj, rel);
      if (s) out.push(s);
    }
  }
  return out.sort((a, b) => a.application.localeCompare(b.application));
}

/** Render one source with the real binaries, exactly as Argo CD does; returns the YAML stream. */
export function renderArgoSource(repoDir: string, s: ArgoRenderSource, toolchain?: ToolchainId): string {
  if (s.form === 'helm') {
    return helmTemplate({
      chartDir: join(repoDir, s.path),
      releaseName: s.releaseName ?? s.application,
      namespace: s.namespace,
      valueFiles: s.valueFiles,
      kubeVersion: s.kubeVersion || undefined,
      toolchain,
    });
  }
  return kustomizeBuild(join(repoDir, s.path), toolchain);
}

export async function renderArgoSourceAsync(
  repoDir: string,
  s: ArgoRenderSource,
  toolchain?: ToolchainId,
): Promise<string> {
  if (s.form === 'helm') {
    return helmTemplateAsync({
      chartDir: join(repoDir, s.path),
      releaseName: s.releaseName ?? s.application,
      namespace: s.namespace,
      valueFiles: s.valueFiles,
      kubeVersion: s.kubeVersion || undefined,
      toolchain,
    });
  }
  return kustomizeBuildAsync(join(repoDir, s.path), toolchain);
}
