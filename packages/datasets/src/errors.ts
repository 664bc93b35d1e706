// Error classes shared by every package. Command-line entry points tell user errors (bad input:
// a file, a value, a config) from bugs by `instanceof UserError`.

/**
 * An error caused by the user's input (a file, a value, a config), not by a bug.
 * Command-line entry points print its message without a stack trace.
 * Every package's user-facing errors extend this class.
 */
export class UserError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A data file (MAT, IDX, download) that is missing, truncated, corrupt or not
 * what was expected. The message names the file and what was expected.
 */
export class DataFileError extends UserError {
  readonly fileName: string;

  constructor(fileName: string, problem: string, options?: { cause?: unknown }) {
    super(`${fileName}: ${problem}`, options);
    this.fileName = fileName;
  }
}
