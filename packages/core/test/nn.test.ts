import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError, COMPUTE_PATHS, createGemm, initializedGemm } from '../src/backend.js';
import type { Gemm } from '../src/linalg/gemm.js';
import type { Activation } from '../src/nn/activations.js';
import { bernoulliCrossEntropyWithLogits, softmaxCrossEntropy, squaredError } from '../src/nn/losses.js';
import { DenseNetwork, type LayerSpec } from '../src/nn/network.js';
import { Adam, type Optimizer, SgdMomentum } from '../src/nn/optimizers.js';
import { SimdAdamKernel } from '../src/nn/simd-adam.js';
import {
  flatten,
  maxAbsDifference,
  referenceGemm,
  seededNetwork,
  tfForward,
  tfVariables,
  uniformArray,
} from './nn-fixtures.js';

const ACTIVATIONS: Activation[] = ['sigmoid', 'relu', 'leakyRelu', 'tanh', 'linear'];

/** Central difference of f at the i-th entry of values (restored afterwards). */
function centralDifference(values: Float32Array, i: number, f: () => number, eps: number): number {
  const saved = values[i];
  values[i] = saved + eps;
  const up = f();
  values[i] = saved - eps;
  const down = f();
  values[i] = saved;
  return (up - down) / (2 * eps);
}

describe('dense layer backward (finite differences, reference GEMM)', () => {
  it.each(ACTIVATIONS)('%s: kernel, bias and input gradients of sum(Y * R)', (activation) => {
    const rows = 4;
    const network = seededNetwork(new DenseNetwork(6, [{ units: 5, activation }]), 3);
    const x = uniformArray(rows * 6, 4, -2, 2);
    const weightsOfLoss = uniformArray(rows * 5, 5);
    // L = sum_ij Y_ij R_ij, so dL/dY = R.
    const loss = (): number => {
      const y = network.forward(referenceGemm, x, rows);
      let sum = 0;
      for (let i = 0; i < y.length; i++) sum += y[i] * weightsOfLoss[i];
      return sum;
    };
    loss();
    network.outputGradient.set(weightsOfLoss);
    const inputGradient = Float32Array.from(network.backward(referenceGemm, { input: true }) as Float32Array);
    const gradients = Float32Array.from(network.gradients);
    const numeric = Float32Array.from(network.parameters, (_, i) =>
      centralDifference(network.parameters, i, loss, 1e-2),
    );
    expect(maxAbsDifference(gradients, numeric)).toBeLessThan(2e-3);
    const numericInput = Float32Array.from(x, (_, i) => centralDifference(x, i, loss, 1e-2));
    expect(maxAbsDifference(inputGradient, numericInput)).toBeLessThan(2e-3);
    // The gradients are not trivially zero (a dead layer would pass the comparison).
    expect(Math.max(...gradients.map(Math.abs))).toBeGreaterThan(0.1);
  });

  it('a two-layer network chains the layers (hidden sigmoid, output tanh)', () => {
    const rows = 3;
    const network = seededNetwork(
      new DenseNetwork(4, [
        { units: 6, activation: 'sigmoid' },
        { units: 2, activation: 'tanh' },
      ]),
      8,
    );
    const x = uniformArray(rows * 4, 9, -2, 2);
    const loss = (): number => network.forward(referenceGemm, x, rows).reduce((sum, v) => sum + v * v, 0);
    const y = Float32Array.from(network.forward(referenceGemm, x, rows));
    network.outputGradient.set(y.map((v) => 2 * v));
    network.backward(referenceGemm);
    const numeric = Float32Array.from(network.parameters, (_, i) =>
      centralDifference(network.parameters, i, loss, 1e-2),
    );
    expect(maxAbsDifference(network.gradients, numeric)).toBeLessThan(2e-3);
  });
});

