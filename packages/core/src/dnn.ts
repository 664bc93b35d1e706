import { Type } from '@sinclair/typebox';
import { createRng, type Matrix, shuffleInPlace, UserError } from '@rbm-lab/datasets';
import { getBackendInfo, initializedGemm } from './backend.js';
import { Dbn, dbnSpec } from './dbn.js';
import type { Gemm } from './linalg/gemm.js';
import type {
  BackendInfo,
  FitOptions,
  FitResult,
  Metrics,
  Model,
  ModelContext,
  ModelSpec,
  TrainingData,
} from './model.js';
import {
  HYPERPARAMETER_LIMITS as LIMITS,
  hyperparameterSection,
  layerSizes,
  type Resolved,
  stringEnum,
} from './hyperparameters.js';
import { modelSpec, resolveSections } from './model-spec.js';
import { gatherRowsInto, networkArrays, setNetworkArrays } from './nn/arrays.js';
import { classProbabilities, scoreClassifier, trainClassifierBatch } from './nn/classification.js';
import { runEpochs } from './nn/epochs.js';
import { DenseNetwork, glorotUniform } from './nn/network.js';
import { Adam, type Optimizer, SgdMomentum } from './nn/optimizers.js';
import { loadModelFiles, saveModelFiles } from './persistence.js';
import { argmaxRows } from './quality/classifier.js';
import { DNN_METRICS } from './model-metrics.js';

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

/** The two config sections, for the spec and for reading saved models. */
const DNN_SECTIONS = { modelSchema: dnnModelSchema, trainSchema: dnnTrainSchema };

/** Training or test data a DNN cannot use (no labels, wrong width, label out of range). */
export class DnnDataError extends UserError {}

/** One dense layer's parameters: kernel [nIn x nOut] row-major, bias [nOut]. */
export interface DenseLayerWeights {
  nIn: number;
  nOut: number;
  kernel: Float32Array;
  bias: Float32Array;
}

/** Saved array names, unchanged from the tfjs-layers version so older saved DNNs load. */
const parameterName = (layer: number, part: 'kernel' | 'bias'): string => `dense_${layer}_${part}`;

/**
 * A feed-forward classifier: sigmoid hidden layers and a softmax output, trained
 * by backpropagation on the mean cross-entropy, over the Gemm the backend chose
 * (core/src/nn). With `pretrain`, the hidden layers start from a DBN trained
 * greedily on the inputs (Hinton & Salakhutdinov 2006); without it, from
 * Glorot-uniform noise, so the two differ only in initialisation.
 *
 * Per-epoch metrics: train_error and train_loss over the whole training set,
 * validation_error and validation_loss on FitOptions.validation; evaluate gives
 * the final test_error and test_loss.
 */
