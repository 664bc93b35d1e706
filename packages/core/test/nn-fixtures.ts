import * as tf from '@tensorflow/tfjs';
import { jsSaxpy, referenceSgemm, type Gemm } from '../src/linalg/gemm.js';
import { Xoshiro128 } from '@rbm-lab/datasets';
import type { Activation } from '../src/nn/activations.js';
import type { DenseNetwork } from '../src/nn/network.js';

/** The plain TypeScript product (float64 accumulation), so finite differences see no BLAS rounding. */
export const referenceGemm: Gemm = {
  path: 'cpu',
  detail: 'reference sgemm (tests)',
  sgemm: referenceSgemm,
  saxpy: jsSaxpy,
  dispose() {},
};

/** n uniforms in [low, high) from a seeded stream. */
export function uniformArray(n: number, seed: number, low = -1, high = 1): Float32Array {
  const rng = new Xoshiro128(seed);
  return Float32Array.from({ length: n }, () => low + (high - low) * rng.nextFloat());
}

/** Initialises a network from a seed (Glorot kernels) and gives its biases small nonzero values. */
export function seededNetwork<T extends DenseNetwork>(network: T, seed: number): T {
  const rng = new Xoshiro128(seed);
  network.initialize(() => rng.nextFloat());
  for (const layer of network.layers) layer.bias.set(uniformArray(layer.nOut, seed + layer.nOut, -0.3, 0.3));
  return network;
}

function tfActivation(activation: Activation, x: tf.Tensor): tf.Tensor {
  switch (activation) {
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, 0.2);
    case 'tanh':
      return tf.tanh(x);
    case 'linear':
      return x;
  }
}

/** The network's parameters as tfjs variables (kernel, bias per layer, in order). */
export function tfVariables(network: DenseNetwork): tf.Variable[] {
  return network.layers.flatMap((layer) => [
    tf.variable(tf.tensor2d(layer.kernel, [layer.nIn, layer.nOut])),
    tf.variable(tf.tensor1d(layer.bias)),
  ]);
}

/** The same network's forward pass written in tfjs ops over the given variables. */
export function tfForward(network: DenseNetwork, variables: tf.Tensor[], x: tf.Tensor): tf.Tensor2D {
  let h = x;
  network.layers.forEach((layer, i) => {
    h = tfActivation(layer.activation, tf.add(tf.matMul(h, variables[2 * i]), variables[2 * i + 1]));
  });
  return h as tf.Tensor2D;
}

/** Flattens tfjs tensors (in the network's parameter order) into one array like DenseNetwork.gradients. */
export function flatten(tensors: tf.Tensor[]): Float32Array {
  const parts = tensors.map((t) => t.dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
