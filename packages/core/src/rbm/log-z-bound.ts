import type { Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import type { Gemm } from '../linalg/gemm.js';
import { softplus } from '../linalg/elementwise.js';
import { hiddenProbabilities } from './inference.js';
import type { RbmParameters } from './parameters.js';

export interface LogZBoundOptions {
  /** Random hidden states to descend from (default 1000). */
  randomStarts?: number;
  /** Images whose most probable hidden states are descended from too (up to randomStarts rows). */
  data?: Matrix;
  /** Alternating updates at most (default 50; they settle in a few). */
  maxSteps?: number;
  rng: Xoshiro128;
}

export interface LogZBound {
  /** log sum of exp(-F(h)) over the distinct hidden states found: at most log Z, for certain. */
  logZBound: number;
  /** Distinct hidden states in the sum. */
  states: number;
}

/**
 * A lower bound on log Z that holds for certain, from the modes of the RBM that a deterministic descent finds.
 *
 * Summing out the visible units, Z = sum_h exp(-F(h)) with the free energy of a hidden state
 *   F(h) = -b.h - sum_i softplus(c_i + (W h)_i),
 * and every term is positive, so for any set S of distinct hidden states
 *   log Z >= log sum_{h in S} exp(-F(h)).
 * S: the end points of zero-temperature alternating updates v = [W h + c > 0], h = [W^T v + b > 0] (neither
 * raises the energy E(v, h), so they end in a mode) from random hidden states and from the data's most probable
 * hidden states.
 *
 * Why: AIS's log Z is low in expectation and can miss a mode that holds most of Z altogether, with a small spread
 * (measured on 12-unit AlphaDigits RBMs: 4.2 nats low with a spread of 0.14, one hidden state holding 98% of Z). An
 * AIS estimate below this bound is wrong for certain. On large RBMs Z spreads over far more states than S, and the
 * bound is far below log Z: it can only catch such a missed mode, never confirm an estimate.
 */
export function hiddenModesLogZBound(gemm: Gemm, p: RbmParameters, options: LogZBoundOptions): LogZBound {
  const { nVisible: nV, nHidden: nH } = p;
  const { data, rng } = options;
  const randomStarts = options.randomStarts ?? 1000;
  const fromData = data === undefined ? 0 : Math.min(data.rows, randomStarts);
  const rows = randomStarts + fromData;
  let hidden = new Float32Array(rows * nH);
  for (let i = 0; i < randomStarts * nH; i++) hidden[i] = rng.nextFloat() < 0.5 ? 1 : 0;
  if (data !== undefined && fromData > 0) {
    const head = { data: data.data.subarray(0, fromData * nV), rows: fromData, cols: nV };
    const probabilities = hiddenProbabilities(gemm, p, head).data;
    for (let i = 0; i < fromData * nH; i++) hidden[randomStarts * nH + i] = probabilities[i] > 0.5 ? 1 : 0;
  }
  const visible = new Float32Array(rows * nV);
  let next = new Float32Array(rows * nH);
  const maxSteps = options.maxSteps ?? 50;
  for (let step = 0; step < maxSteps; step++) {
    gemm.sgemm(false, true, rows, nV, nH, 1, hidden, p.weights, 0, visible);
    threshold(visible, p.visibleBias, rows, nV);
    gemm.sgemm(false, false, rows, nH, nV, 1, visible, p.weights, 0, next);
    threshold(next, p.hiddenBias, rows, nH);
    const settled = next.every((value, i) => value === hidden[i]);
    [hidden, next] = [next, hidden];
    if (settled) break;
  }
  const distinct = distinctRows(hidden, rows, nH);
  return { logZBound: logSumExp(hiddenFreeEnergies(gemm, p, distinct).map((f) => -f)), states: distinct.rows };
}

/** x <- [x + bias > 0] row by row. */
function threshold(x: Float32Array, bias: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) x[base + j] = x[base + j] + bias[j] > 0 ? 1 : 0;
  }
}

function distinctRows(x: Float32Array, rows: number, cols: number): Matrix {
  const seen = new Set<string>();
  const kept: number[] = [];
  for (let r = 0; r < rows; r++) {
    const key = Array.from(x.subarray(r * cols, (r + 1) * cols), (bit) => (bit === 1 ? '1' : '0')).join('');
    if (!seen.has(key)) {
      seen.add(key);
      kept.push(r);
    }
  }
  const data = new Float32Array(kept.length * cols);
  kept.forEach((r, i) => data.set(x.subarray(r * cols, (r + 1) * cols), i * cols));
  return { data, rows: kept.length, cols };
}

/** F(h) = -b.h - sum_i softplus(c_i + (W h)_i) of every row of h, in float64 (exact softplus: this is a bound). */
function hiddenFreeEnergies(gemm: Gemm, p: RbmParameters, h: Matrix): Float64Array {
  const { nVisible: nV, nHidden: nH } = p;
  const pre = new Float32Array(h.rows * nV);
  gemm.sgemm(false, true, h.rows, nV, nH, 1, h.data, p.weights, 0, pre);
  const energies = new Float64Array(h.rows);
  for (let r = 0; r < h.rows; r++) {
    let sum = 0;
    for (let j = 0; j < nH; j++) sum += p.hiddenBias[j] * h.data[r * nH + j];
    for (let i = 0; i < nV; i++) sum += softplus(pre[r * nV + i] + p.visibleBias[i]);
    energies[r] = -sum;
  }
  return energies;
}

function logSumExp(values: Float64Array): number {
  let max = -Infinity;
  for (const value of values) max = Math.max(max, value);
  let sum = 0;
  for (const value of values) sum += Math.exp(value - max);
  return max + Math.log(sum);
}
