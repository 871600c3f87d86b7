/**
 * Exit handling shared by the CLIs: user mistakes print one clear message, bugs print a stack.
 * Nothing heavy at load: the render library (cdk8s) is imported only to classify a failure, so a command that
 * does not render never loads it.
 */
import { CommanderError, type Command } from 'commander';

const USER_ERRORS = new Set([
  'ConfigError',
  'TemplateInferenceError',
  'OutputError',
  'ToolchainError',
  'RenderError',
  'ValidationConfigError',
  'CommanderError',
  'UsageError',
]);

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses a command's arguments with commander (configured with `.exitOverride()`): `false` when it printed
 * help or the version (the command then exits 0), a `UsageError` that points at `npm run <name> -- --help`
 * for anything it refused, `true` otherwise.
 */
export async function parseCommandLine(program: Command, argv: string[], name: string): Promise<boolean> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return true;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code)) return false;
      throw new UsageError(`${err.message.replace(/^error: /, '')} (see npm run ${name} -- --help)`);
    }
    throw err;
  }
}

export function isUserError(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  let proto = Object.getPrototypeOf(err);
  while (proto && proto !== Error.prototype) {
    if (USER_ERRORS.has(proto.constructor?.name) || USER_ERRORS.has(err.name)) return true;
    proto = Object.getPrototypeOf(proto);
  }
  return USER_ERRORS.has(err.name);
}

/**
 * A TypeScript file of the workspace that does not compile (esbuild's transform error, raised when a
 * system is imported): its `file:line:col: ERROR: …` lines, relative to the working directory.
 */
export function compileErrorOf(err: unknown): string | undefined {
  const e = err as { message?: unknown; errors?: unknown } | undefined;
  if (
    !(err instanceof Error) ||
    typeof e?.message !== 'string' ||
    !/^(Transform|Build) failed with \d+ error/.test(e.message)
  )
    return undefined;
  const lines = e.message
    .split('\n')
    .slice(1)
    .filter((l) => /ERROR:/.test(l));
  const cwd = `${process.cwd()}/`;
  return `a TypeScript file does not compile:\n${lines.map((l) => `  ${l.split(cwd).join('')}`).join('\n')}`;
}

/** The environment's file-system failure (full disk, read-only, limits) as a user-facing error, if it is one. */
async function fsErrorOf(err: unknown): Promise<Error | undefined> {
  if (typeof (err as { code?: unknown })?.code !== 'string') return undefined;
  try {
    const { userFacingFsError } = await import('@gitops/render');
    return userFacingFsError(err, 'the command', false);
  } catch {
    return undefined;
  }
}

/** Run a CLI main: exit with its code; user errors print `error: <message>` and exit 1. */
export function runMain(main: () => Promise<number>): void {
  // Past the file size limit (ulimit -f) a write fails with EFBIG, reported below, instead of the signal
  // killing the process without a word.
  process.on('SIGXFSZ', () => {});
  // Once main has settled and its result is reported, nothing the command started is still needed: a timer or handle left by a
  // system's code (a setInterval at import time) must not keep the process alive after the result.
  const exitSoon = () => setTimeout(() => process.exit(), 2000).unref();
  main()
    .then(
      (code) => {
        process.exitCode = code;
      },
      async (err) => {
        const compileError = compileErrorOf(err);
        const fsError = isUserError(err) ? undefined : await fsErrorOf(err);
        if (fsError) {
          // The environment's failure (full disk, read-only, limits), not a bug: no stack.
          process.stderr.write(`error: ${fsError.message}\n`);
          process.exitCode = 1;
        } else if (compileError) {
          process.stderr.write(`error: ${compileError}\n`);
          process.exitCode = 1;
        } else if (isUserError(err)) {
          process.stderr.write(`error: ${err.message}\n`);
          process.exitCode = 1;
        } else {
          process.stderr.write(`internal error (please report): ${err?.stack ?? err}\n`);
          process.exitCode = 70;
        }
      },
    )
    .finally(exitSoon);
}
