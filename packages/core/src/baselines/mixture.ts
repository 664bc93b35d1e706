import type { Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import type { Gemm } from '../linalg/gemm.js';

/**
 * A mixture of K product-of-Bernoulli components over d pixels:
 * p(x) = sum_k pi_k prod_i mu_ki^x_i (1 - mu_ki)^(1 - x_i).
 * K = 1 is the independent-Bernoulli (base-rate) model.
 */
export interface BernoulliMixture {
  components: number;
  dim: number;
  /** pi_k, summing to 1. */
  weights: Float64Array;
  /** mu (K x d, row-major), each in (0, 1). */
  means: Float32Array;
}

/** Rows per block of the E-step, bounding scratch memory on 60000-image sets. */
const BLOCK_ROWS = 4096;

/**
 * Per component: logit(mu_k) (K x d) and log pi_k + sum_i log(1 - mu_ki), so
 * log pi_k p(x | k) = x . logit(mu_k) + offset_k is one GEMM for a block of images.
 */
function componentTerms(model: BernoulliMixture): { logits: Float32Array; offsets: Float64Array } {
  const { components: K, dim: d, means, weights } = model;
  const logits = new Float32Array(K * d);
  const offsets = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let offset = Math.log(weights[k]);
    for (let i = 0; i < d; i++) {
      const mu = means[k * d + i];
      logits[k * d + i] = Math.log(mu) - Math.log1p(-mu);
      offset += Math.log1p(-mu);
    }
    offsets[k] = offset;
  }
  return { logits, offsets };
}

/**
 * E-step over all rows of x: calls fn(start, rows, joint) with joint[r * K + k] =
 * log pi_k + log p(x_r | k) for a block, turned in place into responsibilities
 * p(k | x_r); returns sum_r log p(x_r) (float64 log-sum-exp).
 */
function forEachResponsibilityBlock(
  gemm: Gemm,
  model: BernoulliMixture,
  x: Matrix,
  fn?: (start: number, rows: number, responsibilities: Float32Array) => void,
): number {
  const { components: K, dim: d } = model;
  if (x.cols !== d) throw new RangeError(`mixture of ${d}-pixel components given images of ${x.cols} pixels`);
  const { logits, offsets } = componentTerms(model);
  const block = new Float32Array(Math.min(BLOCK_ROWS, Math.max(1, x.rows)) * K);
  let total = 0;
  for (let start = 0; start < x.rows; start += BLOCK_ROWS) {
    const rows = Math.min(BLOCK_ROWS, x.rows - start);
    gemm.sgemm(false, true, rows, K, d, 1, x.data.subarray(start * d, (start + rows) * d), logits, 0, block);
    for (let r = 0; r < rows; r++) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, block[r * K + k] + offsets[k]);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(block[r * K + k] + offsets[k] - max);
      total += max + Math.log(sum);
      for (let k = 0; k < K; k++) block[r * K + k] = Math.exp(block[r * K + k] + offsets[k] - max) / sum;
    }
    fn?.(start, rows, block);
  }
  return total;
}

/** Mean log p(x) over the rows of x, nats per image: exact (no estimate), up to float32 products. */
export function mixtureLogLikelihood(gemm: Gemm, model: BernoulliMixture, x: Matrix): number {
  if (x.rows === 0) return Number.NaN;
  return forEachResponsibilityBlock(gemm, model, x) / x.rows;
}

export interface EmOptions {
  components: number;
  maxIterations: number;
  /** Stop when the mean training log-likelihood improves by less than this (nats per image). */
  tolerance: number;
  /** Beta(1 + a, 1 + a) prior on every mu: mu = (sum_r p(k|x_r) x_ri + a) / (N_k + 2a) keeps mu in (0, 1). */
  pseudocount: number;
  rng: Xoshiro128;
}

export interface EmResult {
  model: BernoulliMixture;
  iterations: number;
  /** Mean training log-likelihood at the last E-step (nats per image). */
  trainLogLikelihood: number;
}

