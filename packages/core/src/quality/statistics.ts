import type { Matrix } from '@rbm-lab/datasets';

export interface MeanAndCovariance {
  dim: number;
  mean: Float64Array;
  /** dim x dim, row-major, unbiased (divides by rows - 1). */
  covariance: Float64Array;
}

/** Column means and covariance of the rows of x, accumulated in float64. */
export function meanAndCovariance(x: Matrix): MeanAndCovariance {
  const { rows, cols: dim } = x;
  if (rows < 2) throw new RangeError(`covariance needs at least 2 rows, got ${rows}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    const offset = r * dim;
    for (let c = 0; c < dim; c++) mean[c] += x.data[offset + c];
  }
  for (let c = 0; c < dim; c++) mean[c] /= rows;
  const covariance = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    const offset = r * dim;
    for (let c = 0; c < dim; c++) centred[c] = x.data[offset + c] - mean[c];
    for (let i = 0; i < dim; i++) {
      const ci = centred[i];
      if (ci === 0) continue;
      const rowOffset = i * dim;
      for (let j = i; j < dim; j++) covariance[rowOffset + j] += ci * centred[j];
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const value = covariance[i * dim + j] / (rows - 1);
      covariance[i * dim + j] = value;
      covariance[j * dim + i] = value;
    }
  }
  return { dim, mean, covariance };
}
