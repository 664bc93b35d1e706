import type { TObject, TProperties } from '@sinclair/typebox';
import { createRng, type Matrix, type Rng } from '@rbm-lab/datasets';
import { initializedGemm } from '../backend.js';
import { sigmoid } from '../linalg/elementwise.js';
import type { Gemm } from '../linalg/gemm.js';
import type {
  EvaluateOptions,
  FitOptions,
  FitResult,
  Metrics,
  Model,
  ModelContext,
  ModelSpec,
  SampleOptions,
  Samples,
  TrainingData,
} from '../model.js';
import { networkArrays, setNetworkArrays } from '../nn/arrays.js';
import { bernoulliCrossEntropyWithLogits } from '../nn/losses.js';
import { mapNetworkRows } from '../nn/classification.js';
import type { Activation } from '../nn/activations.js';
import { DenseNetwork } from '../nn/network.js';
import { Adam } from '../nn/optimizers.js';
import { loadModelFiles, type NamedArray, saveModelFiles } from '../persistence.js';
import { hyperparameterSection, resolveHyperparameters } from '../hyperparameters.js';
import { checkWidth, runImageEpochs } from './training.js';

export type GeneratorContext = Pick<ModelContext, 'nVisible' | 'seed'>;

/** A generator class, constructed from its (unresolved) hyperparameters. */
export type GeneratorClass<M> = new (hyperparameters: Record<string, unknown>, context: GeneratorContext) => M;

/** Hyperparameters every generator has (from trainProperties). */
export interface GeneratorTrainHyperparameters {
  epochs: number;
  learning_rate: number;
  batch_size: number;
}

/**
 * What the autoencoder, VAE and GAN share: seeded streams, two dense networks
 * on the nn engine (encoder/decoder or generator/discriminator), sampling by
 * decoding codes, save/load of the networks under stable names.
 */
export abstract class GeneratorModel<H extends GeneratorTrainHyperparameters> implements Model {
  abstract readonly type: string;
  readonly hyperparameters: Readonly<H>;
  readonly nVisible: number;
  readonly seed: number;
  protected readonly trainRng: Rng;
  protected readonly sampleRng: Rng;
  /** Evaluations restart this stream so scoring the same data twice gives the same number. */
  protected readonly evaluationSeed: number;
  /** Initialises the networks, in the order the subclass builds them. */
  protected readonly initRng: Rng;

  protected constructor(type: string, schema: TObject, hyperparameters: unknown, context: GeneratorContext) {
    this.hyperparameters = resolveHyperparameters(schema, hyperparameters, type) as unknown as H;
    this.nVisible = context.nVisible;
    this.seed = context.seed;
    const root = createRng(context.seed);
    this.initRng = createRng(root.nextUint32());
    this.trainRng = createRng(root.nextUint32());
    this.sampleRng = createRng(root.nextUint32());
    this.evaluationSeed = root.nextUint32();
  }

  /** The model's networks by saved-name prefix ('encoder', 'decoder', ...). */
  protected abstract networks(): Record<string, DenseNetwork>;

  /** The network mapping codes to pixel probabilities (its last layer is sigmoid, or linear logits). */
  protected abstract decoder(): DenseNetwork;

  abstract fit(train: TrainingData, options?: FitOptions): Promise<FitResult>;
  abstract evaluate(test: TrainingData, options?: EvaluateOptions): Promise<Metrics>;

  /** Codes to decode into n samples; N(0, I) unless a subclass fits its own code distribution. */
  protected drawCodes(n: number, latent: number, rng: Rng): Matrix {
    const data = new Float32Array(n * latent);
    fillNormal(rng, data);
    return { data, rows: n, cols: latent };
  }

  /** Pixel probabilities for codes (rows x latent). */
  protected decode(gemm: Gemm, codes: Matrix): Matrix {
    const decoder = this.decoder();
    const logits = decoder.layers[decoder.layers.length - 1].activation === 'linear';
    return mapNetworkRows(gemm, decoder, codes, {
      finish: logits ? (values) => sigmoidInPlace(values) : undefined,
    });
  }

