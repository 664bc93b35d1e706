import type { Matrix } from '@rbm-lab/datasets';
import { getGemm } from '../backend.js';
import type { Gemm } from '../linalg/gemm.js';

/** Rows of the kernel matrix computed at once (bounds memory on 10000-image test sets). */
const BLOCK_ROWS = 1024;

/**
 * Sum of the polynomial kernel k(x, y) = (x.y / d + 1)^3 (Bińkowski et al. 2018;
 * d = feature dimension) over all pairs of rows of a and b, or over pairs i < j
 * when a and b are the same set (`within`). The dot products are one GEMM per
 * block of rows; the cubes and sums are float64.
 */
function kernelSum(gemm: Gemm, a: Matrix, b: Matrix, within: boolean): number {
  const dim = a.cols;
  const rows = Math.min(BLOCK_ROWS, Math.max(1, a.rows));
  const dots = new Float32Array(rows * b.rows);
  let sum = 0;
  for (let start = 0; start < a.rows; start += rows) {
    const count = Math.min(rows, a.rows - start);
    gemm.sgemm(
      false,
      true,
      count,
      b.rows,
      dim,
      1 / dim,
      a.data.subarray(start * dim, (start + count) * dim),
      b.data,
      0,
      dots,
    );
    for (let i = 0; i < count; i++) {
      // Within one set, only the pairs above the diagonal: j > start + i.
      const first = within ? start + i + 1 : 0;
      for (let j = first; j < b.rows; j++) {
        const base = dots[i * b.rows + j] + 1;
        sum += base * base * base;
      }
    }
  }
  return sum;
}

/**
 * Kernel Inception Distance (Bińkowski et al. 2018) between two feature sets:
 * the unbiased estimate of the squared MMD with the cubic polynomial kernel,
 * MMD^2_u = mean_{i!=j} k(x_i, x_j) + mean_{i!=j} k(y_i, y_j) - 2 mean_{i,j} k(x_i, y_j).
 * Unbiased, so unlike the Fréchet distance it does not grow as the sets shrink
 * (it can be slightly negative when the sets come from one distribution); needs
 * at least 2 rows in each set.
 */
export function kernelDistance(x: Matrix, y: Matrix, gemm: Gemm = getGemm()): number {
  if (x.cols !== y.cols) throw new RangeError(`kernelDistance: features of ${x.cols} and ${y.cols} dimensions`);
  if (x.rows < 2 || y.rows < 2) {
    throw new RangeError(`kernelDistance needs at least 2 rows in each set, got ${x.rows} and ${y.rows}`);
  }
  const withinX = (2 * kernelSum(gemm, x, x, true)) / (x.rows * (x.rows - 1));
  const withinY = (2 * kernelSum(gemm, y, y, true)) / (y.rows * (y.rows - 1));
  return withinX + withinY - (2 * kernelSum(gemm, x, y, false)) / (x.rows * y.rows);
}
