import { type Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import type { Gemm } from '../linalg/gemm.js';
import { fastSigmoid, softplus } from '../linalg/elementwise.js';
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
  const first = Math.round((intervals * 500) / 14500);
  const second = Math.round((intervals * 4000) / 14500);
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
 * (Salakhutdinov & Murray 2008). The base model A has the data's base rates as
 * visible biases and no weights; intermediate models
 * p_beta(v, h) ∝ exp((1 - beta) a_A.v + beta (a.v + b.h + v W h))
 * have the unnormalised marginal
 * log p*_beta(v) = (1 - beta) a_A.v + beta a.v + sum_j softplus(beta (vW + b)_j),
 * and each run moves through them with one Gibbs sweep per beta.
 * Weights accumulate in float64 with exact softplus; sampling uses the fast sigmoid.
 */
export function estimateLogPartition(gemm: Gemm, p: RbmParameters, options: AisOptions = {}): AisResult {
  const runs = options.runs ?? 100;
  const betas = typeof options.betas === 'object' ? options.betas : aisSchedule(options.betas ?? AIS_PAPER_BETAS);
  if (betas.length < 2 || betas[0] !== 0 || betas[betas.length - 1] !== 1) {
    throw new RangeError('AIS schedule must start at 0 and end at 1');
  }
  const rng = new Xoshiro128(options.seed ?? 1);
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

  const v = new Float32Array(runs * nV);
  const h = new Float32Array(runs * nH);
  const hiddenPre = new Float32Array(runs * nH);
  const visiblePre = new Float32Array(runs * nV);
  const probabilities = new Float32Array(runs * Math.max(nV, nH));
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
    // One Gibbs sweep that leaves p_beta invariant: h ~ p_beta(h | v), v ~ p_beta(v | h).
    rng.sampleBernoulli(probabilities, h, runs * nH);
    gemm.sgemm(false, true, runs, nV, nH, 1, h, p.weights, 0, visiblePre);
    const oneMinusBeta = 1 - beta;
    for (let r = 0; r < runs; r++) {
      const base = r * nV;
      for (let i = 0; i < nV; i++) {
        probabilities[base + i] = fastSigmoid(oneMinusBeta * baseBias[i] + beta * (visiblePre[base + i] + vb[i]));
      }
    }
    rng.sampleBernoulli(probabilities, v, runs * nV);
  }

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
