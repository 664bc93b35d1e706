import { CholeskyDecomposition, Matrix as DenseMatrix } from 'ml-matrix';
import type { Matrix, Rng } from '@rbm-lab/datasets';
import { meanAndCovariance } from '../quality/statistics.js';

/** A full-covariance Gaussian, stored as its mean and lower Cholesky factor. */
export interface GaussianFit {
  dim: number;
  mean: Float64Array;
  /** Lower-triangular L with L L^T = covariance (+ jitter), dim x dim row-major. */
  choleskyFactor: Float64Array;
}

export function standardGaussian(dim: number): GaussianFit {
  const choleskyFactor = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) choleskyFactor[i * dim + i] = 1;
  return { dim, mean: new Float64Array(dim), choleskyFactor };
}

/** Maximum-likelihood-style fit to the rows of codes (full covariance). */
export function fitGaussian(codes: Matrix): GaussianFit {
  const { dim, mean, covariance } = meanAndCovariance(codes);
  let trace = 0;
  for (let i = 0; i < dim; i++) trace += covariance[i * dim + i];
  // Collapsed code dimensions make the covariance singular; a little jitter keeps Cholesky defined.
  let jitter = 1e-6 * Math.max(trace / dim, 1e-12);
  for (let attempt = 0; attempt < 10; attempt++, jitter *= 10) {
    const matrix = new DenseMatrix(dim, dim);
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) matrix.set(i, j, covariance[i * dim + j] + (i === j ? jitter : 0));
    }
    const decomposition = new CholeskyDecomposition(matrix);
    if (decomposition.isPositiveDefinite()) {
      const lower = decomposition.lowerTriangularMatrix;
      const choleskyFactor = new Float64Array(dim * dim);
      for (let i = 0; i < dim; i++) for (let j = 0; j <= i; j++) choleskyFactor[i * dim + j] = lower.get(i, j);
      return { dim, mean, choleskyFactor };
    }
  }
  throw new Error('fitGaussian: covariance of the codes is not positive definite even with jitter');
}

/** n draws mean + L eps, eps ~ N(0, I), as an n x dim float32 matrix. */
export function sampleGaussian(fit: GaussianFit, n: number, rng: Rng): Matrix {
  const { dim, mean, choleskyFactor } = fit;
  const data = new Float32Array(n * dim);
  const eps = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < dim; i++) eps[i] = rng.normal();
    for (let i = 0; i < dim; i++) {
      let value = mean[i];
      for (let j = 0; j <= i; j++) value += choleskyFactor[i * dim + j] * eps[j];
      data[r * dim + i] = value;
    }
  }
  return { data, rows: n, cols: dim };
}
