import * as tf from '@tensorflow/tfjs';
import type { Matrix } from '@rbm-lab/datasets';

/** Copies a row-major matrix into a new 2-D tensor (the caller disposes it). */
export function matrixToTensor(matrix: Matrix): tf.Tensor2D {
  return tf.tensor2d(matrix.data, [matrix.rows, matrix.cols], 'float32');
}

/** Copies a 2-D tensor out into a row-major matrix (the tensor is left alone). */
export function tensorToMatrix(tensor: tf.Tensor): Matrix {
  if (tensor.rank !== 2) throw new Error(`tensorToMatrix: expected a 2-D tensor, got shape [${tensor.shape}]`);
  // dataSync may hand back the backend's own buffer; copy so later writes cannot alias it.
  const data = Float32Array.from(tensor.dataSync() as Float32Array);
  const [rows, cols] = (tensor as tf.Tensor2D).shape;
  return { data, rows, cols };
}

/**
 * Lets timers and signal handlers run between synchronous tfjs batches, so an
 * AbortSignal fired by Ctrl-C or a timeout is seen at the next batch boundary.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
