import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ARGOCD_OUTPUT_DIR,
  discoverArgoSources,
  getToolchain,
  parseManifests,
  renderArgoSourceAsync,
  type ArgoRenderSource,
  type K8sObject,
  type ToolchainId,
} from '@gitops/toolchain';
import { loadConfig, type ResolvedConfig } from './config';
import { countChanges, diffManifests } from './diff-manifests';
import {
  changedFiles,
  defaultBase,
  DiffUserError,
  exportTree,
  mergeBase,
  repoRoot,
  resolveCommit,
} from './git';
import { nxAffectedProjects } from './nx';
import { selectChanged } from './select';
import { inputsChanged, renderInputs } from './inputs';
import type { AppPreview, ObjectChange, PreviewReport, RiskFlag, Selection } from './types';

/** Folders exported from a commit for rendering: what Argo CD reads. */
export const RENDER_PATHS: readonly string[] = ['charts', 'overlays'];

export interface PreviewOptions {
  /** Any folder inside the repository. @default process.cwd() */
  readonly repoDir?: string;
  /** Base ref. @default merge-base of HEAD and origin/main (else main) */
  readonly base?: string;
  /** Head ref. @default the working tree (HEAD plus uncommitted and untracked changes) */
  readonly head?: string;
  /** Only these systems / environments (of those reached, or of all with `all`). */
  readonly systems?: readonly string[];
  readonly environments?: readonly string[];
  /** Preview every application, whatever the change reaches. */
  readonly all?: boolean;
  /** Config file (repository-relative or absolute). @default .gitops-diff.yaml when present */
  readonly configFile?: string;
  readonly toolchain?: ToolchainId;
  /** Parallel helm/kustomize processes. @default 8 */
  readonly concurrency?: number;
  /**
   * Skip rendering an application whose render inputs (chart or overlay folders, its Application's source) no
   * changed file touches: it cannot change. @default true
   */
  readonly skipUnchanged?: boolean;
  /** Override Nx (tests). */
  readonly nxAffected?: (repoDir: string, files: readonly string[]) => readonly string[] | Error;
}

async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

type Side = { text: string } | { error: string } | undefined;

const cleanError = (err: any, dir: string, label: string) => {
  const msg = String(err?.message ?? err)
    .split(dir)
    .join(`<${label}>`);
  return `${label}: ${msg.length > 2000 ? `${msg.slice(0, 2000)} … [${msg.length} characters]` : msg}`;
};

/** A YAML parse error without its code frame (which could quote a secret line of the rendered output). */
const parseError = (err: any, label: string) => `${label}: ${String(err?.message ?? err).split('\n')[0]}`;

async function renderSide(
  dir: string,
  label: string,
  source: ArgoRenderSource | undefined,
  toolchain?: ToolchainId,
): Promise<Side> {
  if (!source) return undefined;
  try {
    return { text: await renderArgoSourceAsync(dir, source, toolchain) };
  } catch (err: any) {
    return { error: cleanError(err, dir, label) };
  }
}

/** Objects in a helm/kustomize stream, counted without parsing (every document has a top-level `kind:`). */
const countObjects = (text: string) => (text.match(/^kind:/gm) ?? []).length;

/** The render-relevant part of a source: two sources with equal specs render the same inputs the same way. */
const renderSpec = (s: ArgoRenderSource) => JSON.stringify({ ...s, definedIn: undefined });

function sortApps(a: { system: string; environment: string; application: string }, b: typeof a): number {
  return (
    a.system.localeCompare(b.system) ||
    a.environment.localeCompare(b.environment) ||
    a.application.localeCompare(b.application)
  );
}

/**
 * Preview what a change does to the rendered manifests: select the applications the change reaches,
 * render base and head exactly as Argo CD does (real helm/kustomize, the Applications' own flags, in parallel)
 * and compare them object by object. All git and rendering IO of the library lives here.
 */
