import type { Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import type { Samples } from '../model.js';
import type { Gemm } from '../linalg/gemm.js';
import { sigmoidAddBias } from '../linalg/elementwise.js';
import { checkWidth } from './inference.js';
import type { RbmParameters } from './parameters.js';

export interface GibbsOptions {
  /** Number of chains = images returned. */
  n: number;
  /** Full Gibbs sweeps (v -> h -> v) per chain. */
  steps: number;
  /** Start chains at these rows (cycled if fewer than n); default: uniform random binary images. */
  init?: Matrix;
  rng: Xoshiro128;
}

/**
 * Runs n block-Gibbs chains for `steps` sweeps, sampling binary hidden and
 * visible states; returns the last sweep's p(v | h) and a binary sample of it.
 */
export function gibbsSample(gemm: Gemm, p: RbmParameters, options: GibbsOptions): Samples {
  const { n, steps, init, rng } = options;
  const { nVisible: nV, nHidden: nH } = p;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`number of samples must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`Gibbs steps must be an integer >= 1, got ${steps}`);
  const v = new Float32Array(n * nV);
  if (init !== undefined) {
    checkWidth(init, nV, 'visible');
    if (init.rows === 0 && n > 0) throw new RangeError('Gibbs init matrix has no rows');
    for (let r = 0; r < n; r++) {
      const source = (r % init.rows) * nV;
      v.set(init.data.subarray(source, source + nV), r * nV);
    }
  } else {
    rng.fillUniform(v);
    for (let i = 0; i < v.length; i++) v[i] = +(v[i] < 0.5);
  }
  const hiddenProb = new Float32Array(n * nH);
  const hidden = new Float32Array(n * nH);
  const visibleProb = new Float32Array(n * nV);
  for (let step = 0; step < steps; step++) {
    gemm.sgemm(false, false, n, nH, nV, 1, v, p.weights, 0, hiddenProb);
    sigmoidAddBias(hiddenProb, p.hiddenBias, n, nH, hiddenProb);
    rng.sampleBernoulli(hiddenProb, hidden, n * nH);
    gemm.sgemm(false, true, n, nV, nH, 1, hidden, p.weights, 0, visibleProb);
    sigmoidAddBias(visibleProb, p.visibleBias, n, nV, visibleProb);
    rng.sampleBernoulli(visibleProb, v, n * nV);
  }
  return {
    probabilities: { data: visibleProb, rows: n, cols: nV },
    binary: { data: v, rows: n, cols: nV },
  };
}
