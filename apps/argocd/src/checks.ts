import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, normalize, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '@gitops/environments';
import {
  ARGOCD_OUTPUT_DIR,
  discoverArgoSources,
  ENVIRONMENT_LABEL,
  objectKey,
  parseManifests,
  renderArgoSource,
  SYSTEM_LABEL,
  type ArgoRenderSource,
  type K8sObject,
} from '@gitops/toolchain';
import { ANNOTATIONS, ARGOCD_NAMESPACE, PLATFORM_PROJECT, rootAppName, SYNC_POLICIES } from './config';
import { validateArgoObject } from './crd-schema';
import { retainedFor } from './retained';
import { groupKindOf, groupOf, isClusterScoped } from './scope';

/**
 * Checks of the committed Argo CD files, from the repository alone: they read `overlays/argocd/**`,
 * render every Application's source with the real helm/kustomize, and compare. Each check returns
 * its problems as readable strings (empty: the check passes).
 */

/** The Argo CD files of one environment folder. */
export interface ArgoEnvironmentFiles {
  readonly env: EnvironmentName;
  readonly dir: string;
  readonly kustomization: any;
  readonly appProjects: K8sObject[];
  readonly applications: K8sObject[];
  readonly bootstrap: K8sObject[];
}

export interface RenderedApplication {
  readonly source: ArgoRenderSource;
  readonly app: K8sObject;
  readonly project: K8sObject | undefined;
  /** Rendered objects; undefined if rendering failed (see `renderErrors`). */
  readonly objects: K8sObject[] | undefined;
}

export interface ArgoRepository {
  readonly repoDir: string;
  readonly envs: readonly ArgoEnvironmentFiles[];
  readonly sources: readonly ArgoRenderSource[];
  /** Systems the repository ships: `charts/<name>` and `overlays/<name>` folders (not `overlays/argocd`). */
  readonly systems: readonly string[];
  readonly rendered: readonly RenderedApplication[];
  readonly renderErrors: readonly string[];
}

function readObjects(repoDir: string, rel: string): K8sObject[] {
  const file = join(repoDir, rel);
  if (!existsSync(file))
    throw new Error(`${rel} is missing: run \`npm run render\` to emit the Argo CD files`);
  return parseManifests(readFileSync(file, 'utf8'), rel);
}

function listDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Read the committed Argo CD files of every environment; throws a clear error if they are missing. */
export function readArgoEnvironments(repoDir: string): ArgoEnvironmentFiles[] {
  const root = join(repoDir, ARGOCD_OUTPUT_DIR);
  if (!existsSync(root)) {
    throw new Error(
      `${ARGOCD_OUTPUT_DIR}/ is missing in ${repoDir}: the Argo CD objects have not been rendered. Run \`npm run render\` and commit the output.`,
    );
  }
  return ENVIRONMENT_NAMES.map((env) => {
    const dir = `${ARGOCD_OUTPUT_DIR}/${env}`;
    const kFile = join(repoDir, dir, 'kustomization.yaml');
    if (!existsSync(kFile)) throw new Error(`${dir}/kustomization.yaml is missing: run \`npm run render\``);
    return {
      env,
      dir,
      kustomization: parse(readFileSync(kFile, 'utf8')),
      appProjects: readObjects(repoDir, `${dir}/appprojects.yaml`),
      applications: readObjects(repoDir, `${dir}/applications.yaml`),
      bootstrap: readObjects(repoDir, `${dir}/bootstrap/root-app.yaml`),
    };
  });
}

/** The systems the repository ships, from its chart and overlay folders. */
export function shippedSystems(repoDir: string): string[] {
  const names = new Set([
    ...listDirs(join(repoDir, 'charts')),
    ...listDirs(join(repoDir, 'overlays')).filter((n) => n !== 'argocd'),
  ]);
  return [...names].sort();
}

/** Read everything and render every Application's source with the real binaries. */
export function loadArgoRepository(repoDir: string): ArgoRepository {
  const envs = readArgoEnvironments(repoDir);
  const sources = discoverArgoSources(repoDir);
  const rendered: RenderedApplication[] = [];
  const renderErrors: string[] = [];
  for (const source of sources) {
    const env = envs.find((e) => source.definedIn.startsWith(`${e.dir}/`));
    const app =
      env?.applications.find((a) => a.metadata.name === source.application) ??
      envs
        .flatMap((e) => [...e.applications, ...e.bootstrap])
        .find((a) => a.metadata.name === source.application)!;
    const project = env?.appProjects.find((p) => p.metadata.name === app.spec.project);
    let objects: K8sObject[] | undefined;
    try {
      objects = parseManifests(renderArgoSource(repoDir, source), `${source.application} (${source.path})`);
    } catch (err) {
      renderErrors.push(
        `${source.application}: ${source.form} render of ${source.path} failed: ${(err as Error).message}`,
      );
    }
    rendered.push({ source, app, project, objects });
  }
  return { repoDir, envs, sources, systems: shippedSystems(repoDir), rendered, renderErrors };
}

