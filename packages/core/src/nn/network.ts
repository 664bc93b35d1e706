import type { Gemm } from '../linalg/gemm.js';
import { SimdWorkspace } from '../linalg/simd.js';
import { type Activation, activateInPlace, activationBackwardInPlace } from './activations.js';

/** One dense layer of a network: `units` outputs, then the activation. */
export interface LayerSpec {
  units: number;
  activation: Activation;
}

/** A dense layer's parameters and gradients: views into the network's flat arrays. */
export interface DenseLayer {
  readonly nIn: number;
  readonly nOut: number;
  readonly activation: Activation;
  /** nIn x nOut, row-major (the layout tfjs and Keras use): y = x W + b. */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  readonly kernelGradient: Float32Array;
  readonly biasGradient: Float32Array;
}

export interface BackwardOptions {
  /** Compute the parameter gradients (default true; false when only the input gradient is wanted, as for a GAN's frozen discriminator). */
  parameters?: boolean;
  /** Compute the gradient with respect to the network's input (default false). */
  input?: boolean;
}

/**
 * A feed-forward stack of dense layers over a pluggable Gemm.
 *
 * All parameters live in one Float32Array (layer by layer: kernel, then bias)
 * and all gradients in another of the same layout, so an optimizer step is one
 * loop over two arrays. Activation and gradient buffers are sized for a number
 * of rows and reused: they grow only when a larger batch arrives, so a training
 * loop at a fixed batch size allocates nothing per batch. Activations live in a
 * SimdWorkspace, where the sigmoid runs as wasm SIMD and BLAS reads in place.
 *
 * Forward: Y_l = f_l(Y_{l-1} W_l + 1 b_l^T) with Y_0 = X.
 * Backward from G_L = dLoss/dY_L (written by the caller into outputGradient):
 * D_l = G_l * f_l'(Y_l), dW_l = Y_{l-1}^T D_l, db_l = 1^T D_l, G_{l-1} = D_l W_l^T.
 */
export class DenseNetwork {
  readonly inputSize: number;
  readonly layers: readonly DenseLayer[];
  /** Every layer's kernel and bias, in order; optimizers update this in place. */
  readonly parameters: Float32Array;
  /** dLoss/dparameters after backward, same layout as parameters. */
  readonly gradients: Float32Array;
  private capacity = 0;
  private outputs: Float32Array[] = [];
  private deltas: Float32Array[] = [];
  private inputDelta = new Float32Array(0);
  private ones = new Float32Array(0);
  private workspace: SimdWorkspace | undefined;
  private lastInput: Float32Array | undefined;
  private lastRows = 0;

  constructor(inputSize: number, specs: readonly LayerSpec[]) {
    if (!Number.isInteger(inputSize) || inputSize < 1) throw new RangeError(`DenseNetwork: input size ${inputSize}`);
    if (specs.length === 0) throw new RangeError('DenseNetwork: at least one layer');
    let total = 0;
    let nIn = inputSize;
    for (const spec of specs) {
      if (!Number.isInteger(spec.units) || spec.units < 1) throw new RangeError(`DenseNetwork: layer of ${spec.units}`);
      total += nIn * spec.units + spec.units;
      nIn = spec.units;
    }
    this.inputSize = inputSize;
    this.parameters = new Float32Array(total);
    this.gradients = new Float32Array(total);
    const layers: DenseLayer[] = [];
    let offset = 0;
    nIn = inputSize;
    for (const { units: nOut, activation } of specs) {
      const kernelEnd = offset + nIn * nOut;
      const end = kernelEnd + nOut;
      layers.push({
        nIn,
        nOut,
        activation,
        kernel: this.parameters.subarray(offset, kernelEnd),
        bias: this.parameters.subarray(kernelEnd, end),
        kernelGradient: this.gradients.subarray(offset, kernelEnd),
        biasGradient: this.gradients.subarray(kernelEnd, end),
      });
      offset = end;
      nIn = nOut;
    }
    this.layers = layers;
  }

  get outputSize(): number {
    return this.layers[this.layers.length - 1].nOut;
  }

  /** The architecture, to build a twin network (same shapes, separate buffers). */
  get specs(): LayerSpec[] {
    return this.layers.map((layer) => ({ units: layer.nOut, activation: layer.activation }));
  }

  /** Glorot-uniform kernels and zero biases, drawing the layers in order from `random` (uniform in [0, 1)). */
  initialize(random: () => number): void {
    for (const layer of this.layers) {
      glorotUniform(layer.kernel, layer.nIn, layer.nOut, random);
      layer.bias.fill(0);
    }
  }

