import type { Matrix } from '@rbm-lab/datasets';
import type { Gemm } from '../linalg/gemm.js';
import { forEachRowBlock } from './arrays.js';
import { softmaxCrossEntropy, softmaxRows } from './losses.js';
import type { DenseNetwork } from './network.js';
import type { Optimizer } from './optimizers.js';

/** Rows per forward pass when scoring whole sets: bounds the activation buffers on 60000-row sets. */
export const SCORE_BLOCK_ROWS = 1000;

/**
 * One step of a softmax classifier whose last layer outputs logits: mean
 * softmax cross-entropy over the batch, its gradient, one optimizer update.
 * Returns the batch's mean loss (nats) and error rate before the update.
 */
export function trainClassifierBatch(
  gemm: Gemm,
  network: DenseNetwork,
  optimizer: Optimizer,
  x: Float32Array,
  labels: Int32Array,
  rows: number,
): { loss: number; error: number } {
  const logits = network.forward(gemm, x, rows);
  const { loss, errors } = softmaxCrossEntropy(
    logits,
    labels,
    rows,
    network.outputSize,
    network.outputGradient,
    1 / rows,
  );
  network.backward(gemm);
  optimizer.step(network.parameters, network.gradients);
  return { loss: loss / rows, error: errors / rows };
}

/** Misclassification rate and mean softmax cross-entropy (nats) of a logits network over a labelled set. */
export function scoreClassifier(
  gemm: Gemm,
  network: DenseNetwork,
  x: Matrix,
  labels: Int32Array,
): { error: number; loss: number } {
  let errors = 0;
  let loss = 0;
  forEachRowBlock(x, SCORE_BLOCK_ROWS, (block, start, rows) => {
    const score = softmaxCrossEntropy(
      network.forward(gemm, block, rows),
      labels.subarray(start, start + rows),
      rows,
      network.outputSize,
    );
    errors += score.errors;
    loss += score.loss;
  });
  return { error: x.rows === 0 ? 0 : errors / x.rows, loss: x.rows === 0 ? 0 : loss / x.rows };
}

/**
 * Runs the network over x in blocks and collects, per row, the activations of
 * layer `layer` (default the last), optionally transformed in place by `finish`.
 */
export function mapNetworkRows(
  gemm: Gemm,
  network: DenseNetwork,
  x: Matrix,
  options: { layer?: number; finish?: (values: Float32Array, rows: number, cols: number) => void } = {},
): Matrix {
  const layer = options.layer ?? network.layers.length - 1;
  const cols = network.layers[layer].nOut;
  const out = new Float32Array(x.rows * cols);
  forEachRowBlock(x, SCORE_BLOCK_ROWS, (block, start, rows) => {
    network.forward(gemm, block, rows);
    const values = out.subarray(start * cols, (start + rows) * cols);
    values.set(network.activations(layer).subarray(0, rows * cols));
    options.finish?.(values, rows, cols);
  });
  return { data: out, rows: x.rows, cols };
}

/** Softmax class probabilities of a logits network, one row per input row. */
export function classProbabilities(gemm: Gemm, network: DenseNetwork, x: Matrix): Matrix {
  return mapNetworkRows(gemm, network, x, { finish: (values, rows, cols) => softmaxRows(values, rows, cols, values) });
}
