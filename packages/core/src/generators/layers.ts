import * as tf from '@tensorflow/tfjs';
import { type Matrix, type Rng, UserError } from '@rbm-lab/datasets';
import type { NamedArray } from '../persistence.js';

export type HiddenActivation = 'relu' | 'leakyRelu';

export interface DenseStackOptions {
  inputDim: number;
  hiddenUnits: readonly number[];
  outputDim: number;
  hiddenActivation: HiddenActivation;
  /** Seeds each layer's Glorot initialiser, so construction is reproducible. */
  rng: Rng;
}

/**
 * An MLP whose last layer is linear: callers apply sigmoid/softmax themselves,
 * because the losses are computed from logits for numerical stability.
 */
export function buildDenseStack(options: DenseStackOptions): tf.Sequential {
  const model = tf.sequential();
  const dense = (inputDim: number, units: number): tf.layers.Layer =>
    tf.layers.dense({
      inputShape: [inputDim],
      units,
      kernelInitializer: tf.initializers.glorotUniform({ seed: options.rng.nextUint32() }),
      biasInitializer: 'zeros',
    });
  let inputDim = options.inputDim;
  for (const units of options.hiddenUnits) {
    model.add(dense(inputDim, units));
    // leakyRelu has no activation string on dense layers, so activations are layers of their own.
    model.add(options.hiddenActivation === 'relu' ? tf.layers.reLU() : tf.layers.leakyReLU({ alpha: 0.2 }));
    inputDim = units;
  }
  model.add(dense(inputDim, options.outputDim));
  return model;
}

/** The network's trainable variables, for optimizer.minimize's varList. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/**
 * Weights as named arrays with stable names (`<prefix>.<layer index>.kernel|bias`):
 * tfjs' own weight names carry global counters that differ between processes.
 */
export function namedWeights(model: tf.LayersModel, prefix: string): Record<string, NamedArray> {
  const arrays: Record<string, NamedArray> = {};
  model.layers.forEach((layer, index) => {
    const weights = layer.getWeights();
    const names = weights.length === 2 ? ['kernel', 'bias'] : weights.map((_, i) => `w${i}`);
    weights.forEach((weight, i) => {
      arrays[`${prefix}.${index}.${names[i]}`] = {
        shape: weight.shape,
        data: Float32Array.from(weight.dataSync() as Float32Array),
      };
    });
  });
  return arrays;
}

export function setNamedWeights(
  model: tf.LayersModel,
  prefix: string,
  arrays: Record<string, NamedArray>,
  source: string,
): void {
  model.layers.forEach((layer, index) => {
    const current = layer.getWeights();
    if (current.length === 0) return;
    const names = current.length === 2 ? ['kernel', 'bias'] : current.map((_, i) => `w${i}`);
    const values = current.map((weight, i) => {
      const name = `${prefix}.${index}.${names[i]}`;
      const array = arrays[name];
      if (array === undefined || array.shape.join('x') !== weight.shape.join('x')) {
        throw new WeightsMismatchError(
          `${source}: array '${name}' ${array === undefined ? 'is missing' : `has shape [${array.shape}]`}, expected shape [${weight.shape}]`,
        );
      }
      return tf.tensor(array.data, array.shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  });
}

export class WeightsMismatchError extends UserError {}

/** Copies the given rows of a matrix into one contiguous buffer (a mini-batch). */
export function gatherRows(matrix: Matrix, indices: ArrayLike<number>, start: number, end: number): Float32Array {
  const cols = matrix.cols;
  const out = new Float32Array((end - start) * cols);
  for (let i = start; i < end; i++) {
    const row = indices[i];
    out.set(matrix.data.subarray(row * cols, (row + 1) * cols), (i - start) * cols);
  }
  return out;
}

export function rowBlock(matrix: Matrix, start: number, end: number): tf.Tensor2D {
  return tf.tensor2d(matrix.data.subarray(start * matrix.cols, end * matrix.cols), [end - start, matrix.cols]);
}

/** Draws binary images from pixel probabilities. */
export function bernoulli(probabilities: Matrix, rng: Rng): Matrix {
  const data = new Float32Array(probabilities.data.length);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() < probabilities.data[i] ? 1 : 0;
  return { data, rows: probabilities.rows, cols: probabilities.cols };
}
