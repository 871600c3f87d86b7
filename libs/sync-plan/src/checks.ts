/**
 * The sync-plan checker: walks an Application's plan step by step, as Argo CD does, and reports every
 * object that needs something which does not exist yet at its step — or will never exist — plus the
 * ways a sync or a prune would silently go wrong (project permissions, pruned kinds, tracking labels,
 * unscoped stores, delete protection, health waits that never end).
 */
import {
  CLUSTER_ADDONS,
  isEnvironmentName,
  type ClusterAddOn,
  type EnvironmentName,
} from '@gitops/environments';
import type { K8sObject } from '@gitops/toolchain';
import { ANNOTATION, projectPermitsObject, syncOptionsOf } from './argo-rules';
import { buildSyncPlan, type PlanTask, type SyncPlan } from './plan';
import { objectLabelSelectors, podSpecOf, referencesOf } from './references';
import { isClusterScoped } from './scope';

/** The label Argo CD's label tracking (`application.resourceTrackingMethod: label`) rewrites to the Application name. */
export const TRACKING_LABEL = 'app.kubernetes.io/instance';

/** What a problem is about; one rule per failure class. */
export type PlanRule =
  | 'namespace'
  | 'secret'
  | 'config-map'
  | 'service-account'
  | 'claim'
  | 'claim-binding'
  | 'secret-store'
  | 'store-scope'
  | 'api'
  | 'ingress-class'
  | 'ingress-status'
  | 'project'
  | 'pruned-kind'
  | 'tracking-label'
  | 'delete-protection'
  | 'project-scope'
  | 'sync-window'
  | 'metrics-api'
  | 'service-status';

export interface PlanProblem {
  readonly rule: PlanRule;
  readonly application: string;
  /** `Kind namespace/name` of the object. */
  readonly object: string;
  /** `PreSync wave 0`, or `prune` for objects being pruned. */
  readonly step: string;
  /** The missing dependency, or what goes wrong, in words. */
  readonly missing: string;
}

/** One line: `<app>: <object> at <step>: <missing>`. */
export const formatProblem = (p: PlanProblem): string =>
  `${p.application}: ${p.object} at ${p.step}: ${p.missing} [${p.rule}]`;

/** An object Argo CD would prune: it was in the previous render, it is not in this one. */
export interface PrunedObject {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespaced: boolean;
}

export interface ApplicationSyncInput {
  /** Application name. */
  readonly application: string;
  readonly environment: EnvironmentName | string;
  /** `spec.destination.namespace`. */
  readonly namespace: string;
  /** What Argo CD renders from the source (helm template / kustomize build). */
  readonly objects: readonly K8sObject[];
  /** The Application object: sync options (CreateNamespace), finalizer (cascade delete). @default none */
  readonly app?: K8sObject;
  /** Its AppProject. @default none: permissions are not checked */
  readonly project?: K8sObject;
  /** Objects of the previous render this one drops (Argo CD prunes them). @default none */
  readonly pruned?: readonly PrunedObject[];
  /** The environment's cluster add-ons. @default CLUSTER_ADDONS[environment] */
  readonly addOns?: readonly ClusterAddOn[];
  /** StorageClass binding modes. @default CLUSTER_ADDONS[environment] */
  readonly storageClasses?: Readonly<Record<string, 'Immediate' | 'WaitForFirstConsumer'>>;
  /** Services of type LoadBalancer get an address. @default CLUSTER_ADDONS[environment] (true if unknown) */
  readonly loadBalancerServices?: boolean;
}

export interface ApplicationSyncReport {
  readonly plan: SyncPlan;
  readonly problems: PlanProblem[];
}

/** API groups Kubernetes serves itself (everything else must come from a declared add-on or a CRD in the app). */
export const BUILT_IN_GROUPS: ReadonlySet<string> = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** Objects present in every namespace without anyone creating them. */
const ALWAYS_PRESENT: Record<string, string[]> = {
  ConfigMap: ['kube-root-ca.crt'],
  ServiceAccount: ['default'],
};

