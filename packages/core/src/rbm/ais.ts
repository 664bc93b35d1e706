import { type Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import type { Gemm } from '../linalg/gemm.js';
import { softplus } from '../linalg/elementwise.js';
import { SimdWorkspace } from '../linalg/simd.js';
import { freeEnergies } from './inference.js';
import { columnMeans, type RbmParameters } from './parameters.js';

/** Salakhutdinov & Murray (2008)'s schedule: 500 betas in [0, 0.5], 4000 in [0.5, 0.9], 10000 in [0.9, 1]. */
export const AIS_PAPER_BETAS = 14500;

/**
 * Inverse temperatures 0 = beta_0 < ... < beta_{n-1} = 1, spaced uniformly in
 * [0, 0.5], [0.5, 0.9] and [0.9, 1] with the paper's 500 : 4000 : 10000 split
 * (denser where the distribution changes fastest).
 */
export function aisSchedule(count: number = AIS_PAPER_BETAS): Float64Array {
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`AIS needs at least 2 betas, got ${count}`);
  const betas = new Float64Array(count);
  const intervals = count - 1;
  if (intervals < 3) {
    for (let k = 0; k < count; k++) betas[k] = k / intervals;
    return betas;
  }
  // At least one step per segment, so short schedules still start at 0.
  const first = Math.max(1, Math.round((intervals * 500) / 14500));
  const second = Math.max(1, Math.round((intervals * 4000) / 14500));
  const third = intervals - first - second;
  let index = 0;
  const segment = (from: number, to: number, steps: number): void => {
    for (let s = 0; s < steps; s++) betas[index++] = from + ((to - from) * s) / steps;
  };
  segment(0, 0.5, first);
  segment(0.5, 0.9, second);
  segment(0.9, 1, third);
  betas[index] = 1;
  return betas;
}

export interface AisOptions {
  /** Independent annealing runs (default 100). */
  runs?: number;
  /** Number of betas (spread as aisSchedule) or an explicit increasing schedule from 0 to 1 (default 14500). */
  betas?: number | Float64Array;
  seed?: number;
  /** Data whose pixel means define the base-rate model (the training set, ideally). */
  baseRateData?: Matrix;
}

export interface AisResult {
  /** Estimate of log Z (nats): log Z_A + log mean(w). */
  logZ: number;
  /** Standard error of logZ (delta method: std(w) / (mean(w) sqrt(runs))). */
  logZStd: number;
  /** log Z of the base-rate model. */
  logZBase: number;
  /** Log importance weight of every run. */
  logWeights: Float64Array;
}

/**
 * Annealed Importance Sampling estimate of the partition function
 * (Salakhutdinov & Murray 2008): log Z = log Z_A + log mean(w) over the runs of
 * anneal(), with the delta-method standard error std(w) / (mean(w) sqrt(runs)).
 */
export function estimateLogPartition(gemm: Gemm, p: RbmParameters, options: AisOptions = {}): AisResult {
  const runs = options.runs ?? 100;
  const { logWeights, logZBase } = anneal(gemm, p, {
    runs,
    betas: options.betas ?? AIS_PAPER_BETAS,
    rng: new Xoshiro128(options.seed ?? 1),
    baseRateData: options.baseRateData,
  });
  let maxLog = -Infinity;
  for (const w of logWeights) maxLog = Math.max(maxLog, w);
  let sum = 0;
  let sumSquares = 0;
  for (const w of logWeights) {
    const scaled = Math.exp(w - maxLog);
    sum += scaled;
    sumSquares += scaled * scaled;
  }
  const meanScaled = sum / runs;
  const variance = runs > 1 ? Math.max(0, (sumSquares - runs * meanScaled * meanScaled) / (runs - 1)) : 0;
  return {
    logZ: logZBase + maxLog + Math.log(meanScaled),
    logZStd: Math.sqrt(variance / runs) / meanScaled,
    logZBase,
    logWeights,
  };
}

export interface AnnealingOptions {
  /** Independent chains. */
  runs: number;
  /** Number of betas (spread as aisSchedule) or an explicit increasing schedule from 0 to 1. */
  betas: number | Float64Array;
  rng: Xoshiro128;
  /** Data whose pixel means define the base-rate model (default: all pixels at 0.5). */
  baseRateData?: Matrix;
  /**
   * Sequential Monte Carlo: whenever the effective sample size of the weights,
   * (sum w)^2 / sum w^2, falls below this fraction of the runs, the chains are
   * resampled in proportion to their weights (systematic resampling) and the
   * weights reset to their mean. Corrects annealing's bias towards modes that
   * are wide at high temperature. Default: never (plain AIS).
   */
  resampleBelowEss?: number;
}

