// @ts-check
/**
 * Local Nx plugin: infers the `render`, `validate` and `diff` targets of every system
 * (`apps/<system>/src/system.ts`) and the `render` target of `apps/argocd`, with exact inputs and outputs,
 * so that `nx affected` selects exactly the tasks a change reaches and the Nx cache never serves a stale
 * render. See docs/nx.md.
 *
 * Plain CommonJS on purpose: Nx 24 on Node 20 loads a `.ts` plugin only through swc-node or ts-node,
 * neither of which this workspace installs; a `.js` plugin loads offline with nothing extra.
 *
 * Nothing here lists systems: adding `apps/<name>/src/system.ts` adds the project and its targets.
 *
 * The commands run the compiled tools (tools/cli/bin/gitops.cjs: the same TypeScript, from the compile cache),
 * so a task starts in tens of milliseconds rather than transpiling at start.
 */
'use strict';
const { existsSync } = require('node:fs');
const { basename, dirname, join } = require('node:path');

/**
 * @typedef {object} GitopsPluginOptions
 * @property {string} [renderTargetName] name of the render target (default "render")
 * @property {string} [validateTargetName] name of the validate target (default "validate")
 * @property {string} [diffTargetName] name of the diff-preview target (default "diff")
 */
/** @typedef {import('@nx/devkit').TargetConfiguration} TargetConfiguration */
/** @typedef {import('@nx/devkit').CreateNodesResult} CreateNodesResult */

/** Matches the system files and the Argo CD app's `project.json`. */
const PROJECT_GLOB = 'apps/*/{src/system.ts,project.json}';

/** The folder of the Argo CD app: its render writes `overlays/argocd`. */
const ARGOCD_APP = 'apps/argocd';

/** `{ input: 'production', projects }`, or nothing when `projects` is empty. */
const productionOf = (/** @type {string[]} */ projects) => (projects.length ? [{ input: 'production', projects }] : []);

/**
 * The inputs of each target.
 *
 * - `production` (nx.json): the project's own files but tests, docs and test fixtures;
 *   `^production`: the same for every project it depends on: for a system, the libraries it imports
 *   (found by Nx's TypeScript import analysis through the `@gitops/*` aliases); for `argocd`, every system.
 * - the command-line tools a target runs and the libraries those import, named file by file and project by
 *   project, NOT through a graph dependency on `cli`: `cli` also imports `@gitops/diff`, and a dependency on
 *   it would make a change to the diff preview re-render every system. (Negative patterns cannot cut
 *   `^production` down: they apply to the whole input set of a target, but only to files of the project
 *   they are scoped to.)
 * - `gitopsShared` (nx.json): tsconfig.base.json (the aliases), package-lock.json (every npm version,
 *   including the helm/kustomize binaries resolved at run time), and the out-of-workspace schemas.
 *
 * @param {{ cli: string[], libs: string[], extra?: any[] }} tools
 */
function inputsOf(tools) {
  return ['production', '^production', 'gitopsShared', ...tools.cli.map((f) => `{workspaceRoot}/tools/cli/src/${f}`), ...productionOf(tools.libs), ...(tools.extra ?? [])];
}

const INPUTS = {
  /** tools/cli/src/render.ts → @gitops/render, @gitops/toolchain; verify.ts → @gitops/validation. */
  render: inputsOf({ cli: ['render.ts', 'render-cache.ts', 'verify.ts', 'verify-cache.ts', 'errors.ts'], libs: ['render', 'toolchain', 'environments', 'validation', 'images'] }),
  /**
   * tools/nx-plugin/src/validate-system.ts → the validate CLI of @gitops/validation, on a private view holding
   * the system's render outputs (its one dependency: the only outputs hashed) and its own Argo CD objects,
   * rendered in memory by the argocd app's code from the system's definition (@gitops/render's registry).
   */
  validate: inputsOf({
    cli: [],
    libs: ['validation', 'toolchain', 'environments', 'render', 'argocd', 'images'],
    extra: ['{workspaceRoot}/tools/nx-plugin/src/validate-system.ts', { dependentTasksOutputFiles: '**/*', transitive: false }],
  }),
  /**
   * tools/cli/src/diff.ts → @gitops/diff; the preview reads the config file and compares the committed
   * outputs (a hand edit of charts/<system> is a change Argo CD would deploy). Never cached.
   */
  diff: (/** @type {string} */ system) =>
    inputsOf({
      cli: ['diff.ts'],
      libs: ['diff', 'toolchain', 'render', 'environments', 'images'],
      extra: ['{workspaceRoot}/.gitops-diff.yaml', `{workspaceRoot}/charts/${system}/**/*`, `{workspaceRoot}/overlays/${system}/**/*`, '{workspaceRoot}/overlays/argocd/**/*'],
    }),
  /** tools/nx-plugin/src/render-argocd.ts → @gitops/render, tools/cli/src/verify.ts → @gitops/validation. */
  argocd: [
    ...inputsOf({ cli: ['verify.ts', 'verify-cache.ts', 'errors.ts'], libs: ['render', 'toolchain', 'environments', 'validation', 'images'] }),
    '{workspaceRoot}/tools/nx-plugin/src/render-argocd.ts',
  ],
};

