import { EigenvalueDecomposition, Matrix as DenseMatrix } from 'ml-matrix';
import type { Matrix } from '@rbm-lab/datasets';
import { meanAndCovariance } from './statistics.js';

function toDense(values: Float64Array, dim: number): DenseMatrix {
  const matrix = new DenseMatrix(dim, dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) matrix.set(i, j, values[i * dim + j]);
  return matrix;
}

/** Principal square root of a symmetric positive semi-definite matrix (negative round-off eigenvalues clipped). */
function symmetricSqrt(matrix: DenseMatrix): DenseMatrix {
  const eigen = new EigenvalueDecomposition(matrix, { assumeSymmetric: true });
  const vectors = eigen.eigenvectorMatrix;
  const roots = eigen.realEigenvalues.map((value) => Math.sqrt(Math.max(value, 0)));
  return vectors.mmul(DenseMatrix.diag(roots)).mmul(vectors.transpose());
}

/**
 * Fréchet distance between Gaussians fitted to two feature sets:
 * |mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2)).
 * tr((C_a C_b)^(1/2)) is computed as tr((S C_b S)^(1/2)) with S = C_a^(1/2),
 * which keeps every decomposition symmetric.
 */
export function frechetDistance(featuresA: Matrix, featuresB: Matrix): number {
  if (featuresA.cols !== featuresB.cols) {
    throw new RangeError(`frechetDistance: features of ${featuresA.cols} and ${featuresB.cols} dimensions`);
  }
  const a = meanAndCovariance(featuresA);
  const b = meanAndCovariance(featuresB);
  const dim = a.dim;
  let meanTerm = 0;
  let traceTerm = 0;
  for (let i = 0; i < dim; i++) {
    meanTerm += (a.mean[i] - b.mean[i]) ** 2;
    traceTerm += a.covariance[i * dim + i] + b.covariance[i * dim + i];
  }
  const sqrtA = symmetricSqrt(toDense(a.covariance, dim));
  const product = sqrtA.mmul(toDense(b.covariance, dim)).mmul(sqrtA);
  // Symmetrise against round-off before the symmetric eigen-solver.
  const symmetric = product.add(product.transpose()).mul(0.5);
  const eigenvalues = new EigenvalueDecomposition(symmetric, { assumeSymmetric: true }).realEigenvalues;
  let crossTrace = 0;
  for (const value of eigenvalues) crossTrace += Math.sqrt(Math.max(value, 0));
  return Math.max(0, meanTerm + traceTerm - 2 * crossTrace);
}
