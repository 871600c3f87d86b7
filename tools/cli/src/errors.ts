/** Exit handling shared by the CLIs: user mistakes print one clear message, bugs print a stack. */
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

export function isUserError(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  let proto = Object.getPrototypeOf(err);
  while (proto && proto !== Error.prototype) {
    if (USER_ERRORS.has(proto.constructor?.name) || USER_ERRORS.has(err.name)) return true;
    proto = Object.getPrototypeOf(proto);
  }
  return USER_ERRORS.has(err.name);
}

/** Run a CLI main: exit with its code; user errors print `error: <message>` and exit 1. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      if (isUserError(err)) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`internal error (please report): ${err?.stack ?? err}\n`);
        process.exitCode = 70;
      }
    },
  );
}
