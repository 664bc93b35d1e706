import { Type } from '@sinclair/typebox';
import * as tf from '@tensorflow/tfjs';
import { createRng, type Matrix, shuffleInPlace, UserError } from '@rbm-lab/datasets';
import { Dbn, dbnSpec } from './dbn.js';
import type { FitOptions, FitResult, Metrics, Model, ModelContext, ModelSpec, TrainingData } from './model.js';
import {
  HYPERPARAMETER_LIMITS as LIMITS,
  hyperparameterSection,
  layerSizes,
  type Resolved,
  resolveHyperparameters,
  stringEnum,
} from './hyperparameters.js';
import { loadModelFiles, saveModelFiles, type NamedArray } from './persistence.js';
import { matrixToTensor, tensorToMatrix, yieldToEventLoop } from './tfjs.js';

export type DnnOptimizer = 'sgd' | 'adam';

const DNN_OPTIMIZERS: readonly DnnOptimizer[] = ['sgd', 'adam'];

/** Architecture of a DNN: the `model:` config section. */
export const dnnModelSchema = hyperparameterSection({
  layers: layerSizes({ default: [500, 200], description: 'Hidden layer sizes (sigmoid units), input side first.' }),
  pretrain: Type.Boolean({
    default: true,
    description:
      'Initialise the hidden layers from a DBN trained greedily on the inputs; false = random (Glorot) init.',
  }),
});

/** Training of a DNN: the `train:` config section (fine-tuning, then the DBN pre-training of the hidden layers). */
export const dnnTrainSchema = hyperparameterSection({
  epochs: Type.Integer({
    minimum: 1,
    maximum: LIMITS.epochs,
    default: 10,
    description: 'Fine-tuning epochs (backpropagation).',
  }),
  learning_rate: Type.Number({
    exclusiveMinimum: 0,
    maximum: LIMITS.learningRate,
    default: 0.1,
    description: 'Step size of fine-tuning.',
  }),
  batch_size: Type.Integer({
    minimum: 1,
    maximum: LIMITS.batchSize,
    default: 50,
    description: 'Images per fine-tuning mini-batch.',
  }),
  optimizer: stringEnum(DNN_OPTIMIZERS, { default: 'sgd', description: "Fine-tuning optimizer: 'sgd' or 'adam'." }),
  momentum: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.5, description: "Momentum of 'sgd'." }),
  pretrain_epochs: Type.Integer({
    minimum: 1,
    maximum: LIMITS.epochs,
    default: 10,
    description: 'Epochs of CD training per DBN layer.',
  }),
  pretrain_learning_rate: Type.Number({
    exclusiveMinimum: 0,
    maximum: LIMITS.learningRate,
    default: 0.1,
    description: 'Step size of CD pre-training.',
  }),
  pretrain_batch_size: Type.Integer({
    minimum: 1,
    maximum: LIMITS.batchSize,
    default: 20,
    description: 'Images per CD pre-training mini-batch.',
  }),
  pretrain_k: Type.Integer({
    minimum: 1,
    maximum: LIMITS.gibbsSteps,
    default: 1,
    description: 'Gibbs steps of CD-k in pre-training.',
  }),
});

/** Architecture of a DNN; `pretrain` initialises the hidden layers from a greedily trained DBN instead of at random. */
export type DnnModelParams = Resolved<typeof dnnModelSchema>;
/** Training of a DNN; `momentum` applies to 'sgd' only (0 = plain SGD). */
export type DnnTrainParams = Resolved<typeof dnnTrainSchema>;

/** Training or test data a DNN cannot use (no labels, wrong width, label out of range). */
export class DnnDataError extends UserError {}

/** One dense layer's parameters: kernel [nIn x nOut] row-major, bias [nOut]. */
export interface DenseLayerWeights {
  nIn: number;
  nOut: number;
  kernel: Float32Array;
  bias: Float32Array;
}

/** Rows scored per forward pass when computing metrics, to bound memory on 60000-row sets. */
const SCORE_BATCH = 1000;
/** Keeps log() finite for saturated softmax outputs (the value Keras uses). */
const PROBABILITY_FLOOR = 1e-7;

