/**
 * `npm run diff -- --base <ref> [--format markdown|json|text] [--output <file>] [--exit-code]`
 *
 * Preview what a change does to the rendered manifests (helm template / kustomize build exactly as Argo CD),
 * for the applications the change reaches. See docs/diff-preview.md.
 */
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import {
  DiffConfigError,
  DiffUserError,
  exitCodeOf,
  formatJson,
  formatMarkdown,
  formatText,
  GITHUB_COMMENT_LIMIT,
  partMarker,
  PathSyntaxError,
  runPreview,
} from '@gitops/diff';

/** Write to stdout and resolve once the data is handed to the OS (a pipe reader gets all of it). */
function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

const list = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

/**
 * Write markdown parts as `<file>`, `<file>.2`, `<file>.3`…, removing stale `<file>.N` parts of earlier runs —
 * only files that start with this command's own part marker: a `<file>.N` the command did not write is kept.
 */
function writeParts(file: string, parts: readonly string[]): void {
  const dir = dirname(file);
  const base = basename(file);
  rmSync(file, { force: true });
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)) {
      const n = f.startsWith(`${base}.`) ? f.slice(base.length + 1) : '';
      if (!/^[1-9]\d{0,5}$/.test(n)) continue;
      const path = resolve(dir, f);
      if (!lstatSync(path).isFile()) continue;
      const head = Buffer.alloc(64);
      const fd = openSync(path, 'r');
      const len = (() => {
        try {
          return readSync(fd, head, 0, 64, 0);
        } finally {
          closeSync(fd);
        }
      })();
      if (
        head
          .subarray(0, len)
          .toString('utf8')
          .startsWith(partMarker(Number(n)))
      )
        rmSync(path);
    }
  }
  parts.forEach((p, i) => writeFileSync(i === 0 ? file : `${file}.${i + 1}`, p));
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('diff')
    .description(
      'Preview rendered-manifest changes (helm template / kustomize build exactly as Argo CD) between two git refs',
    )
    .option('--base <ref>', 'base git ref (default: merge base of HEAD and origin/main, else main)')
    .option(
      '--head <ref>',
      'head git ref (default: the working tree, including uncommitted and untracked files)',
    )
    .addOption(
      new Option('--format <format>', 'output format (default: text on a TTY, else markdown)').choices([
        'markdown',
        'json',
        'text',
      ]),
    )
    .option(
      '--output <file>',
      'write to <file> instead of stdout; markdown parts go to <file>, <file>.2, <file>.3, …',
    )
    .option('--exit-code', 'exit 0 when nothing changes, 2 when something changes, 1 on error')
    .option('--system <names>', 'only these systems (comma-separated or repeated)', list)
    .option('--env <names>', 'only these environments (comma-separated or repeated)', list)
    .option('--all', 'preview every application, not only those the change reaches')
    .option(
      '--render-all',
      'render every previewed application, even those no changed file can reach (slower)',
    )
    .option(
      '--config <file>',
      'diff config: a repository path read at the base commit, never from the change (default: .gitops-diff.yaml)',
    )
    .option('--no-stale-check', 'do not compare the committed outputs with a fresh render of the sources')
    .option('--max-chars <n>', 'markdown: maximum characters per part', String(GITHUB_COMMENT_LIMIT))
    .option('--color', 'force colours in text output')
    .option('--no-color', 'no colours in text output')
    .option('--repo <dir>', 'repository folder', process.cwd())
    .option('--timing', 'print the elapsed time to stderr')
    .allowExcessArguments(false)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `diff: ${s.slice(7)}` : s),
    });

  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    throw err;
  }
  const o = program.opts();
  const maxChars = Number(o.maxChars);
  if (!Number.isInteger(maxChars) || maxChars < 2000)
    throw new DiffUserError(`--max-chars must be an integer ≥ 2000 (got ${o.maxChars})`);
  if (o.output) {
    const dir = dirname(resolve(o.output));
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new DiffUserError(`--output: folder ${dir} does not exist`);
  }
  const format: 'markdown' | 'json' | 'text' =
    o.format ?? (process.stdout.isTTY && !o.output ? 'text' : 'markdown');

  const report = await runPreview({
    repoDir: resolve(o.repo),
    base: o.base,
    head: o.head,
    systems: o.system,
    environments: o.env,
    all: !!o.all,
    configFile: o.config,
    skipUnchanged: !o.renderAll,
    staleCheck: o.staleCheck !== false,
  });

  const color =
    format === 'text' && !o.output && (o.color ?? (!!process.stdout.isTTY && !process.env.NO_COLOR));
  if (format === 'markdown') {
    const parts = formatMarkdown(report, { maxChars });
    if (o.output) {
      // No part at all when nothing is previewable: the workflow deletes an earlier comment.
      writeParts(resolve(o.output), parts);
      process.stderr.write(
        parts.length
          ? `diff: wrote ${parts.length} part(s): ${parts.map((_, i) => (i ? `${o.output}.${i + 1}` : o.output)).join(', ')}\n`
          : 'diff: nothing to preview (no application reached); no part written\n',
      );
    } else if (parts.length) await write(parts.join('\n\n---\n\n'));
    else process.stderr.write('diff: nothing to preview (no application reached)\n');
  } else {
    const text =
      format === 'json' ? formatJson(report) : formatText(report, { color: o.color === true ? true : color });
    if (o.output) {
      writeFileSync(resolve(o.output), text);
    } else await write(text);
  }
  if (o.timing)
    process.stderr.write(
      `diff: ${report.apps.length} application(s) previewed in ${report.durationMs} ms (${Object.entries(
        report.timings ?? {},
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})\n`,
    );
  const code = exitCodeOf(report);
  if (code === 1) {
    const failed = report.apps.filter((a) => a.error).map((a) => a.application);
    const refused = report.apps.filter((a) => a.refused).map((a) => a.application);
    if (failed.length) process.stderr.write(`diff: render failed for ${failed.join(', ')}\n`);
    if (refused.length) process.stderr.write(`diff: not previewed (refused): ${refused.join(', ')}\n`);
    if (report.stale?.status === 'stale')
      process.stderr.write(
        `diff: committed outputs are stale (run npm run render and commit):\n${[
          report.stale.reason,
          ...report.stale.files,
          ...report.stale.objects,
        ]
          .filter(Boolean)
          .map((l) => `  ${l}`)
          .join('\n')}\n`,
      );
    return 1;
  }
  return o.exitCode ? code : 0;
}

// Set the exit code and let Node exit on its own: process.exit() would drop stdout still queued for a pipe.
process.stdout.on('error', (err: any) => {
  if (err?.code === 'EPIPE') process.exitCode ??= 0; // the reader went away (e.g. | head): not our error
});
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // File system errors (e.g. --output where it cannot be written) are the user's to fix: one line too.
    const fsError = typeof err?.code === 'string' && typeof err?.path === 'string';
    const userError =
      fsError ||
      err instanceof DiffUserError ||
      err instanceof DiffConfigError ||
      err instanceof PathSyntaxError ||
      err?.name === 'ToolchainError';
    process.stderr.write(`diff: ${userError ? err.message : `unexpected error: ${err?.stack ?? err}`}\n`);
    process.exitCode = 1;
  },
);
