/** A dense row-major float32 matrix: element (r, c) is data[r * cols + c]. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/**
 * A set of images: `images` has one row per image, each row the image's pixels
 * row-major (height x width), values in [0, 1], so row i reshaped to
 * [height, width] displays upright.
 */
export interface ImageSet {
  images: Matrix;
  height: number;
  width: number;
  /** Class index per image (AlphaDigits 0-35, MNIST 0-9). */
  labels: Int32Array;
  /** Human-readable name of each class index ('0'..'9','A'..'Z'). */
  classNames: string[];
}

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
