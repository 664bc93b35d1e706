import { type Matrix, UserError, type Xoshiro128 } from '@rbm-lab/datasets';
import type { Gemm } from '../linalg/gemm.js';
import { fastSoftplus, sigmoidAddBias, softplus } from '../linalg/elementwise.js';
import type { RbmParameters } from './parameters.js';

/** Rows per product in whole-dataset passes: bounds scratch memory on 60000-row sets. */
const CHUNK_ROWS = 1024;

/** p(h = 1 | v) for every row of x. */
export function hiddenProbabilities(gemm: Gemm, p: RbmParameters, x: Matrix): Matrix {
  checkWidth(x, p.nVisible, 'visible');
  return layerProbabilities(gemm, x, p.weights, false, p.hiddenBias, p.nHidden);
}

/** p(v = 1 | h) for every row of h. */
export function visibleProbabilities(gemm: Gemm, p: RbmParameters, h: Matrix): Matrix {
  checkWidth(h, p.nHidden, 'hidden');
  return layerProbabilities(gemm, h, p.weights, true, p.visibleBias, p.nVisible);
}

/** sigmoid(x op(W) + bias) for every row of x (cols wide): op(W) = W (nVisible x nHidden) upwards, W^T downwards. */
function layerProbabilities(
  gemm: Gemm,
  x: Matrix,
  weights: Float32Array,
  down: boolean,
  bias: Float32Array,
  cols: number,
): Matrix {
  const out = new Float32Array(x.rows * cols);
  gemm.sgemm(false, down, x.rows, cols, x.cols, 1, x.data, weights, 0, out);
  sigmoidAddBias(out, bias, x.rows, cols, out);
  return { data: out, rows: x.rows, cols };
}

/** Free energy F(v) = -a.v - sum_j softplus(b_j + (vW)_j) of every row, in float64. */
export function freeEnergies(gemm: Gemm, p: RbmParameters, x: Matrix): Float64Array {
  checkWidth(x, p.nVisible, 'visible');
  const result = new Float64Array(x.rows);
  const pre = new Float32Array(Math.min(CHUNK_ROWS, x.rows) * p.nHidden);
  for (let start = 0; start < x.rows; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, x.rows - start);
    const v = x.data.subarray(start * p.nVisible, (start + rows) * p.nVisible);
    gemm.sgemm(false, false, rows, p.nHidden, p.nVisible, 1, v, p.weights, 0, pre);
    for (let r = 0; r < rows; r++) result[start + r] = freeEnergyOfRow(p, v, r, pre);
  }
  return result;
}

function freeEnergyOfRow(p: RbmParameters, v: Float32Array, row: number, pre: Float32Array): number {
  let visibleTerm = 0;
  const vBase = row * p.nVisible;
  for (let i = 0; i < p.nVisible; i++) visibleTerm += p.visibleBias[i] * v[vBase + i];
  let hiddenTerm = 0;
  const hBase = row * p.nHidden;
  // fastSoftplus: at most 5e-7 per unit (4e-4 nats at 800 units, far below any AIS spread), and Math.log1p(Math.exp)
  // per unit made the per-epoch monitors 2.5% of an MNIST CD-1 epoch.
  for (let j = 0; j < p.nHidden; j++) hiddenTerm += fastSoftplus(pre[hBase + j] + p.hiddenBias[j]);
  return -visibleTerm - hiddenTerm;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length > 0 ? sum / values.length : Number.NaN;
}

/**
 * Mean squared error between x and its mean-field reconstruction p(v | p(h | v)).
 * Deterministic (no sampling), so runs compare without noise.
 */
export function reconstructionError(gemm: Gemm, p: RbmParameters, x: Matrix): number {
  checkWidth(x, p.nVisible, 'visible');
  if (x.rows === 0) return Number.NaN;
  const chunk = Math.min(CHUNK_ROWS, x.rows);
  const hidden = new Float32Array(chunk * p.nHidden);
  const recon = new Float32Array(chunk * p.nVisible);
  let sum = 0;
  for (let start = 0; start < x.rows; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, x.rows - start);
    const v = x.data.subarray(start * p.nVisible, (start + rows) * p.nVisible);
    gemm.sgemm(false, false, rows, p.nHidden, p.nVisible, 1, v, p.weights, 0, hidden);
    sigmoidAddBias(hidden, p.hiddenBias, rows, p.nHidden, hidden);
    gemm.sgemm(false, true, rows, p.nVisible, p.nHidden, 1, hidden, p.weights, 0, recon);
    sigmoidAddBias(recon, p.visibleBias, rows, p.nVisible, recon);
    const n = rows * p.nVisible;
    for (let i = 0; i < n; i++) {
      const d = v[i] - recon[i];
      sum += d * d;
    }
  }
  return sum / (x.rows * p.nVisible);
}

/**
 * Mean pseudo-log-likelihood per row as scikit-learn's BernoulliRBM.score_samples
 * defines it: flip one random visible unit i of each row and take
 * nVisible * log sigmoid(F(v with i flipped) - F(v)), a stochastic proxy for
 * sum_i log p(v_i | v_-i).
 */
export function pseudoLogLikelihood(gemm: Gemm, p: RbmParameters, x: Matrix, rng: Xoshiro128): number {
  return pseudoLogLikelihoodAndFreeEnergy(gemm, p, x, rng).pseudoLogLikelihood;
}

/** Both per-epoch monitors from one free-energy pass: PLL needs F(v) anyway. */
export function pseudoLogLikelihoodAndFreeEnergy(
  gemm: Gemm,
  p: RbmParameters,
  x: Matrix,
  rng: Xoshiro128,
): { pseudoLogLikelihood: number; meanFreeEnergy: number } {
  checkWidth(x, p.nVisible, 'visible');
  if (x.rows === 0) return { pseudoLogLikelihood: Number.NaN, meanFreeEnergy: Number.NaN };
  const energies = freeEnergies(gemm, p, x);
  const flipped = new Float32Array(x.data.subarray(0, x.rows * x.cols));
  for (let r = 0; r < x.rows; r++) {
    const index = r * x.cols + rng.nextInt(x.cols);
    flipped[index] = 1 - flipped[index];
  }
  const flippedEnergies = freeEnergies(gemm, p, { data: flipped, rows: x.rows, cols: x.cols });
  let sum = 0;
  for (let r = 0; r < x.rows; r++) sum += -softplus(-(flippedEnergies[r] - energies[r]));
  return { pseudoLogLikelihood: (p.nVisible * sum) / x.rows, meanFreeEnergy: mean(energies) };
}

/** Data whose shape does not fit the model (e.g. MNIST rows given to an AlphaDigits RBM). */
export class RbmDataError extends UserError {}

export function checkWidth(x: Matrix, expected: number, what: string): void {
  if (x.cols !== expected) {
    throw new RbmDataError(`expected ${expected} ${what} units per row, got a ${x.rows}x${x.cols} matrix`);
  }
  if (x.data.length < x.rows * x.cols) {
    throw new RangeError(`matrix ${x.rows}x${x.cols} has only ${x.data.length} values`);
  }
}

/** The rows at the given indices, as a new matrix. */
export function selectRows(x: Matrix, indices: ArrayLike<number>): Matrix {
  const data = new Float32Array(indices.length * x.cols);
  for (let r = 0; r < indices.length; r++) {
    const start = indices[r] * x.cols;
    data.set(x.data.subarray(start, start + x.cols), r * x.cols);
  }
  return { data, rows: indices.length, cols: x.cols };
}
