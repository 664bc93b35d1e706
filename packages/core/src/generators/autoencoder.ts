import * as tf from '@tensorflow/tfjs';
import { createRng, type Matrix, type Rng } from '@rbm-lab/datasets';
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
import { loadModelFiles, saveModelFiles } from '../persistence.js';
import { fitGaussian, sampleGaussian, standardGaussian, type GaussianFit } from './gaussian.js';
import { hyperparameterSection, type Resolved, resolveHyperparameters } from '../hyperparameters.js';
import { hiddenUnitsProperty, latentDimProperty, trainProperties } from './hyperparameters.js';
import { bernoulli, buildDenseStack, namedWeights, setNamedWeights, trainableVariables } from './layers.js';
import {
  bernoulliNll,
  checkWidth,
  mapRowBlocks,
  meanOverRowBlocks,
  runEpochs,
  squaredErrorPerImage,
} from './training.js';

const TYPE = 'autoencoder';
const BLOCK_ROWS = 1024;

const modelProperties = {
  hidden_units: hiddenUnitsProperty('Encoder hidden layer sizes (the decoder mirrors them)', [256]),
  latent_dim: latentDimProperty(16),
};
const trainPropertiesAe = trainProperties({ epochs: 20, learning_rate: 0.001, batch_size: 64 });

const hyperparameterSchema = hyperparameterSection({ ...modelProperties, ...trainPropertiesAe });

/** The `model:` and `train:` sections together, resolved. */
export type AutoencoderHyperparameters = Resolved<typeof hyperparameterSchema>;

const roundToFloat32 = (values: Float64Array): Float64Array => Float64Array.from(Float32Array.from(values));

export type GeneratorContext = Pick<ModelContext, 'nVisible' | 'seed'>;

/**
 * Deterministic MLP autoencoder trained on Bernoulli cross-entropy. It has no
 * prior of its own, so generation decodes codes drawn from a full-covariance
 * Gaussian fitted to the training codes at the end of fit (N(0, I) before fit).
 */
export class Autoencoder implements Model {
  readonly type = TYPE;
  readonly hyperparameters: Readonly<AutoencoderHyperparameters>;
  readonly nVisible: number;
  readonly seed: number;
  private readonly encoder: tf.Sequential;
  private readonly decoder: tf.Sequential;
  private readonly trainRng: Rng;
  private readonly sampleRng: Rng;
  private codeDistribution: GaussianFit;

  constructor(
    hyperparameters: Partial<AutoencoderHyperparameters> | Record<string, unknown>,
    context: GeneratorContext,
  ) {
    this.hyperparameters = resolveHyperparameters(hyperparameterSchema, hyperparameters, TYPE);
    this.nVisible = context.nVisible;
    this.seed = context.seed;
    const root = createRng(context.seed);
    const initRng = createRng(root.nextUint32());
    this.trainRng = createRng(root.nextUint32());
    this.sampleRng = createRng(root.nextUint32());
    const { hidden_units: hidden, latent_dim: latent } = this.hyperparameters;
    this.encoder = buildDenseStack({
      inputDim: this.nVisible,
      hiddenUnits: hidden,
      outputDim: latent,
      hiddenActivation: 'relu',
      rng: initRng,
    });
    this.decoder = buildDenseStack({
      inputDim: latent,
      hiddenUnits: [...hidden].reverse(),
      outputDim: this.nVisible,
      hiddenActivation: 'relu',
      rng: initRng,
    });
    this.codeDistribution = standardGaussian(latent);
  }

  async fit(train: TrainingData, options: FitOptions = {}): Promise<FitResult> {
    checkWidth(TYPE, this.nVisible, train.x, 'training data');
    if (options.validation) checkWidth(TYPE, this.nVisible, options.validation.x, 'validation data');
    const optimizer = tf.train.adam(this.hyperparameters.learning_rate);
    const variables = [...trainableVariables(this.encoder), ...trainableVariables(this.decoder)];
    try {
      const result = await runEpochs({
        train: train.x,
        epochs: this.hyperparameters.epochs,
        batchSize: this.hyperparameters.batch_size,
        rng: this.trainRng,
        options,
        step: (batch) => {
          let squaredError = 0;
          const cost = optimizer.minimize(
            () => {
              const logits = this.decoder.apply(this.encoder.apply(batch)) as tf.Tensor2D;
              const error = squaredErrorPerImage(tf.sigmoid(logits), batch).mean();
              squaredError = error.dataSync()[0];
              return bernoulliNll(logits, batch).mean() as tf.Scalar;
            },
            true,
            variables,
          );
          const crossEntropy = cost!.dataSync()[0];
          cost!.dispose();
          return { reconstruction_cross_entropy: crossEntropy, reconstruction_error: squaredError };
        },
        endOfEpoch: (): Metrics => {
          if (!options.validation) return {};
          const scores = this.reconstructionScores(options.validation.x);
          return {
            validation_reconstruction_cross_entropy: scores.reconstruction_cross_entropy,
            validation_reconstruction_error: scores.reconstruction_error,
          };
        },
      });
      // Rounded to float32, the precision it is saved in, so a reloaded model samples identically.
      const fit = fitGaussian(this.encode(train.x));
      this.codeDistribution = {
        dim: fit.dim,
        mean: roundToFloat32(fit.mean),
        choleskyFactor: roundToFloat32(fit.choleskyFactor),
      };
      return result;
    } finally {
      optimizer.dispose();
    }
  }

