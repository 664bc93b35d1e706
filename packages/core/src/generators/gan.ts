import { createRng, type Matrix } from '@rbm-lab/datasets';
import { initializedGemm } from '../backend.js';
import { sigmoid } from '../linalg/elementwise.js';
import type { Gemm } from '../linalg/gemm.js';
import type { EvaluateOptions, FitOptions, FitResult, Metrics, TrainingData } from '../model.js';
import { forEachRowBlock } from '../nn/arrays.js';
import { bernoulliCrossEntropyWithLogits } from '../nn/losses.js';
import type { DenseNetwork } from '../nn/network.js';
import { denseStack, type GeneratorContext, GeneratorModel, generatorSpec, fillNormal } from './generator-model.js';
import { hyperparameterSection, type Resolved } from '../hyperparameters.js';
import { hiddenUnitsProperty, latentDimProperty, trainProperties } from './hyperparameters.js';
import { GAN_METRICS } from '../model-metrics.js';

const TYPE = 'gan';

const BLOCK_ROWS = 1024;
/** Adam's beta1 for both players: the usual GAN setting (Radford et al. 2016). */
const ADAM_BETA1 = 0.5;

const modelProperties = {
  generator_hidden_units: hiddenUnitsProperty('Generator hidden layer sizes (ReLU)', [256]),
  discriminator_hidden_units: hiddenUnitsProperty('Discriminator hidden layer sizes (leaky ReLU)', [256]),
  latent_dim: latentDimProperty(32),
};
const trainPropertiesGan = trainProperties({ epochs: 30, learning_rate: 0.0005, batch_size: 64 });

const hyperparameterSchema = hyperparameterSection({ ...modelProperties, ...trainPropertiesGan });

/** The `model:` and `train:` sections together, resolved. */
export type GanHyperparameters = Resolved<typeof hyperparameterSchema>;

/**
 * MLP GAN: the generator maps N(0, I) codes to pixel probabilities (sigmoid
 * output); the discriminator sees real binary images and generated
 * probabilities and outputs a logit. Trained with the non-saturating generator
 * loss -log D(G(z)), one discriminator step then one generator step per mini-batch.
 *
 * Both losses are Bernoulli cross-entropies of the discriminator's logits:
 * discriminator -log D(x) - log(1 - D(G(z))) (targets 1 for real, 0 for fake),
 * generator -log D(G(z)) (target 1), so the nn losses give values and gradients.
 */
export class Gan extends GeneratorModel<GanHyperparameters> {
  readonly type = TYPE;
  private readonly generator: DenseNetwork;
  private readonly discriminator: DenseNetwork;

  constructor(hyperparameters: Partial<GanHyperparameters> | Record<string, unknown>, context: GeneratorContext) {
    super(TYPE, hyperparameterSchema, hyperparameters, context);
    const hp = this.hyperparameters;
    this.generator = denseStack(hp.latent_dim, hp.generator_hidden_units, this.nVisible, 'relu', 'sigmoid');
    this.discriminator = denseStack(this.nVisible, hp.discriminator_hidden_units, 1, 'leakyRelu');
    for (const network of [this.generator, this.discriminator]) network.initialize(this.initRng.next);
  }

  protected networks(): Record<string, DenseNetwork> {
    return { generator: this.generator, discriminator: this.discriminator };
  }

  protected decoder(): DenseNetwork {
    return this.generator;
  }

