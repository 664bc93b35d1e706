import type { Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import type { Samples } from '../model.js';
import type { Gemm } from '../linalg/gemm.js';
import { softplus } from '../linalg/elementwise.js';
import { SimdWorkspace } from '../linalg/simd.js';
import { columnMeans, type RbmParameters } from './parameters.js';

export interface TemperedOptions {
  /** Independent ladders = images returned (the beta = 1 chain of each). */
  n: number;
  /** Temperatures per ladder, 0 = beta_0 < ... < beta_{K-1} = 1, spaced geometrically above beta_1. */
  temperatures: number;
  /** Gibbs sweeps of every chain, each followed by swap proposals between neighbouring temperatures. */
  sweeps: number;
  rng: Xoshiro128;
  /** Pixel means of the base-rate model at beta = 0 (default: sigmoid of the RBM's visible biases). */
  baseRateData?: Matrix;
}

/**
 * Temperatures of a parallel-tempering ladder on the path from the base-rate
 * model (beta = 0) to the RBM (beta = 1): 0, then geometric from 0.01 to 1.
 */
export function temperatureLadder(count: number): Float64Array {
  if (!Number.isInteger(count) || count < 2)
    throw new RangeError(`a ladder needs at least 2 temperatures, got ${count}`);
  const betas = new Float64Array(count);
  for (let k = 1; k < count; k++) betas[k] = 0.01 ** ((count - 1 - k) / Math.max(1, count - 2));
  betas[count - 1] = 1;
  return betas;
}

/**
 * Parallel tempering (Swendsen & Wang 1986; Desjardins et al. 2010 for RBMs) on
 * the interpolating family p_beta(v, h) ∝ exp((1 - beta) a_A.v + beta (a.v + b.h + v W h)):
 * each ladder holds one chain per temperature; every sweep is a Gibbs step of
 * every chain (one GEMM each way for all chains), then proposals to swap the
 * states of neighbouring temperatures i, i+1 (alternately even and odd pairs),
 * accepted with probability min(1, p*_i(v_{i+1}) p*_{i+1}(v_i) / (p*_i(v_i) p*_{i+1}(v_{i+1}))),
 * log p*_beta(v) = (1 - beta) a_A.v + beta a.v + sum_j softplus(beta (vW + b)_j).
 * Hot chains cross between modes; swaps carry those moves down to beta = 1.
 */
export function temperedSample(gemm: Gemm, p: RbmParameters, options: TemperedOptions): Samples {
  const { n, rng } = options;
  const { nVisible: nV, nHidden: nH } = p;
  const betas = temperatureLadder(options.temperatures);
  const K = betas.length;
  const rows = n * K;
  const baseRates = options.baseRateData
    ? columnMeans(options.baseRateData)
    : Float64Array.from(p.visibleBias, (a) => 1 / (1 + Math.exp(-a)));
  const baseBias = Float64Array.from(baseRates, (q) => Math.log(q / (1 - q)));
  const workspace = new SimdWorkspace(rows * (2 * nV + 2 * nH + Math.max(nV, nH)), Math.max(nV, nH));
  // Row r = ladder * K + k holds the chain of ladder `ladder` at temperature k.
  const v = workspace.allocate(rows * nV);
  const hidden = workspace.allocate(rows * nH);
  const pre = workspace.allocate(rows * nH);
  const visiblePre = workspace.allocate(rows * nV);
  const probabilities = workspace.allocate(rows * Math.max(nV, nH));
  const scaledHiddenBias = Array.from(betas, (beta) => Float32Array.from(p.hiddenBias, (b) => beta * b));
  const scaledVisibleBias = Array.from(betas, (beta) =>
    Float32Array.from(p.visibleBias, (a, i) => (1 - beta) * baseBias[i] + beta * a),
  );
  for (let r = 0; r < rows; r++) probabilities.set(Float32Array.from(baseRates), r * nV);
  rng.sampleBernoulli(probabilities, v, rows * nV);
  const logProbability = (row: number, beta: number, biasDot: number, baseDot: number): number => {
    let sum = (1 - beta) * baseDot + beta * biasDot;
    for (let j = 0; j < nH; j++) sum += softplus(beta * (pre[row * nH + j] + p.hiddenBias[j]));
    return sum;
  };
  const dots = (row: number): [number, number] => {
    let bias = 0;
    let base = 0;
    for (let i = 0; i < nV; i++) {
      bias += v[row * nV + i] * p.visibleBias[i];
      base += v[row * nV + i] * baseBias[i];
    }
    return [bias, base];
  };
  const swapRows = (a: number, b: number): void => {
    const tmp = v.slice(a * nV, (a + 1) * nV);
    v.copyWithin(a * nV, b * nV, (b + 1) * nV);
    v.set(tmp, b * nV);
  };
  for (let sweep = 0; sweep < options.sweeps; sweep++) {
    // Gibbs step of every chain: h ~ sigmoid(beta (vW + b)), v ~ sigmoid(beta h W^T + (1 - beta) a_A + beta a).
    gemm.sgemm(false, false, rows, nH, nV, 1, v, p.weights, 0, pre);
    for (let r = 0; r < rows; r++) {
      const beta = betas[r % K];
      for (let j = 0; j < nH; j++) probabilities[r * nH + j] = beta * pre[r * nH + j];
    }
    for (let k = 0; k < K; k++) {
      for (let ladder = 0; ladder < n; ladder++) {
        const row = ladder * K + k;
        workspace.sigmoidAddBias(
          probabilities.subarray(row * nH, (row + 1) * nH),
          scaledHiddenBias[k],
          1,
          nH,
          probabilities,
          row * nH,
        );
      }
    }
    rng.sampleBernoulli(probabilities, hidden, rows * nH);
    gemm.sgemm(false, true, rows, nV, nH, 1, hidden, p.weights, 0, visiblePre);
    for (let r = 0; r < rows; r++) {
      const k = r % K;
      const beta = betas[k];
      const bias = scaledVisibleBias[k];
      for (let i = 0; i < nV; i++)
        probabilities[r * nV + i] = 1 / (1 + Math.exp(-(beta * visiblePre[r * nV + i] + bias[i])));
    }
    rng.sampleBernoulli(probabilities, v, rows * nV);
    // Swaps between temperatures k and k + 1, even pairs on even sweeps, odd pairs on odd ones.
    gemm.sgemm(false, false, rows, nH, nV, 1, v, p.weights, 0, pre);
    for (let ladder = 0; ladder < n; ladder++) {
      for (let k = sweep % 2; k + 1 < K; k += 2) {
        const a = ladder * K + k;
        const b = a + 1;
        const [biasA, baseA] = dots(a);
        const [biasB, baseB] = dots(b);
        // Free-energy terms depend on the state only through pre; swapping states swaps their rows.
        const logAccept =
          logProbability(b, betas[k], biasB, baseB) +
          logProbability(a, betas[k + 1], biasA, baseA) -
          logProbability(a, betas[k], biasA, baseA) -
          logProbability(b, betas[k + 1], biasB, baseB);
        if (Math.log(rng.nextFloat()) < logAccept) swapRows(a, b);
      }
    }
  }
  const probabilitiesOut = new Float32Array(n * nV);
  const binary = new Float32Array(n * nV);
  for (let ladder = 0; ladder < n; ladder++) {
    const row = ladder * K + K - 1;
    binary.set(v.subarray(row * nV, (row + 1) * nV), ladder * nV);
    probabilitiesOut.set(probabilities.subarray(row * nV, (row + 1) * nV), ladder * nV);
  }
  return { probabilities: { data: probabilitiesOut, rows: n, cols: nV }, binary: { data: binary, rows: n, cols: nV } };
}
