import * as tf from '@tensorflow/tfjs';
import type { Matrix } from '@rbm-lab/datasets';

/** Largest distance block held at once (entries), ~32 MB as float64. */
const BLOCK_ENTRIES = 1 << 22;

function rowSquaredNorms(x: Matrix): Float64Array {
  const norms = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let sum = 0;
    const offset = r * x.cols;
    for (let c = 0; c < x.cols; c++) sum += x.data[offset + c] * x.data[offset + c];
    norms[r] = sum;
  }
  return norms;
}

/**
 * Calls fn with squared Euclidean distances from blocks of query rows to all
 * reference rows (fn's `distances` is rows x references.rows, row-major, float64).
 * The dot products run as a tfjs matmul on the active backend; norms and the
 * final distances are float64 (exact for binary images: their dot products are integers).
 */
export function forEachSquaredDistanceBlock(
  queries: Matrix,
  references: Matrix,
  fn: (start: number, rows: number, distances: Float64Array) => void,
): void {
  if (queries.cols !== references.cols) {
    throw new RangeError(`distance between rows of ${queries.cols} and ${references.cols} columns`);
  }
  const m = references.rows;
  const queryNorms = rowSquaredNorms(queries);
  const referenceNorms = rowSquaredNorms(references);
  const blockRows = Math.max(1, Math.min(queries.rows, Math.floor(BLOCK_ENTRIES / Math.max(1, m))));
  const referenceTensor = tf.tensor2d(references.data, [m, references.cols]);
  const distances = new Float64Array(blockRows * m);
  try {
    for (let start = 0; start < queries.rows; start += blockRows) {
      const rows = Math.min(blockRows, queries.rows - start);
      const dots = tf.tidy(() => {
        const block = tf.tensor2d(queries.data.subarray(start * queries.cols, (start + rows) * queries.cols), [
          rows,
          queries.cols,
        ]);
        return tf.matMul(block, referenceTensor, false, true);
      });
      const values = dots.dataSync();
      dots.dispose();
      for (let i = 0; i < rows; i++) {
        const qn = queryNorms[start + i];
        const offset = i * m;
        for (let j = 0; j < m; j++) {
          const d = qn + referenceNorms[j] - 2 * values[offset + j];
          distances[offset + j] = Math.max(d, 0);
        }
      }
      fn(start, rows, distances.subarray(0, rows * m));
    }
  } finally {
    referenceTensor.dispose();
  }
}