/** Starting means: K distinct training images (seeded), each halfway to the pixel means. */
function initialMeans(x: Matrix, components: number, pseudocount: number, rng: Xoshiro128): Float32Array {
  const d = x.cols;
  const pixelMeans = new Float64Array(d);
  for (let r = 0; r < x.rows; r++) for (let i = 0; i < d; i++) pixelMeans[i] += x.data[r * d + i];
  for (let i = 0; i < d; i++) pixelMeans[i] = (pixelMeans[i] + pseudocount) / (x.rows + 2 * pseudocount);
  const order = Int32Array.from({ length: x.rows }, (_, r) => r);
  rng.shuffle(order);
  const means = new Float32Array(components * d);
  for (let k = 0; k < components; k++) {
    const row = order[k % x.rows];
    for (let i = 0; i < d; i++) {
      const mu = components === 1 ? pixelMeans[i] : 0.5 * pixelMeans[i] + 0.5 * x.data[row * d + i];
      means[k * d + i] = Math.min(0.999, Math.max(0.001, mu));
    }
  }
  return means;
}

/**
 * Fits a mixture of Bernoullis by EM (MAP with the pseudocount prior), starting
 * from seeded training images. Each iteration: responsibilities (one GEMM per
 * block of images), then mu_k = (R^T X)_k smoothed and pi_k = N_k / n.
 */
export function fitBernoulliMixture(gemm: Gemm, x: Matrix, options: EmOptions): EmResult {
  const { components: K, pseudocount } = options;
  if (x.rows === 0) throw new RangeError('a mixture of Bernoullis needs training images');
  const d = x.cols;
  const model: BernoulliMixture = {
    components: K,
    dim: d,
    weights: new Float64Array(K).fill(1 / K),
    means: initialMeans(x, K, pseudocount, options.rng),
  };
  const sums = new Float32Array(K * d);
  const blockSums = new Float32Array(K * d);
  const counts = new Float64Array(K);
  let previous = -Infinity;
  let logLikelihood = -Infinity;
  let iterations = 0;
  while (iterations < options.maxIterations) {
    sums.fill(0);
    counts.fill(0);
    logLikelihood =
      forEachResponsibilityBlock(gemm, model, x, (start, rows, responsibilities) => {
        for (let i = 0; i < rows * K; i++) counts[i % K] += responsibilities[i];
        gemm.sgemm(
          true,
          false,
          K,
          d,
          rows,
          1,
          responsibilities,
          x.data.subarray(start * d, (start + rows) * d),
          0,
          blockSums,
        );
        gemm.saxpy(K * d, 1, blockSums, sums);
      }) / x.rows;
    iterations++;
    const totalCount = counts.reduce((sum, count) => sum + Math.max(count, 1e-12), 0);
    for (let k = 0; k < K; k++) {
      model.weights[k] = Math.max(counts[k], 1e-12) / totalCount;
      for (let i = 0; i < d; i++) {
        model.means[k * d + i] = (sums[k * d + i] + pseudocount) / (counts[k] + 2 * pseudocount);
      }
    }
    if (logLikelihood - previous < options.tolerance) break;
    previous = logLikelihood;
  }
  return { model, iterations, trainLogLikelihood: logLikelihood };
}

/** n images: a component drawn from pi per image, then its pixels from mu_k. */
export function sampleBernoulliMixture(
  model: BernoulliMixture,
  n: number,
  rng: Xoshiro128,
): { probabilities: Matrix; binary: Matrix } {
  const d = model.dim;
  const probabilities = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    let u = rng.nextFloat();
    let k = 0;
    while (k < model.components - 1 && u >= model.weights[k]) u -= model.weights[k++];
    probabilities.set(model.means.subarray(k * d, (k + 1) * d), r * d);
  }
  const binary = new Float32Array(n * d);
  rng.sampleBernoulli(probabilities, binary, n * d);
  return { probabilities: { data: probabilities, rows: n, cols: d }, binary: { data: binary, rows: n, cols: d } };
}