  /** Codes of the rows of x (n x latent_dim). */
  encode(x: Matrix): Matrix {
    return mapRowBlocks(
      x,
      BLOCK_ROWS,
      this.hyperparameters.latent_dim,
      (block) => this.encoder.apply(block) as tf.Tensor,
    );
  }

  /** Pixel probabilities decoded from codes. */
  decode(codes: Matrix): Matrix {
    return mapRowBlocks(codes, BLOCK_ROWS, this.nVisible, (block) =>
      tf.sigmoid(this.decoder.apply(block) as tf.Tensor),
    );
  }

  /** Reconstruction mean squared error per pixel and cross-entropy in nats per image. */
  private reconstructionScores(x: Matrix): { reconstruction_error: number; reconstruction_cross_entropy: number } {
    let crossEntropy = 0;
    const reconstructionError = meanOverRowBlocks(x, BLOCK_ROWS, (block) => {
      const logits = this.decoder.apply(this.encoder.apply(block)) as tf.Tensor2D;
      return tf.tidy(() => {
        crossEntropy += bernoulliNll(logits, block).sum().dataSync()[0];
        return squaredErrorPerImage(tf.sigmoid(logits), block).sum() as tf.Scalar;
      });
    });
    return { reconstruction_error: reconstructionError, reconstruction_cross_entropy: crossEntropy / x.rows };
  }

  async evaluate(test: TrainingData, _options?: EvaluateOptions): Promise<Metrics> {
    checkWidth(TYPE, this.nVisible, test.x, 'test data');
    return { ...this.reconstructionScores(test.x) };
  }

  async sample(n: number, options: SampleOptions = {}): Promise<Samples> {
    const rng = options.seed === undefined ? this.sampleRng : createRng(options.seed);
    const probabilities = this.decode(sampleGaussian(this.codeDistribution, n, rng));
    return { probabilities, binary: bernoulli(probabilities, rng) };
  }

  /** The Gaussian generation draws codes from (mean and Cholesky factor of its covariance). */
  get codeGaussian(): Readonly<GaussianFit> {
    return this.codeDistribution;
  }

  async save(dir: string): Promise<void> {
    const { dim, mean, choleskyFactor } = this.codeDistribution;
    await saveModelFiles(dir, {
      type: TYPE,
      hyperparameters: { ...this.hyperparameters },
      extra: { nVisible: this.nVisible, seed: this.seed },
      arrays: {
        ...namedWeights(this.encoder, 'encoder'),
        ...namedWeights(this.decoder, 'decoder'),
        'code_gaussian.mean': { shape: [dim], data: Float32Array.from(mean) },
        'code_gaussian.cholesky_factor': { shape: [dim, dim], data: Float32Array.from(choleskyFactor) },
      },
    });
  }

  static async load(dir: string): Promise<Autoencoder> {
    const saved = await loadModelFiles(dir, TYPE);
    const model = new Autoencoder(saved.hyperparameters, {
      nVisible: Number(saved.extra.nVisible),
      seed: Number(saved.extra.seed),
    });
    setNamedWeights(model.encoder, 'encoder', saved.arrays, dir);
    setNamedWeights(model.decoder, 'decoder', saved.arrays, dir);
    const mean = saved.arrays['code_gaussian.mean'];
    const factor = saved.arrays['code_gaussian.cholesky_factor'];
    if (mean && factor) {
      model.codeDistribution = {
        dim: mean.data.length,
        mean: Float64Array.from(mean.data),
        choleskyFactor: Float64Array.from(factor.data),
      };
    }
    return model;
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}

export const autoencoderSpec: ModelSpec = {
  type: TYPE,
  description:
    'MLP autoencoder (Bernoulli cross-entropy); generates by decoding codes drawn from a full-covariance Gaussian fitted to the training codes',
  generative: true,
  supervised: false,
  modelSchema: hyperparameterSection(modelProperties),
  trainSchema: hyperparameterSection(trainPropertiesAe),
  mainMetric: { name: 'reconstruction_error', lowerIsBetter: true },
  create: (modelParams, trainParams, context) => new Autoencoder({ ...modelParams, ...trainParams }, context),
  load: (dir) => Autoencoder.load(dir),
};