const id = (t: Pick<PlanTask, 'kind' | 'name' | 'namespace'>, clusterScoped: boolean) =>
  `${t.kind} ${clusterScoped ? '' : `${t.namespace}/`}${t.name}`;
const stepName = (t: Pick<PlanTask, 'phase' | 'wave'>) => `${t.phase} wave ${t.wave}`;

function scoped(group: string, kind: string): boolean {
  try {
    return isClusterScoped({ group, kind });
  } catch {
    return false;
  }
}

/** Check one Application's sync: every step's dependencies exist by then, and nothing goes silently wrong. */
export function checkApplicationSync(input: ApplicationSyncInput): ApplicationSyncReport {
  const env = isEnvironmentName(String(input.environment))
    ? CLUSTER_ADDONS[input.environment as EnvironmentName]
    : undefined;
  const addOns = input.addOns ?? env?.addOns ?? [];
  const storageClasses = input.storageClasses ?? env?.storageClasses ?? {};
  const loadBalancers = input.loadBalancerServices ?? env?.loadBalancerServices ?? true;
  const servesGroup = (group: string) => addOns.some((a) => a.serves.some((s) => s.group === group));
  const syncOptions: string[] = input.app?.spec?.syncPolicy?.syncOptions ?? [];
  const plan = buildSyncPlan(input.objects, {
    namespace: input.namespace,
    createNamespace: syncOptions.includes('CreateNamespace=true'),
    managedNamespaceLabels: input.app?.spec?.syncPolicy?.managedNamespaceMetadata?.labels,
  });
  const problems: PlanProblem[] = [];
  const report = (rule: PlanRule, t: PlanTask | undefined, object: string, step: string, missing: string) =>
    problems.push({ rule, application: input.application, object, step, missing });
  const lastStep = plan.steps.filter((s) => s.phase !== 'SyncFail').at(-1)?.index ?? -1;
  const isScoped = (t: PlanTask) => scoped(t.group, t.kind);

  // Producers: where each Secret / ConfigMap / ServiceAccount / claim / store / namespace comes into being.
  type Producer = { task: PlanTask; async: boolean; via: string };
  const producers = new Map<string, Producer[]>();
  const produce = (key: string, p: Producer) => producers.set(key, [...(producers.get(key) ?? []), p]);
  for (const t of plan.tasks) {
    const o = t.object;
    const g = t.group;
    if (g === '' && ['Secret', 'ConfigMap', 'ServiceAccount', 'PersistentVolumeClaim'].includes(t.kind))
      produce(`${t.kind}/${t.namespace}/${t.name}`, { task: t, async: false, via: `${t.kind} ${t.name}` });
    if (g === '' && t.kind === 'Namespace')
      produce(`Namespace//${t.name}`, { task: t, async: false, via: `Namespace ${t.name}` });
    if (g === 'external-secrets.io' && t.kind === 'ExternalSecret' && o)
      produce(`Secret/${t.namespace}/${o.spec?.target?.name ?? t.name}`, {
        task: t,
        async: true,
        via: `ExternalSecret ${t.name}`,
      });
    if (g === 'external-secrets.io' && t.kind === 'ClusterSecretStore')
      produce(`ClusterSecretStore//${t.name}`, {
        task: t,
        async: false,
        via: `ClusterSecretStore ${t.name}`,
      });
    if (g === 'external-secrets.io' && t.kind === 'SecretStore')
      produce(`SecretStore/${t.namespace}/${t.name}`, {
        task: t,
        async: false,
        via: `SecretStore ${t.name}`,
      });
  }
  /** Whether `p` exists when `t` is applied: an earlier step, or the same step if applied synchronously. */
  const readyFor = (p: Producer, t: PlanTask) =>
    p.task.step < t.step ||
    (p.task.step === t.step && !p.async) ||
    (p.task.object === undefined && p.task.kind === 'Namespace');

  const served = (group: string, version: string, kind: string) =>
    addOns.some((a) =>
      a.serves.some((s) => s.group === group && s.versions.includes(version) && s.kinds.includes(kind)),
    );
  const crdTask = (group: string, kind: string) =>
    plan.tasks.find(
      (c) =>
        c.kind === 'CustomResourceDefinition' &&
        c.object?.spec?.group === group &&
        c.object?.spec?.names?.kind === kind,
    );

  for (const t of plan.tasks) {
    const o = t.object;
    if (!o) continue;
    const clusterScoped = isScoped(t);
    const oid = id(t, clusterScoped);
    const step = stepName(t);

    // Namespace: created before the dry run, or by a step at or before this one.
    if (!clusterScoped && t.namespace !== plan.namespaceCreatedFirst) {
      const ns = (producers.get(`Namespace//${t.namespace}`) ?? []).find((p) => p.task.step <= t.step);
      if (!ns)
        report(
          'namespace',
          t,
          oid,
          step,
          `namespace ${t.namespace} does not exist yet: no Namespace object syncs at or before this step and CreateNamespace=true is not set`,
        );
    }

    // API: built in, served by a declared add-on, or a CRD of this app synced before.
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
    if (!BUILT_IN_GROUPS.has(group) && !served(group, version, o.kind)) {
      const crd = crdTask(group, o.kind);
      if (!crd || crd.step > t.step)
        report(
          'api',
          t,
          oid,
          step,
          `kind ${o.kind} of ${o.apiVersion} is served by no cluster add-on declared for ${input.environment} (${addOns.map((a) => `${a.name} ${a.version}`).join(', ') || 'none'}) and by no CustomResourceDefinition synced before it`,
        );
    }

    // Dependencies it mounts or reads.
    for (const ref of referencesOf(o)) {
      if (ref.kind === 'SecretStore') {
        const cluster = ref.storeKind === 'ClusterSecretStore';
        const key = cluster ? `ClusterSecretStore//${ref.name}` : `SecretStore/${t.namespace}/${ref.name}`;
        const ps = producers.get(key) ?? [];
        if (!ps.some((p) => readyFor(p, t)))
          report(
            'secret-store',
            t,
            oid,
            step,
            ps.length
              ? `${ref.storeKind} ${ref.name} (${ref.field}) syncs later, at ${stepName(ps[0].task)}`
              : `${ref.storeKind} ${ref.name} (${ref.field}) is not part of the Application`,
          );
        if (cluster) {
          for (const p of ps) {
            const conditions: any[] = p.task.object?.spec?.conditions ?? [];
            const admits = conditions.some(
              (c) =>
                (c?.namespaces ?? []).includes(t.namespace) ||
                (c?.namespaceRegexes ?? []).some((r: string) => new RegExp(r).test(t.namespace)),
            );
            if (conditions.length && !admits)
              report(
                'store-scope',
                t,
                oid,
                step,
                `ClusterSecretStore ${ref.name} does not admit namespace ${t.namespace} (spec.conditions)`,
              );
          }
        }
        continue;
      }
      const key = `${ref.kind}/${t.namespace}/${ref.name}`;
      if ((ALWAYS_PRESENT[ref.kind] ?? []).includes(ref.name)) continue;
      const ps = producers.get(key) ?? [];
      if (ps.some((p) => readyFor(p, t))) continue;
      const rule = (
        {
          Secret: 'secret',
          ConfigMap: 'config-map',
          ServiceAccount: 'service-account',
          PersistentVolumeClaim: 'claim',
        } as const
      )[ref.kind];
      const later = ps[0]
        ? `${ps[0].via} produces it only at ${stepName(ps[0].task)}${ps[0].async && ps[0].task.step === t.step ? ' (asynchronously, after this step is applied)' : ''}`
        : 'nothing in the Application creates it';
      report(rule, t, oid, step, `${ref.kind} ${ref.name} (${ref.field}) does not exist yet: ${later}`);
    }

    // ClusterSecretStores without conditions serve every namespace of the cluster.
    if (
      group === 'external-secrets.io' &&
      o.kind === 'ClusterSecretStore' &&
      !(o.spec?.conditions ?? []).length
    )
      report(
        'store-scope',
        t,
        oid,
        step,
        'spec.conditions is empty: ExternalSecrets in any namespace could read this system’s secrets through the store; restrict it to the system namespace',
      );

    // WaitForFirstConsumer claims bind only once a pod uses them: Argo CD waits on a Pending claim forever.
    if (group === '' && o.kind === 'PersistentVolumeClaim') {
      const sc = o.spec?.storageClassName;
      const mode = sc ? storageClasses[sc] : undefined;
      if (sc && mode === undefined)
        report(
          'claim-binding',
          t,
          oid,
          step,
          `storage class ${sc} is not declared for ${input.environment} (libs/environments CLUSTER_ADDONS storageClasses)`,
        );
      if (mode === 'WaitForFirstConsumer' && t.step !== lastStep) {
        const consumers = plan.tasks.filter((c) => {
          const pod = c.object && podSpecOf(c.object);
          return (
            pod &&
            c.namespace === t.namespace &&
            (pod.spec.volumes ?? []).some((v: any) => v?.persistentVolumeClaim?.claimName === t.name)
          );
        });
        if (!consumers.some((c) => c.step <= t.step))
          report(
            'claim-binding',
            t,
            oid,
            step,
            `storage class ${sc} binds on first consumer, but ${
              consumers.length
                ? `its first consumer ${id(consumers[0], false)} syncs later (${stepName(consumers[0])})`
                : 'nothing in the Application consumes it'
            }: Argo CD waits for the claim to be Bound before the next wave, so the sync never completes; sync the claim in its consumer's wave`,
          );
      }
    }

    // Ingress: a class some add-on implements; an address that controller publishes, or no wait on it.
    if (group === 'networking.k8s.io' && o.kind === 'Ingress') {
      const cls = o.spec?.ingressClassName;
      const controller = addOns.find((a) => (a.ingressClasses ?? []).includes(cls));
      if (!controller)
        report(
          'ingress-class',
          t,
          oid,
          step,
          `ingressClassName ${cls ?? '(none)'} is implemented by no add-on declared for ${input.environment}`,
        );
      else if (controller.publishesIngressStatus === false) {
        const ignored = o.metadata?.annotations?.[ANNOTATION.ignoreHealthcheck] === 'true';
        if (t.step !== lastStep)
          report(
            'ingress-status',
            t,
            oid,
            step,
            `${controller.name} in ${input.environment} never publishes an address, so Argo CD's Ingress health stays Progressing and the next wave never starts`,
          );
        else if (!ignored)
          report(
            'ingress-status',
            t,
            oid,
            step,
            `${controller.name} in ${input.environment} never publishes an address: the Application would stay Progressing forever; set ${ANNOTATION.ignoreHealthcheck}: "true"`,
          );
      }
    }

    // HPAs read a metrics API; without it their health is Degraded (FailedGet…Metric) and the sync fails.
    if (group === 'autoscaling' && o.kind === 'HorizontalPodAutoscaler') {
      const api: Record<string, string> = {
        Resource: 'metrics.k8s.io',
        ContainerResource: 'metrics.k8s.io',
        Pods: 'custom.metrics.k8s.io',
        Object: 'custom.metrics.k8s.io',
        External: 'external.metrics.k8s.io',
      };
      const types: string[] = (o.spec?.metrics ?? []).map((m: any) => String(m?.type));
      for (const g of new Set(types.map((t) => api[t]).filter(Boolean)))
        if (!servesGroup(g))
          report(
            'metrics-api',
            t,
            oid,
            step,
            `its metrics come from ${g}, which no add-on declared for ${input.environment} serves: the HPA reports FailedGet…Metric, which Argo CD's HPA health counts as Degraded`,
          );
    }

    // A LoadBalancer Service waits for an address (Argo CD's Service health) the cluster may never assign.
    if (group === '' && o.kind === 'Service' && o.spec?.type === 'LoadBalancer' && !loadBalancers)
      report(
        'service-status',
        t,
        oid,
        step,
        `${input.environment} has no LoadBalancer implementation: the Service never gets an address and stays Progressing${t.step !== lastStep ? ', so the next wave never starts' : ''}`,
      );

    // Selectors on the tracking label: label tracking rewrites it on every top-level object.
    for (const sel of objectLabelSelectors(o))
      if (sel.keys.includes(TRACKING_LABEL))
        report(
          'tracking-label',
          t,
          oid,
          step,
          `${sel.field} uses ${TRACKING_LABEL}, which Argo CD's label tracking rewrites to the Application name on every object it manages: select by app.kubernetes.io/name and app.kubernetes.io/component`,
        );

    // Project permissions: Argo CD refuses the object (sync) and hides the live one (prune).
    if (
      input.project &&
      !projectPermitsObject(input.project, { group, kind: o.kind }, t.name, !clusterScoped)
    )
      report(
        'project',
        t,
        oid,
        step,
        `AppProject ${input.project.metadata.name} does not permit ${group || 'core'}/${o.kind}${clusterScoped ? ` named ${t.name} (clusterResourceWhitelist)` : ' (namespaceResourceWhitelist)'}`,
      );

    // Stateful objects survive the deletion of an Application whose deletion cascades.
    const cascades = (input.app?.metadata?.finalizers ?? []).some((f: string) =>
      f.startsWith('resources-finalizer.argocd.argoproj.io'),
    );
    const stateful = group === '' && (o.kind === 'Namespace' || o.kind === 'PersistentVolumeClaim');
    if (cascades && stateful && syncOptionsOf(o).Delete !== 'false')
      report(
        'delete-protection',
        t,
        oid,
        step,
        `deleting ${input.application} deletes its resources (resources finalizer), and this ${o.kind} holds data: set ${ANNOTATION.syncOptions}: Delete=false`,
      );
  }

  if (input.project) problems.push(...projectProblems(input.application, input.project));

  // Objects Argo CD prunes must stay permitted, or Argo CD filters the live object out and never deletes it.
  for (const p of input.pruned ?? []) {
    if (input.project && !projectPermitsObject(input.project, p, p.name, p.namespaced))
      problems.push({
        rule: 'pruned-kind',
        application: input.application,
        object: `${p.kind} ${p.namespaced ? `${input.namespace}/` : ''}${p.name}`,
        step: 'prune',
        missing: `removed from the render, but AppProject ${input.project.metadata.name} no longer permits ${p.group || 'core'}/${p.kind}${p.namespaced ? '' : ` named ${p.name}`}: Argo CD would hide the live object and never prune it; keep it in the project (apps/argocd/src/retained.ts) until the prune has run`,
      });
  }
  return { plan, problems };
}