export interface AnnealingResult {
  /** Visible states of every chain after the last transition (runs x nVisible, binary). */
  visible: Float32Array;
  /** Log importance weight of every chain. */
  logWeights: Float64Array;
  /** log Z of the base-rate model. */
  logZBase: number;
}

/**
 * Runs `runs` chains from an exact sample of the base-rate model A (the data's
 * base rates as visible biases, no weights) through the intermediate models
 * p_beta(v, h) ∝ exp((1 - beta) a_A.v + beta (a.v + b.h + v W h)), whose
 * unnormalised marginal is
 * log p*_beta(v) = (1 - beta) a_A.v + beta a.v + sum_j softplus(beta (vW + b)_j),
 * with one Gibbs sweep per beta, accumulating the AIS log weights
 * sum_k log p*_k(v_k) - log p*_{k-1}(v_k) (Salakhutdinov & Murray 2008).
 * Weights accumulate in float64 with exact softplus; sampling uses the fast sigmoid.
 */
export function anneal(gemm: Gemm, p: RbmParameters, options: AnnealingOptions): AnnealingResult {
  const { runs, rng } = options;
  const betas = typeof options.betas === 'object' ? options.betas : aisSchedule(options.betas);
  if (betas.length < 2 || betas[0] !== 0 || betas[betas.length - 1] !== 1) {
    throw new RangeError('AIS schedule must start at 0 and end at 1');
  }
  const { nVisible: nV, nHidden: nH } = p;
  const baseRates = options.baseRateData ? columnMeans(options.baseRateData) : new Float64Array(nV).fill(0.5);
  const baseBias = new Float64Array(nV);
  let logZBase = nH * Math.LN2;
  for (let i = 0; i < nV; i++) {
    baseBias[i] = Math.log(baseRates[i] / (1 - baseRates[i]));
    logZBase += softplus(baseBias[i]);
  }
  // Visible bias difference a - a_A: the visible term of the weight increments.
  const biasDelta = new Float64Array(nV);
  for (let i = 0; i < nV; i++) biasDelta[i] = p.visibleBias[i] - baseBias[i];

  // Chain buffers in one wasm memory: the SIMD sigmoid and BLAS share them without copies.
  const workspace = new SimdWorkspace(runs * (3 * nV + 2 * nH + Math.max(nV, nH)) + nV, Math.max(nV, nH));
  const v = workspace.allocate(runs * nV);
  const h = workspace.allocate(runs * nH);
  const hiddenPre = workspace.allocate(runs * nH);
  const visiblePre = workspace.allocate(runs * nV);
  const probabilities = workspace.allocate(runs * Math.max(nV, nH));
  const visibleBias = new Float32Array(nV);
  // Exact sample from the base model.
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < nV; i++) probabilities[r * nV + i] = baseRates[i];
  }
  rng.sampleBernoulli(probabilities, v, runs * nV);

  const logWeights = new Float64Array(runs);
  const hb = p.hiddenBias;
  const vb = p.visibleBias;
  for (let k = 1; k < betas.length; k++) {
    const beta = betas[k];
    const previous = betas[k - 1];
    const last = k === betas.length - 1;
    const dBeta = beta - previous;
    gemm.sgemm(false, false, runs, nH, nV, 1, v, p.weights, 0, hiddenPre);
    for (let r = 0; r < runs; r++) {
      // log p*_k(v) - log p*_{k-1}(v), hidden part: sum_j softplus(beta x_j) - softplus(previous x_j).
      // With e_a = exp(-|a|): softplus(a) - softplus(b) = max(a,0) - max(b,0) + log1p((e_a - e_b) / (1 + e_b)),
      // one log per unit; e_a also gives the Gibbs probability sigmoid(beta x_j). Written without
      // data-dependent branches (the signs of x_j are coin flips to the branch predictor).
      let increment = 0;
      const hBase = r * nH;
      for (let j = 0; j < nH; j++) {
        const x = hiddenPre[hBase + j] + hb[j];
        const magnitude = Math.abs(x);
        const ea = Math.exp(-beta * magnitude);
        const eb = Math.exp(-previous * magnitude);
        const positive = +(x > 0);
        increment += positive * x * dBeta + Math.log1p((ea - eb) / (1 + eb));
        probabilities[hBase + j] = (ea + positive * (1 - ea)) / (1 + ea);
      }
      const vBase = r * nV;
      let visible = 0;
      for (let i = 0; i < nV; i++) visible += v[vBase + i] * biasDelta[i];
      logWeights[r] += increment + dBeta * visible;
    }
    if (last) break;
    if (options.resampleBelowEss !== undefined) resampleChains(v, logWeights, nV, options.resampleBelowEss, rng);
    // One Gibbs sweep that leaves p_beta invariant: h ~ p_beta(h | v), then
    // v ~ p_beta(v | h) = sigmoid(beta h W^T + (1 - beta) a_A + beta a): beta scales the product.
    rng.sampleBernoulli(probabilities, h, runs * nH);
    gemm.sgemm(false, true, runs, nV, nH, beta, h, p.weights, 0, visiblePre);
    for (let i = 0; i < nV; i++) visibleBias[i] = (1 - beta) * baseBias[i] + beta * vb[i];
    workspace.sigmoidAddBias(visiblePre, visibleBias, runs, nV, probabilities);
    rng.sampleBernoulli(probabilities, v, runs * nV);
  }

  // Copied out of the workspace, which is freed with it.
  return { visible: v.slice(), logWeights, logZBase };
}