// ---------------------------------------------------------------------------------------------------------------
// Argo CD's own rules, re-implemented for the checks.

/** Argo CD matches project fields with globs (`*` any run of characters, `?` one character). */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

function matchesGroupKind(list: any[] | undefined, group: string, kind: string, name?: string): boolean {
  return (list ?? []).some(
    (e) =>
      globMatch(e.group ?? '', group) &&
      globMatch(e.kind ?? '', kind) &&
      (!e.name || (name !== undefined && globMatch(e.name, name))),
  );
}

/**
 * Whether an AppProject permits a kind, as Argo CD enforces it: a cluster-scoped kind must be in
 * `clusterResourceWhitelist` (empty list: none permitted) and not in the blacklist; a namespaced kind
 * must be in `namespaceResourceWhitelist` when that list is set, and not in the blacklist.
 */
export function projectPermits(project: K8sObject, o: K8sObject): boolean {
  const { group, kind } = groupKindOf(o);
  const s = project.spec ?? {};
  if (isClusterScoped({ group, kind })) {
    return (
      matchesGroupKind(s.clusterResourceWhitelist, group, kind, o.metadata.name) &&
      !matchesGroupKind(s.clusterResourceBlacklist, group, kind, o.metadata.name)
    );
  }
  const white = s.namespaceResourceWhitelist ?? [];
  return (
    (white.length === 0 || matchesGroupKind(white, group, kind)) &&
    !matchesGroupKind(s.namespaceResourceBlacklist, group, kind)
  );
}

export function projectPermitsDestination(
  project: K8sObject,
  dest: { server?: string; namespace?: string; name?: string },
): boolean {
  return (project.spec?.destinations ?? []).some(
    (d: any) =>
      (d.server
        ? dest.server !== undefined && globMatch(d.server, dest.server)
        : d.name && dest.name !== undefined && globMatch(d.name, dest.name)) &&
      globMatch(d.namespace ?? '', dest.namespace ?? ''),
  );
}

export function projectPermitsRepo(project: K8sObject, repoURL: string): boolean {
  return (project.spec?.sourceRepos ?? []).some((r: string) => globMatch(r, repoURL));
}

// ---------------------------------------------------------------------------------------------------------------
// Hooks and waves.

export const ARGO_HOOKS = ['PreSync', 'Sync', 'Skip', 'PostSync', 'SyncFail', 'PreDelete', 'PostDelete'];
export const ARGO_HOOK_DELETE_POLICIES = ['HookSucceeded', 'HookFailed', 'BeforeHookCreation'];
export const HELM_HOOKS = [
  'pre-install',
  'post-install',
  'pre-delete',
  'post-delete',
  'pre-upgrade',
  'post-upgrade',
  'pre-rollback',
  'post-rollback',
  'test',
  'test-success',
  'test-failure',
];
export const HELM_HOOK_DELETE_POLICIES = ['before-hook-creation', 'hook-succeeded', 'hook-failed'];
const INTEGER = /^-?(0|[1-9][0-9]*)$/;

const annotationsOf = (o: K8sObject): Record<string, string> => o.metadata?.annotations ?? {};
const listOf = (v: string) => v.split(',').map((s) => s.trim());

export function isHook(o: K8sObject): boolean {
  const a = annotationsOf(o);
  return a[ANNOTATIONS.hook] !== undefined || a[ANNOTATIONS.helmHook] !== undefined;
}

/** The wave Argo CD gives an object: `sync-wave`, else a Helm hook's `hook-weight`, else 0. */
export function waveOf(o: K8sObject): number {
  const a = annotationsOf(o);
  const w =
    a[ANNOTATIONS.syncWave] ??
    (a[ANNOTATIONS.helmHook] !== undefined ? a[ANNOTATIONS.helmHookWeight] : undefined);
  return w === undefined ? 0 : Number(w);
}