export async function runPreview(options: PreviewOptions = {}): Promise<PreviewReport> {
  const started = Date.now();
  const timings: Record<string, number> = {};
  let lapStart = performance.now();
  const lap = (phase: string) => {
    const now = performance.now();
    timings[phase] = Math.round(now - lapStart);
    lapStart = now;
  };
  const repo = await repoRoot(options.repoDir ?? process.cwd());
  const config: ResolvedConfig = loadConfig(repo, options.configFile);
  const notes: string[] = [];

  // Refs.
  const headSha = options.head
    ? await resolveCommit(repo, options.head)
    : await resolveCommit(repo, 'HEAD').catch(() => undefined);
  if (!headSha) throw new DiffUserError('the repository has no commit yet');
  const baseRef = options.base
    ? { ref: options.base, sha: await resolveCommit(repo, options.base) }
    : await defaultBase(repo);
  const mb = (await mergeBase(repo, baseRef.sha, headSha)) ?? baseRef.sha;
  if (mb !== baseRef.sha)
    notes.push(`Compared against the merge base ${mb.slice(0, 7)} of ${baseRef.ref} and the head.`);

  lap('refs');
  const tmp = mkdtempSync(join(tmpdir(), 'gitops-diff-'));
  try {
    const baseDir = join(tmp, 'base');
    const headDir = options.head ? join(tmp, 'head') : repo;
    mkdirSync(baseDir);
    if (options.head) mkdirSync(headDir);
    const pending = Promise.all([
      changedFiles(repo, mb, options.head ? headSha : undefined),
      exportTree(repo, mb, RENDER_PATHS, baseDir),
      options.head ? exportTree(repo, headSha, RENDER_PATHS, headDir) : Promise.resolve(),
    ]);
    // Verify the helm/kustomize binaries (sha256, synchronous) while git exports the trees.
    getToolchain(options.toolchain);
    const [files] = await pending;

    lap('export');
    const headSources = new Map(discoverArgoSources(headDir).map((s) => [s.application, s]));
    // The Application files are identical on both sides when none of them changed: read them once.
    const argocdChanged = files.some((f) => f.startsWith(`${ARGOCD_OUTPUT_DIR}/`));
    const baseSources = argocdChanged
      ? new Map(discoverArgoSources(baseDir).map((s) => [s.application, s]))
      : headSources;
    const allApps = [...new Set([...baseSources.keys(), ...headSources.keys()])];
    const sourceOf = (app: string) => (headSources.get(app) ?? baseSources.get(app))!;
    const systems = [...new Set(allApps.map((a) => sourceOf(a).system))].sort();
    const environments = [...new Set(allApps.map((a) => sourceOf(a).environment))].sort();
    for (const [flag, given, known] of [
      ['system', options.systems, systems],
      ['environment', options.environments, environments],
    ] as const) {
      const unknown = (given ?? []).filter((g) => !known.includes(g));
      if (unknown.length)
        throw new DiffUserError(
          `unknown ${flag} ${unknown.join(', ')} (known: ${known.join(', ') || 'none'})`,
        );
    }

    lap('discover');
    let selection: Selection;
    if (options.all) {
      selection = {
        systems,
        applications: [],
        reasons: Object.fromEntries(systems.map((s) => [s, ['--all']])),
        changedFiles: files,
        ignoredFiles: [],
        nx: 'forced',
      };
    } else {
      const nx = options.nxAffected ?? nxAffectedProjects;
      const sel = selectChanged({
        changedFiles: files,
        systems,
        applicationsInFile: (f) =>
          allApps
            .filter((a) => baseSources.get(a)?.definedIn === f || headSources.get(a)?.definedIn === f)
            .map((a) => ({ application: a, system: sourceOf(a).system })),
        nxAffected: (fs) => nx(repo, fs),
      });
      selection = sel.selection;
      notes.push(...sel.notes);
    }

    const wanted = allApps
      .filter(
        (a) =>
          options.all || selection.systems.includes(sourceOf(a).system) || selection.applications.includes(a),
      )
      .filter((a) => !options.systems?.length || options.systems.includes(sourceOf(a).system))
      .filter((a) => !options.environments?.length || options.environments.includes(sourceOf(a).environment));
    const notReached = allApps.filter((a) => !wanted.includes(a)).sort();

    lap('select');
    // Applications no changed file can reach are not rendered at all.
    const unchanged = new Set(
      options.skipUnchanged === false
        ? []
        : wanted.filter((a) => {
            const b = baseSources.get(a);
            const h = headSources.get(a);
            if (!b || !h || renderSpec(b) !== renderSpec(h)) return false;
            const bi = renderInputs(baseDir, b);
            const hi = renderInputs(headDir, h);
            return !!bi && !!hi && !inputsChanged(bi, files) && !inputsChanged(hi, files);
          }),
    );
    // Render base and head of every other wanted application, all in parallel.
    const jobs = wanted
      .filter((a) => !unchanged.has(a))
      .flatMap((a) => [
        { app: a, side: 'base' as const, dir: baseDir, source: baseSources.get(a) },
        { app: a, side: 'head' as const, dir: headDir, source: headSources.get(a) },
      ]);
    const results = await pool(jobs, options.concurrency ?? 8, (j) =>
      renderSide(j.dir, j.side, j.source, options.toolchain),
    );
    const rendered = new Map<string, Side>(jobs.map((j, i) => [`${j.side} ${j.app}`, results[i]]));

    lap('render');
    const apps: AppPreview[] = wanted.map((a) => {
      const src = sourceOf(a);
      const assess = config.riskEnvironments.includes(src.environment);
      const b = rendered.get(`base ${a}`);
      const h = rendered.get(`head ${a}`);
      const errors = [b, h].filter((x): x is { error: string } => !!x && 'error' in x).map((x) => x.error);
      const bt = b && 'text' in b ? b.text : '';
      const ht = h && 'text' in h ? h.text : '';
      let changes: ObjectChange[] = [];
      if (!errors.length && !unchanged.has(a) && bt !== ht) {
        let bo: K8sObject[] = [];
        let ho: K8sObject[] = [];
        try {
          bo = parseManifests(bt, `${a} (base)`);
        } catch (err) {
          errors.push(parseError(err, 'base'));
        }
        try {
          ho = parseManifests(ht, `${a} (head)`);
        } catch (err) {
          errors.push(parseError(err, 'head'));
        }
        if (!errors.length) changes = diffManifests(bo, ho, { ...config.diff, assessRisk: assess });
      }
      const risks: RiskFlag[] = changes.flatMap((c) => c.risks);
      return {
        application: a,
        system: src.system,
        environment: src.environment,
        form: src.form,
        path: src.path,
        namespace: src.namespace,
        presence:
          baseSources.has(a) && headSources.has(a) ? 'both' : headSources.has(a) ? 'added' : 'removed',
        ...(errors.length ? { error: errors.join('\n') } : {}),
        changes,
        counts: countChanges(changes),
        objects: unchanged.has(a) ? undefined : { base: countObjects(bt), head: countObjects(ht) },
        ...(unchanged.has(a) ? { inputsUnchanged: true } : {}),
        riskAssessed: assess,
        risks,
      };
    });
    apps.sort(sortApps);
    lap('diff');
    if (!allApps.length)
      notes.push(
        'No Argo CD Application with gitops.platform/system and environment labels under overlays/argocd/ on either side.',
      );
    if (config.source)
      notes.push(
        `Config: ${config.source.startsWith(repo) ? config.source.slice(repo.length + 1) : config.source}.`,
      );

    return {
      base: { ref: options.base ?? `merge-base with ${baseRef.ref}`, sha: mb },
      head: options.head ? { ref: options.head, sha: headSha } : { ref: 'working tree', sha: headSha },
      selection,
      apps,
      notReached,
      notes,
      durationMs: Date.now() - started,
      timings,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Exit code of `--exit-code`: 0 no change, 2 changes, 1 error. */
export function exitCodeOf(report: PreviewReport): 0 | 1 | 2 {
  if (report.apps.some((a) => a.error)) return 1;
  return report.apps.some((a) => a.changes.length) ? 2 : 0;
}
