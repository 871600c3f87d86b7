/**
 * The order in which Argo CD syncs one Application's objects, computed as `getSyncTasks` and
 * `syncTasks.Sort` do in argoproj/argo-cd `gitops-engine/pkg/sync/sync_context.go` and
 * `sync_tasks.go`:
 *
 * 1. every non-hook object is a task in phase Sync; every hook a task in each of its phases
 *    (Skip hooks are neither); objects without a namespace get the destination namespace;
 * 2. with `CreateNamespace=true` and no rendered Namespace of that name, a PreSync task creates it
 *    (`autoCreateNamespace`); such a namespace, or a rendered Namespace named after the destination,
 *    is created before the dry run (`getNamespaceCreationTask`);
 * 3. tasks sort by phase (PreSync, Sync, PostSync, SyncFail), wave, kind order, name;
 * 4. a Namespace is moved right before the first task in it, taking that task's phase and wave, and a
 *    CustomResourceDefinition before the first object of its kind (`adjustDeps`);
 * 5. Argo CD applies one (phase, wave) step at a time and waits until every task of the step is healthy
 *    (hooks: complete) before the next; the last step is not waited for.
 */
import type { K8sObject } from '@gitops/toolchain';
import { isHook, kindRank, SYNC_PHASES, syncPhasesOf, waveOf, type SyncPhase } from './argo-rules';
import { healthWait } from './health';
import { groupOf } from './scope';

export interface PlanOptions {
  /** `spec.destination.namespace` of the Application. */
  readonly namespace: string;
  /** The Application syncs with `CreateNamespace=true`. @default false */
  readonly createNamespace?: boolean;
  /** `spec.syncPolicy.managedNamespaceMetadata` labels, shown on the created namespace. @default none */
  readonly managedNamespaceLabels?: Readonly<Record<string, string>>;
}

/** One task of the sync: an object applied (resource) or run (hook) in one phase and wave. */
export interface PlanTask {
  readonly phase: SyncPhase;
  readonly wave: number;
  readonly hook: boolean;
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** After Argo CD's enrichment: the destination namespace when the object has none. */
  readonly namespace: string;
  /** The rendered object; undefined for the namespace `CreateNamespace=true` creates. */
  readonly object: K8sObject | undefined;
  /** What Argo CD waits for on this task before the next step (undefined: nothing). */
  readonly waitsFor: string | undefined;
  /** Why the task is where it is when Argo CD moved it (adjustDeps, CreateNamespace). */
  readonly note?: string;
  /** Index of the step (phase, wave) the task belongs to. */
  readonly step: number;
}

export interface PlanStep {
  readonly index: number;
  readonly phase: SyncPhase;
  readonly wave: number;
  readonly tasks: readonly PlanTask[];
  /** Argo CD waits for the step's tasks before the next step; false for the last one. */
  readonly awaited: boolean;
}

export interface SyncPlan {
  readonly namespace: string;
  readonly tasks: readonly PlanTask[];
  readonly steps: readonly PlanStep[];
  /** Namespace created before the dry run and before any step (rendered, or by CreateNamespace=true). */
  readonly namespaceCreatedFirst: string | undefined;
}

interface MutableTask {
  phase: SyncPhase;
  wave: number;
  hook: boolean;
  group: string;
  kind: string;
  name: string;
  namespace: string;
  object: K8sObject | undefined;
  note?: string;
}

const phaseRank = (p: SyncPhase) => SYNC_PHASES.indexOf(p);

/** Argo CD's `syncTasks.Less`: phase, wave, kind order, name. */
export function compareTasks(a: MutableTask | PlanTask, b: MutableTask | PlanTask): number {
  return (
    phaseRank(a.phase) - phaseRank(b.phase) ||
    a.wave - b.wave ||
    kindRank(a.kind) - kindRank(b.kind) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

/** `adjustDeps`: move each dependency before the first task that references it, into that task's phase and wave. */
function adjustDeps(
  tasks: MutableTask[],
  isDep: (t: MutableTask) => string | undefined,
  refs: (t: MutableTask) => string | undefined,
  note: (key: string) => string,
): void {
  const first = new Map<string, number>();
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i];
    const dep = isDep(t);
    if (dep !== undefined) {
      const index = first.get(dep);
      if (index !== undefined) {
        t.wave = tasks[index].wave;
        t.phase = tasks[index].phase;
        t.note = t.note ? `${t.note}; ${note(dep)}` : note(dep);
        for (let j = i; j > index; j--) tasks[j] = tasks[j - 1];
        tasks[index] = t;
        for (const [k, v] of first) if (v >= index) first.set(k, v + 1);
      }
    } else {
      const ref = refs(t);
      if (ref !== undefined && !first.has(ref)) first.set(ref, i);
    }
  }
}

