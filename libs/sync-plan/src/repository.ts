/**
 * The sync-plan check of a whole repository: every committed Application (`overlays/argocd/<env>`)
 * with its AppProject and the objects Argo CD renders from its source.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  argoSourceOf,
  ARGOCD_OUTPUT_DIR,
  parseManifests,
  renderArgoSource,
  type ArgoRenderSource,
  type K8sObject,
} from '@gitops/toolchain';
import {
  checkApplicationSync,
  type ApplicationSyncReport,
  type PlanProblem,
  type PrunedObject,
} from './checks';
import { isClusterScoped, groupOf } from './scope';

/**
 * Annotation on each generated AppProject recording what the render that produced it rendered:
 * `group/Kind` for namespaced kinds, `group/Kind/name` for cluster-scoped objects, `;`-separated.
 * The next render compares with it to know what Argo CD is about to prune.
 */
export const RENDERED_ANNOTATION = 'gitops.platform/rendered';

/** The value of {@link RENDERED_ANNOTATION} for a set of objects (sorted, unique). */
export function renderedEntries(objects: readonly K8sObject[]): string {
  const out = new Set<string>();
  for (const o of objects) {
    const group = groupOf(o.apiVersion);
    let cluster = false;
    try {
      cluster = isClusterScoped({ group, kind: o.kind });
    } catch {
      cluster = false;
    }
    out.add(cluster ? `${group}/${o.kind}/${o.metadata.name}` : `${group}/${o.kind}`);
  }
  return [...out].sort().join(';');
}

function parseEntries(value: string | undefined): PrunedObject[] {
  return (value ?? '')
    .split(';')
    .filter(Boolean)
    .map((e) => {
      const [group, kind, name] = e.split('/');
      return { group, kind, name: name ?? '', namespaced: name === undefined };
    });
}

/** What the previous render rendered and this one does not: the objects (kinds) Argo CD will prune. */
export function prunedSince(previous: K8sObject | undefined, current: readonly K8sObject[]): PrunedObject[] {
  const now = new Set(renderedEntries(current).split(';'));
  return parseEntries(previous?.metadata?.annotations?.[RENDERED_ANNOTATION]).filter(
    (p) => !now.has(p.namespaced ? `${p.group}/${p.kind}` : `${p.group}/${p.kind}/${p.name}`),
  );
}

/** The Argo CD objects of one environment folder (Applications and AppProjects of every file in it). */
export function readArgoObjects(repoDir: string, env: string): { file: string; objects: K8sObject[] }[] {
  const dir = `${ARGOCD_OUTPUT_DIR}/${env}`;
  const out: { file: string; objects: K8sObject[] }[] = [];
  for (const f of ['appprojects.yaml', 'applications.yaml', 'bootstrap/root-app.yaml']) {
    const rel = `${dir}/${f}`;
    if (existsSync(join(repoDir, rel)))
      out.push({ file: rel, objects: parseManifests(readFileSync(join(repoDir, rel), 'utf8'), rel) });
  }
  return out;
}

export interface ApplicationPlanResult {
  readonly source: ArgoRenderSource;
  readonly report: ApplicationSyncReport;
}

export interface RepositorySyncOptions {
  readonly repoDir: string;
  /** Environments to check. */
  readonly environments: readonly string[];
  /** Only these systems. @default all */
  readonly systems?: readonly string[];
  /** The rendered objects of a source. @default helm template / kustomize build, as Argo CD runs them */
  readonly objectsOf?: (source: ArgoRenderSource) => K8sObject[];
  /** Where the previously committed Argo CD files are (to find what is being pruned). @default none */
  readonly previousRepoDir?: string;
}

export interface RepositorySyncReport {
  readonly applications: ApplicationPlanResult[];
  readonly problems: PlanProblem[];
  /** Sources that could not be rendered or read. */
  readonly errors: string[];
}

/** Plan and check every system Application of the given environments. */
export function checkRepositorySync(options: RepositorySyncOptions): RepositorySyncReport {
  const applications: ApplicationPlanResult[] = [];
  const problems: PlanProblem[] = [];
  const errors: string[] = [];
  const objectsOf =
    options.objectsOf ??
    ((s: ArgoRenderSource) =>
      parseManifests(renderArgoSource(options.repoDir, s), `${s.application} (${s.path})`));
  for (const env of options.environments) {
    const files = readArgoObjects(options.repoDir, env);
    const all = files.flatMap((f) => f.objects);
    const previous = options.previousRepoDir
      ? readArgoObjects(options.previousRepoDir, env).flatMap((f) => f.objects)
      : [];
    for (const { file, objects } of files) {
      for (const app of objects) {
        const source = argoSourceOf(app, file);
        if (!source) continue;
        if (options.systems?.length && !options.systems.includes(source.system)) continue;
        const project = all.find((p) => p.kind === 'AppProject' && p.metadata.name === app.spec?.project);
        const before = previous.find((p) => p.kind === 'AppProject' && p.metadata.name === app.spec?.project);
        let rendered: K8sObject[];
        try {
          rendered = objectsOf(source);
        } catch (err) {
          errors.push(
            `${source.application}: ${source.form} render of ${source.path} failed: ${(err as Error).message.split('\n')[0]}`,
          );
          continue;
        }
        const report = checkApplicationSync({
          application: source.application,
          environment: source.environment,
          namespace: source.namespace,
          objects: rendered,
          app,
          project,
          pruned: prunedSince(before, rendered),
        });
        applications.push({ source, report });
        problems.push(...report.problems);
      }
    }
  }
  return { applications, problems, errors };
}
