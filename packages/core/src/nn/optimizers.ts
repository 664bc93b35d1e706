import type { Gemm } from '../linalg/gemm.js';
import { SimdAdamKernel } from './simd-adam.js';

/**
 * First-order optimizers over a network's flat parameter and gradient arrays,
 * with the update rules and defaults of tfjs's `tf.train.momentum`, `tf.train.sgd`
 * and `tf.train.adam`, so models ported from tfjs train the same way.
 */
export interface Optimizer {
  /** One update of `parameters` in place from `gradients` (same length as at construction). */
  step(parameters: Float32Array, gradients: Float32Array): void;
}

/**
 * SGD with (heavy-ball) momentum, as tf.train.momentum without Nesterov:
 * a = m a + g;  w = w - lr a.  With m = 0 this is plain SGD (tf.train.sgd).
 * Both vector updates go through the Gemm's BLAS routines (a scalar TypeScript
 * loop over a 784x200 network's parameters took 10x longer than the products).
 */
export class SgdMomentum implements Optimizer {
  private readonly size: number;
  private readonly accumulation: Float32Array;
  private readonly one = new Float32Array([1]);

  constructor(
    private readonly gemm: Gemm,
    size: number,
    readonly learningRate: number,
    readonly momentum = 0,
  ) {
    this.accumulation = new Float32Array(momentum === 0 ? 0 : size);
    this.size = size;
  }

  step(parameters: Float32Array, gradients: Float32Array): void {
    checkSizes(this.size, parameters, gradients);
    if (this.momentum === 0) {
      this.gemm.saxpy(this.size, -this.learningRate, gradients, parameters);
      return;
    }
    // a = 1 * g + m * a as a 1 x size product with k = 1 (BLAS has no axpby in the Gemm interface).
    this.gemm.sgemm(false, false, 1, this.size, 1, 1, this.one, gradients, this.momentum, this.accumulation);
    this.gemm.saxpy(this.size, -this.learningRate, this.accumulation, parameters);
  }
}

export interface AdamSettings {
  learningRate: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-7: tfjs uses its float32 backend epsilon, not Keras' 1e-8. */
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba 2015) exactly as tf.train.adam computes it, at step t:
 * m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 * w = w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 * Runs as a wasm SIMD kernel (simd-adam.ts) where available, else in TypeScript.
 */
export class Adam implements Optimizer {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly size: number;
  private readonly kernel: SimdAdamKernel | undefined;
  private readonly firstMoment: Float32Array;
  private readonly secondMoment: Float32Array;
  private beta1Power = 1;
  private beta2Power = 1;

  constructor(size: number, settings: AdamSettings, options: { simd?: boolean } = {}) {
    this.learningRate = settings.learningRate;
    this.beta1 = settings.beta1 ?? 0.9;
    this.beta2 = settings.beta2 ?? 0.999;
    this.epsilon = settings.epsilon ?? 1e-7;
    this.size = size;
    this.kernel = options.simd === false ? undefined : SimdAdamKernel.create(size);
    // The kernel keeps its own moments in wasm memory.
    this.firstMoment = new Float32Array(this.kernel === undefined ? size : 0);
    this.secondMoment = new Float32Array(this.kernel === undefined ? size : 0);
  }

  step(parameters: Float32Array, gradients: Float32Array): void {
    checkSizes(this.size, parameters, gradients);
    this.beta1Power *= this.beta1;
    this.beta2Power *= this.beta2;
    // m / (1 - b1^t) and sqrt(v / (1 - b2^t)) folded into two scalars.
    const stepSize = this.learningRate / (1 - this.beta1Power);
    const inverseCorrection2 = 1 / (1 - this.beta2Power);
    const { beta1: b1, beta2: b2, epsilon } = this;
    if (this.kernel !== undefined) {
      this.kernel.step(parameters, gradients, { beta1: b1, beta2: b2, stepSize, inverseCorrection2, epsilon });
      return;
    }
    const { firstMoment: m, secondMoment: v } = this;
    for (let i = 0; i < m.length; i++) {
      const g = gradients[i];
      const mi = b1 * m[i] + (1 - b1) * g;
      const vi = b2 * v[i] + (1 - b2) * g * g;
      m[i] = mi;
      v[i] = vi;
      parameters[i] -= (stepSize * mi) / (Math.sqrt(vi * inverseCorrection2) + epsilon);
    }
  }
}

function checkSizes(size: number, parameters: Float32Array, gradients: Float32Array): void {
  if (parameters.length !== size || gradients.length !== size) {
    throw new RangeError(
      `optimizer sized for ${size} parameters, got ${parameters.length} parameters and ${gradients.length} gradients`,
    );
  }
}
