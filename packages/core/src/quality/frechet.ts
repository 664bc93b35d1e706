import { EigenvalueDecomposition, Matrix as DenseMatrix } from 'ml-matrix';
import type { Matrix } from '@rbm-lab/datasets';
import { meanAndCovariance, type MeanAndCovariance } from './statistics.js';

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
 * tr((C_a C_b)^(1/2)) for symmetric positive semi-definite C_a, C_b (dim x dim,
 * row-major). C_a C_b is not symmetric when the two do not commute, but it is
 * similar to S C_b S with S = C_a^(1/2), which is, so both decompositions are symmetric.
 */
export function traceSqrtProduct(covarianceA: Float64Array, covarianceB: Float64Array, dim: number): number {
  const sqrtA = symmetricSqrt(toDense(covarianceA, dim));
  const product = sqrtA.mmul(toDense(covarianceB, dim)).mmul(sqrtA);
  // Symmetrise against round-off before the symmetric eigen-solver.
  const symmetric = product.add(product.transpose()).mul(0.5);
  const eigenvalues = new EigenvalueDecomposition(symmetric, { assumeSymmetric: true }).realEigenvalues;
  let trace = 0;
  for (const value of eigenvalues) trace += Math.sqrt(Math.max(value, 0));
  return trace;
}

/** Fréchet distance between N(mu_a, C_a) and N(mu_b, C_b): |mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2)). */
export function frechetDistanceOfMoments(a: MeanAndCovariance, b: MeanAndCovariance): number {
  if (a.dim !== b.dim) throw new RangeError(`frechetDistance: moments of ${a.dim} and ${b.dim} dimensions`);
  const dim = a.dim;
  let meanTerm = 0;
  let traceTerm = 0;
  for (let i = 0; i < dim; i++) {
    meanTerm += (a.mean[i] - b.mean[i]) ** 2;
    traceTerm += a.covariance[i * dim + i] + b.covariance[i * dim + i];
  }
  return Math.max(0, meanTerm + traceTerm - 2 * traceSqrtProduct(a.covariance, b.covariance, dim));
}

/** Fréchet distance between Gaussians fitted to two feature sets (rows = points). */
export function frechetDistance(featuresA: Matrix, featuresB: Matrix): number {
  if (featuresA.cols !== featuresB.cols) {
    throw new RangeError(`frechetDistance: features of ${featuresA.cols} and ${featuresB.cols} dimensions`);
  }
  return frechetDistanceOfMoments(meanAndCovariance(featuresA), meanAndCovariance(featuresB));
}

/**
 * Whether a covariance estimated from `points` rows in `dim` dimensions is
 * necessarily singular (rank <= points - 1 < dim): the Fréchet distance is then
 * dominated by the estimate's bias and should not be read without a warning.
 */
export function covarianceRankDeficient(points: number, dim: number): boolean {
  return points - 1 < dim;
}
