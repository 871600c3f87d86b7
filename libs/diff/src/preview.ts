import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import {
  ARGOCD_OUTPUT_DIR,
  getToolchain,
  parseManifests,
  renderArgoSourceAsync,
  type ArgoRenderSource,
  type K8sObject,
  type ToolchainId,
} from '@gitops/toolchain';
import { discoverSources, readDirectorySource, type PreviewSource } from './argo-apps';
import { syncPolicyOf, syncPolicyText, type SyncPolicySummary } from './argo-semantics';
import { outOfBoundsSymlink, OutsideRepositoryError, resolveValueFile } from './bounds';
import { CONFIG_FILE, DiffConfigError, parseConfig, resolveConfig, type ResolvedConfig } from './config';
import { countChanges, diffManifests, expandLists } from './diff-manifests';
import {
  changedFiles,
  defaultBase,
  DiffUserError,
  exportTree,
  git,
  mergeBase,
  repoRoot,
  resolveCommit,
  showFile,
  symlinksOf,
} from './git';
import { inputsChanged, renderInputs } from './inputs';
import { createMasker, redactText } from './masking';
import { affectedProjects } from './nx';
import { applicationRisks } from './risk';
import { classifyFile, selectChanged } from './select';
import { canRenderInProcess, checkStale, prepareSystems, type PreparedSystems } from './stale';
import type { AppPreview, ObjectChange, PreviewReport, RiskFlag, Selection, StaleCheck } from './types';

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
  /** Config file, a repository path read **at the base commit** (never from the change under review). @default .gitops-diff.yaml */
  readonly configFile?: string;
  readonly toolchain?: ToolchainId;
  /** Parallel helm/kustomize processes. @default 8 */
  readonly concurrency?: number;
  /**
   * Skip rendering an application whose render inputs (chart or overlay folders, its Application's source) no
   * changed file touches: it cannot change. @default true
   */
  readonly skipUnchanged?: boolean;
  /** Compare the committed outputs with a fresh render of the head's sources. @default true */
  readonly staleCheck?: boolean;
  /** Override Nx (tests). */
  readonly nxAffected?: (
    repoDir: string,
    files: readonly string[],
  ) => readonly string[] | Error | Promise<readonly string[] | Error>;
}

async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<Promise<R>[]> {
  const out: Promise<R>[] = [];
  let running = 0;
  const queue: (() => void)[] = [];
  for (const item of items) {
    out.push(
      (async () => {
        if (running >= limit) await new Promise<void>((r) => queue.push(r));
        running++;
        try {
          return await fn(item);
        } finally {
          running--;
          queue.shift()?.();
        }
      })(),
    );
  }
  return out;
}

type Side = { text: string } | { error: string } | undefined;

const cleanError = (err: any, dir: string, label: string) => {
  const msg = redactText(
    String(err?.message ?? err)
      .split(dir)
      .join(`<${label}>`),
  );
  return `${label}: ${msg.length > 2000 ? `${msg.slice(0, 2000)} … [${msg.length} characters]` : msg}`;
};

/** A YAML parse error without its code frame (which could quote a secret line of the rendered output). */
const parseError = (err: any, label: string) => `${label}: ${String(err?.message ?? err).split('\n')[0]}`;

/** Render one source exactly as Argo CD does: value files resolved and bounded like Argo CD, then helm/kustomize, or the directory's files. */
async function renderSource(dir: string, s: PreviewSource, toolchain?: ToolchainId): Promise<string> {
  if (s.form === 'directory') return readDirectorySource(dir, s);
  const valueFiles =
    s.form === 'helm' ? (s.valueFiles ?? []).map((f) => resolveValueFile(dir, s.path, f)) : undefined;
  const src: ArgoRenderSource = {
    ...s,
    form: s.form === 'helm' ? 'helm' : 'kustomize',
    valueFiles,
  };
  return renderArgoSourceAsync(dir, src, toolchain);
}

async function renderSide(
  dir: string,
  label: string,
  source: PreviewSource | undefined,
  oob: string | undefined,
  toolchain?: ToolchainId,
): Promise<Side> {
  if (!source || source.refused) return undefined;
  if (oob)
    return {
      error: `${label}: repository contains out-of-bounds symlinks. file: ${oob} (Argo CD renders no application of this revision)`,
    };
  try {
    return { text: await renderSource(dir, source, toolchain) };
  } catch (err: any) {
    if (err instanceof OutsideRepositoryError)
      return { error: `${label}: ${err.message} (Argo CD refuses it)` };
    return { error: cleanError(err, dir, label) };
  }
}

