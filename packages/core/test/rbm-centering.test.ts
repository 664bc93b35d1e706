import { Xoshiro128 } from '@rbm-lab/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { getGemm, initBackend } from '../src/backend.js';
import type { RbmParameters } from '../src/rbm/parameters.js';
import { ContrastiveDivergence, type CdSettings } from '../src/rbm/train.js';
import { tinyRbm } from './rbm-fixtures.js';

beforeAll(async () => {
  await initBackend();
});

const nV = 12;
const nH = 7;
const rows = 9;

function copy(p: RbmParameters): RbmParameters {
  return { ...p, weights: p.weights.slice(), visibleBias: p.visibleBias.slice(), hiddenBias: p.hiddenBias.slice() };
}

/** One CD-1 step (no momentum, no decay) from the same parameters and random stream, centered or not. */
function step(start: RbmParameters, data: Float32Array, visibleOffsets?: Float64Array): RbmParameters {
  const params = copy(start);
  const settings: CdSettings = {
    learningRate: 0.5,
    batchSize: rows,
    k: 1,
    method: 'cd',
    weightDecay: 0,
    visibleOffsets,
  };
  const trainer = new ContrastiveDivergence(getGemm(), params, settings, new Xoshiro128(11));
  trainer.trainBatch(
    data,
    Int32Array.from({ length: rows }, (_, i) => i),
    0,
    rows,
    0,
  );
  return params;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('centered gradient (Melchior, Fischer & Wiskott 2016)', () => {
  it('is the plain step with the offsets taken out of the weight gradient and the matching bias correction', () => {
    const rng = new Xoshiro128(5);
    const start = tinyRbm(nV, nH, 0.5, 3);
    const data = Float32Array.from({ length: rows * nV }, () => (rng.nextFloat() < 0.4 ? 1 : 0));
    const mu = Float64Array.from({ length: nV }, () => 0.2 + 0.6 * rng.nextFloat());
    const plain = step(start, data);
    const centered = step(start, data, mu);

    // lambda after one step: 0.5 moved 1% towards the batch mean of p(h | v0) under the starting parameters.
    const lambda = Array.from({ length: nH }, (_, j) => {
      let mean = 0;
      for (let r = 0; r < rows; r++) {
        let pre = start.hiddenBias[j];
        for (let i = 0; i < nV; i++) pre += data[r * nV + i] * start.weights[i * nH + j];
        mean += sigmoid(pre) / rows;
      }
      return 0.5 + 0.01 * (mean - 0.5);
    });
    // Plain steps of the biases are lr * (data - model) means: the gradients the centered weight step subtracts.
    const db = Array.from({ length: nV }, (_, i) => plain.visibleBias[i] - start.visibleBias[i]);
    const dc = Array.from({ length: nH }, (_, j) => plain.hiddenBias[j] - start.hiddenBias[j]);
    // <(v - mu)(h - lambda)^T> differences = <v h^T> differences - mu dc^T - db lambda^T (the mu lambda^T terms cancel).
    const dW = new Float64Array(nV * nH);
    for (let i = 0; i < nV; i++) {
      for (let j = 0; j < nH; j++) {
        const plainStep = plain.weights[i * nH + j] - start.weights[i * nH + j];
        dW[i * nH + j] = plainStep - mu[i] * dc[j] - db[i] * lambda[j];
        expect(centered.weights[i * nH + j] - start.weights[i * nH + j]).toBeCloseTo(dW[i * nH + j], 5);
      }
    }
    // Biases in the plain parameterisation: b += db - dW lambda, c += dc - dW^T mu.
    for (let i = 0; i < nV; i++) {
      let correction = 0;
      for (let j = 0; j < nH; j++) correction += dW[i * nH + j] * lambda[j];
      expect(centered.visibleBias[i] - start.visibleBias[i]).toBeCloseTo(db[i] - correction, 5);
    }
    for (let j = 0; j < nH; j++) {
      let correction = 0;
      for (let i = 0; i < nV; i++) correction += dW[i * nH + j] * mu[i];
      expect(centered.hiddenBias[j] - start.hiddenBias[j]).toBeCloseTo(dc[j] - correction, 5);
    }
    // And the step differs from the plain one (the test can fail).
    expect(Math.max(...dW.map((v, k) => Math.abs(v - (plain.weights[k] - start.weights[k]))))).toBeGreaterThan(1e-3);
  });
});