/** @param {GitopsPluginOptions | undefined} options */
function resolveOptions(options) {
  return {
    render: options?.renderTargetName ?? 'render',
    validate: options?.validateTargetName ?? 'validate',
    diff: options?.diffTargetName ?? 'diff',
  };
}

/**
 * @param {string} name
 * @param {ReturnType<typeof resolveOptions>} o
 * @returns {Record<string, TargetConfiguration>}
 */
function systemTargets(name, o) {
  return {
    [o.render]: {
      command: `node tools/cli/bin/gitops.cjs render --system ${name} --quiet`,
      options: { cwd: '{workspaceRoot}' },
      cache: true,
      inputs: INPUTS.render,
      outputs: [`{workspaceRoot}/charts/${name}`, `{workspaceRoot}/overlays/${name}`],
      metadata: {
        description: `Render ${name} to charts/${name} and overlays/${name}/<env>, verified (parity, schemas, policies)`,
        technologies: ['cdk8s', 'helm', 'kustomize'],
      },
    },
    [o.validate]: {
      command: `node tools/cli/bin/gitops.cjs validate-system ${name} -summary`,
      options: { cwd: '{workspaceRoot}' },
      cache: true,
      // Argo CD's view of this system alone; overlays/argocd is argocd:render's (see validate-system.ts).
      dependsOn: [o.render],
      inputs: INPUTS.validate,
      outputs: [],
      metadata: { description: `Validate ${name} as Argo CD renders it (helm template / kustomize build, strict schemas, policies)` },
    },
    [o.diff]: {
      command: `node tools/cli/bin/gitops.cjs diff --system ${name}`,
      options: { cwd: '{workspaceRoot}' },
      cache: false,
      inputs: INPUTS.diff(name),
      metadata: { description: `Preview the rendered-manifest changes of ${name} (pass --base <ref>)` },
    },
  };
}

/**
 * @param {ReturnType<typeof resolveOptions>} o
 * @returns {Record<string, TargetConfiguration>}
 */
function argocdTargets(o) {
  return {
    [o.render]: {
      command: 'node tools/cli/bin/gitops.cjs render-argocd --quiet',
      options: { cwd: '{workspaceRoot}' },
      cache: true,
      inputs: INPUTS.argocd,
      outputs: ['{workspaceRoot}/overlays/argocd'],
      metadata: { description: 'Render the Argo CD AppProjects, Applications and root apps to overlays/argocd/<env>, verified' },
    },
  };
}

/**
 * The projects inferred from the matched files (workspace-relative paths). Pure but for existence checks.
 * `argocd` depends on every system: it reads their definitions through the registry, a dynamic import Nx
 * cannot see. Systems depend on the libraries they import (Nx's import analysis), nothing else.
 * @param {readonly string[]} files
 * @param {string} workspaceRoot
 * @param {GitopsPluginOptions} [options]
 * @returns {Array<readonly [string, CreateNodesResult]>}
 */
function inferProjects(files, workspaceRoot, options) {
  const o = resolveOptions(options);
  const systems = files
    .filter((f) => f.endsWith('/src/system.ts'))
    .map((f) => basename(dirname(dirname(f))))
    .sort();
  /** @type {Array<readonly [string, CreateNodesResult]>} */
  const out = [];
  for (const file of [...files].sort()) {
    if (file.endsWith('/src/system.ts')) {
      const root = dirname(dirname(file));
      const name = basename(root);
      out.push([
        file,
        {
          projects: {
            [root]: {
              name,
              projectType: 'application',
              tags: ['type:system'],
              targets: systemTargets(name, o),
            },
          },
        },
      ]);
    } else if (dirname(file) === ARGOCD_APP && basename(file) === 'project.json') {
      if (existsSync(join(workspaceRoot, ARGOCD_APP, 'src', 'system.ts'))) continue;
      out.push([
        file,
        {
          projects: {
            [ARGOCD_APP]: {
              implicitDependencies: systems,
              targets: argocdTargets(o),
            },
          },
        },
      ]);
    }
  }
  return out;
}

/** @type {import('@nx/devkit').CreateNodesV2<GitopsPluginOptions>} */
const createNodesV2 = [PROJECT_GLOB, (files, options, context) => inferProjects(files, context.workspaceRoot, options)];

module.exports = {
  name: 'gitops-nx-plugin',
  createNodes: createNodesV2,
  createNodesV2,
  inferProjects,
  INPUTS,
  PROJECT_GLOB,
  ARGOCD_APP,
};