/** Objects in a helm/kustomize stream, counted without parsing (every document has a top-level `kind:`). */
const countObjects = (text: string) => (text.match(/^kind:/gm) ?? []).length;

/** The render-relevant part of a source: two sources with equal specs render the same inputs the same way. */
const renderSpec = (s: PreviewSource) =>
  JSON.stringify({ ...s, definedIn: undefined, app: s.app?.spec?.source });

function sortApps(a: { system: string; environment: string; application: string }, b: typeof a): number {
  return (
    a.system.localeCompare(b.system) ||
    a.environment.localeCompare(b.environment) ||
    a.application.localeCompare(b.application)
  );
}

/** Environments of the platform: the folders under overlays/argocd on either side. */
function environmentsOf(...sources: Map<string, PreviewSource>[]): string[] {
  return [...new Set(sources.flatMap((m) => [...m.values()].map((s) => s.environment)))]
    .filter(Boolean)
    .sort();
}

/**
 * Preview what a change does to the rendered manifests: select the applications the change reaches,
 * render base and head exactly as Argo CD does (real helm/kustomize, the Applications' own flags, in parallel)
 * and compare them object by object; check that the committed outputs match the head's sources.
 * All git and rendering IO of the library lives here.
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

  // The preview's configuration comes from the base, never from the change under review.
  const configPath = options.configFile ?? CONFIG_FILE;
  if (configPath.startsWith('/') || configPath.split('/').includes('..'))
    throw new DiffConfigError(
      `--config ${configPath}: must be a path inside the repository (read at the base commit)`,
    );
  const configText = await showFile(repo, mb, configPath);
  if (options.configFile && configText === undefined)
    throw new DiffConfigError(
      `config file ${configPath} does not exist at the base commit ${mb.slice(0, 7)}`,
    );
  const config: ResolvedConfig =
    configText === undefined
      ? resolveConfig()
      : parseConfig(configText, `${configPath} (base ${mb.slice(0, 7)})`);
  const mask = createMasker();

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
      symlinksOf(repo, mb),
      symlinksOf(repo, options.head ? headSha : undefined),
    ]);
    // Verify the helm/kustomize binaries (sha256, synchronous) while git exports the trees.
    getToolchain(options.toolchain);
    const [files, , , baseLinks, headLinks] = await pending;
    const oob = { base: outOfBoundsSymlink(baseLinks), head: outOfBoundsSymlink(headLinks) };
    if (oob.head)
      notes.push(
        `The head contains an out-of-bounds symlink (${oob.head}): Argo CD refuses to render any application of this revision.`,
      );
    if (files.includes(configPath))
      notes.push(
        `This change edits ${configPath}; the preview uses the base branch's version (the edit applies after merge).`,
      );

    lap('export');
    const discover = (dir: string, label: string) => {
      try {
        return new Map(discoverSources(dir).map((s) => [s.application, s]));
      } catch (err: any) {
        throw new DiffUserError(`${label}: ${String(err?.message ?? err).split('\n')[0]}`);
      }
    };
    const headSources = discover(headDir, 'head');
    // The Application files are identical on both sides when none of them changed: read them once.
    const argocdChanged = files.some((f) => f.startsWith(`${ARGOCD_OUTPUT_DIR}/`));
    const baseSources = argocdChanged ? discover(baseDir, 'base') : headSources;
    const allApps = [...new Set([...baseSources.keys(), ...headSources.keys()])];
    const sourceOf = (app: string) => (headSources.get(app) ?? baseSources.get(app))!;
    const systems = [...new Set(allApps.map((a) => sourceOf(a).system))].sort();
    const environments = environmentsOf(baseSources, headSources);
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
    // Nx (a separate process) and the in-process synthesis of the sources for the stale check are the two
    // expensive steps of a source change: run them at the same time.
    const forNx = options.all ? [] : files.filter((f) => classifyFile(f, new Set(systems)).kind === 'nx');
    const nxPending = forNx.length
      ? Promise.resolve((options.nxAffected ?? affectedProjects)(repo, forNx))
      : undefined;
    const sourceSystems = globSync('apps/*/src/system.ts', { cwd: repo }).map((f) => f.split('/')[1]);
    const staleApplicable =
      options.staleCheck !== false && sourceSystems.length > 0 && canRenderInProcess(repo) && !options.head;
    const touchesSources = files.some((f) => classifyFile(f, new Set(systems)).kind !== 'ignored');
    let prepared: Promise<PreparedSystems> | undefined;
    if (staleApplicable && touchesSources && !options.systems?.length) {
      // Every system while Nx decides (a library change usually reaches them all), else only those reached directly.
      const direct = [
        ...new Set(
          files
            .map((f) => classifyFile(f, new Set(systems)))
            .flatMap((r) => (r.kind === 'system' ? [r.system] : [])),
        ),
      ];
      prepared = prepareSystems(repo, nxPending ? undefined : direct);
      prepared.catch(() => undefined); // reported by the check itself
    }
    const nxResult = nxPending ? await nxPending : undefined;
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
      const pseudo = (s: PreviewSource | undefined, f: string) =>
        !!s && s.role !== 'application' && (f === s.path || f.startsWith(`${s.path}/`));
      const sel = selectChanged({
        changedFiles: files,
        systems,
        applicationsInFile: (f) =>
          allApps
            .filter(
              (a) =>
                baseSources.get(a)?.definedIn === f ||
                headSources.get(a)?.definedIn === f ||
                pseudo(baseSources.get(a), f) ||
                pseudo(headSources.get(a), f),
            )
            .map((a) => ({ application: a, system: sourceOf(a).system })),
        nxAffected: () => nxResult ?? [],
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
    const inputsOf = (dir: string, s: PreviewSource) =>
      s.form === 'helm' || s.form === 'kustomize' || s.form === 'argocd'
        ? renderInputs(dir, { ...s, form: s.form === 'helm' ? 'helm' : 'kustomize' } as ArgoRenderSource)
        : { dirs: [s.path] };
    const unchanged = new Set(
      options.skipUnchanged === false
        ? []
        : wanted.filter((a) => {
            const b = baseSources.get(a);
            const h = headSources.get(a);
            if (!b || !h || renderSpec(b) !== renderSpec(h) || oob.base !== oob.head) return false;
            const bi = inputsOf(baseDir, b);
            const hi = inputsOf(headDir, h);
            return !!bi && !!hi && !inputsChanged(bi, files) && !inputsChanged(hi, files);
          }),
    );

    // Stale outputs: which systems' sources to render, and whether that is possible here.
    let staleResult: StaleCheck | undefined;
    const staleSystems = selection.systems.filter(
      (s) =>
        s !== 'argocd' &&
        (!options.systems?.length || options.systems.includes(s)) &&
        (sourceSystems.includes(s) ||
          existsSync(join(headDir, 'charts', s)) ||
          existsSync(join(headDir, 'overlays', s))),
    );
    const staleArgo =
      !options.systems?.length &&
      (staleSystems.length > 0 ||
        selection.systems.includes('argocd') ||
        files.some((f) => f.startsWith(`${ARGOCD_OUTPUT_DIR}/`) || f.startsWith('apps/argocd/')));
    let staleReason: string | undefined;
    if (options.staleCheck === false) staleReason = 'disabled';
    else if (!sourceSystems.length) staleReason = 'not-applicable';
    else if (!canRenderInProcess(repo))
      staleReason = `the repository is not the workspace this tool runs from: run the preview from a checkout of the head`;
    else if (options.head) {
      const current = await resolveCommit(repo, 'HEAD').catch(() => undefined);
      const dirty = (await git(repo, ['status', '--porcelain', '--untracked-files=normal'])).trim();
      if (current !== headSha || dirty)
        staleReason = `the head's sources are not checked out (check out ${options.head} and run the preview without --head)`;
    }
    const checkStaleNow = !staleReason && (staleSystems.length > 0 || staleArgo);
    if (!staleReason && !checkStaleNow) staleResult = undefined;
    else if (staleReason === 'not-applicable')
      staleResult = { status: 'not-applicable', systems: [], files: [], objects: [] };
    else if (staleReason && staleReason !== 'disabled' && (staleSystems.length || staleArgo))
      staleResult = { status: 'skipped', systems: staleSystems, files: [], objects: [], reason: staleReason };

    // Render base and head of every other wanted application, all in parallel; head renders the stale check needs too.
    type Job = { app: string; side: 'base' | 'head'; dir: string; source: PreviewSource | undefined };
    const jobs: Job[] = wanted
      .filter((a) => !unchanged.has(a))
      .flatMap((a) => [
        { app: a, side: 'base' as const, dir: baseDir, source: baseSources.get(a) },
        { app: a, side: 'head' as const, dir: headDir, source: headSources.get(a) },
      ]);
    const headAppOf = (system: string, env: string) =>
      [...headSources.values()].find(
        (s) => s.role === 'application' && s.system === system && s.environment === env,
      );
    if (checkStaleNow) {
      for (const s of staleSystems)
        for (const src of headSources.values())
          if (
            src.role === 'application' &&
            src.system === s &&
            !jobs.some((j) => j.side === 'head' && j.app === src.application)
          )
            jobs.push({ app: src.application, side: 'head', dir: headDir, source: src });
    }
    const promises = await pool(jobs, options.concurrency ?? 8, (j) =>
      renderSide(j.dir, j.side, j.source, oob[j.side], options.toolchain),
    );
    const jobIndex = new Map(jobs.map((j, i) => [`${j.side} ${j.app}`, i]));
    if (checkStaleNow) {
      staleResult = await checkStale({
        repo,
        prepared,
        onTiming: (phase, ms) => (timings[phase] = ms),
        systems: staleSystems,
        argocd: staleArgo,
        headRender: async (system, env) => {
          const src = headAppOf(system, env);
          if (!src) return undefined;
          const i = jobIndex.get(`head ${src.application}`);
          return i === undefined ? undefined : promises[i];
        },
      });
      lap('stale');
    }
    const results = await Promise.all(promises);
    const rendered = new Map<string, Side>(jobs.map((j, i) => [`${j.side} ${j.app}`, results[i]]));

    lap('render');
    const apps: AppPreview[] = wanted.map((a) => {
      const src = sourceOf(a);
      const operational = config.riskEnvironments.includes(src.environment);
      const b = rendered.get(`base ${a}`);
      const h = rendered.get(`head ${a}`);
      const errors = [b, h].filter((x): x is { error: string } => !!x && 'error' in x).map((x) => x.error);
      const refused =
        headSources.get(a)?.refused ?? (headSources.has(a) ? undefined : baseSources.get(a)?.refused);
      const bt = b && 'text' in b ? b.text : '';
      const ht = h && 'text' in h ? h.text : '';
      const appObject = headSources.get(a)?.app ?? baseSources.get(a)?.app;
      const policy: SyncPolicySummary | undefined =
        src.role === 'bootstrap'
          ? { application: a, environment: src.environment, mode: 'kubectl', prune: false }
          : appObject
            ? syncPolicyOf(appObject, src.environment)
            : undefined;
      let changes: ObjectChange[] = [];
      let appRisks: RiskFlag[] = [];
      if (!errors.length && !refused && !unchanged.has(a) && bt !== ht) {
        let bo: K8sObject[] = [];
        let ho: K8sObject[] = [];
        try {
          bo = expandLists(parseManifests(bt, `${a} (base)`));
        } catch (err) {
          errors.push(parseError(err, 'base'));
        }
        try {
          ho = expandLists(parseManifests(ht, `${a} (head)`));
        } catch (err) {
          errors.push(parseError(err, 'head'));
        }
        if (!errors.length) {
          changes = diffManifests(bo, ho, {
            ...config.diff,
            assessRisk: true,
            mask,
            syncPolicy: policy,
            riskContext: { environment: src.environment, environments, operational },
          });
          appRisks = applicationRisks(bo, ho);
        }
      }
      const risks: RiskFlag[] = [...changes.flatMap((c) => c.risks), ...appRisks];
      return {
        application: a,
        system: src.system,
        environment: src.environment,
        form: src.form,
        path: src.path,
        namespace: src.namespace,
        role: src.role,
        presence:
          baseSources.has(a) && headSources.has(a) ? 'both' : headSources.has(a) ? 'added' : 'removed',
        ...(errors.length ? { error: errors.join('\n') } : {}),
        ...(refused ? { refused } : {}),
        ...(appObject && src.role !== 'bootstrap' ? { syncPolicy: syncPolicyText(appObject) } : {}),
        changes,
        counts: countChanges(changes),
        objects: unchanged.has(a) || refused ? undefined : { base: countObjects(bt), head: countObjects(ht) },
        ...(unchanged.has(a) ? { inputsUnchanged: true } : {}),
        riskAssessed: operational,
        risks,
      };
    });
    apps.sort(sortApps);
    lap('diff');
    if (!allApps.length) notes.push('No Argo CD Application under overlays/argocd/ on either side.');
    if (configText !== undefined)
      notes.push(`Config: ${configPath} as of the base commit ${mb.slice(0, 7)}.`);

    return {
      base: { ref: options.base ?? `merge-base with ${baseRef.ref}`, sha: mb },
      head: options.head ? { ref: options.head, sha: headSha } : { ref: 'working tree', sha: headSha },
      selection,
      apps,
      notReached,
      notes,
      ...(staleResult ? { stale: staleResult } : {}),
      durationMs: Date.now() - started,
      timings,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Exit code of `--exit-code`: 0 no change, 2 changes, 1 error, stale outputs or a refused application. */
export function exitCodeOf(report: PreviewReport): 0 | 1 | 2 {
  if (report.apps.some((a) => a.error || a.refused)) return 1;
  if (report.stale?.status === 'stale') return 1;
  return report.apps.some((a) => a.changes.length) ? 2 : 0;
}
