/**
 * Render many systems on every core: the systems are independent until their outputs are assembled, so
 * worker threads render them in parallel with this thread, each taking the next system from one queue.
 * A worker loads the systems itself (definitions are code, not data) through a loader module named by
 * {@link SystemSource}, renders, and sends back plain data (values, objects, file contents); the files are
 * assembled here in the systems' order, so the result is byte-identical to {@link renderWorkspace}.
 *
 * Threads cost a start-up (loading the pipeline and the systems' code), so few systems render in this
 * thread alone: below {@link PARALLEL_MIN_SYSTEMS}, or with `$GITOPS_RENDER_THREADS=1`.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  assembleWorkspace,
  renderSystem,
  type ArgoCdRenderer,
  type SystemRender,
  type WorkspaceRender,
} from './pipeline';
import type { LoadedSystem } from './registry';
import { ConfigError } from './system';
import { TemplateInferenceError } from './template-inference';

/** Where a worker gets system definitions: `(await import(module))[exportName](names, ...args)` → LoadedSystem[]. */
export interface SystemSource {
  /** Absolute path of the module. */
  readonly module: string;
  readonly exportName: string;
  /** More arguments after the names (structured-cloneable). @default [] */
  readonly args?: readonly unknown[];
}

/** The workspace's own systems (`apps/<name>/src/system.ts`, image lock applied), as `loadSystems` loads them. */
export function registrySource(workspaceRoot: string): SystemSource {
  return {
    module: join(__dirname, `registry${__filename.endsWith('.ts') ? '.ts' : '.js'}`),
    exportName: 'loadSystemsInThread',
    args: [workspaceRoot],
  };
}

/** Systems from which threads are worth their start-up (about one second each). */
export const PARALLEL_MIN_SYSTEMS = 24;

export interface ParallelOptions {
  /** How workers load the systems. Without it, everything renders in this thread. */
  readonly source?: SystemSource;
  /** Renderers in all, this thread included. @default $GITOPS_RENDER_THREADS, else os.availableParallelism() */
  readonly threads?: number;
  /** @default {@link PARALLEL_MIN_SYSTEMS} */
  readonly minSystems?: number;
}

/** The plain-data part of a SystemRender (what crosses threads). */
export interface RenderedData {
  readonly name: string;
  readonly samples: SystemRender['samples'];
  readonly chart: SystemRender['chart'];
  readonly overlays: SystemRender['overlays'];
}

type WorkerReply =
  { readonly i: number; readonly data: RenderedData } | { readonly i: number; readonly error: WorkerError };

/** An error crossing threads: its class as one of those the CLI tells apart. */
export interface WorkerError {
  readonly kind: 'inference' | 'config' | 'other';
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export function workerError(err: unknown): WorkerError {
  const e = err as Error;
  return {
    kind:
      err instanceof TemplateInferenceError ? 'inference' : err instanceof ConfigError ? 'config' : 'other',
    name: String(e?.name ?? 'Error'),
    message: String(e?.message ?? err),
    ...(typeof e?.stack === 'string' ? { stack: e.stack } : {}),
  };
}

function threadCount(o: ParallelOptions): number {
  const env = Number(process.env.GITOPS_RENDER_THREADS);
  return Math.max(1, Math.floor(o.threads ?? (env > 0 ? env : availableParallelism())));
}

/** {@link renderWorkspace} on every core. Same files, same errors (the first failing system in order). */
export async function renderWorkspaceParallel(
  systems: readonly LoadedSystem[],
  argocd: ArgoCdRenderer | undefined,
  options: ParallelOptions = {},
): Promise<WorkspaceRender> {
  return assembleWorkspace(await renderSystemsParallel(systems, options), systems, argocd);
}

/** {@link renderSystem} of each system, on every core; in order. Throws the first failing system's error. */
export async function renderSystemsParallel(
  systems: readonly LoadedSystem[],
  options: ParallelOptions = {},
): Promise<SystemRender[]> {
  const threads = threadCount(options);
  const workers = Math.min(threads - 1, Math.ceil(systems.length / 4));
  if (!options.source || workers < 1 || systems.length < (options.minSystems ?? PARALLEL_MIN_SYSTEMS)) {
    return systems.map((s) => renderSystem(s.definition));
  }
  const renders: (SystemRender | undefined)[] = new Array(systems.length);
  const errors: (Error | undefined)[] = new Array(systems.length);
  let next = 0;
  const take = () => (next < systems.length ? next++ : -1);
  const pool = Array.from({ length: workers }, () => {
    const w = new Worker(workerBootstrap(), {
      eval: true,
      workerData: { source: options.source, names: systems.map((s) => s.definition.name) },
    });
    return new Promise<void>((resolve, reject) => {
      const feed = () => {
        const i = take();
        if (i < 0) {
          void w.terminate().then(() => resolve());
          return;
        }
        w.postMessage(i);
      };
      w.on('message', (m: WorkerReply | 'ready') => {
        if (m !== 'ready') {
          if ('data' in m) renders[m.i] = { ...m.data, system: systems[m.i].definition };
          else errors[m.i] = reviveError(m.error);
        }
        feed();
      });
      w.on('error', reject);
      w.on('exit', (code) =>
        code === 0 || code === 1 ? resolve() : reject(new Error(`render worker exited with ${code}`)),
      );
    });
  });
  // This thread renders too, one system at a time, yielding so worker replies are taken between systems.
  const here = (async () => {
    for (let i = take(); i >= 0; i = take()) {
      try {
        renders[i] = renderSystem(systems[i].definition);
      } catch (err) {
        errors[i] = err as Error;
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  await Promise.all([here, ...pool]);
  const failed = errors.findIndex((e) => e !== undefined);
  if (failed >= 0) throw errors[failed];
  return renders as SystemRender[];
}

/**
 * The worker's entry: the compiled `render-worker.js` beside this file, or (running from the TypeScript
 * sources) `render-worker.ts` through tsx's CommonJS loader (its ESM one is main-thread only on Node 20), registered in the thread before it is required.
 */
function workerBootstrap(): string {
  if (!__filename.endsWith('.ts')) return `require(${JSON.stringify(join(__dirname, 'render-worker.js'))});`;
  return [
    `require(${JSON.stringify(require.resolve('tsx/cjs'))});`,
    `require(${JSON.stringify(join(__dirname, 'render-worker.ts'))});`,
  ].join('\n');
}

/** The worker's error as the class the caller expects (a ConfigError prints without a stack trace). */
function reviveError(e: WorkerError): Error {
  const err =
    e.kind === 'inference'
      ? new TemplateInferenceError(e.message)
      : e.kind === 'config'
        ? new ConfigError(e.message)
        : Object.assign(new Error(e.message), { name: e.name });
  if (e.stack) err.stack = e.stack;
  return err;
}