describe('losses', () => {
  it('softmax cross-entropy: value, error count and gradient', () => {
    const logits = uniformArray(3 * 4, 10, -3, 3);
    const labels = [2, 0, 3];
    const gradient = new Float32Array(12);
    const { loss, errors } = softmaxCrossEntropy(logits, labels, 3, 4, gradient, 1 / 3);
    let expected = 0;
    let expectedErrors = 0;
    for (let r = 0; r < 3; r++) {
      const row = Array.from(logits.subarray(4 * r, 4 * r + 4));
      expected -= Math.log(Math.exp(row[labels[r]]) / row.reduce((s, v) => s + Math.exp(v), 0));
      if (row.indexOf(Math.max(...row)) !== labels[r]) expectedErrors++;
    }
    expect(loss).toBeCloseTo(expected, 5);
    expect(errors).toBe(expectedErrors);
    const mean = (): number => softmaxCrossEntropy(logits, labels, 3, 4).loss / 3;
    const numeric = Float32Array.from(logits, (_, i) => centralDifference(logits, i, mean, 1e-2));
    expect(maxAbsDifference(gradient, numeric)).toBeLessThan(1e-3);
    // Huge logits stay finite.
    expect(softmaxCrossEntropy(new Float32Array([1000, -1000]), [1], 1, 2).loss).toBeCloseTo(2000, 3);
  });

  it('Bernoulli cross-entropy with logits: value per row, gradient, no overflow', () => {
    const logits = uniformArray(2 * 5, 11, -4, 4);
    const targets = Float32Array.from(uniformArray(10, 12, 0, 1), (u) => (u < 0.5 ? 0 : 1));
    const gradient = new Float32Array(10);
    const perRow = new Float64Array(2);
    const total = bernoulliCrossEntropyWithLogits(logits, targets, 2, 5, gradient, 1, perRow);
    let expected = 0;
    for (let i = 0; i < 10; i++) {
      const p = 1 / (1 + Math.exp(-logits[i]));
      expected -= targets[i] * Math.log(p) + (1 - targets[i]) * Math.log(1 - p);
    }
    expect(total).toBeCloseTo(expected, 4);
    expect(perRow[0] + perRow[1]).toBeCloseTo(total, 10);
    const f = (): number => bernoulliCrossEntropyWithLogits(logits, targets, 2, 5);
    expect(
      maxAbsDifference(
        gradient,
        Float32Array.from(logits, (_, i) => centralDifference(logits, i, f, 1e-2)),
      ),
    ).toBeLessThan(1e-3);
    expect(bernoulliCrossEntropyWithLogits(new Float32Array([-500, 500]), new Float32Array([1, 0]), 1, 2)).toBeCloseTo(
      1000,
      3,
    );
  });

  it('squared error: value and gradient', () => {
    const p = new Float32Array([0.5, 1, -2]);
    const t = new Float32Array([1, 1, 0]);
    const gradient = new Float32Array(3);
    expect(squaredError(p, t, 3, gradient, 0.5)).toBeCloseTo(0.25 + 0 + 4, 6);
    expect(Array.from(gradient)).toEqual([-0.5, 0, -2]);
  });
});

interface Case {
  name: string;
  specs: LayerSpec[];
  /** Loss (mean over rows) in our engine: writes dLoss/dY_L into gradient. */
  loss(y: Float32Array, rows: number, target: Float32Array, labels: Int32Array, gradient: Float32Array): number;
  /** The same loss in tfjs. */
  tfLoss(y: tf.Tensor2D, target: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar;
}

const CASES: Case[] = [
  {
    name: '12-7-5-3 sigmoid/relu/softmax cross-entropy',
    specs: [
      { units: 7, activation: 'sigmoid' },
      { units: 5, activation: 'relu' },
      { units: 3, activation: 'linear' },
    ],
    loss: (y, rows, _t, labels, gradient) => softmaxCrossEntropy(y, labels, rows, 3, gradient, 1 / rows).loss / rows,
    tfLoss: (y, _t, labels) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 3), y),
  },
  {
    name: '12-7-5-12 tanh/leakyRelu/Bernoulli cross-entropy with logits',
    specs: [
      { units: 7, activation: 'tanh' },
      { units: 5, activation: 'leakyRelu' },
      { units: 12, activation: 'linear' },
    ],
    loss: (y, rows, target, _l, gradient) =>
      bernoulliCrossEntropyWithLogits(y, target, rows, 12, gradient, 1 / rows) / rows,
    tfLoss: (y, target) => tf.mean(tf.sum(tf.sub(tf.softplus(y), tf.mul(target, y)), 1)),
  },
  {
    name: '12-7-12 relu/sigmoid squared error',
    specs: [
      { units: 7, activation: 'relu' },
      { units: 12, activation: 'sigmoid' },
    ],
    loss: (y, rows, target, _l, gradient) => squaredError(y, target, rows * 12, gradient, 1 / rows) / rows,
    tfLoss: (y, target) => tf.mean(tf.sum(tf.squaredDifference(y, target), 1)),
  },
];