  async fit(train: TrainingData, options: FitOptions = {}): Promise<FitResult> {
    const gemm = await this.startFit(train, options);
    const { generator, discriminator, nVisible } = this;
    const { latent_dim: latent, batch_size: batchSize } = this.hyperparameters;
    const discriminatorOptimizer = this.adamFor(discriminator, ADAM_BETA1);
    const generatorOptimizer = this.adamFor(generator, ADAM_BETA1);
    const codes = new Float32Array(batchSize * latent);
    // The discriminator sees [real batch; generated batch] in one pass: the gradient of the sum of both means.
    const stacked = new Float32Array(2 * batchSize * nVisible);
    const realThenFake = new Float32Array(2 * batchSize);
    const ones = new Float32Array(batchSize).fill(1);
    return this.trainEpochs(
      train,
      options,
      (batch, rows) => {
        fillNormal(this.trainRng, codes, rows * latent);
        stacked.set(batch.subarray(0, rows * nVisible));
        stacked.set(generator.forward(gemm, codes, rows), rows * nVisible);
        realThenFake.fill(1, 0, rows).fill(0, rows, 2 * rows);
        const logits = discriminator.forward(gemm, stacked, 2 * rows);
        const probabilities = meanSigmoids(logits, rows);
        const discriminatorLoss = bernoulliCrossEntropyWithLogits(
          logits,
          realThenFake,
          2 * rows,
          1,
          discriminator.outputGradient,
          1 / rows,
        );
        discriminator.backward(gemm);
        discriminatorOptimizer.step(discriminator.parameters, discriminator.gradients);

        // Generator step through the updated discriminator, whose parameters stay fixed here.
        fillNormal(this.trainRng, codes, rows * latent);
        const fakeLogits = discriminator.forward(gemm, generator.forward(gemm, codes, rows), rows);
        const generatorLoss = bernoulliCrossEntropyWithLogits(
          fakeLogits,
          ones,
          rows,
          1,
          discriminator.outputGradient,
          1 / rows,
        );
        generator.outputGradient.set(discriminator.backward(gemm, { parameters: false, input: true }) as Float32Array);
        generator.backward(gemm);
        generatorOptimizer.step(generator.parameters, generator.gradients);
        return {
          discriminator_loss: discriminatorLoss / rows,
          generator_loss: generatorLoss / rows,
          discriminator_real_probability: probabilities.real,
          discriminator_fake_probability: probabilities.fake,
        };
      },
      (): Metrics => {
        if (!options.validation) return {};
        const stats = this.discriminatorStats(gemm, options.validation.x);
        return {
          validation_discriminator_real_probability: stats.discriminator_real_probability,
          validation_discriminator_accuracy: stats.discriminator_accuracy,
        };
      },
    );
  }

  /**
   * How the discriminator sees held-out real images and as many fresh samples:
   * mean D on each, accuracy at threshold 0.5, and both players' losses.
   */
  private discriminatorStats(gemm: Gemm, x: Matrix): Metrics {
    const rng = createRng(this.evaluationSeed);
    const latent = this.hyperparameters.latent_dim;
    const codes = new Float32Array(BLOCK_ROWS * latent);
    const targets = new Float32Array(BLOCK_ROWS);
    let real = 0;
    let fake = 0;
    let correct = 0;
    let discriminatorLoss = 0;
    let generatorLoss = 0;
    forEachRowBlock(x, BLOCK_ROWS, (block, _start, rows) => {
      const realLogits = this.discriminator.forward(gemm, block, rows);
      for (let r = 0; r < rows; r++) if (realLogits[r] > 0) correct++;
      discriminatorLoss += bernoulliCrossEntropyWithLogits(realLogits, targets.fill(1), rows, 1);
      real += sumSigmoids(realLogits, rows);
      fillNormal(rng, codes, rows * latent);
      const fakeLogits = this.discriminator.forward(gemm, this.generator.forward(gemm, codes, rows), rows);
      for (let r = 0; r < rows; r++) if (fakeLogits[r] <= 0) correct++;
      discriminatorLoss += bernoulliCrossEntropyWithLogits(fakeLogits, targets.fill(0), rows, 1);
      generatorLoss += bernoulliCrossEntropyWithLogits(fakeLogits, targets.fill(1), rows, 1);
      fake += sumSigmoids(fakeLogits, rows);
    });
    const n = x.rows;
    return {
      discriminator_real_probability: real / n,
      discriminator_fake_probability: fake / n,
      discriminator_accuracy: correct / (2 * n),
      discriminator_loss: discriminatorLoss / n,
      generator_loss: generatorLoss / n,
    };
  }

  async evaluate(test: TrainingData, _options?: EvaluateOptions): Promise<Metrics> {
    this.checkData(test.x, 'test data');
    return this.discriminatorStats(await initializedGemm(), test.x);
  }

  static load(dir: string): Promise<Gan> {
    return GeneratorModel.restore(dir, TYPE, Gan);
  }
}

/** Sum of sigmoid(logits[i]) over the first n logits. */
function sumSigmoids(logits: Float32Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sigmoid(logits[i]);
  return sum;
}

/** Mean D over the real (first rows) and the generated (next rows) logits. */
function meanSigmoids(logits: Float32Array, rows: number): { real: number; fake: number } {
  return { real: sumSigmoids(logits, rows) / rows, fake: sumSigmoids(logits.subarray(rows), rows) / rows };
}

export const ganSpec = generatorSpec({
  type: TYPE,
  description: 'MLP GAN (non-saturating loss); generator outputs pixel probabilities from N(0, I) codes',
  modelProperties,
  trainProperties: trainPropertiesGan,
  // GAN losses do not measure sample quality; the shared quality scale does.
  mainMetric: { name: 'frechet_distance', lowerIsBetter: true },
  metrics: GAN_METRICS,
  implementation: Gan,
});
