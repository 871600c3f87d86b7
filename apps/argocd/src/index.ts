/**
 * Argo CD consumption of the platform: per environment, one AppProject per system, one Application
 * per system, and a root app-of-apps to bootstrap a cluster. See docs/argocd.md.
 *
 * `renderArgoCdFiles` is pure: the render pipeline writes its result together with the charts and overlays.
 */
import { ENVIRONMENT_NAMES, type EnvironmentName } from '@gitops/environments';
import { ConfigError, type LoadedSystem } from '@gitops/render';
import { ARGOCD_OUTPUT_DIR, type K8sObject } from '@gitops/toolchain';
import { PLATFORM_PROJECT, rootAppName } from './config';
import { systemFacts, type SystemEnvironmentFacts } from './facts';
import {
  applicationName,
  platformAppProject,
  rootApplication,
  systemAppProject,
  systemApplication,
} from './objects';
import { GENERATED_HEADER, toYaml, toYamlStream } from './serialize';

export * from './application-set';
export * from './config';
export * from './facts';
export * from './objects';
export * from './retained';
export * from './scope';
export * from './serialize';

/** Repository-relative paths of the files of one environment. */
export function argoCdPaths(env: EnvironmentName) {
  const dir = `${ARGOCD_OUTPUT_DIR}/${env}`;
  return {
    dir,
    kustomization: `${dir}/kustomization.yaml`,
    appProjects: `${dir}/appprojects.yaml`,
    applications: `${dir}/applications.yaml`,
    rootApp: `${dir}/bootstrap/root-app.yaml`,
  } as const;
}

/** The Argo CD objects of one environment, from the facts of its systems (pure, no synthesis). */
export function argoCdObjects(env: EnvironmentName, facts: readonly SystemEnvironmentFacts[]) {
  const sorted = [...facts].sort((a, b) => a.system.localeCompare(b.system));
  return {
    appProjects: sorted
      .map(systemAppProject)
      .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!)),
    applications: sorted.map(systemApplication),
    // Applied once by hand, then synced by the root app itself (the folder's kustomization lists it).
    bootstrap: [platformAppProject(env), rootApplication(env)],
  };
}

function checkNames(systems: readonly LoadedSystem[]): void {
  const seen = new Set<string>();
  for (const { definition } of systems) {
    const name = definition.name;
    if (seen.has(name)) throw new ConfigError(`apps/${name}: two systems are named "${name}"`);
    seen.add(name);
    if (name === PLATFORM_PROJECT) {
      throw new ConfigError(
        `apps/${name}: "${PLATFORM_PROJECT}" is the Argo CD project of the root app; rename the system`,
      );
    }
    for (const env of ENVIRONMENT_NAMES) {
      if (applicationName(name, env) === rootAppName(env)) {
        throw new ConfigError(
          `apps/${name}: Application "${rootAppName(env)}" is the root app of ${env}; rename the system`,
        );
      }
      // Argo CD writes the Application name into a label value: at most 63 characters.
      if (applicationName(name, env).length > 63) {
        throw new ConfigError(
          `apps/${name}: Application name "${applicationName(name, env)}" is longer than 63 characters`,
        );
      }
    }
  }
}

/** The files of one environment from its objects. */
export function environmentFiles(
  env: EnvironmentName,
  objects: ReturnType<typeof argoCdObjects>,
): Record<string, string> {
  const p = argoCdPaths(env);
  // The root app manages its own bootstrap file: a change to it reaches the cluster like any other.
  const resources = [
    'bootstrap/root-app.yaml',
    ...(objects.appProjects.length ? ['appprojects.yaml'] : []),
    ...(objects.applications.length ? ['applications.yaml'] : []),
  ];
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources,
  };
  return {
    [p.kustomization]: GENERATED_HEADER + toYaml(kustomization),
    [p.appProjects]: objects.appProjects.length
      ? toYamlStream(objects.appProjects)
      : `${GENERATED_HEADER}# No systems: no AppProjects.\n`,
    [p.applications]: objects.applications.length
      ? toYamlStream(objects.applications)
      : `${GENERATED_HEADER}# No systems: no Applications.\n`,
    [p.rootApp]:
      GENERATED_HEADER +
      `# Bootstrap ${env} once, on a cluster with Argo CD installed in namespace argocd:\n` +
      `#   kubectl apply -n argocd -f ${p.rootApp}\n` +
      toYamlStream(objects.bootstrap).slice(GENERATED_HEADER.length),
  };
}

/**
 * Everything Argo CD needs, per environment, as repository-relative path → file content.
 * Pure: synthesizes the systems in-process, reads and writes no files. Byte-identical across runs.
 * @param synthesized a system's synthesis for an environment when the caller already has it (the diff
 *   preview's stale check), else undefined: synthesized here
 */
export function renderArgoCdFiles(
  systems: LoadedSystem[],
  synthesized?: (system: string, environment: EnvironmentName) => readonly K8sObject[] | undefined,
): Record<string, string> {
  checkNames(systems);
  const files: Record<string, string> = {};
  for (const env of ENVIRONMENT_NAMES) {
    const facts = systems.map((s) => systemFacts(s, env, synthesized?.(s.definition.name, env)));
    Object.assign(files, environmentFiles(env, argoCdObjects(env, facts)));
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

export type { K8sObject };