  async sample(n: number, options: SampleOptions = {}): Promise<Samples> {
    const gemm = await initializedGemm();
    const rng = options.seed === undefined ? this.sampleRng : createRng(options.seed);
    const probabilities = this.decode(gemm, this.drawCodes(n, this.decoder().inputSize, rng));
    return { probabilities, binary: bernoulli(probabilities, rng) };
  }

  /** Arrays saved beside the networks' weights (the autoencoder's code Gaussian). */
  protected extraArrays(): Record<string, NamedArray> {
    return {};
  }

  /** Restores what extraArrays saved. */
  protected restoreExtraArrays(_arrays: Record<string, NamedArray>): void {}

  async save(dir: string): Promise<void> {
    const arrays: Record<string, NamedArray> = {};
    for (const [prefix, network] of Object.entries(this.networks())) {
      Object.assign(arrays, networkArrays(network, savedName(prefix)));
    }
    await saveModelFiles(dir, {
      type: this.type,
      hyperparameters: { ...this.hyperparameters },
      extra: { nVisible: this.nVisible, seed: this.seed },
      arrays: { ...arrays, ...this.extraArrays() },
    });
  }

  /** The networks hold plain arrays; nothing to release. */
  dispose(): void {}

  /** Loads a generator saved by save() into a fresh model of the class (subclasses' static load). */
  protected static async restore<M extends GeneratorModel<GeneratorTrainHyperparameters>>(
    dir: string,
    type: string,
    generator: GeneratorClass<M>,
  ): Promise<M> {
    const saved = await loadModelFiles(dir, type);
    const model = new generator(saved.hyperparameters, {
      nVisible: Number(saved.extra.nVisible),
      seed: Number(saved.extra.seed),
    });
    for (const [prefix, network] of Object.entries(model.networks())) {
      setNetworkArrays(network, saved.arrays, savedName(prefix), dir);
    }
    model.restoreExtraArrays(saved.arrays);
    return model;
  }

  protected checkData(x: Matrix, what: string): void {
    checkWidth(this.type, this.nVisible, x, what);
  }

  /** Checks the training (and validation) images and returns the Gemm to train with. */
  protected async startFit(train: TrainingData, options: FitOptions): Promise<Gemm> {
    this.checkData(train.x, 'training data');
    if (options.validation) this.checkData(options.validation.x, 'validation data');
    return initializedGemm();
  }

  /** Epochs of mini-batches of the training images, in this model's seeded order, at its batch size. */
  protected trainEpochs(
    train: TrainingData,
    options: FitOptions,
    step: (batch: Float32Array, rows: number) => Metrics,
    endOfEpoch?: () => Metrics,
  ): Promise<FitResult> {
    return runImageEpochs({
      train: train.x,
      epochs: this.hyperparameters.epochs,
      batchSize: this.hyperparameters.batch_size,
      rng: this.trainRng,
      options,
      step,
      endOfEpoch,
    });
  }

  /** An Adam optimizer for one of the networks, at the model's learning rate. */
  protected adamFor(network: DenseNetwork, beta1?: number): Adam {
    return new Adam(network.parameters.length, { learningRate: this.hyperparameters.learning_rate, beta1 });
  }
}

/** Hyperparameters of the models with a mirrored encoder and decoder. */
export interface EncoderDecoderHyperparameters extends GeneratorTrainHyperparameters {
  hidden_units: number[];
  latent_dim: number;
}

/**
 * The autoencoder's and VAE's shape: an encoder (ReLU hidden layers, linear
 * output of `codeWidth` per latent unit) and a decoder mirroring its hidden
 * layers, with linear pixel logits, both Glorot-initialised from initRng.
 */
export abstract class EncoderDecoderModel<H extends EncoderDecoderHyperparameters> extends GeneratorModel<H> {
  protected readonly encoder: DenseNetwork;
  protected readonly decoderNetwork: DenseNetwork;

