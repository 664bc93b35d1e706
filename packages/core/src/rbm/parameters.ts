import type { Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import type { VisibleBiasInit } from './hyperparameters.js';

/** The parameters of a Bernoulli-Bernoulli RBM. */
export interface RbmParameters {
  nVisible: number;
  nHidden: number;
  /** [nVisible x nHidden] row-major: weights[i * nHidden + j] connects visible i and hidden j. */
  weights: Float32Array;
  visibleBias: Float32Array;
  hiddenBias: Float32Array;
}

/** Pixel means are clipped here so 'data' visible biases stay finite for always-off pixels. */
const BASE_RATE_CLIP = 1e-3;

/** Mean of each column of x, clipped to [clip, 1 - clip]. */
export function columnMeans(x: Matrix, clip = BASE_RATE_CLIP): Float64Array {
  const means = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) {
    const base = r * x.cols;
    for (let c = 0; c < x.cols; c++) means[c] += x.data[base + c];
  }
  for (let c = 0; c < x.cols; c++) {
    const p = x.rows > 0 ? means[c] / x.rows : 0.5;
    means[c] = Math.min(1 - clip, Math.max(clip, p));
  }
  return means;
}

export function initialiseParameters(
  nVisible: number,
  nHidden: number,
  weightStd: number,
  visibleBiasInit: VisibleBiasInit,
  data: Matrix | undefined,
  rng: Xoshiro128,
): RbmParameters {
  const weights = new Float32Array(nVisible * nHidden);
  for (let i = 0; i < weights.length; i++) weights[i] = weightStd * rng.nextNormal();
  const visibleBias = new Float32Array(nVisible);
  if (visibleBiasInit === 'data' && data !== undefined && data.rows > 0) {
    const p = columnMeans(data);
    for (let i = 0; i < nVisible; i++) visibleBias[i] = Math.log(p[i] / (1 - p[i]));
  }
  return { nVisible, nHidden, weights, visibleBias, hiddenBias: new Float32Array(nHidden) };
}

export function copyParameters(p: RbmParameters): RbmParameters {
  return {
    nVisible: p.nVisible,
    nHidden: p.nHidden,
    weights: p.weights.slice(),
    visibleBias: p.visibleBias.slice(),
    hiddenBias: p.hiddenBias.slice(),
  };
}

export function checkParameters(p: RbmParameters): void {
  if (
    p.weights.length !== p.nVisible * p.nHidden ||
    p.visibleBias.length !== p.nVisible ||
    p.hiddenBias.length !== p.nHidden
  ) {
    throw new RangeError(
      `RBM parameters do not match ${p.nVisible}x${p.nHidden} (weights ${p.weights.length}, visible bias ${p.visibleBias.length}, hidden bias ${p.hiddenBias.length})`,
    );
  }
}