  /**
   * Y_L for `rows` rows of `input` (rows x inputSize, row-major). The result is
   * a view of an internal buffer, overwritten by the next forward; backward uses
   * this pass's activations, so `input` must stay unchanged until then.
   */
  forward(gemm: Gemm, input: Float32Array, rows: number): Float32Array {
    if (input.length < rows * this.inputSize) {
      throw new RangeError(`DenseNetwork.forward: input holds ${input.length} floats, need ${rows}x${this.inputSize}`);
    }
    this.reserve(rows);
    let x = input;
    this.layers.forEach((layer, l) => {
      const y = this.outputs[l];
      gemm.sgemm(false, false, rows, layer.nOut, layer.nIn, 1, x, layer.kernel, 0, y);
      activateInPlace(layer.activation, y, layer.bias, rows, layer.nOut, this.workspace);
      x = y;
    });
    this.lastInput = input;
    this.lastRows = rows;
    return x.subarray(0, rows * this.outputSize);
  }

  /** Y_l of the last forward pass (rows x layers[l].nOut), e.g. a classifier's penultimate features. */
  activations(l: number): Float32Array {
    return this.outputs[l].subarray(0, this.lastRows * this.layers[l].nOut);
  }

  /** Where the caller writes dLoss/dY_L (rows x outputSize) before backward. */
  get outputGradient(): Float32Array {
    return this.deltas[this.layers.length - 1].subarray(0, this.lastRows * this.outputSize);
  }

  /**
   * Back-propagates outputGradient through the last forward pass. Fills
   * `gradients` (unless parameters: false) and returns dLoss/dX (rows x
   * inputSize) when input: true. Overwrites outputGradient.
   */
  backward(gemm: Gemm, options: BackwardOptions = {}): Float32Array | undefined {
    const input = this.lastInput;
    if (input === undefined) throw new Error('DenseNetwork.backward: call forward first');
    const rows = this.lastRows;
    const wantParameters = options.parameters ?? true;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const layer = this.layers[l];
      const delta = this.deltas[l];
      activationBackwardInPlace(layer.activation, this.outputs[l], delta, rows * layer.nOut);
      if (wantParameters) {
        const layerInput = l === 0 ? input : this.outputs[l - 1];
        gemm.sgemm(true, false, layer.nIn, layer.nOut, rows, 1, layerInput, delta, 0, layer.kernelGradient);
        gemm.sgemm(false, false, 1, layer.nOut, rows, 1, this.ones, delta, 0, layer.biasGradient);
      }
      if (l > 0) {
        gemm.sgemm(false, true, rows, layer.nIn, layer.nOut, 1, delta, layer.kernel, 0, this.deltas[l - 1]);
      } else if (options.input) {
        gemm.sgemm(false, true, rows, layer.nIn, layer.nOut, 1, delta, layer.kernel, 0, this.inputDelta);
        return this.inputDelta.subarray(0, rows * this.inputSize);
      }
    }
    return undefined;
  }

  /** Copies parameters from a network of the same architecture. */
  copyFrom(other: DenseNetwork): void {
    if (other.parameters.length !== this.parameters.length || other.inputSize !== this.inputSize) {
      throw new RangeError('DenseNetwork.copyFrom: architectures differ');
    }
    this.parameters.set(other.parameters);
  }

  /** Sizes the per-row buffers for at least `rows` rows (only ever grows). */
  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const widths = this.layers.map((layer) => layer.nOut);
    const floats = widths.reduce((sum, width) => sum + rows * (width + 4), 0);
    this.workspace = new SimdWorkspace(floats, Math.max(...widths));
    this.outputs = widths.map((width) => (this.workspace as SimdWorkspace).allocate(rows * width));
    this.deltas = widths.map((width) => new Float32Array(rows * width));
    this.inputDelta = new Float32Array(rows * this.inputSize);
    this.ones = new Float32Array(rows).fill(1);
    this.capacity = rows;
  }
}

/**
 * Glorot (Xavier) uniform: W_ij ~ U(-limit, limit), limit = sqrt(6 / (nIn + nOut)),
 * the tfjs/Keras default for dense kernels. Draws nIn * nOut values in row-major order.
 */
export function glorotUniform(kernel: Float32Array, nIn: number, nOut: number, random: () => number): void {
  const limit = Math.sqrt(6 / (nIn + nOut));
  for (let i = 0; i < nIn * nOut; i++) kernel[i] = (2 * random() - 1) * limit;
}