/**
 * SMC resampling step: if the effective sample size of exp(logWeights) is
 * below `threshold` x runs, replaces the chains (rows of v) by a systematic
 * resample in proportion to their weights and sets every log weight to
 * log mean(w), which keeps the running estimate of Z unchanged.
 */
function resampleChains(
  v: Float32Array,
  logWeights: Float64Array,
  nV: number,
  threshold: number,
  rng: Xoshiro128,
): void {
  const runs = logWeights.length;
  let max = -Infinity;
  for (const w of logWeights) max = Math.max(max, w);
  let sum = 0;
  let sumSquares = 0;
  const weights = Float64Array.from(logWeights, (w) => Math.exp(w - max));
  for (const w of weights) {
    sum += w;
    sumSquares += w * w;
  }
  if ((sum * sum) / sumSquares >= threshold * runs) return;
  const previous = v.slice(0, runs * nV);
  const offset = rng.nextFloat() / runs;
  let cumulative = weights[0] / sum;
  let source = 0;
  for (let r = 0; r < runs; r++) {
    while (cumulative < offset + r / runs && source < runs - 1) cumulative += weights[++source] / sum;
    v.set(previous.subarray(source * nV, (source + 1) * nV), r * nV);
  }
  logWeights.fill(max + Math.log(sum / runs));
}

/** Largest min(nVisible, nHidden) exactLogPartition enumerates (2^20 configurations). */
export const EXACT_LOG_Z_MAX_UNITS = 20;

/**
 * Exact log Z by summing out the larger layer analytically and enumerating every
 * configuration of the smaller one (Gray-code order, so each step updates the
 * activations by one weight column), with a streaming log-sum-exp in float64.
 */
export function exactLogPartition(p: RbmParameters): number {
  const { nVisible: nV, nHidden: nH } = p;
  const enumerateHidden = nH <= nV;
  const nEnum = enumerateHidden ? nH : nV;
  const nSum = enumerateHidden ? nV : nH;
  if (nEnum > EXACT_LOG_Z_MAX_UNITS) {
    throw new RangeError(`exact log Z enumerates 2^${nEnum} states; limit is 2^${EXACT_LOG_Z_MAX_UNITS}`);
  }
  const enumBias = enumerateHidden ? p.hiddenBias : p.visibleBias;
  const sumBias = enumerateHidden ? p.visibleBias : p.hiddenBias;
  // weight(e, s): enumerated unit e to summed unit s.
  const weight = (e: number, s: number): number => (enumerateHidden ? p.weights[s * nH + e] : p.weights[e * nH + s]);
  const columns: Float64Array[] = [];
  for (let e = 0; e < nEnum; e++) {
    const column = new Float64Array(nSum);
    for (let s = 0; s < nSum; s++) column[s] = weight(e, s);
    columns.push(column);
  }
  const activation = Float64Array.from(sumBias);
  const state = new Uint8Array(nEnum);
  let linear = 0;
  let maxLog = -Infinity;
  let sum = 0;
  const total = 2 ** nEnum;
  for (let index = 0; index < total; index++) {
    if (index > 0) {
      // Gray code: the bit that changes between index - 1 and index.
      const bit = 31 - Math.clz32(index & -index);
      const sign = state[bit] === 0 ? 1 : -1;
      state[bit] ^= 1;
      linear += sign * enumBias[bit];
      const column = columns[bit];
      for (let s = 0; s < nSum; s++) activation[s] += sign * column[s];
    }
    let logTerm = linear;
    for (let s = 0; s < nSum; s++) logTerm += softplus(activation[s]);
    if (logTerm > maxLog) {
      sum = sum * Math.exp(maxLog - logTerm) + 1;
      maxLog = logTerm;
    } else {
      sum += Math.exp(logTerm - maxLog);
    }
  }
  return maxLog + Math.log(sum);
}

/** Mean log p(v) = mean(-F(v)) - log Z over the rows of x, in nats. */
export function averageLogProbability(gemm: Gemm, p: RbmParameters, x: Matrix, logZ: number): number {
  const energies = freeEnergies(gemm, p, x);
  let sum = 0;
  for (const f of energies) sum -= f;
  return sum / energies.length - logZ;
}