/** Problems with the hook and wave annotations of one object (values Argo CD and Helm accept). */
export function annotationProblems(o: K8sObject): string[] {
  const a = annotationsOf(o);
  const id = objectKey(o);
  const out: string[] = [];
  const intAnn = [ANNOTATIONS.syncWave, ANNOTATIONS.helmHookWeight];
  for (const k of intAnn)
    if (a[k] !== undefined && !INTEGER.test(a[k])) out.push(`${id}: ${k} "${a[k]}" is not an integer string`);
  const lists: [string, string[]][] = [
    [ANNOTATIONS.hook, ARGO_HOOKS],
    [ANNOTATIONS.hookDeletePolicy, ARGO_HOOK_DELETE_POLICIES],
    [ANNOTATIONS.helmHook, HELM_HOOKS],
    [ANNOTATIONS.helmHookDeletePolicy, HELM_HOOK_DELETE_POLICIES],
  ];
  for (const [k, allowed] of lists) {
    if (a[k] === undefined) continue;
    const bad = listOf(a[k]).filter((v) => !allowed.includes(v));
    if (bad.length)
      out.push(
        `${id}: ${k} has invalid value(s) ${bad.map((b) => `"${b}"`).join(', ')} (allowed: ${allowed.join(', ')})`,
      );
  }
  return out;
}

/** The sync order the platform promises, lowest wave first. Hooks are not part of it (they run in their phase). */
export const WAVE_TIERS: readonly { readonly name: string; readonly kinds: readonly string[] }[] = [
  {
    name: 'namespaces, quotas and secret stores',
    kinds: [
      '/Namespace',
      '/ResourceQuota',
      '/LimitRange',
      'external-secrets.io/ClusterSecretStore',
      'external-secrets.io/SecretStore',
    ],
  },
  { name: 'external secrets', kinds: ['external-secrets.io/ExternalSecret'] },
  { name: 'workloads', kinds: ['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/CronJob'] },
  { name: 'ingress', kinds: ['networking.k8s.io/Ingress'] },
];

/** Problems with the wave order of one app's objects: every tier strictly before the next present one. */
export function waveOrderProblems(app: string, objects: readonly K8sObject[]): string[] {
  const tiers = WAVE_TIERS.map((t) => ({
    name: t.name,
    objects: objects.filter((o) => !isHook(o) && t.kinds.includes(`${groupOf(o.apiVersion)}/${o.kind}`)),
  })).filter((t) => t.objects.length > 0);
  const out: string[] = [];
  for (let i = 0; i < tiers.length; i++) {
    for (let j = i + 1; j < tiers.length; j++) {
      const late = tiers[i].objects.reduce((m, o) => (waveOf(o) > waveOf(m) ? o : m));
      const early = tiers[j].objects.reduce((m, o) => (waveOf(o) < waveOf(m) ? o : m));
      if (!(waveOf(late) < waveOf(early))) {
        out.push(
          `${app}: ${tiers[i].name} must sync before ${tiers[j].name}, but ${objectKey(late)} has wave ${waveOf(late)} and ${objectKey(early)} has wave ${waveOf(early)}`,
        );
      }
    }
  }
  return out;
}

export const isMigrationJob = (o: K8sObject): boolean =>
  groupOf(o.apiVersion) === 'batch' && o.kind === 'Job' && /migrat/i.test(o.metadata.name ?? '');

/**
 * The migration Job runs on every sync, after the database Secret exists and before the workloads roll:
 * a Sync-phase hook (Argo CD's own annotation in both forms: Helm has no hook between resources),
 * recreated each time (BeforeHookCreation), in a wave after every ExternalSecret and before every workload.
 */
