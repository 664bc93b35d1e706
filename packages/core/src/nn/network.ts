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
 * pass over two arrays. Every buffer a product touches (parameters, gradients,
 * the input, activations, deltas) is allocated from one SimdWorkspace, sized for
 * a number of rows and reused: it grows only when a larger batch arrives, so a
 * training loop allocates nothing per batch. There the sigmoid runs as wasm SIMD,
 * BLAS reads in place, and a provider that hands out memory (wasm-sgemm) gets
 * every product's operands in its own memory, without staging copies.
 *
 * Forward: Y_l = f_l(Y_{l-1} W_l + 1 b_l^T) with Y_0 = X.
 * Backward from G_L = dLoss/dY_L (written by the caller into outputGradient):
 * D_l = G_l * f_l'(Y_l), dW_l = Y_{l-1}^T D_l, db_l = 1^T D_l, G_{l-1} = D_l W_l^T.
 */
export class DenseNetwork {
  readonly inputSize: number;
  private readonly specs_: readonly LayerSpec[];
  private layers_: DenseLayer[];
  private parameters_: Float32Array;
  private gradients_: Float32Array;
  private capacity = 0;
  private input: Float32Array = new Float32Array(0);
  private outputs: Float32Array[] = [];
  private deltas: Float32Array[] = [];
  private inputDelta: Float32Array = new Float32Array(0);
  private ones: Float32Array = new Float32Array(0);
  private workspace: SimdWorkspace | undefined;
  private workspaceGemm: Gemm | undefined;
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
    this.specs_ = specs.map((spec) => ({ ...spec }));
    this.parameters_ = new Float32Array(total);
    this.gradients_ = new Float32Array(total);
    this.layers_ = this.layerViews();
  }

  /**
   * The layers' parameter and gradient views. They move when the buffers grow
   * (a larger batch, or the first pass on a provider with its own memory), so
   * read them from the network when needed rather than keeping them.
   */
  get layers(): readonly DenseLayer[] {
    return this.layers_;
  }

  /** Every layer's kernel and bias, in order; optimizers update this in place (re-read it after a forward). */
  get parameters(): Float32Array {
    return this.parameters_;
  }

  /** dLoss/dparameters after backward, same layout as parameters. */
  get gradients(): Float32Array {
    return this.gradients_;
  }

  get outputSize(): number {
    return this.specs_[this.specs_.length - 1].units;
  }

  /** The architecture, to build a twin network (same shapes, separate buffers). */
  get specs(): LayerSpec[] {
    return this.specs_.map((spec) => ({ ...spec }));
  }

  /** Glorot-uniform kernels and zero biases, drawing the layers in order from `random` (uniform in [0, 1)). */
  initialize(random: () => number): void {
    for (const layer of this.layers_) {
      glorotUniform(layer.kernel, layer.nIn, layer.nOut, random);
      layer.bias.fill(0);
    }
  }

  /**
   * Y_L for `rows` rows of `input` (rows x inputSize, row-major), copied in
   * first. The result is a view of an internal buffer, overwritten by the next
   * forward; backward uses this pass's activations.
   */
  forward(gemm: Gemm, input: Float32Array, rows: number): Float32Array {
    if (input.length < rows * this.inputSize) {
      throw new RangeError(`DenseNetwork.forward: input holds ${input.length} floats, need ${rows}x${this.inputSize}`);
    }
    this.reserve(gemm, rows);
    if (input !== this.input) this.input.set(input.subarray(0, rows * this.inputSize));
    let x = this.input;
    this.layers_.forEach((layer, l) => {
      const y = this.outputs[l];
      gemm.sgemm(false, false, rows, layer.nOut, layer.nIn, 1, x, layer.kernel, 0, y);
      activateInPlace(layer.activation, y, layer.bias, rows, layer.nOut, this.workspace);
      x = y;
    });
    this.lastRows = rows;
    return x.subarray(0, rows * this.outputSize);
  }

  /** Y_l of the last forward pass (rows x layers[l].nOut), e.g. a classifier's penultimate features. */
  activations(l: number): Float32Array {
    return this.outputs[l].subarray(0, this.lastRows * this.layers_[l].nOut);
  }

  /** Where the caller writes dLoss/dY_L (rows x outputSize) before backward. */
  get outputGradient(): Float32Array {
    return this.deltas[this.layers_.length - 1].subarray(0, this.lastRows * this.outputSize);
  }

  /**
   * Back-propagates outputGradient through the last forward pass. Fills
   * `gradients` (unless parameters: false) and returns dLoss/dX (rows x
   * inputSize) when input: true. Overwrites outputGradient.
   */
  backward(gemm: Gemm, options: BackwardOptions = {}): Float32Array | undefined {
    if (this.lastRows === 0) throw new Error('DenseNetwork.backward: call forward first');
    const rows = this.lastRows;
    const wantParameters = options.parameters ?? true;
    for (let l = this.layers_.length - 1; l >= 0; l--) {
      const layer = this.layers_[l];
      const delta = this.deltas[l];
      activationBackwardInPlace(layer.activation, this.outputs[l], delta, rows * layer.nOut);
      if (wantParameters) {
        const layerInput = l === 0 ? this.input : this.outputs[l - 1];
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
    if (other.parameters.length !== this.parameters_.length || other.inputSize !== this.inputSize) {
      throw new RangeError('DenseNetwork.copyFrom: architectures differ');
    }
    this.parameters_.set(other.parameters);
  }

  /**
   * Sizes every buffer for at least `rows` rows on `gemm`'s memory: on first use,
   * when a larger batch arrives, or when the provider changes. Parameters and
   * gradients are carried over into the new buffers.
   */
  private reserve(gemm: Gemm, rows: number): void {
    if (rows <= this.capacity && gemm === this.workspaceGemm) return;
    const capacity = Math.max(rows, this.capacity);
    const widths = this.specs_.map((spec) => spec.units);
    const perRow = this.inputSize * 2 + 2 * widths.reduce((sum, width) => sum + width, 0) + 1;
    const buffers = 2 * widths.length + 5;
    const workspace = new SimdWorkspace(
      2 * this.parameters_.length + capacity * perRow + 4 * buffers,
      Math.max(...widths),
      gemm,
    );
    const parameters = workspace.allocate(this.parameters_.length);
    parameters.set(this.parameters_);
    const gradients = workspace.allocate(this.gradients_.length);
    gradients.set(this.gradients_);
    this.parameters_ = parameters;
    this.gradients_ = gradients;
    this.layers_ = this.layerViews();
    this.input = workspace.allocate(capacity * this.inputSize);
    this.outputs = widths.map((width) => workspace.allocate(capacity * width));
    this.deltas = widths.map((width) => workspace.allocate(capacity * width));
    this.inputDelta = workspace.allocate(capacity * this.inputSize);
    this.ones = workspace.allocate(capacity).fill(1);
    this.workspace = workspace;
    this.workspaceGemm = gemm;
    this.capacity = capacity;
  }

  /** Kernel, bias and their gradients of each layer as views into the flat arrays. */
  private layerViews(): DenseLayer[] {
    const layers: DenseLayer[] = [];
    let offset = 0;
    let nIn = this.inputSize;
    for (const { units: nOut, activation } of this.specs_) {
      const kernelEnd = offset + nIn * nOut;
      const end = kernelEnd + nOut;
      layers.push({
        nIn,
        nOut,
        activation,
        kernel: this.parameters_.subarray(offset, kernelEnd),
        bias: this.parameters_.subarray(kernelEnd, end),
        kernelGradient: this.gradients_.subarray(offset, kernelEnd),
        biasGradient: this.gradients_.subarray(kernelEnd, end),
      });
      offset = end;
      nIn = nOut;
    }
    return layers;
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
