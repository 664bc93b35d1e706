import type { Matrix } from '@rbm-lab/datasets';
import type { Gemm } from '../linalg/gemm.js';
import { forEachSquaredDistanceBlock } from './distances.js';

/** Bandwidths tried by default: a sqrt(2)-spaced grid over the range that suits binary images. */
export const DEFAULT_PARZEN_BANDWIDTHS: readonly number[] = Array.from(
  { length: 11 },
  (_, i) => 0.05 * Math.SQRT2 ** i,
);

/**
 * Mean log-density (nats per image) of the test rows under a Gaussian Parzen
 * window (isotropic, one kernel per sample) for each bandwidth, from one pass
 * over the pairwise distances. log-mean-exp in float64 with the max subtracted.
 */
export function parzenLogLikelihoods(samples: Matrix, test: Matrix, sigmas: readonly number[], gemm?: Gemm): number[] {
  if (samples.rows === 0 || test.rows === 0)
    throw new RangeError('Parzen estimate needs at least one sample and one test image');
  for (const sigma of sigmas) if (!(sigma > 0)) throw new RangeError(`Parzen bandwidth must be > 0, got ${sigma}`);
  const m = samples.rows;
  const dim = test.cols;
  const totals = new Float64Array(sigmas.length);
  const scales = sigmas.map((sigma) => 1 / (2 * sigma * sigma));
  const normalisers = sigmas.map((sigma) => Math.log(m) + (dim / 2) * Math.log(2 * Math.PI * sigma * sigma));
  forEachSquaredDistanceBlock(
    test,
    samples,
    (_start, rows, distances) => {
      for (let i = 0; i < rows; i++) {
        const offset = i * m;
        let nearest = Infinity;
        for (let j = 0; j < m; j++) if (distances[offset + j] < nearest) nearest = distances[offset + j];
        for (let s = 0; s < sigmas.length; s++) {
          const scale = scales[s];
          let sum = 0;
          for (let j = 0; j < m; j++) sum += Math.exp(-(distances[offset + j] - nearest) * scale);
          totals[s] += -nearest * scale + Math.log(sum) - normalisers[s];
        }
      }
    },
    gemm,
  );
  return Array.from(totals, (total) => total / test.rows);
}

/** Mean Parzen-window log-likelihood of test under samples, nats per image. */
export function parzenLogLikelihood(samples: Matrix, test: Matrix, options: { sigma: number }, gemm?: Gemm): number {
  return parzenLogLikelihoods(samples, test, [options.sigma], gemm)[0];
}

export interface ParzenBandwidthChoice {
  sigma: number;
  /** Validation log-likelihood at the chosen sigma (nats per image). */
  logLikelihood: number;
  candidates: Array<{ sigma: number; logLikelihood: number }>;
}

/** Picks the bandwidth with the highest validation log-likelihood. */
export function selectParzenBandwidth(
  samples: Matrix,
  validation: Matrix,
  candidates: readonly number[] = DEFAULT_PARZEN_BANDWIDTHS,
  gemm?: Gemm,
): ParzenBandwidthChoice {
  if (candidates.length === 0) throw new RangeError('selectParzenBandwidth: no candidate bandwidths');
  const scores = parzenLogLikelihoods(samples, validation, candidates, gemm);
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return {
    sigma: candidates[best],
    logLikelihood: scores[best],
    candidates: candidates.map((sigma, i) => ({ sigma, logLikelihood: scores[i] })),
  };
}
