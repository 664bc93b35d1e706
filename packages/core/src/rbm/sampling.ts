import type { Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import type { Samples } from '../model.js';
import type { Gemm } from '../linalg/gemm.js';
import { SimdWorkspace } from '../linalg/simd.js';
import { anneal } from './ais.js';
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
  // Chain buffers in one wasm memory: the SIMD sigmoid and BLAS work on them without copies.
  const workspace = new SimdWorkspace(2 * n * (nV + nH), Math.max(nV, nH));
  const v = workspace.allocate(n * nV);
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
  const hiddenProb = workspace.allocate(n * nH);
  const hidden = workspace.allocate(n * nH);
  const visibleProb = workspace.allocate(n * nV);
  for (let step = 0; step < steps; step++) {
    gemm.sgemm(false, false, n, nH, nV, 1, v, p.weights, 0, hiddenProb);
    workspace.sigmoidAddBias(hiddenProb, p.hiddenBias, n, nH, hiddenProb);
    rng.sampleBernoulli(hiddenProb, hidden, n * nH);
    gemm.sgemm(false, true, n, nV, nH, 1, hidden, p.weights, 0, visibleProb);
    workspace.sigmoidAddBias(visibleProb, p.visibleBias, n, nV, visibleProb);
    rng.sampleBernoulli(visibleProb, v, n * nV);
  }
  // Copied out of the workspace, which is freed with it.
  return {
    probabilities: { data: visibleProb.slice(), rows: n, cols: nV },
    binary: { data: v.slice(), rows: n, cols: nV },
  };
}

/** Temperatures of annealed sampling when the caller gives none. */
export const DEFAULT_ANNEALING_STEPS = 1000;

export interface AnnealedOptions {
  n: number;
  /** Gibbs sweeps at the model's own temperature after the annealing. */
  steps: number;
  /** Intermediate temperatures from the base-rate model to this one (default 1000), spread as AIS spreads them. */
  annealingSteps?: number;
  /**
   * Images whose pixel means define the base-rate model the chains start from:
   * the training set (measured: on 6 AlphaDigits characters, coverage 0.83 from
   * the data's base rates against 0.67 from sigmoid(visible biases)). Default: sigmoid(visible biases).
   */
  baseRateData?: Matrix;
  rng: Xoshiro128;
  /** SMC: resample the chains by their annealing weights when the effective sample size drops below this fraction. */
  resampleBelowEss?: number;
}

/**
 * n chains that start at independent draws of a base-rate model and anneal to
 * this RBM through annealingSteps temperatures (the AIS transitions, see
 * anneal), then run `steps` plain Gibbs sweeps. Starting from a broad
 * distribution and cooling slowly lets each chain settle in a mode with a
 * chance that depends on the mode's mass, where chains from uniform noise fall
 * into the nearest strong attractor.
 */
export function annealedSample(gemm: Gemm, p: RbmParameters, options: AnnealedOptions): Samples {
  const { n, rng } = options;
  // The RBM's own visible biases as base rates when no data is given: p_i = sigmoid(a_i).
  const baseRateData = options.baseRateData ?? {
    data: Float32Array.from(p.visibleBias, (a) => 1 / (1 + Math.exp(-a))),
    rows: 1,
    cols: p.nVisible,
  };
  const { visible } = anneal(gemm, p, {
    runs: n,
    betas: options.annealingSteps ?? DEFAULT_ANNEALING_STEPS,
    rng,
    baseRateData,
    resampleBelowEss: options.resampleBelowEss,
  });
  return gibbsSample(gemm, p, { n, steps: options.steps, init: { data: visible, rows: n, cols: p.nVisible }, rng });
}
