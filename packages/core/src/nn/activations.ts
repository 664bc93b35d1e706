import { sigmoidAddBias } from '../linalg/elementwise.js';
import type { SimdWorkspace } from '../linalg/simd.js';

/** Element-wise activations of a dense layer (applied after the bias). */
export type Activation = 'sigmoid' | 'relu' | 'leakyRelu' | 'tanh' | 'linear';

/** Slope of leakyRelu for negative inputs (the generators' discriminator uses 0.2, as in DCGAN). */
export const LEAKY_RELU_SLOPE = 0.2;

/**
 * y = f(y + bias) in place over a rows x cols row-major block: the layer's
 * product is written into y first, so bias and activation cost one pass.
 * Sigmoid runs the wasm SIMD kernel when y lives in `workspace`'s memory.
 */
export function activateInPlace(
  activation: Activation,
  y: Float32Array,
  bias: Float32Array,
  rows: number,
  cols: number,
  workspace?: SimdWorkspace,
): void {
  if (activation === 'sigmoid') {
    if (workspace !== undefined) workspace.sigmoidAddBias(y, bias, rows, cols, y);
    else sigmoidAddBias(y, bias, rows, cols, y);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    switch (activation) {
      case 'linear':
        for (let c = 0; c < cols; c++) y[base + c] += bias[c];
        break;
      case 'relu':
        for (let c = 0; c < cols; c++) {
          const v = y[base + c] + bias[c];
          y[base + c] = Math.max(v, 0);
        }
        break;
      case 'leakyRelu':
        for (let c = 0; c < cols; c++) {
          const v = y[base + c] + bias[c];
          y[base + c] = v > 0 ? v : LEAKY_RELU_SLOPE * v;
        }
        break;
      case 'tanh':
        for (let c = 0; c < cols; c++) y[base + c] = Math.tanh(y[base + c] + bias[c]);
        break;
    }
  }
}

/**
 * g = g * f'(x) in place for the first n elements, with f' written in terms of
 * the activation's output y (so no pre-activation buffer is kept):
 * sigmoid y(1 - y), tanh 1 - y^2, relu [y > 0], leakyRelu [y > 0] + slope [y <= 0]
 * (y > 0 exactly when x > 0, and the derivative at 0 is taken from the left, as tfjs does).
 */
export function activationBackwardInPlace(activation: Activation, y: Float32Array, g: Float32Array, n: number): void {
  switch (activation) {
    case 'linear':
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) g[i] *= y[i] * (1 - y[i]);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) g[i] *= 1 - y[i] * y[i];
      return;
    case 'relu':
      for (let i = 0; i < n; i++) if (!(y[i] > 0)) g[i] = 0;
      return;
    case 'leakyRelu':
      for (let i = 0; i < n; i++) if (!(y[i] > 0)) g[i] *= LEAKY_RELU_SLOPE;
      return;
  }
}
