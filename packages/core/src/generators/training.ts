import * as tf from '@tensorflow/tfjs';
import { type Matrix, permutation, type Rng, UserError } from '@rbm-lab/datasets';
import type { FitOptions, FitResult, Metrics } from '../model.js';
import { yieldToEventLoop } from '../tfjs.js';
import { gatherRows } from './layers.js';

export class DataShapeError extends UserError {}

export function checkWidth(modelType: string, nVisible: number, x: Matrix, what: string): void {
  if (x.cols !== nVisible) {
    throw new DataShapeError(`${modelType}: ${what} has ${x.cols} pixels per image, the model expects ${nVisible}`);
  }
  if (x.rows === 0) throw new DataShapeError(`${modelType}: ${what} has no images`);
}

export interface EpochLoop {
  train: Matrix;
  epochs: number;
  batchSize: number;
  rng: Rng;
  options: FitOptions;
  /** One optimisation step; returns that batch's metrics as means per image. `rows` are the batch's row indices in train. */
  step(batch: tf.Tensor2D, rows: Int32Array): Metrics;
  /** Extra metrics after each epoch (validation scores). */
  endOfEpoch?(): Metrics;
}

/**
 * Mini-batch epochs in a seeded order, with batch metrics averaged over the
 * epoch (weighted by batch size). An epoch cut short by the signal is not reported.
 */
export async function runEpochs(loop: EpochLoop): Promise<FitResult> {
  const history: Metrics[] = [];
  const n = loop.train.rows;
  const signal = loop.options.signal;
  let aborted = false;
  for (let epoch = 1; epoch <= loop.epochs && !aborted; epoch++) {
    const order = permutation(loop.rng, n);
    const sums: Record<string, number> = {};
    for (let start = 0; start < n; start += loop.batchSize) {
      if (signal?.aborted) {
        aborted = true;
        break;
      }
      const end = Math.min(n, start + loop.batchSize);
      const batch = tf.tensor2d(gatherRows(loop.train, order, start, end), [end - start, loop.train.cols]);
      let metrics: Metrics;
      try {
        metrics = loop.step(batch, order.subarray(start, end));
      } finally {
        batch.dispose();
      }
      for (const [name, value] of Object.entries(metrics)) sums[name] = (sums[name] ?? 0) + value * (end - start);
      await yieldToEventLoop();
    }
    if (aborted) break;
    const metrics: Metrics = {};
    for (const [name, sum] of Object.entries(sums)) metrics[name] = sum / n;
    Object.assign(metrics, loop.endOfEpoch?.() ?? {});
    history.push(metrics);
    await loop.options.onEpoch?.(epoch, metrics);
  }
  return { epochsCompleted: history.length, history, aborted };
}

/** Runs fn over row blocks of x and concatenates the row results (bounded memory for large sets). */
export function mapRowBlocks(
  x: Matrix,
  blockRows: number,
  outCols: number,
  fn: (block: tf.Tensor2D) => tf.Tensor,
): Matrix {
  const out = new Float32Array(x.rows * outCols);
  for (let start = 0; start < x.rows; start += blockRows) {
    const end = Math.min(x.rows, start + blockRows);
    const values = tf.tidy(() => {
      const block = tf.tensor2d(x.data.subarray(start * x.cols, end * x.cols), [end - start, x.cols]);
      return fn(block);
    });
    out.set(values.dataSync(), start * outCols);
    values.dispose();
  }
  return { data: out, rows: x.rows, cols: outCols };
}

/** Sum over rows of a per-row statistic computed blockwise; returns the mean per row. */
export function meanOverRowBlocks(
  x: Matrix,
  blockRows: number,
  fn: (block: tf.Tensor2D, start: number) => tf.Scalar,
): number {
  let sum = 0;
  for (let start = 0; start < x.rows; start += blockRows) {
    const end = Math.min(x.rows, start + blockRows);
    const value = tf.tidy(() =>
      fn(tf.tensor2d(x.data.subarray(start * x.cols, end * x.cols), [end - start, x.cols]), start),
    );
    sum += value.dataSync()[0];
    value.dispose();
  }
  return sum / x.rows;
}

/** Per-image Bernoulli negative log-likelihood (nats) from logits, summed over pixels: [rows]. */
export function bernoulliNll(logits: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor1D {
  // softplus(l) - x*l = -[x log sigmoid(l) + (1-x) log(1-sigmoid(l))], stable for large |l|.
  return tf.sub(tf.softplus(logits), tf.mul(x, logits)).sum(1) as tf.Tensor1D;
}

export function squaredErrorPerImage(probabilities: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor1D {
  return tf.squaredDifference(probabilities, x).mean(1) as tf.Tensor1D;
}