/**
 * A feed-forward classifier: sigmoid hidden layers and a softmax output, trained
 * by backpropagation on the cross-entropy. With `pretrain`, the hidden layers
 * start from a DBN trained greedily on the inputs (Hinton & Salakhutdinov 2006);
 * without it, from Glorot-uniform noise, so the two differ only in initialisation.
 */
export class Dnn implements Model {
  readonly type = 'dnn';
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly modelParams: DnnModelParams;
  readonly trainParams: DnnTrainParams;
  readonly nInputs: number;
  private readonly seed: number;
  private readonly context: ModelContext;
  private network: tf.Sequential | undefined;
  private classes: number | undefined;

  constructor(modelParams: DnnModelParams, trainParams: DnnTrainParams, context: ModelContext) {
    this.modelParams = { ...modelParams, layers: [...modelParams.layers] };
    this.trainParams = { ...trainParams };
    this.hyperparameters = { ...this.modelParams, ...this.trainParams };
    this.nInputs = context.nVisible;
    this.seed = context.seed;
    this.context = context;
  }

  /** Number of output classes; known once fitted or loaded. */
  get nClasses(): number | undefined {
    return this.classes;
  }

  async fit(train: TrainingData, options: FitOptions = {}): Promise<FitResult> {
    if (this.network) throw new Error('Dnn.fit: this model is already trained (fit may be called once)');
    const labels = this.requireLabels(train, 'training');
    const nClasses = train.nClasses ?? maxLabel(labels) + 1;
    this.checkLabelRange(labels, nClasses, 'training');
    if (options.validation)
      this.checkLabelRange(this.requireLabels(options.validation, 'validation'), nClasses, 'validation');

    const rng = createRng(this.seed);
    // One stream per purpose, drawn in a fixed order: the output layer's init and the batch order
    // are the same with and without pre-training, so the two variants differ only in the hidden layers.
    const layerSeeds = [...this.modelParams.layers, nClasses].map(() => rng.nextUint32());
    const pretrainSeed = rng.nextUint32();
    let pretrained: DenseLayerWeights[] | undefined;
    if (this.modelParams.pretrain) {
      pretrained = await this.pretrainHiddenLayers(train.x, pretrainSeed, options.signal);
      if (pretrained === undefined) return { epochsCompleted: 0, history: [], aborted: true };
    }
    this.classes = nClasses;
    this.network = buildNetwork(this.nInputs, this.modelParams.layers, nClasses, layerSeeds);
    if (pretrained) setDenseWeights(this.network, pretrained, 0);

    const { epochs, batch_size: batchSize } = this.trainParams;
    const optimizer = this.createOptimizer();
    const trainableVariables = this.network.trainableWeights.map((w) => w.read() as tf.Variable);
    const xTrain = matrixToTensor(train.x);
    const yTrain = tf.tensor1d(labels, 'int32');
    const validation = options.validation
      ? { x: matrixToTensor(options.validation.x), y: tf.tensor1d(options.validation.labels as Int32Array, 'int32') }
      : undefined;
    const history: Metrics[] = [];
    let aborted = false;
    try {
      const n = train.x.rows;
      const order = Int32Array.from({ length: n }, (_, i) => i);
      for (let epoch = 1; epoch <= epochs && !aborted; epoch++) {
        shuffleInPlace(order, rng);
        for (let start = 0; start < n; start += batchSize) {
          await yieldToEventLoop();
          if (options.signal?.aborted) {
            aborted = true;
            break;
          }
          const network = this.network;
          tf.tidy(() => {
            const index = tf.tensor1d(order.subarray(start, Math.min(start + batchSize, n)), 'int32');
            const xBatch = tf.gather(xTrain, index);
            const yBatch = tf.oneHot(tf.gather(yTrain, index), nClasses);
            optimizer.minimize(
              () => crossEntropy(network.apply(xBatch) as tf.Tensor, yBatch),
              false,
              trainableVariables,
            );
          });
        }
        if (aborted) break;
        const trainScore = scoreClassifier(this.network, xTrain, yTrain, nClasses);
        const metrics: Metrics = { train_error: trainScore.error, train_loss: trainScore.loss };
        if (validation) {
          const testScore = scoreClassifier(this.network, validation.x, validation.y, nClasses);
          metrics.test_error = testScore.error;
          metrics.test_loss = testScore.loss;
        }
        history.push(metrics);
        await options.onEpoch?.(epoch, metrics);
      }
    } finally {
      disposeOptimizer(optimizer);
      tf.dispose([xTrain, yTrain]);
      if (validation) tf.dispose([validation.x, validation.y]);
    }
    return { epochsCompleted: history.length, history, aborted };
  }

