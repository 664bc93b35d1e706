import * as tf from '@tensorflow/tfjs';
import { createRng, shuffleInPlace } from '@rbm-lab/datasets';
import type { TrainingData } from '../src/model.js';

/** Keeps log() finite for saturated softmax outputs (the value Keras uses). */
const PROBABILITY_FLOOR = 1e-7;

export interface ReferenceDnnSettings {
  hidden: number[];
  nClasses: number;
  epochs: number;
  learningRate: number;
  momentum: number;
  batchSize: number;
  seed: number;
}

/**
 * The DNN training loop as it was before the port to core/src/nn, kept as the
 * reference the engine is checked against: tfjs-layers dense layers (sigmoid
 * hidden, softmax output, Glorot-uniform kernels seeded per layer), tfjs
 * SGD-momentum on the clipped categorical cross-entropy, seeded shuffles.
 * Returns the final error rate on `test`.
 */
export async function trainTfjsDnn(
  train: TrainingData,
  test: TrainingData,
  settings: ReferenceDnnSettings,
): Promise<number> {
  const rng = createRng(settings.seed);
  const sizes = [...settings.hidden, settings.nClasses];
  const network = tf.sequential();
  sizes.forEach((units, i) => {
    network.add(
      tf.layers.dense({
        ...(i === 0 ? { inputShape: [train.x.cols] } : {}),
        units,
        activation: i < settings.hidden.length ? 'sigmoid' : 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextUint32() }),
        biasInitializer: 'zeros',
      }),
    );
  });
  const optimizer = tf.train.momentum(settings.learningRate, settings.momentum);
  const variables = network.trainableWeights.map((w) => w.read() as tf.Variable);
  const xTrain = tf.tensor2d(train.x.data, [train.x.rows, train.x.cols]);
  const yTrain = tf.tensor1d(train.labels as Int32Array, 'int32');
  const order = Int32Array.from({ length: train.x.rows }, (_, i) => i);
  try {
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      shuffleInPlace(order, rng);
      for (let start = 0; start < order.length; start += settings.batchSize) {
        tf.tidy(() => {
          const index = tf.tensor1d(order.subarray(start, Math.min(start + settings.batchSize, order.length)), 'int32');
          const xBatch = tf.gather(xTrain, index);
          const yBatch = tf.oneHot(tf.gather(yTrain, index), settings.nClasses);
          optimizer.minimize(
            () => {
              const probabilities = network.apply(xBatch) as tf.Tensor;
              const logProbabilities = tf.log(tf.clipByValue(probabilities, PROBABILITY_FLOOR, 1));
              return tf.neg(tf.mean(tf.sum(tf.mul(yBatch, logProbabilities), 1))) as tf.Scalar;
            },
            false,
            variables,
          );
        });
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    return tf.tidy(() => {
      const predicted = tf.argMax(
        network.predict(tf.tensor2d(test.x.data, [test.x.rows, test.x.cols])) as tf.Tensor,
        1,
      );
      const wrong = tf.sum(tf.cast(tf.notEqual(predicted, tf.tensor1d(test.labels as Int32Array, 'int32')), 'float32'));
      return wrong.dataSync()[0] / test.x.rows;
    });
  } finally {
    optimizer.dispose();
    network.dispose();
    tf.dispose([xTrain, yTrain]);
  }
}