export function migrationHookProblems(
  app: string,
  _form: 'helm' | 'kustomize',
  job: K8sObject,
  objects: readonly K8sObject[] = [],
): string[] {
  const a = annotationsOf(job);
  const id = `${app}: ${objectKey(job)}`;
  const out: string[] = [];
  if (!listOf(a[ANNOTATIONS.hook] ?? '').includes('Sync'))
    out.push(
      `${id}: needs ${ANNOTATIONS.hook}: Sync (has "${a[ANNOTATIONS.hook] ?? a[ANNOTATIONS.helmHook] ?? ''}"): a PreSync hook runs before the ExternalSecret that writes its database Secret`,
    );
  if (!listOf(a[ANNOTATIONS.hookDeletePolicy] ?? '').includes('BeforeHookCreation'))
    out.push(`${id}: needs ${ANNOTATIONS.hookDeletePolicy}: BeforeHookCreation so it re-runs every sync`);
  const wave = waveOf(job);
  const kinds = (gks: string[]) =>
    objects.filter((o) => !isHook(o) && gks.includes(`${groupOf(o.apiVersion)}/${o.kind}`));
  for (const es of kinds(['external-secrets.io/ExternalSecret']))
    if (!(waveOf(es) < wave))
      out.push(`${id}: wave ${wave} does not come after ${objectKey(es)} (wave ${waveOf(es)})`);
  for (const w of kinds(WAVE_TIERS[2].kinds as string[]))
    if (!(wave < waveOf(w)))
      out.push(`${id}: wave ${wave} does not come before ${objectKey(w)} (wave ${waveOf(w)})`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Kustomize dependencies, for manifest-generate-paths.

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Every local file and folder a Kustomize overlay reads, repository-relative (remote resources ignored). */
export function kustomizeInputs(repoDir: string, dir: string, seen = new Set<string>()): Set<string> {
  const abs = resolve(repoDir, dir);
  const rel = relative(repoDir, abs);
  if (seen.has(rel)) return seen;
  seen.add(rel);
  const file = KUSTOMIZATION_FILES.map((f) => join(abs, f)).find(existsSync);
  if (!file) return seen;
  const k = parse(readFileSync(file, 'utf8')) ?? {};
  const refs: string[] = [];
  const strings = (v: unknown) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  for (const key of [
    'resources',
    'bases',
    'components',
    'crds',
    'patchesStrategicMerge',
    'transformers',
    'generators',
    'configurations',
  ]) {
    refs.push(...strings(k[key]));
  }
  for (const p of [...(k.patches ?? []), ...(k.patchesJson6902 ?? [])])
    if (typeof p?.path === 'string') refs.push(p.path);
  for (const g of [...(k.configMapGenerator ?? []), ...(k.secretGenerator ?? [])]) {
    for (const f of [
      ...strings(g?.files),
      ...strings(g?.envs),
      ...(typeof g?.env === 'string' ? [g.env] : []),
    ])
      refs.push(f.includes('=') ? f.split('=')[1] : f);
  }
  for (const ref of refs) {
    if (/^[a-z]+:\/\//i.test(ref) || ref.startsWith('github.com/') || ref.includes('?ref=')) continue;
    const target = resolve(abs, ref);
    if (existsSync(target) && statSync(target).isDirectory())
      kustomizeInputs(repoDir, relative(repoDir, target), seen);
    else seen.add(relative(repoDir, target));
  }
  return seen;
}

/** The repository-relative folders an Application's manifest-generate-paths annotation names. */
export function generatePaths(app: K8sObject): string[] {
  const value: string | undefined = annotationsOf(app)[ANNOTATIONS.manifestGeneratePaths];
  if (!value) return [];
  return value
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => normalize(p.startsWith('/') ? p.slice(1) : join(app.spec.source.path, p)).replace(/\/$/, ''));
}

const within = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

// ---------------------------------------------------------------------------------------------------------------
// The checks.

export function schemaProblems(repo: ArgoRepository): string[] {
  return repo.envs.flatMap((e) =>
    [...e.appProjects, ...e.applications, ...e.bootstrap].flatMap((o) =>
      validateArgoObject(o).map((p) => `${e.dir}: ${p}`),
    ),
  );
}

/** Each system × environment deployed by exactly one Application, in that environment's folder. */
export function coverageProblems(repo: ArgoRepository): string[] {
  const out: string[] = [];
  if (repo.systems.length === 0)
    out.push('no system ships a chart or overlay (charts/<system>, overlays/<system>): nothing is deployed');
  for (const system of repo.systems) {
    for (const env of ENVIRONMENT_NAMES) {
      const apps = repo.sources.filter((s) => s.system === system && s.environment === env);
      if (apps.length !== 1) {
        out.push(
          `${system} × ${env}: deployed by ${apps.length} Applications (${apps.map((a) => `${a.application} in ${a.definedIn}`).join(', ') || 'none'}), expected exactly 1`,
        );
      }
    }
  }
  for (const s of repo.sources) {
    if (!repo.systems.includes(s.system))
      out.push(
        `${s.application}: system "${s.system}" ships neither charts/${s.system} nor overlays/${s.system}`,
      );
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(s.environment))
      out.push(`${s.application}: unknown environment "${s.environment}"`);
    if (!s.definedIn.startsWith(`${ARGOCD_OUTPUT_DIR}/${s.environment}/`))
      out.push(`${s.application}: environment ${s.environment} but defined in ${s.definedIn}`);
    if (s.definedIn.includes('/bootstrap/'))
      out.push(`${s.application}: system Applications belong in applications.yaml, not in ${s.definedIn}`);
  }
  const names = repo.sources.map((s) => s.application);
  for (const n of new Set(names))
    if (names.filter((x) => x === n).length > 1)
      out.push(`Application name ${n} is used ${names.filter((x) => x === n).length} times`);
  return out;
}

/** Every source path exists (chart with its value files, or overlay) and renders with the real binaries. */
export function sourceProblems(repo: ArgoRepository): string[] {
  const out = [...repo.renderErrors];
  for (const { source: s, app } of repo.rendered) {
    const dir = join(repo.repoDir, s.path);
    if (s.form === 'helm') {
      if (!existsSync(join(dir, 'Chart.yaml')))
        out.push(`${s.application}: ${s.path}/Chart.yaml does not exist`);
      for (const f of s.valueFiles ?? [])
        if (!existsSync(join(dir, f))) out.push(`${s.application}: value file ${s.path}/${f} does not exist`);
      if (!(s.valueFiles ?? []).includes(`values-${s.environment}.yaml`))
        out.push(`${s.application}: helm.valueFiles must include values-${s.environment}.yaml`);
    } else if (!KUSTOMIZATION_FILES.some((f) => existsSync(join(dir, f)))) {
      out.push(`${s.application}: ${s.path} has no kustomization.yaml`);
    }
    if (!s.kubeVersion) out.push(`${s.application}: no kubeVersion in spec.source.${s.form}`);
    if (app.spec.source.targetRevision === undefined) out.push(`${s.application}: no targetRevision`);
  }
  return out;
}

/** Rendered objects live in the destination namespace; a rendered Namespace is the destination namespace. */
export function namespaceProblems(repo: ArgoRepository): string[] {
  const out: string[] = [];
  for (const { source: s, objects } of repo.rendered) {
    if (!objects) continue;
    if (!s.namespace) out.push(`${s.application}: no destination namespace`);
    for (const o of objects) {
      const gk = groupKindOf(o);
      let cluster: boolean;
      try {
        cluster = isClusterScoped(gk);
      } catch (err) {
        out.push(`${s.application}: ${(err as Error).message}`);
        continue;
      }
      if (!cluster && o.metadata.namespace !== undefined && o.metadata.namespace !== s.namespace) {
        out.push(
          `${s.application}: ${objectKey(o)} is in namespace "${o.metadata.namespace}", the destination is "${s.namespace}"`,
        );
      }
      if (gk.group === '' && gk.kind === 'Namespace' && o.metadata.name !== s.namespace) {
        out.push(
          `${s.application}: renders Namespace "${o.metadata.name}", the destination is "${s.namespace}"`,
        );
      }
    }
  }
  return out;
}

/** The AppProject exists in the same folder and permits the repo, the destination and every rendered kind. */
export function projectProblems(repo: ArgoRepository): string[] {
  const out: string[] = [];
  for (const { source: s, app, project, objects } of repo.rendered) {
    if (!project) {
      out.push(
        `${s.application}: AppProject "${app.spec.project}" is not defined in ${ARGOCD_OUTPUT_DIR}/${s.environment}/appprojects.yaml`,
      );
      continue;
    }
    if (app.spec.project === 'default') out.push(`${s.application}: uses the default project`);
    if (!projectPermitsRepo(project, app.spec.source.repoURL))
      out.push(
        `${s.application}: project ${project.metadata.name} does not permit repo ${app.spec.source.repoURL}`,
      );
    if (!projectPermitsDestination(project, app.spec.destination)) {
      out.push(
        `${s.application}: project ${project.metadata.name} does not permit destination ${JSON.stringify(app.spec.destination)}`,
      );
    }
    const foreign = (project.spec.destinations ?? []).filter((d: any) => d.namespace !== s.namespace);
    if (foreign.length)
      out.push(
        `${s.application}: project ${project.metadata.name} allows destinations beyond its own: ${JSON.stringify(foreign)}`,
      );
    for (const o of objects ?? []) {
      try {
        if (!projectPermits(project, o)) {
          const scope = isClusterScoped(groupKindOf(o))
            ? 'clusterResourceWhitelist'
            : 'namespaceResourceWhitelist';
          out.push(
            `${s.application}: project ${project.metadata.name} does not permit ${objectKey(o)} (add group "${groupOf(o.apiVersion)}" kind "${o.kind}" to ${scope})`,
          );
        }
      } catch (err) {
        out.push(`${s.application}: ${(err as Error).message}`);
      }
    }
    // Explicit allow-list: nothing cluster-scoped is allowed that the app does not render.
    const renderedCluster = new Set(
      (objects ?? [])
        .filter((o) => {
          try {
            return isClusterScoped(groupKindOf(o));
          } catch {
            return false;
          }
        })
        .map((o) => `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.name}`),
    );
    const retained = retainedFor(s.system, s.environment as EnvironmentName);
    for (const e of project.spec.clusterResourceWhitelist ?? []) {
      if (e.group.includes('*') || e.kind.includes('*') || !e.name || /[*?[]/.test(e.name))
        out.push(
          `${s.application}: project ${project.metadata.name} allows cluster kind ${e.group}/${e.kind} by kind or wildcard, not by name`,
        );
      else if (
        objects &&
        !renderedCluster.has(`${e.group}/${e.kind}/${e.name}`) &&
        !retained.some((r) => r.group === e.group && r.kind === e.kind && r.name === e.name)
      )
        out.push(
          `${s.application}: project ${project.metadata.name} allows cluster object ${e.group}/${e.kind} ${e.name} it neither renders nor retains`,
        );
    }
  }
  return out;
}

/** Hook and wave annotations are valid values, order as promised, and the migration Job is a re-running PreSync hook. */
export function hookAndWaveProblems(repo: ArgoRepository): string[] {
  const out: string[] = [];
  let migrations = 0;
  for (const { source: s, objects } of repo.rendered) {
    if (!objects) continue;
    for (const o of objects) out.push(...annotationProblems(o).map((p) => `${s.application}: ${p}`));
    out.push(...waveOrderProblems(s.application, objects));
    for (const job of objects.filter(isMigrationJob)) {
      migrations++;
      out.push(...migrationHookProblems(s.application, s.form, job, objects));
    }
    if (s.form === 'helm') {
      // Argo CD hooks Helm has an equivalent for (PreSync, PostSync) must use it; Sync/SyncFail/Skip cannot.
      const HELM_MAPPED = ['PreSync', 'PostSync'];
      for (const o of objects.filter(
        (x) =>
          annotationsOf(x)[ANNOTATIONS.hook] !== undefined &&
          annotationsOf(x)[ANNOTATIONS.helmHook] === undefined &&
          listOf(annotationsOf(x)[ANNOTATIONS.hook]).every((h) => HELM_MAPPED.includes(h)),
      )) {
        out.push(
          `${s.application}: ${objectKey(o)} is an Argo CD hook in a Helm chart: use helm.sh/hook (Argo CD maps it) so plain helm installs behave the same`,
        );
      }
    }
  }
  if (repo.rendered.length && migrations === 0)
    out.push('no migration Job (batch/Job named *migrat*) found in any rendered application');
  return out;
}

/** No Application fights an autoscaler: autoscaled workloads omit replicas, or the app ignores and respects the difference. */
export function autoscalerProblems(repo: ArgoRepository): string[] {
  const out: string[] = [];
  for (const { source: s, app, objects } of repo.rendered) {
    if (!objects) continue;
    for (const hpa of objects.filter(
      (o) =>
        (groupOf(o.apiVersion) === 'autoscaling' && o.kind === 'HorizontalPodAutoscaler') ||
        (groupOf(o.apiVersion) === 'keda.sh' && o.kind === 'ScaledObject'),
    )) {
      const ref = hpa.spec?.scaleTargetRef ?? {};
      const group = groupOf(ref.apiVersion ?? 'apps/v1');
      const kind = ref.kind ?? 'Deployment';
      const target = objects.find(
        (o) => groupOf(o.apiVersion) === group && o.kind === kind && o.metadata.name === ref.name,
      );
      if (!target) {
        out.push(
          `${s.application}: ${objectKey(hpa)} scales ${kind} ${ref.name}, which the app does not render`,
        );
        continue;
      }
      if (target.spec?.replicas === undefined) continue;
      const ignored = (app.spec.ignoreDifferences ?? []).some(
        (d: any) =>
          (d.group ?? '') === group &&
          d.kind === kind &&
          (!d.name || d.name === ref.name) &&
          (!d.namespace || d.namespace === s.namespace) &&
          ((d.jsonPointers ?? []).includes('/spec/replicas') ||
            (d.jqPathExpressions ?? []).includes('.spec.replicas')),
      );
      const respected = (app.spec.syncPolicy?.syncOptions ?? []).includes('RespectIgnoreDifferences=true');
      if (!ignored || !respected) {
        out.push(
          `${s.application}: ${objectKey(target)} sets spec.replicas while ${objectKey(hpa)} scales it: omit replicas, or ignoreDifferences /spec/replicas with RespectIgnoreDifferences=true`,
        );
      }
    }
  }
  return out;
}

/** manifest-generate-paths is set, names existing folders, and covers every file the source reads. */
export function generatePathProblems(repo: ArgoRepository): string[] {
  const out: string[] = [];
  for (const { source: s, app } of repo.rendered) {
    const paths = generatePaths(app);
    if (!paths.length) {
      out.push(`${s.application}: no ${ANNOTATIONS.manifestGeneratePaths} annotation`);
      continue;
    }
    for (const p of paths)
      if (!existsSync(join(repo.repoDir, p)))
        out.push(`${s.application}: ${ANNOTATIONS.manifestGeneratePaths} names ${p}, which does not exist`);
    const inputs =
      s.form === 'helm'
        ? [s.path, ...(s.valueFiles ?? []).map((f) => normalize(join(s.path, f)))]
        : [...kustomizeInputs(repo.repoDir, s.path)];
    for (const input of inputs) {
      if (!paths.some((p) => within(input, p)))
        out.push(
          `${s.application}: reads ${input}, outside its ${ANNOTATIONS.manifestGeneratePaths} (${paths.join(';')})`,
        );
    }
    if (
      paths.some(
        (p) => p === '.' || p === '' || p === ARGOCD_OUTPUT_DIR || p === 'charts' || p === 'overlays',
      )
    ) {
      out.push(
        `${s.application}: ${ANNOTATIONS.manifestGeneratePaths} covers the whole repository or every system`,
      );
    }
  }
  return out;
}

/** Two Applications of one environment must not render the same object (Argo CD would fight over it). */
export function sharedResourceProblems(repo: ArgoRepository): string[] {
  const out: string[] = [];
  for (const env of ENVIRONMENT_NAMES) {
    const owner = new Map<string, string>();
    for (const { source: s, objects } of repo.rendered.filter((r) => r.source.environment === env)) {
      for (const o of objects ?? []) {
        let key = objectKey(o);
        try {
          if (!isClusterScoped(groupKindOf(o)))
            key = objectKey({
              ...o,
              metadata: { ...o.metadata, namespace: o.metadata.namespace ?? s.namespace },
            });
          else key = objectKey({ ...o, metadata: { ...o.metadata, namespace: undefined } });
        } catch {
          /* reported by namespaceProblems */
        }
        const prev = owner.get(key);
        if (prev && prev !== s.application)
          out.push(`${env}: ${key} is rendered by both ${prev} and ${s.application}`);
        owner.set(key, s.application);
      }
    }
  }
  return out;
}

/** Sync policies as documented in docs/argocd.md. */
export function syncPolicyProblems(repo: ArgoRepository): string[] {
  const out: string[] = [];
  for (const e of repo.envs) {
    const policy = SYNC_POLICIES[e.env];
    for (const app of [...e.applications, ...e.bootstrap.filter((o) => o.kind === 'Application')]) {
      const sp = app.spec.syncPolicy ?? {};
      const id = `${e.dir}: ${app.metadata.name}`;
      if (!sp.automated) out.push(`${id}: not automated`);
      else {
        if (sp.automated.prune !== policy.prune)
          out.push(`${id}: automated.prune is ${sp.automated.prune}, ${e.env} requires ${policy.prune}`);
        if (sp.automated.selfHeal !== true) out.push(`${id}: automated.selfHeal must be true`);
      }
      const b = sp.retry?.backoff;
      if (!sp.retry?.limit || !b?.duration || !b?.factor || !b?.maxDuration)
        out.push(`${id}: retry needs limit and backoff {duration, factor, maxDuration}`);
      const opts: string[] = sp.syncOptions ?? [];
      if ((app.spec.ignoreDifferences ?? []).length && !opts.includes('RespectIgnoreDifferences=true'))
        out.push(`${id}: ignoreDifferences without RespectIgnoreDifferences=true`);
      if (app.metadata.labels?.[SYSTEM_LABEL]) {
        if (!opts.includes('ServerSideApply=true'))
          out.push(`${id}: system apps sync with ServerSideApply=true`);
        if (!opts.includes('CreateNamespace=false'))
          out.push(`${id}: namespaces are rendered: CreateNamespace=false`);
        if (app.metadata.labels?.[ENVIRONMENT_LABEL] !== e.env)
          out.push(`${id}: label ${ENVIRONMENT_LABEL} must be ${e.env}`);
        const finalizer = (app.metadata.finalizers ?? []).length > 0;
        if (finalizer !== policy.cascadeDelete)
          out.push(
            `${id}: resources finalizer ${finalizer ? 'set' : 'missing'}, ${e.env} cascadeDelete is ${policy.cascadeDelete}`,
          );
      }
      if (app.metadata.namespace !== ARGOCD_NAMESPACE)
        out.push(`${id}: must live in namespace ${ARGOCD_NAMESPACE}`);
    }
    for (const p of e.appProjects) {
      const windows = p.spec.syncWindows ?? [];
      if (windows.length !== policy.syncWindows.length)
        out.push(
          `${e.dir}: AppProject ${p.metadata.name} has ${windows.length} sync windows, ${e.env} has ${policy.syncWindows.length}`,
        );
    }
  }
  return out;
}

/** The bootstrap file holds the platform project and the root app; the root app syncs exactly this folder. */
export function bootstrapProblems(repo: ArgoRepository, kustomizeBuild: (dir: string) => string): string[] {
  const out: string[] = [];
  for (const e of repo.envs) {
    const rootName = rootAppName(e.env);
    const root = e.bootstrap.find((o) => o.kind === 'Application');
    const proj = e.bootstrap.find((o) => o.kind === 'AppProject');
    if (e.bootstrap.length !== 2 || !root || !proj) {
      out.push(
        `${e.dir}/bootstrap/root-app.yaml: expected the ${PLATFORM_PROJECT} AppProject and the root Application, found ${e.bootstrap.map((o) => `${o.kind} ${o.metadata.name}`).join(', ')}`,
      );
      continue;
    }
    if (root.metadata.name !== rootName)
      out.push(`${e.dir}: root app is named ${root.metadata.name}, expected ${rootName}`);
    if (root.metadata.labels?.[SYSTEM_LABEL])
      out.push(`${e.dir}: the root app must not carry ${SYSTEM_LABEL}`);
    if (root.spec.source.path !== e.dir)
      out.push(`${e.dir}: root app source path is ${root.spec.source.path}`);
    if (root.spec.project !== proj.metadata.name)
      out.push(
        `${e.dir}: root app project ${root.spec.project} is not the bootstrapped ${proj.metadata.name}`,
      );
    if (e.appProjects.some((p) => p.metadata.name === proj.metadata.name))
      out.push(`${e.dir}: the ${proj.metadata.name} AppProject must live only in bootstrap/root-app.yaml`);
    let built: K8sObject[] = [];
    try {
      built = parseManifests(kustomizeBuild(join(repo.repoDir, e.dir)), e.dir);
    } catch (err) {
      out.push(`${e.dir}: kustomize build failed: ${(err as Error).message}`);
      continue;
    }
    const expected = [...e.bootstrap, ...e.appProjects, ...e.applications].map(objectKey).sort();
    const got = built.map(objectKey).sort();
    if (JSON.stringify(expected) !== JSON.stringify(got))
      out.push(`${e.dir}: kustomize build yields ${got.join(', ')}; expected ${expected.join(', ')}`);
    // Self-managed: the root app syncs its own bootstrap file, so bootstrap changes reach the cluster.
    if (!got.some((k) => k.endsWith(`/${rootName}`)))
      out.push(
        `${e.dir}: the root app does not manage itself (bootstrap/root-app.yaml is not in the kustomization)`,
      );
    for (const o of built) {
      if (!projectPermits(proj, o))
        out.push(`${e.dir}: ${PLATFORM_PROJECT} project does not permit ${objectKey(o)}`);
      if (o.metadata.namespace !== ARGOCD_NAMESPACE)
        out.push(`${e.dir}: ${objectKey(o)} is not in namespace ${ARGOCD_NAMESPACE}`);
      if (!projectPermitsDestination(proj, { ...root.spec.destination }))
        out.push(`${e.dir}: ${PLATFORM_PROJECT} project does not permit the root destination`);
    }
    // AppProjects before the Applications that use them.
    const waves = (kind: string) => built.filter((o) => o.kind === kind).map(waveOf);
    if (waves('Application').length && Math.max(...waves('AppProject')) >= Math.min(...waves('Application')))
      out.push(`${e.dir}: AppProjects must sync in an earlier wave than Applications`);
    for (const o of built) out.push(...annotationProblems(o).map((p) => `${e.dir}: ${p}`));
  }
  return out;
}

/** Every check, by name: the test suites run them one by one. */
export const REPOSITORY_CHECKS = {
  'Argo CD objects validate against the CRD schemas': schemaProblems,
  'each system × environment is deployed by exactly one Application': coverageProblems,
  'every source path exists and renders with the real helm/kustomize': sourceProblems,
  'destination namespaces match the rendered objects': namespaceProblems,
  'AppProjects permit the repo, destination and every rendered kind': projectProblems,
  'hook and wave annotations are valid and order as described': hookAndWaveProblems,
  'no Application fights an autoscaler': autoscalerProblems,
  'manifest-generate-paths cover exactly what each source reads': generatePathProblems,
  'no object is rendered by two Applications of one environment': sharedResourceProblems,
  'sync policies follow the documented per-environment decisions': syncPolicyProblems,
} as const satisfies Record<string, (repo: ArgoRepository) => string[]>;