/** The plan Argo CD follows for these objects (as rendered by helm template / kustomize build). */
export function buildSyncPlan(objects: readonly K8sObject[], options: PlanOptions): SyncPlan {
  const tasks: MutableTask[] = [];
  for (const o of objects) {
    for (const phase of syncPhasesOf(o)) {
      tasks.push({
        phase,
        wave: waveOf(o),
        hook: isHook(o),
        group: groupOf(o.apiVersion),
        kind: o.kind,
        name: o.metadata?.name ?? '',
        // sync_context.go: "If target object's namespace is empty, we set namespace in the object" (cluster-scoped too).
        namespace: o.metadata?.namespace || options.namespace,
        object: o,
      });
    }
  }
  const renderedNs = objects.find(
    (o) => o.kind === 'Namespace' && groupOf(o.apiVersion) === '' && o.metadata?.name === options.namespace,
  );
  let namespaceCreatedFirst: string | undefined = renderedNs ? options.namespace : undefined;
  if (options.createNamespace && options.namespace && !renderedNs) {
    tasks.push({
      phase: 'PreSync',
      wave: 0,
      hook: false,
      group: '',
      kind: 'Namespace',
      name: options.namespace,
      namespace: options.namespace,
      object: undefined,
      note: `CreateNamespace=true${
        options.managedNamespaceLabels && Object.keys(options.managedNamespaceLabels).length
          ? ' (labels from managedNamespaceMetadata)'
          : ''
      }: created before the dry run`,
    });
    namespaceCreatedFirst = options.namespace;
  }
  if (renderedNs)
    for (const t of tasks)
      if (t.object === renderedNs) t.note = 'the destination namespace: created before the dry run';
  tasks.sort(compareTasks);
  adjustDeps(
    tasks,
    (t) => (t.kind === 'Namespace' && t.group === '' ? t.name : undefined),
    (t) => t.namespace || undefined,
    (ns) => `moved before the first object in namespace ${ns} (Argo CD adjustDeps)`,
  );
  adjustDeps(
    tasks,
    (t) =>
      t.kind === 'CustomResourceDefinition' && t.group === 'apiextensions.k8s.io'
        ? `${t.object?.spec?.group}/${t.object?.spec?.names?.kind}`
        : undefined,
    (t) => `${t.group}/${t.kind}`,
    (gk) => `moved before the first ${gk} (Argo CD adjustDeps)`,
  );
  const steps: { phase: SyncPhase; wave: number; tasks: MutableTask[] }[] = [];
  for (const t of tasks) {
    const last = steps[steps.length - 1];
    if (last && last.phase === t.phase && last.wave === t.wave) last.tasks.push(t);
    else steps.push({ phase: t.phase, wave: t.wave, tasks: [t] });
  }
  // SyncFail tasks run only when the sync fails: they are not steps of a successful sync.
  const ordinary = steps.filter((s) => s.phase !== 'SyncFail');
  const planTasks: PlanTask[] = [];
  const planSteps: PlanStep[] = steps.map((s, index) => {
    const awaited = s.phase !== 'SyncFail' && s !== ordinary[ordinary.length - 1];
    const stepTasks = s.tasks.map((t) => {
      const pt: PlanTask = {
        ...t,
        step: index,
        waitsFor: t.object
          ? t.hook
            ? 'hook completes (Job Complete / Pod Succeeded)'
            : healthWait(t.object)
          : undefined,
      };
      planTasks.push(pt);
      return pt;
    });
    return { index, phase: s.phase, wave: s.wave, tasks: stepTasks, awaited };
  });
  return { namespace: options.namespace, tasks: planTasks, steps: planSteps, namespaceCreatedFirst };
}
