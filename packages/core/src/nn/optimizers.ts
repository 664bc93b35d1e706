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
 */
export class SgdMomentum implements Optimizer {
  private readonly accumulation: Float32Array;

  constructor(
    size: number,
    readonly learningRate: number,
    readonly momentum = 0,
  ) {
    this.accumulation = new Float32Array(size);
  }

  step(parameters: Float32Array, gradients: Float32Array): void {
    checkSizes(this.accumulation.length, parameters, gradients);
    const { accumulation: a, learningRate: lr, momentum: m } = this;
    for (let i = 0; i < a.length; i++) {
      const next = m * a[i] + gradients[i];
      a[i] = next;
      parameters[i] -= lr * next;
    }
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
 */
export class Adam implements Optimizer {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly firstMoment: Float32Array;
  private readonly secondMoment: Float32Array;
  private beta1Power = 1;
  private beta2Power = 1;

  constructor(size: number, settings: AdamSettings) {
    this.learningRate = settings.learningRate;
    this.beta1 = settings.beta1 ?? 0.9;
    this.beta2 = settings.beta2 ?? 0.999;
    this.epsilon = settings.epsilon ?? 1e-7;
    this.firstMoment = new Float32Array(size);
    this.secondMoment = new Float32Array(size);
  }

  step(parameters: Float32Array, gradients: Float32Array): void {
    checkSizes(this.firstMoment.length, parameters, gradients);
    const { firstMoment: m, secondMoment: v, beta1: b1, beta2: b2, epsilon, learningRate: lr } = this;
    this.beta1Power *= b1;
    this.beta2Power *= b2;
    const correction1 = 1 - this.beta1Power;
    const correction2 = 1 - this.beta2Power;
    for (let i = 0; i < m.length; i++) {
      const g = gradients[i];
      const mi = b1 * m[i] + (1 - b1) * g;
      const vi = b2 * v[i] + (1 - b2) * g * g;
      m[i] = mi;
      v[i] = vi;
      parameters[i] -= (lr * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon);
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
