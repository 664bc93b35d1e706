import { createRng, type Matrix } from '@rbm-lab/datasets';
import { initializedGemm } from '../backend.js';
import type { Gemm } from '../linalg/gemm.js';
import type { EvaluateOptions, FitOptions, FitResult, Metrics, TrainingData } from '../model.js';
import { forEachRowBlock } from '../nn/arrays.js';
import { bernoulliCrossEntropyWithLogits } from '../nn/losses.js';
import {
  EncoderDecoderModel,
  type GeneratorContext,
  GeneratorModel,
  generatorSpec,
  fillNormal,
} from './generator-model.js';
import type { Resolved } from '../hyperparameters.js';
import {
  encoderDecoderModelProperties,
  encoderDecoderSchema,
  encoderDecoderTrainProperties,
} from './hyperparameters.js';
import { squaredErrorOfLogits } from './training.js';
import { gaussianKl, posteriorGradient, posteriorMeans, reparameterise } from './vae-maths.js';
import { VAE_METRICS } from '../model-metrics.js';

const TYPE = 'vae';
const BLOCK_ROWS = 512;

/** The `model:` and `train:` sections together, resolved. */
export type VaeHyperparameters = Resolved<typeof encoderDecoderSchema>;

/** Number of importance samples per image for the importance-weighted log-likelihood bound in evaluate. */
export const VAE_IMPORTANCE_SAMPLES = 16;

/**
 * Variational autoencoder with a diagonal-Gaussian encoder, standard-normal prior
 * and Bernoulli decoder, trained by the reparameterisation trick (vae-maths.ts)
 * on the nn engine. The noise comes from the seeded stream, so runs repeat exactly.
 */
export class Vae extends EncoderDecoderModel<VaeHyperparameters> {
  readonly type = TYPE;

  constructor(hyperparameters: Partial<VaeHyperparameters> | Record<string, unknown>, context: GeneratorContext) {
    // The encoder outputs [mean | log variance] of q(z|x) per row: two values per latent unit.
    super(TYPE, encoderDecoderSchema, hyperparameters, context, 2);
  }

  async fit(train: TrainingData, options: FitOptions = {}): Promise<FitResult> {
    const gemm = await this.startFit(train, options);
    const { encoder, decoderNetwork: decoder } = this;
    const { latent_dim: latent, batch_size: batchSize } = this.hyperparameters;
    const encoderOptimizer = this.adamFor(encoder);
    const decoderOptimizer = this.adamFor(decoder);
    const eps = new Float32Array(batchSize * latent);
    const z = new Float32Array(batchSize * latent);
    return this.trainEpochs(
      train,
      options,
      (batch, rows) => {
        // Loss: mean over images of -log p(x|z) + KL(q(z|x) || N(0, I)), z = mean + exp(logvar / 2) eps.
        const posterior = encoder.forward(gemm, batch, rows);
        fillNormal(this.trainRng, eps, rows * latent);
        reparameterise(posterior, eps, rows, latent, z);
        const logits = decoder.forward(gemm, z, rows);
        const reconstruction = this.reconstructionLoss(logits, batch, rows);
        const kl = gaussianKl(posterior, rows, latent);
        const codeGradient = decoder.backward(gemm, { input: true }) as Float32Array;
        posteriorGradient(posterior, eps, codeGradient, rows, latent, 1 / rows, encoder.outputGradient);
        encoder.backward(gemm);
        encoderOptimizer.step(encoder.parameters, encoder.gradients);
        decoderOptimizer.step(decoder.parameters, decoder.gradients);
        return {
          elbo: -(reconstruction + kl) / rows,
          reconstruction_cross_entropy: reconstruction / rows,
          kl: kl / rows,
        };
      },
      (): Metrics => {
        if (!options.validation) return {};
        return { validation_elbo: this.elboScores(gemm, options.validation.x).elbo };
      },
    );
  }

