/** A user mistake (bad flag, missing schema folder, unreadable file): CLIs print its message without a stack trace. */
export class ValidationConfigError extends Error {
  override readonly name = 'ValidationConfigError';
}
