import type { Matrix } from '@rbm-lab/datasets';

/**
 * Polynomial kernel of Bińkowski et al. (2018): k(x, y) = (x.y / d + 1)^3,
 * d = feature dimension. All sums in float64.
 */
function polynomialKernel(a: Float32Array, aRow: number, b: Float32Array, bRow: number, dim: number): number {
  let dot = 0;
  const ai = aRow * dim;
  const bi = bRow * dim;
  for (let c = 0; c < dim; c++) dot += a[ai + c] * b[bi + c];
  const base = dot / dim + 1;
  return base * base * base;
}

/** Mean of k(x_i, x_j) over i != j (the U-statistic's within-set term). */
function meanOffDiagonal(x: Matrix): number {
  let sum = 0;
  for (let i = 0; i < x.rows; i++) {
    for (let j = i + 1; j < x.rows; j++) sum += polynomialKernel(x.data, i, x.data, j, x.cols);
  }
  return (2 * sum) / (x.rows * (x.rows - 1));
}

/**
 * Kernel Inception Distance (Bińkowski et al. 2018) between two feature sets:
 * the unbiased estimate of the squared MMD with the cubic polynomial kernel,
 * MMD^2_u = mean_{i!=j} k(x_i, x_j) + mean_{i!=j} k(y_i, y_j) - 2 mean_{i,j} k(x_i, y_j).
 * Unbiased, so unlike the Fréchet distance it does not grow as the sets shrink
 * (it can be slightly negative when the sets come from one distribution); needs
 * at least 2 rows in each set.
 */
export function kernelDistance(x: Matrix, y: Matrix): number {
  if (x.cols !== y.cols) throw new RangeError(`kernelDistance: features of ${x.cols} and ${y.cols} dimensions`);
  if (x.rows < 2 || y.rows < 2) {
    throw new RangeError(`kernelDistance needs at least 2 rows in each set, got ${x.rows} and ${y.rows}`);
  }
  let cross = 0;
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < y.rows; j++) cross += polynomialKernel(x.data, i, y.data, j, x.cols);
  }
  return meanOffDiagonal(x) + meanOffDiagonal(y) - (2 * cross) / (x.rows * y.rows);
}