export class Dnn implements Model {
  readonly type = 'dnn';
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly modelParams: DnnModelParams;
  readonly trainParams: DnnTrainParams;
  readonly nInputs: number;
  private readonly seed: number;
  private readonly context: ModelContext;
  /** The network (last layer outputs logits; softmax is applied in the loss and in predictions) and its GEMM. */
  private trained: { network: DenseNetwork; gemm: Gemm } | undefined;

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
    return this.trained?.network.outputSize;
  }

  async fit(train: TrainingData, options: FitOptions = {}): Promise<FitResult> {
    if (this.trained) throw new Error('Dnn.fit: this model is already trained (fit may be called once)');
    const labels = this.requireLabels(train, 'training');
    const nClasses = train.nClasses ?? maxLabel(labels) + 1;
    this.checkLabelRange(labels, nClasses, 'training');
    const validation = options.validation;
    const validationLabels = validation ? this.requireLabels(validation, 'validation') : undefined;
    if (validationLabels) this.checkLabelRange(validationLabels, nClasses, 'validation');

    const gemm = await initializedGemm();
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
    const network = buildNetwork(this.nInputs, this.modelParams.layers, nClasses);
    network.layers.forEach((layer, i) => {
      const layerRng = createRng(layerSeeds[i]);
      glorotUniform(layer.kernel, layer.nIn, layer.nOut, layerRng.next);
    });
    pretrained?.forEach((weights, i) => {
      network.layers[i].kernel.set(weights.kernel);
      network.layers[i].bias.set(weights.bias);
    });
    this.trained = { network, gemm };

    const { epochs, batch_size: batchSize } = this.trainParams;
    const optimizer = this.createOptimizer(gemm, network.parameters.length);
    const batchX = new Float32Array(batchSize * this.nInputs);
    const batchLabels = new Int32Array(batchSize);
    const order = Int32Array.from({ length: train.x.rows }, (_, i) => i);
    return runEpochs({
      rows: train.x.rows,
      epochs,
      batchSize,
      nextOrder: () => shuffleInPlace(order, rng),
      options,
      step: (rows, start, end) => {
        gatherRowsInto(train.x, rows, start, end, batchX);
        for (let i = start; i < end; i++) batchLabels[i - start] = labels[rows[i]];
        trainClassifierBatch(gemm, network, optimizer, batchX, batchLabels, end - start);
        return {};
      },
      endOfEpoch: () => {
        const trainScore = scoreClassifier(gemm, network, train.x, labels);
        const metrics: Metrics = { train_error: trainScore.error, train_loss: trainScore.loss };
        if (validation && validationLabels) {
          const score = scoreClassifier(gemm, network, validation.x, validationLabels);
          metrics.validation_error = score.error;
          metrics.validation_loss = score.loss;
        }
        return metrics;
      },
    });
  }

  /** Final metrics on held-out labelled data: test_error (misclassification rate) and test_loss (mean cross-entropy, nats). */
  async evaluate(test: TrainingData): Promise<Metrics> {
    const { network, gemm } = this.requireTrained('evaluate');
    const labels = this.requireLabels(test, 'test');
    this.checkLabelRange(labels, network.outputSize, 'test');
    const score = scoreClassifier(gemm, network, test.x, labels);
    return { test_error: score.error, test_loss: score.loss };
  }

  /** Class probabilities, one row per input row. */
  predictProbabilities(x: Matrix): Matrix {
    const { network, gemm } = this.requireTrained('predictProbabilities');
    this.checkWidth(x, 'input');
    return classProbabilities(gemm, network, x);
  }

  /** Most probable class per input row. */
  predict(x: Matrix): Int32Array {
    return argmaxRows(this.predictProbabilities(x));
  }

  /** Copies of the dense layers' parameters, input side first (the last is the softmax layer). */
  getLayerWeights(): DenseLayerWeights[] {
    const { network } = this.requireTrained('getLayerWeights');
    return network.layers.map(({ nIn, nOut, kernel, bias }) => ({
      nIn,
      nOut,
      kernel: Float32Array.from(kernel),
      bias: Float32Array.from(bias),
    }));
  }

  async save(dir: string): Promise<void> {
    const { network } = this.requireTrained('save');
    await saveModelFiles(dir, {
      type: this.type,
      hyperparameters: { ...this.hyperparameters },
      extra: {
        modelParams: this.modelParams,
        trainParams: this.trainParams,
        nInputs: this.nInputs,
        nClasses: network.outputSize,
        seed: this.seed,
      },
      arrays: networkArrays(network, parameterName),
    });
  }

  /** Rebuilds a saved DNN (same architecture and weights; predictions identical on the same compute path). */
  static async load(dir: string): Promise<Dnn> {
    const saved = await loadModelFiles(dir, 'dnn');
    const gemm = await initializedGemm();
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
    const { model, train } = resolveSections(DNN_SECTIONS, extra.modelParams, extra.trainParams, where);
    const dnn = new Dnn(model, train, {
      nVisible: extra.nInputs,
      seed: extra.seed,
      backend: getBackendInfo() as BackendInfo,
    });
    const network = buildNetwork(extra.nInputs, dnn.modelParams.layers, extra.nClasses);
    setNetworkArrays(network, saved.arrays, parameterName, where);
    dnn.trained = { network, gemm };
    return dnn;
  }

  dispose(): void {
    this.trained = undefined;
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

  /** The tfjs optimizers' update rules (tf.train.adam / momentum / sgd), see nn/optimizers.ts. */
  private createOptimizer(gemm: Gemm, size: number): Optimizer {
    const { optimizer, learning_rate: learningRate, momentum } = this.trainParams;
    if (optimizer === 'adam') return new Adam(size, { learningRate });
    return new SgdMomentum(gemm, size, learningRate, momentum);
  }

  private requireTrained(operation: string): { network: DenseNetwork; gemm: Gemm } {
    if (!this.trained) throw new Error(`Dnn.${operation}: the model is not trained yet (call fit or load first)`);
    return this.trained;
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

/** Sigmoid hidden layers and a linear (logits) output layer of nClasses units. */
function buildNetwork(nInputs: number, hidden: number[], nClasses: number): DenseNetwork {
  return new DenseNetwork(nInputs, [
    ...hidden.map((units) => ({ units, activation: 'sigmoid' as const })),
    { units: nClasses, activation: 'linear' },
  ]);
}

function maxLabel(labels: Int32Array): number {
  let max = -1;
  for (const label of labels) if (label > max) max = label;
  return max;
}

export const dnnSpec: ModelSpec = modelSpec({
  type: 'dnn',
  description:
    'Feed-forward classifier (sigmoid hidden layers, softmax output) trained by backpropagation; hidden layers pre-trained by a DBN or randomly initialised.',
  generative: false,
  supervised: true,
  ...DNN_SECTIONS,
  mainMetric: { name: 'test_error', lowerIsBetter: true },
  metrics: DNN_METRICS,
  implementation: Dnn,
});