const BATCH_ROWS = [8, 8, 5];

function batch(index: number): { x: Float32Array; target: Float32Array; labels: Int32Array; rows: number } {
  const rows = BATCH_ROWS[index];
  return {
    rows,
    x: uniformArray(rows * 12, 100 + index, -1.5, 1.5),
    target: Float32Array.from(uniformArray(rows * 12, 200 + index, 0, 1), (u) => (u < 0.4 ? 1 : 0)),
    labels: Int32Array.from(uniformArray(rows, 300 + index, 0, 3), Math.floor),
  };
}

describe('against tfjs on the backend GEMM', () => {
  let gemm: Gemm;
  beforeAll(async () => {
    gemm = await initializedGemm();
  });

  it.each(CASES)('$name: every layer gradient and the input gradient match tf.grads to 1e-4', (c) => {
    const network = seededNetwork(new DenseNetwork(12, c.specs), 21);
    const variables = tfVariables(network);
    for (let b = 0; b < BATCH_ROWS.length; b++) {
      const { x, target, labels, rows } = batch(b);
      const y = network.forward(gemm, x, rows);
      const loss = c.loss(y, rows, target, labels, network.outputGradient);
      const inputGradient = network.backward(gemm, { input: true }) as Float32Array;
      const xTensor = tf.tensor2d(x, [rows, 12]);
      const targetTensor = tf.tensor2d(target, [rows, 12]);
      const labelTensor = tf.tensor1d(labels, 'int32');
      const f = (input: tf.Tensor, ...params: tf.Tensor[]): tf.Scalar =>
        c.tfLoss(tfForward(network, params, input), targetTensor, labelTensor);
      const [value, grads] = tf.tidy(() => {
        const { value, grads } = tf.valueAndGrads(f)([xTensor, ...variables]);
        return [value.dataSync()[0], grads.map((g) => g.clone())] as const;
      });
      expect(loss).toBeCloseTo(value, 4);
      expect(maxAbsDifference(network.gradients, flatten(grads.slice(1)))).toBeLessThan(1e-4);
      expect(maxAbsDifference(inputGradient, grads[0].dataSync())).toBeLessThan(1e-4);
      expect(Math.max(...network.gradients.map(Math.abs))).toBeGreaterThan(1e-3);
      tf.dispose([...grads, xTensor, targetTensor, labelTensor]);
    }
    tf.dispose(variables);
  });

  const optimizers: Array<[string, (size: number, gemm: Gemm) => Optimizer, () => tf.Optimizer]> = [
    ['SGD with momentum 0.5', (size, gemm) => new SgdMomentum(gemm, size, 0.1, 0.5), () => tf.train.momentum(0.1, 0.5)],
    ['plain SGD', (size, gemm) => new SgdMomentum(gemm, size, 0.1), () => tf.train.sgd(0.1)],
    ['Adam', (size) => new Adam(size, { learningRate: 0.01 }), () => tf.train.adam(0.01)],
    [
      'Adam in TypeScript (no SIMD)',
      (size) => new Adam(size, { learningRate: 0.01 }, { simd: false }),
      () => tf.train.adam(0.01),
    ],
    ['Adam beta1 0.5', (size) => new Adam(size, { learningRate: 0.01, beta1: 0.5 }), () => tf.train.adam(0.01, 0.5)],
  ];

  it.each(optimizers)('%s: three steps give the parameters tfjs gives', (_name, ours, theirs) => {
    const c = CASES[0];
    const network = seededNetwork(new DenseNetwork(12, c.specs), 22);
    const variables = tfVariables(network);
    const optimizer = ours(network.parameters.length, gemm);
    const reference = theirs();
    const start = Float32Array.from(network.parameters);
    for (let b = 0; b < BATCH_ROWS.length; b++) {
      const { x, target, labels, rows } = batch(b);
      c.loss(network.forward(gemm, x, rows), rows, target, labels, network.outputGradient);
      network.backward(gemm);
      optimizer.step(network.parameters, network.gradients);
      tf.tidy(() => {
        const labelTensor = tf.tensor1d(labels, 'int32');
        reference.minimize(
          () =>
            c.tfLoss(
              tfForward(network, variables, tf.tensor2d(x, [rows, 12])),
              tf.tensor2d(target, [rows, 12]),
              labelTensor,
            ),
          false,
          variables,
        );
      });
    }
    expect(maxAbsDifference(network.parameters, flatten(variables))).toBeLessThan(1e-5);
    // The steps moved the parameters by much more than the tolerance.
    expect(maxAbsDifference(network.parameters, start)).toBeGreaterThan(1e-2);
    reference.dispose();
    tf.dispose(variables);
  });
});