  /** Final metrics on held-out labelled data: test_error (misclassification rate) and test_loss (mean cross-entropy, nats). */
  async evaluate(test: TrainingData): Promise<Metrics> {
    const network = this.requireNetwork('evaluate');
    const labels = this.requireLabels(test, 'test');
    this.checkLabelRange(labels, this.classes as number, 'test');
    const x = matrixToTensor(test.x);
    const y = tf.tensor1d(labels, 'int32');
    try {
      const score = scoreClassifier(network, x, y, this.classes as number);
      return { test_error: score.error, test_loss: score.loss };
    } finally {
      tf.dispose([x, y]);
    }
  }

  /** Class probabilities, one row per input row. */
  predictProbabilities(x: Matrix): Matrix {
    const network = this.requireNetwork('predictProbabilities');
    this.checkWidth(x, 'input');
    const probabilities = tf.tidy(() => network.predict(matrixToTensor(x), { batchSize: SCORE_BATCH }) as tf.Tensor);
    try {
      return tensorToMatrix(probabilities);
    } finally {
      probabilities.dispose();
    }
  }

  /** Most probable class per input row. */
  predict(x: Matrix): Int32Array {
    const network = this.requireNetwork('predict');
    this.checkWidth(x, 'input');
    return tf.tidy(() => {
      const probabilities = network.predict(matrixToTensor(x), { batchSize: SCORE_BATCH }) as tf.Tensor;
      return Int32Array.from(probabilities.argMax(1).dataSync());
    });
  }

  /** Copies of the dense layers' parameters, input side first (the last is the softmax layer). */
  getLayerWeights(): DenseLayerWeights[] {
    const network = this.requireNetwork('getLayerWeights');
    return network.layers.map((layer) => {
      const [kernel, bias] = layer.getWeights();
      const [nIn, nOut] = kernel.shape;
      return {
        nIn,
        nOut,
        kernel: Float32Array.from(kernel.dataSync() as Float32Array),
        bias: Float32Array.from(bias.dataSync() as Float32Array),
      };
    });
  }

  async save(dir: string): Promise<void> {
    const arrays: Record<string, NamedArray> = {};
    this.getLayerWeights().forEach((layer, i) => {
      arrays[`dense_${i}_kernel`] = { shape: [layer.nIn, layer.nOut], data: layer.kernel };
      arrays[`dense_${i}_bias`] = { shape: [layer.nOut], data: layer.bias };
    });
    await saveModelFiles(dir, {
      type: this.type,
      hyperparameters: { ...this.hyperparameters },
      extra: {
        modelParams: this.modelParams,
        trainParams: this.trainParams,
        nInputs: this.nInputs,
        nClasses: this.classes,
        seed: this.seed,
      },
      arrays,
    });
  }