  protected constructor(
    type: string,
    schema: TObject,
    hyperparameters: unknown,
    context: GeneratorContext,
    codeWidth: number,
  ) {
    super(type, schema, hyperparameters, context);
    const { hidden_units: hidden, latent_dim: latent } = this.hyperparameters;
    this.encoder = denseStack(this.nVisible, hidden, codeWidth * latent, 'relu');
    this.decoderNetwork = denseStack(latent, [...hidden].reverse(), this.nVisible, 'relu');
    for (const network of [this.encoder, this.decoderNetwork]) network.initialize(this.initRng.next);
  }

  protected networks(): Record<string, DenseNetwork> {
    return { encoder: this.encoder, decoder: this.decoderNetwork };
  }

  protected decoder(): DenseNetwork {
    return this.decoderNetwork;
  }

  /**
   * Sum over the batch of -log p(x | z) under the decoder's last logits, with the
   * gradient of its mean over the batch written into the decoder's output gradient.
   */
  protected reconstructionLoss(logits: Float32Array, batch: Float32Array, rows: number): number {
    const decoder = this.decoderNetwork;
    return bernoulliCrossEntropyWithLogits(logits, batch, rows, this.nVisible, decoder.outputGradient, 1 / rows);
  }
}

/**
 * Saved names `<prefix>.<index>.kernel|bias`, where the index counts the
 * activation layers of the former tfjs-layers stack (dense, activation, dense, ...),
 * so models saved before the move to the nn engine still load.
 */
function savedName(prefix: string): (layer: number, part: 'kernel' | 'bias') => string {
  return (layer, part) => `${prefix}.${2 * layer}.${part}`;
}

/** The registry entry of a generator: unsupervised, generative, schemas from its property declarations. */
export function generatorSpec(spec: {
  type: string;
  description: string;
  modelProperties: TProperties;
  trainProperties: TProperties;
  mainMetric: ModelSpec['mainMetric'];
  metrics: ModelSpec['metrics'];
  /** The class: built from both sections merged (it resolves them against its own schema), and its static load. */
  implementation: GeneratorClass<Model> & { load(dir: string): Promise<Model> };
}): ModelSpec {
  const { implementation } = spec;
  return {
    type: spec.type,
    description: spec.description,
    generative: true,
    supervised: false,
    modelSchema: hyperparameterSection(spec.modelProperties),
    trainSchema: hyperparameterSection(spec.trainProperties),
    mainMetric: spec.mainMetric,
    metrics: spec.metrics,
    create: (modelParams, trainParams, context) => new implementation({ ...modelParams, ...trainParams }, context),
    load: (dir) => implementation.load(dir),
  };
}

/** x = 1 / (1 + exp(-x)) in place, exact (float64) and overflow-free. */
function sigmoidInPlace(values: Float32Array): void {
  for (let i = 0; i < values.length; i++) values[i] = sigmoid(values[i]);
}

/** An MLP: hidden layers with one activation, then an output layer (linear logits unless told). */
export function denseStack(
  inputDim: number,
  hiddenUnits: readonly number[],
  outputDim: number,
  hiddenActivation: Activation,
  outputActivation: Activation = 'linear',
): DenseNetwork {
  return new DenseNetwork(inputDim, [
    ...hiddenUnits.map((units) => ({ units, activation: hiddenActivation })),
    { units: outputDim, activation: outputActivation },
  ]);
}

/** Draws binary images from pixel probabilities. */
export function bernoulli(probabilities: Matrix, rng: Rng): Matrix {
  const data = new Float32Array(probabilities.data.length);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() < probabilities.data[i] ? 1 : 0;
  return { data, rows: probabilities.rows, cols: probabilities.cols };
}

/** Fills out[0..n) with standard normals from rng, in order (the training loops' preallocated noise buffers). */
export function fillNormal(rng: Rng, out: Float32Array, n = out.length): void {
  for (let i = 0; i < n; i++) out[i] = rng.normal();
}