/**
 * Problems of an AppProject itself: cluster-scoped permissions by kind rather than by name (the project
 * could modify any Namespace, kube-system included, or any store), and deny windows that stop a sync
 * midway (no `syncOverrun`).
 */
export function projectProblems(application: string, project: K8sObject): PlanProblem[] {
  const out: PlanProblem[] = [];
  const name = project.metadata?.name;
  for (const e of project.spec?.clusterResourceWhitelist ?? []) {
    if (!e?.name || /[*?[]/.test(e.name) || /[*?[]/.test(e.kind ?? '') || /[*?[]/.test(e.group ?? ''))
      out.push({
        rule: 'project-scope',
        application,
        object: `AppProject ${name}`,
        step: 'project',
        missing: `clusterResourceWhitelist entry ${e?.group || 'core'}/${e?.kind}${e?.name ? ` name ${e.name}` : ''} permits cluster-scoped objects by kind, not by name: any ${e?.kind} of the cluster (kube-system included) could be modified; list each object by name`,
      });
  }
  for (const [i, w] of (project.spec?.syncWindows ?? []).entries()) {
    if (w?.kind === 'deny' && w?.syncOverrun !== true)
      out.push({
        rule: 'sync-window',
        application,
        object: `AppProject ${name}`,
        step: `syncWindows[${i}]`,
        missing: `deny window "${w.schedule}" (${w.duration}) has no syncOverrun: true, so a sync running when it opens is stopped midway (between waves)`,
      });
  }
  return out;
}