  /** Rebuilds a saved DNN (same architecture and weights; predictions identical on the same backend). */
  static async load(dir: string, backend: ModelContext['backend'] = placeholderBackend()): Promise<Dnn> {
    const saved = await loadModelFiles(dir, 'dnn');
    const extra = saved.extra as {
      modelParams: unknown;
      trainParams: unknown;
      nInputs: unknown;
      nClasses: unknown;
      seed: unknown;
    };
    const where = `${dir}/model.json`;
    if (typeof extra.nInputs !== 'number' || typeof extra.nClasses !== 'number' || typeof extra.seed !== 'number') {
      throw new DnnDataError(`${where}: missing nInputs, nClasses or seed for a dnn model`);
    }
    const dnn = new Dnn(
      resolveHyperparameters(dnnModelSchema, extra.modelParams, `${where} model`),
      resolveHyperparameters(dnnTrainSchema, extra.trainParams, `${where} train`),
      { nVisible: extra.nInputs, seed: extra.seed, backend },
    );
    const sizes = [extra.nInputs, ...dnn.modelParams.layers, extra.nClasses];
    const layers: DenseLayerWeights[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const kernel = saved.arrays[`dense_${i}_kernel`];
      const bias = saved.arrays[`dense_${i}_bias`];
      if (!kernel || !bias || kernel.data.length !== sizes[i] * sizes[i + 1] || bias.data.length !== sizes[i + 1]) {
        throw new DnnDataError(`${where}: weights of dense layer ${i} missing or not ${sizes[i]}x${sizes[i + 1]}`);
      }
      layers.push({ nIn: sizes[i], nOut: sizes[i + 1], kernel: kernel.data, bias: bias.data });
    }
    dnn.classes = extra.nClasses;
    dnn.network = buildNetwork(
      extra.nInputs,
      dnn.modelParams.layers,
      extra.nClasses,
      sizes.slice(1).map(() => 0),
    );
    setDenseWeights(dnn.network, layers, 0);
    return dnn;
  }

  dispose(): void {
    this.network?.dispose();
    this.network = undefined;
  }

  /** Greedy DBN training on the inputs; its RBMs' weights and hidden biases become the hidden layers. undefined = aborted. */
  private async pretrainHiddenLayers(
    x: Matrix,
    seed: number,
    signal: AbortSignal | undefined,
  ): Promise<DenseLayerWeights[] | undefined> {
    const dbn = dbnSpec.create(
      { layers: this.modelParams.layers },
      {
        epochs: this.trainParams.pretrain_epochs,
        learning_rate: this.trainParams.pretrain_learning_rate,
        batch_size: this.trainParams.pretrain_batch_size,
        k: this.trainParams.pretrain_k,
      },
      { ...this.context, seed },
    );
    try {
      if (!(dbn instanceof Dbn)) throw new Error('dbnSpec.create did not return a Dbn');
      const result = await dbn.fit({ x }, { signal });
      if (result.aborted) return undefined;
      return dbn.layers.map((rbm) => {
        const p = rbm.getParameters();
        return { nIn: p.nVisible, nOut: p.nHidden, kernel: p.weights, bias: p.hiddenBias };
      });
    } finally {
      dbn.dispose();
    }
  }

  private createOptimizer(): tf.Optimizer {
    const { optimizer, learning_rate: learningRate, momentum } = this.trainParams;
    if (optimizer === 'adam') return tf.train.adam(learningRate);
    return momentum > 0 ? tf.train.momentum(learningRate, momentum) : tf.train.sgd(learningRate);
  }

  private requireNetwork(operation: string): tf.Sequential {
    if (!this.network) throw new Error(`Dnn.${operation}: the model is not trained yet (call fit or load first)`);
    return this.network;
  }

  private requireLabels(data: TrainingData, what: string): Int32Array {
    this.checkWidth(data.x, what);
    if (!data.labels) throw new DnnDataError(`dnn: the ${what} data has no labels (a DNN is a supervised classifier)`);
    if (data.labels.length !== data.x.rows) {
      throw new DnnDataError(`dnn: the ${what} data has ${data.x.rows} rows but ${data.labels.length} labels`);
    }
    return data.labels;
  }

  private checkWidth(x: Matrix, what: string): void {
    if (x.cols !== this.nInputs) {
      throw new DnnDataError(`dnn: the ${what} data has ${x.cols} columns, the network takes ${this.nInputs} inputs`);
    }
  }

  private checkLabelRange(labels: Int32Array, nClasses: number, what: string): void {
    for (const label of labels) {
      if (label < 0 || label >= nClasses) {
        throw new DnnDataError(`dnn: the ${what} data has label ${label}, outside 0..${nClasses - 1}`);
      }
    }
  }
}

