import { loadAlphaDigits, type Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import { getGemm } from '../src/backend.js';
import { exactLogPartition } from '../src/rbm/ais.js';
import { freeEnergies } from '../src/rbm/inference.js';
import type { RbmParameters } from '../src/rbm/parameters.js';
import { Rbm } from '../src/rbm/rbm.js';
import { resolveHyperparameters } from '../src/hyperparameters.js';
import { rbmModelSchema, rbmTrainSchema } from '../src/rbm/hyperparameters.js';
import type { Gemm } from '../src/linalg/gemm.js';

/** Five AlphaDigits characters (195 binary 20x16 images), loaded once per test file. */
let cached: Promise<Matrix> | undefined;
export function alphaDigitsSubset(): Promise<Matrix> {
  cached ??= loadAlphaDigits({ chars: ['A', 'B', 'C', 'D', 'E'] }).then((set) => set.images);
  return cached;
}

export function makeRbm(
  model: Record<string, unknown>,
  train: Record<string, unknown>,
  seed = 1,
  gemm?: Gemm,
  nVisible = 320,
): Rbm {
  return new Rbm(
    resolveHyperparameters(rbmModelSchema, model, 'rbm model'),
    resolveHyperparameters(rbmTrainSchema, train, 'rbm train'),
    { nVisible, seed },
    { gemm },
  );
}

/** A tiny RBM with strong weights (N(0, weightStd^2)): several sharp modes, small enough to enumerate. */
export function tinyRbm(nVisible: number, nHidden: number, weightStd: number, seed: number): RbmParameters {
  const rng = new Xoshiro128(seed);
  const weights = Float32Array.from({ length: nVisible * nHidden }, () => weightStd * rng.nextNormal());
  const visibleBias = Float32Array.from({ length: nVisible }, () => -1 + rng.nextNormal());
  const hiddenBias = Float32Array.from({ length: nHidden }, () => rng.nextNormal());
  return { nVisible, nHidden, weights, visibleBias, hiddenBias };
}

/** Exact p(v) of every visible state of a tiny RBM, indexed by the state's bits (bit i = pixel i). */
export function exactVisibleDistribution(p: RbmParameters): Float64Array {
  const nV = p.nVisible;
  const states = Float32Array.from({ length: 2 ** nV * nV }, (_, i) => (Math.floor(i / nV) >> (i % nV)) & 1);
  const logZ = exactLogPartition(p);
  const energies = freeEnergies(getGemm(), p, { data: states, rows: 2 ** nV, cols: nV });
  return Float64Array.from(energies, (energy) => Math.exp(-energy - logZ));
}

/** Total variation distance between the empirical distribution of binary rows and the exact p(v) of a tiny RBM. */
export function totalVariation(p: RbmParameters, samples: Matrix): number {
  const exact = exactVisibleDistribution(p);
  const counts = new Array<number>(exact.length).fill(0);
  for (let r = 0; r < samples.rows; r++) {
    let code = 0;
    for (let bit = 0; bit < p.nVisible; bit++) code |= samples.data[r * p.nVisible + bit] << bit;
    counts[code]++;
  }
  return 0.5 * counts.reduce((sum, count, code) => sum + Math.abs(count / samples.rows - exact[code]), 0);
}
