import { type Matrix, permutation, type Rng, UserError } from '@rbm-lab/datasets';
import { sigmoid } from '../linalg/elementwise.js';
import type { FitOptions, FitResult, Metrics } from '../model.js';
import { gatherRowsInto } from '../nn/arrays.js';
import { runEpochs } from '../nn/epochs.js';

export class DataShapeError extends UserError {}

export function checkWidth(modelType: string, nVisible: number, x: Matrix, what: string): void {
  if (x.cols !== nVisible) {
    throw new DataShapeError(`${modelType}: ${what} has ${x.cols} pixels per image, the model expects ${nVisible}`);
  }
  if (x.rows === 0) throw new DataShapeError(`${modelType}: ${what} has no images`);
}

/**
 * Mini-batch epochs over the images of `train` in a fresh seeded order each
 * epoch; `step` gets each batch gathered into one preallocated buffer and
 * returns that batch's metrics (means per image), averaged over the epoch.
 */
export function runImageEpochs(loop: {
  train: Matrix;
  epochs: number;
  batchSize: number;
  rng: Rng;
  options: FitOptions;
  step(batch: Float32Array, rows: number): Metrics;
  endOfEpoch?(): Metrics;
}): Promise<FitResult> {
  const batch = new Float32Array(loop.batchSize * loop.train.cols);
  return runEpochs({
    rows: loop.train.rows,
    epochs: loop.epochs,
    batchSize: loop.batchSize,
    nextOrder: () => permutation(loop.rng, loop.train.rows),
    options: loop.options,
    step: (order, start, end) => {
      gatherRowsInto(loop.train, order, start, end, batch);
      return loop.step(batch, end - start);
    },
    endOfEpoch: loop.endOfEpoch,
  });
}

/** Sum over elements of (sigmoid(logits) - x)^2: the squared reconstruction error of decoded probabilities. */
export function squaredErrorOfLogits(logits: Float32Array, x: Float32Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = sigmoid(logits[i]) - x[i];
    sum += d * d;
  }
  return sum;
}

/** Sum of values[i]^2. */
export function sumOfSquares(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return sum;
}