function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  // tfjs 4.22's MomentumOptimizer.dispose forgets the learning-rate scalar `c` of its SGD parent.
  // (instanceof cannot tell optimizers apart: tfjs duck-types Optimizer via Symbol.hasInstance.)
  const learningRateScalar = (optimizer as unknown as { c?: unknown }).c;
  if (learningRateScalar instanceof tf.Tensor && !learningRateScalar.isDisposed) learningRateScalar.dispose();
}

/** Mean categorical cross-entropy of softmax outputs against one-hot targets. */
function crossEntropy(probabilities: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.tidy(
    () =>
      tf.neg(
        tf.mean(tf.sum(tf.mul(oneHot, tf.log(tf.clipByValue(probabilities, PROBABILITY_FLOOR, 1))), 1)),
      ) as tf.Scalar,
  );
}

/** Misclassification rate and mean cross-entropy over a whole set, scored in bounded batches. */
function scoreClassifier(
  network: tf.Sequential,
  x: tf.Tensor2D,
  y: tf.Tensor1D,
  nClasses: number,
): { error: number; loss: number } {
  const n = x.shape[0];
  let errors = 0;
  let lossSum = 0;
  for (let start = 0; start < n; start += SCORE_BATCH) {
    const size = Math.min(SCORE_BATCH, n - start);
    const [batchErrors, batchLoss] = tf.tidy(() => {
      const probabilities = network.predict(x.slice([start, 0], [size, -1])) as tf.Tensor;
      const labels = y.slice([start], [size]);
      const wrong = tf.sum(tf.cast(tf.notEqual(tf.argMax(probabilities, 1), labels), 'float32'));
      const loss = tf.mul(crossEntropy(probabilities, tf.oneHot(labels, nClasses)), size);
      return [wrong.dataSync()[0], loss.dataSync()[0]];
    });
    errors += batchErrors;
    lossSum += batchLoss;
  }
  return { error: n === 0 ? 0 : errors / n, loss: n === 0 ? 0 : lossSum / n };
}

function buildNetwork(nInputs: number, hidden: number[], nClasses: number, seeds: number[]): tf.Sequential {
  const network = tf.sequential();
  const sizes = [...hidden, nClasses];
  sizes.forEach((units, i) => {
    network.add(
      tf.layers.dense({
        ...(i === 0 ? { inputShape: [nInputs] } : {}),
        units,
        activation: i < hidden.length ? 'sigmoid' : 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seeds[i] }),
        biasInitializer: 'zeros',
      }),
    );
  });
  return network;
}

/** Overwrites dense layers first..first+layers.length-1 with the given parameters. */
function setDenseWeights(network: tf.Sequential, layers: DenseLayerWeights[], first: number): void {
  layers.forEach((weights, i) => {
    const layer = network.layers[first + i];
    const tensors = [tf.tensor2d(weights.kernel, [weights.nIn, weights.nOut]), tf.tensor1d(weights.bias)];
    layer.setWeights(tensors);
    tf.dispose(tensors);
  });
}

function maxLabel(labels: Int32Array): number {
  let max = -1;
  for (const label of labels) if (label > max) max = label;
  return max;
}

function placeholderBackend(): ModelContext['backend'] {
  return { path: 'cpu', tfjsBackend: tf.getBackend() ?? 'cpu', detail: 'loaded model' };
}

export const dnnSpec: ModelSpec = {
  type: 'dnn',
  description:
    'Feed-forward classifier (sigmoid hidden layers, softmax output) trained by backpropagation; hidden layers pre-trained by a DBN or randomly initialised.',
  generative: false,
  supervised: true,
  modelSchema: dnnModelSchema,
  trainSchema: dnnTrainSchema,
  mainMetric: { name: 'test_error', lowerIsBetter: true },
  create: (modelParams, trainParams, context) =>
    new Dnn(
      resolveHyperparameters(dnnModelSchema, modelParams, 'dnn model'),
      resolveHyperparameters(dnnTrainSchema, trainParams, 'dnn train'),
      context,
    ),
  load: (dir) => Dnn.load(dir),
};
