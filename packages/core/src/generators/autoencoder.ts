import type { Matrix, Rng } from '@rbm-lab/datasets';
import { initializedGemm } from '../backend.js';
import type { Gemm } from '../linalg/gemm.js';
import type { EvaluateOptions, FitOptions, FitResult, Metrics, TrainingData } from '../model.js';
import { forEachRowBlock } from '../nn/arrays.js';
import { mapNetworkRows } from '../nn/classification.js';
import { bernoulliCrossEntropyWithLogits } from '../nn/losses.js';
import type { NamedArray } from '../persistence.js';
import { fitGaussian, type GaussianFit, sampleGaussian, standardGaussian } from './gaussian.js';
import { EncoderDecoderModel, type GeneratorContext, GeneratorModel, generatorSpec } from './generator-model.js';
import type { Resolved } from '../hyperparameters.js';
import {
  encoderDecoderModelProperties,
  encoderDecoderSchema,
  encoderDecoderTrainProperties,
} from './hyperparameters.js';
import { squaredErrorOfLogits, sumOfSquares } from './training.js';
import { AUTOENCODER_METRICS } from '../model-metrics.js';

export type { GeneratorContext } from './generator-model.js';

const TYPE = 'autoencoder';
const BLOCK_ROWS = 1024;

/** The `model:` and `train:` sections together, resolved. */
export type AutoencoderHyperparameters = Resolved<typeof encoderDecoderSchema>;

const roundToFloat32 = (values: Float64Array): Float64Array => Float64Array.from(Float32Array.from(values));

/**
 * Deterministic MLP autoencoder trained on Bernoulli cross-entropy. It has no
 * prior of its own, so generation decodes codes drawn from a full-covariance
 * Gaussian fitted to the training codes at the end of fit (N(0, I) before fit).
 */
export class Autoencoder extends EncoderDecoderModel<AutoencoderHyperparameters> {
  readonly type = TYPE;
  private codeDistribution: GaussianFit;

  constructor(
    hyperparameters: Partial<AutoencoderHyperparameters> | Record<string, unknown>,
    context: GeneratorContext,
  ) {
    super(TYPE, encoderDecoderSchema, hyperparameters, context, 1);
    this.codeDistribution = standardGaussian(this.hyperparameters.latent_dim);
  }

  async fit(train: TrainingData, options: FitOptions = {}): Promise<FitResult> {
    const gemm = await this.startFit(train, options);
    const { encoder, decoderNetwork: decoder, nVisible } = this;
    const encoderOptimizer = this.adamFor(encoder);
    const decoderOptimizer = this.adamFor(decoder);
    const result = await this.trainEpochs(
      train,
      options,
      (batch, rows) => {
        // Loss: mean over images of the Bernoulli cross-entropy of the batch under the decoded logits.
        const logits = decoder.forward(gemm, encoder.forward(gemm, batch, rows), rows);
        const crossEntropy = this.reconstructionLoss(logits, batch, rows);
        // The gradient is (sigmoid(l) - x) / rows: the squared error of the decoded probabilities without more exps.
        const squaredError = sumOfSquares(decoder.outputGradient) * rows * rows;
        encoder.outputGradient.set(decoder.backward(gemm, { input: true }) as Float32Array);
        encoder.backward(gemm);
        encoderOptimizer.step(encoder.parameters, encoder.gradients);
        decoderOptimizer.step(decoder.parameters, decoder.gradients);
        return {
          reconstruction_cross_entropy: crossEntropy / rows,
          reconstruction_error: squaredError / (rows * nVisible),
        };
      },
      (): Metrics => {
        if (!options.validation) return {};
        const scores = this.reconstructionScores(gemm, options.validation.x);
        return {
          validation_reconstruction_cross_entropy: scores.reconstruction_cross_entropy,
          validation_reconstruction_error: scores.reconstruction_error,
        };
      },
    );
    // Rounded to float32, the precision it is saved in, so a reloaded model samples identically.
    const fit = fitGaussian(mapNetworkRows(gemm, encoder, train.x));
    this.codeDistribution = {
      dim: fit.dim,
      mean: roundToFloat32(fit.mean),
      choleskyFactor: roundToFloat32(fit.choleskyFactor),
    };
    return result;
  }

  /** Reconstruction mean squared error per pixel and cross-entropy in nats per image. */
  private reconstructionScores(
    gemm: Gemm,
    x: Matrix,
  ): { reconstruction_error: number; reconstruction_cross_entropy: number } {
    let crossEntropy = 0;
    let squaredError = 0;
    forEachRowBlock(x, BLOCK_ROWS, (block, _start, rows) => {
      const logits = this.decoderNetwork.forward(gemm, this.encoder.forward(gemm, block, rows), rows);
      crossEntropy += bernoulliCrossEntropyWithLogits(logits, block, rows, x.cols);
      squaredError += squaredErrorOfLogits(logits, block, rows * x.cols);
    });
    return {
      reconstruction_error: squaredError / (x.rows * x.cols),
      reconstruction_cross_entropy: crossEntropy / x.rows,
    };
  }

  async evaluate(test: TrainingData, _options?: EvaluateOptions): Promise<Metrics> {
    this.checkData(test.x, 'test data');
    return { ...this.reconstructionScores(await initializedGemm(), test.x) };
  }

  protected override drawCodes(n: number, _latent: number, rng: Rng): Matrix {
    return sampleGaussian(this.codeDistribution, n, rng);
  }

  /** The Gaussian generation draws codes from (mean and Cholesky factor of its covariance). */
  get codeGaussian(): Readonly<GaussianFit> {
    return this.codeDistribution;
  }

  protected override extraArrays(): Record<string, NamedArray> {
    const { dim, mean, choleskyFactor } = this.codeDistribution;
    return {
      'code_gaussian.mean': { shape: [dim], data: Float32Array.from(mean) },
      'code_gaussian.cholesky_factor': { shape: [dim, dim], data: Float32Array.from(choleskyFactor) },
    };
  }

  protected override restoreExtraArrays(arrays: Record<string, NamedArray>): void {
    const mean = arrays['code_gaussian.mean'];
    const factor = arrays['code_gaussian.cholesky_factor'];
    if (mean && factor) {
      this.codeDistribution = {
        dim: mean.data.length,
        mean: Float64Array.from(mean.data),
        choleskyFactor: Float64Array.from(factor.data),
      };
    }
  }

  static load(dir: string): Promise<Autoencoder> {
    return GeneratorModel.restore(dir, TYPE, Autoencoder);
  }
}

export const autoencoderSpec = generatorSpec({
  type: TYPE,
  description:
    'MLP autoencoder (Bernoulli cross-entropy); generates by decoding codes drawn from a full-covariance Gaussian fitted to the training codes',
  modelProperties: encoderDecoderModelProperties,
  trainProperties: encoderDecoderTrainProperties,
  mainMetric: { name: 'reconstruction_error', lowerIsBetter: true },
  metrics: AUTOENCODER_METRICS,
  implementation: Autoencoder,
});