describe('on every compute path', () => {
  it.for(COMPUTE_PATHS)(
    '%s: forward and backward give the reference GEMM’s numbers (same code on every provider)',
    async (path, { skip }) => {
      let gemm: Gemm | undefined;
      try {
        gemm = await createGemm(path);
      } catch (error) {
        if (!(error instanceof BackendUnavailableError)) throw error;
      }
      if (gemm === undefined) skip(`${path} is not available here`);
      const c = CASES[1];
      const run = (provider: Gemm): { output: Float32Array; gradients: Float32Array; input: Float32Array } => {
        const network = seededNetwork(new DenseNetwork(12, c.specs), 30);
        const { x, target, labels, rows } = batch(0);
        const output = Float32Array.from(network.forward(provider, x, rows));
        c.loss(output, rows, target, labels, network.outputGradient);
        const input = Float32Array.from(network.backward(provider, { input: true }) as Float32Array);
        return { output, gradients: Float32Array.from(network.gradients), input };
      };
      const ours = run(gemm as Gemm);
      const reference = run(referenceGemm);
      expect(maxAbsDifference(ours.output, reference.output)).toBeLessThan(1e-5);
      expect(maxAbsDifference(ours.gradients, reference.gradients)).toBeLessThan(1e-5);
      expect(maxAbsDifference(ours.input, reference.input)).toBeLessThan(1e-5);
    },
  );
});

describe('Adam', () => {
  it('the wasm SIMD kernel loads here and agrees with the TypeScript loop, on a size that is not a multiple of 4', () => {
    expect(SimdAdamKernel.create(10)).toBeDefined();
    const simd = new Adam(10, { learningRate: 0.05, beta1: 0.5 });
    const scalar = new Adam(10, { learningRate: 0.05, beta1: 0.5 }, { simd: false });
    const a = uniformArray(10, 40);
    const b = Float32Array.from(a);
    for (let step = 0; step < 5; step++) {
      const gradients = uniformArray(10, 41 + step);
      simd.step(a, gradients);
      scalar.step(b, gradients);
    }
    // float32 arithmetic in the kernel against float64 in the loop: rounding-level differences only.
    expect(maxAbsDifference(a, b)).toBeLessThan(1e-5);
    expect(maxAbsDifference(a, uniformArray(10, 40))).toBeGreaterThan(0.1);
    expect(() => simd.step(new Float32Array(9), new Float32Array(9))).toThrow(/sized for 10 parameters/);
  });
});

describe('DenseNetwork', () => {
  it('reuses its buffers at a fixed batch size and grows them for a larger one', () => {
    const network = seededNetwork(new DenseNetwork(3, [{ units: 2, activation: 'linear' }]), 1);
    const first = network.forward(referenceGemm, uniformArray(12, 2), 4);
    const second = network.forward(referenceGemm, uniformArray(12, 3), 4);
    expect(second.buffer).toBe(first.buffer);
    const larger = network.forward(referenceGemm, uniformArray(30, 4), 10);
    expect(larger.length).toBe(20);
    expect(() => network.forward(referenceGemm, new Float32Array(5), 2)).toThrow(RangeError);
  });

  it('Glorot-uniform init stays within sqrt(6 / (fan_in + fan_out)) and biases start at zero', () => {
    const network = new DenseNetwork(30, [{ units: 20, activation: 'relu' }]);
    let draws = 0;
    network.initialize(() => (draws++ % 7) / 7);
    const limit = Math.sqrt(6 / 50);
    expect(draws).toBe(600);
    expect(Math.max(...network.layers[0].kernel.map(Math.abs))).toBeLessThanOrEqual(limit + 1e-7);
    expect(network.layers[0].kernel[0]).toBeCloseTo(-limit, 6);
    expect(Array.from(network.layers[0].bias)).toEqual(new Array(20).fill(0));
  });
});
