import type { Matrix } from '@rbm-lab/datasets';
import { getGemm } from '../backend.js';
import type { Gemm } from '../linalg/gemm.js';

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
 * reference rows (fn's `distances` is rows x references.rows, row-major, float64):
 * |q - r|^2 = |q|^2 + |r|^2 - 2 q.r, the dot products as one GEMM per block on
 * the compute path the backend chose (default: getGemm(), so initialise the
 * backend first). Norms and distances are float64; for binary images the float32
 * dot products are exact integers.
 */
export function forEachSquaredDistanceBlock(
  queries: Matrix,
  references: Matrix,
  fn: (start: number, rows: number, distances: Float64Array) => void,
  gemm: Gemm = getGemm(),
): void {
  if (queries.cols !== references.cols) {
    throw new RangeError(`distance between rows of ${queries.cols} and ${references.cols} columns`);
  }
  const m = references.rows;
  const dim = queries.cols;
  const queryNorms = rowSquaredNorms(queries);
  const referenceNorms = rowSquaredNorms(references);
  const blockRows = Math.max(1, Math.min(queries.rows, Math.floor(BLOCK_ENTRIES / Math.max(1, m))));
  const dots = new Float32Array(blockRows * m);
  const distances = new Float64Array(blockRows * m);
  for (let start = 0; start < queries.rows; start += blockRows) {
    const rows = Math.min(blockRows, queries.rows - start);
    const block = queries.data.subarray(start * dim, (start + rows) * dim);
    gemm.sgemm(false, true, rows, m, dim, 1, block, references.data, 0, dots);
    for (let i = 0; i < rows; i++) {
      const qn = queryNorms[start + i];
      const offset = i * m;
      for (let j = 0; j < m; j++) distances[offset + j] = Math.max(qn + referenceNorms[j] - 2 * dots[offset + j], 0);
    }
    fn(start, rows, distances.subarray(0, rows * m));
  }
}
