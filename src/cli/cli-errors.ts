/** Exit codes, documented in docs/cli.md: 0 ok, 1 error, 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** A mistake in how the command was called (a bad flag value): exit code 2. */
export class CliUsageError extends Error {
  override readonly name = "CliUsageError";
  static isInstance(error: unknown): error is CliUsageError {
    return error instanceof Error && error.name === "CliUsageError";
  }
}

/** An expected failure with a clear message (file not found, bad import line): exit code 1, no stack hint. */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly expected = true;
  static isInstance(error: unknown): error is CliError {
    return error instanceof Error && error.name === "CliError";
  }
}
