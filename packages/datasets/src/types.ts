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