  /** Single-sample ELBO and its terms, nats per image, with the evaluation noise stream. */
  private elboScores(
    gemm: Gemm,
    x: Matrix,
  ): { elbo: number; reconstruction_cross_entropy: number; kl: number; reconstruction_error: number } {
    const rng = createRng(this.evaluationSeed);
    const latent = this.hyperparameters.latent_dim;
    const eps = new Float32Array(BLOCK_ROWS * latent);
    const z = new Float32Array(BLOCK_ROWS * latent);
    let reconstruction = 0;
    let kl = 0;
    let squaredError = 0;
    forEachRowBlock(x, BLOCK_ROWS, (block, _start, rows) => {
      const posterior = this.encoder.forward(gemm, block, rows);
      fillNormal(rng, eps, rows * latent);
      reparameterise(posterior, eps, rows, latent, z);
      reconstruction += bernoulliCrossEntropyWithLogits(
        this.decoderNetwork.forward(gemm, z, rows),
        block,
        rows,
        x.cols,
      );
      kl += gaussianKl(posterior, rows, latent);
      // Reconstruction error of the posterior mean's decoding, comparable to the autoencoder's.
      posteriorMeans(posterior, rows, latent, z);
      squaredError += squaredErrorOfLogits(this.decoderNetwork.forward(gemm, z, rows), block, rows * x.cols);
    });
    const n = x.rows;
    return {
      elbo: -(reconstruction + kl) / n,
      reconstruction_cross_entropy: reconstruction / n,
      kl: kl / n,
      reconstruction_error: squaredError / (n * x.cols),
    };
  }

  /**
   * Importance-weighted lower bound on log p(x) (Burda et al. 2016) with k samples
   * from q(z|x), in nats per image; tighter than the ELBO, comparable to an RBM's AIS estimate:
   * log (1/k) sum_s p(x|z_s) p(z_s) / q(z_s|x), z_s = mean + std eps_s.
   */
  async importanceWeightedLogLikelihood(x: Matrix, k = VAE_IMPORTANCE_SAMPLES): Promise<number> {
    const gemm = await initializedGemm();
    const rng = createRng(this.evaluationSeed ^ 0x5bd1e995);
    const latent = this.hyperparameters.latent_dim;
    const blockRows = Math.max(1, Math.floor(BLOCK_ROWS / k) * 4);
    const eps = new Float32Array(blockRows * latent);
    const z = new Float32Array(blockRows * latent);
    const logPxz = new Float64Array(blockRows);
    const logWeights = new Float64Array(k * blockRows);
    let total = 0;
    forEachRowBlock(x, blockRows, (block, _start, rows) => {
      const posterior = this.encoder.forward(gemm, block, rows);
      for (let s = 0; s < k; s++) {
        fillNormal(rng, eps, rows * latent);
        reparameterise(posterior, eps, rows, latent, z);
        const logits = this.decoderNetwork.forward(gemm, z, rows);
        bernoulliCrossEntropyWithLogits(logits, block, rows, x.cols, undefined, 1, logPxz);
        for (let r = 0; r < rows; r++) {
          // log p(z) - log q(z|x) = -0.5 sum (z^2 - eps^2 - logvar); the 2 pi terms cancel.
          let logRatio = 0;
          for (let j = 0; j < latent; j++) {
            const zj = z[r * latent + j];
            const ej = eps[r * latent + j];
            logRatio -= 0.5 * (zj * zj - ej * ej - posterior[r * 2 * latent + latent + j]);
          }
          logWeights[s * rows + r] = -logPxz[r] + logRatio;
        }
      }
      for (let r = 0; r < rows; r++) {
        let max = -Infinity;
        for (let s = 0; s < k; s++) max = Math.max(max, logWeights[s * rows + r]);
        let sum = 0;
        for (let s = 0; s < k; s++) sum += Math.exp(logWeights[s * rows + r] - max);
        total += max + Math.log(sum) - Math.log(k);
      }
    });
    return total / x.rows;
  }

  /** ELBO, its terms and the importance-weighted bound on the test images (nats per image). */
  async evaluate(test: TrainingData, options: EvaluateOptions = {}): Promise<Metrics> {
    this.checkData(test.x, 'test data');
    const metrics: Metrics = { ...this.elboScores(await initializedGemm(), test.x) };
    if (!options.metrics || options.metrics.includes('importance_weighted_log_likelihood')) {
      metrics.importance_weighted_log_likelihood = await this.importanceWeightedLogLikelihood(test.x);
    }
    return metrics;
  }

  static load(dir: string): Promise<Vae> {
    return GeneratorModel.restore(dir, TYPE, Vae);
  }
}

export const vaeSpec = generatorSpec({
  type: TYPE,
  description:
    'Variational autoencoder: diagonal-Gaussian encoder, N(0, I) prior, Bernoulli decoder; ELBO in nats per image',
  modelProperties: encoderDecoderModelProperties,
  trainProperties: encoderDecoderTrainProperties,
  mainMetric: { name: 'elbo', lowerIsBetter: false },
  metrics: VAE_METRICS,
  implementation: Vae,
});
