import * as tf from '@tensorflow/tfjs';
import { createRng, type Matrix, normalArray, type Rng } from '@rbm-lab/datasets';
import type {
  EvaluateOptions,
  FitOptions,
  FitResult,
  Metrics,
  Model,
  ModelSpec,
  SampleOptions,
  Samples,
  TrainingData,
} from '../model.js';
import { loadModelFiles, saveModelFiles } from '../persistence.js';
import type { GeneratorContext } from './autoencoder.js';
import { hyperparameterSection, type Resolved, resolveHyperparameters } from '../hyperparameters.js';
import { hiddenUnitsProperty, latentDimProperty, trainProperties } from './hyperparameters.js';
import { bernoulli, buildDenseStack, namedWeights, setNamedWeights, trainableVariables } from './layers.js';
import { checkWidth, mapRowBlocks, runEpochs } from './training.js';

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
 * MLP GAN: the generator maps N(0, I) codes to pixel probabilities; the
 * discriminator sees real binary images and generated probabilities. Trained
 * with the non-saturating generator loss -log D(G(z)), one discriminator step
 * then one generator step per mini-batch.
 */
export class Gan implements Model {
  readonly type = TYPE;
  readonly hyperparameters: Readonly<GanHyperparameters>;
  readonly nVisible: number;
  readonly seed: number;
  private readonly generator: tf.Sequential;
  private readonly discriminator: tf.Sequential;
  private readonly trainRng: Rng;
  private readonly sampleRng: Rng;
  private readonly evaluationSeed: number;

  constructor(hyperparameters: Partial<GanHyperparameters> | Record<string, unknown>, context: GeneratorContext) {
    this.hyperparameters = resolveHyperparameters(hyperparameterSchema, hyperparameters, TYPE);
    this.nVisible = context.nVisible;
    this.seed = context.seed;
    const root = createRng(context.seed);
    const initRng = createRng(root.nextUint32());
    this.trainRng = createRng(root.nextUint32());
    this.sampleRng = createRng(root.nextUint32());
    this.evaluationSeed = root.nextUint32();
    const hp = this.hyperparameters;
    this.generator = buildDenseStack({
      inputDim: hp.latent_dim,
      hiddenUnits: hp.generator_hidden_units,
      outputDim: this.nVisible,
      hiddenActivation: 'relu',
      rng: initRng,
    });
    this.discriminator = buildDenseStack({
      inputDim: this.nVisible,
      hiddenUnits: hp.discriminator_hidden_units,
      outputDim: 1,
      hiddenActivation: 'leakyRelu',
      rng: initRng,
    });
  }

  private codes(rows: number, rng: Rng): tf.Tensor2D {
    return tf.tensor2d(normalArray(rng, rows * this.hyperparameters.latent_dim), [
      rows,
      this.hyperparameters.latent_dim,
    ]);
  }

  private generate(z: tf.Tensor2D): tf.Tensor2D {
    return tf.sigmoid(this.generator.apply(z) as tf.Tensor2D);
  }

  private discriminatorLogits(x: tf.Tensor2D): tf.Tensor1D {
    return (this.discriminator.apply(x) as tf.Tensor2D).reshape([-1]) as tf.Tensor1D;
  }

  async fit(train: TrainingData, options: FitOptions = {}): Promise<FitResult> {
    checkWidth(TYPE, this.nVisible, train.x, 'training data');
    if (options.validation) checkWidth(TYPE, this.nVisible, options.validation.x, 'validation data');
    const lr = this.hyperparameters.learning_rate;
    const discriminatorOptimizer = tf.train.adam(lr, ADAM_BETA1);
    const generatorOptimizer = tf.train.adam(lr, ADAM_BETA1);
    const discriminatorVariables = trainableVariables(this.discriminator);
    const generatorVariables = trainableVariables(this.generator);
    try {
      return await runEpochs({
        train: train.x,
        epochs: this.hyperparameters.epochs,
        batchSize: this.hyperparameters.batch_size,
        rng: this.trainRng,
        options,
        step: (batch) => {
          const rows = batch.shape[0];
          const zDiscriminator = this.codes(rows, this.trainRng);
          const zGenerator = this.codes(rows, this.trainRng);
          let realProbability = 0;
          let fakeProbability = 0;
          const discriminatorCost = discriminatorOptimizer.minimize(
            () => {
              const realLogits = this.discriminatorLogits(batch);
              const fakeLogits = this.discriminatorLogits(this.generate(zDiscriminator));
              realProbability = tf.sigmoid(realLogits).mean().dataSync()[0];
              fakeProbability = tf.sigmoid(fakeLogits).mean().dataSync()[0];
              // -log D(x) - log(1 - D(G(z))) written with softplus on logits.
              return tf.add(tf.softplus(tf.neg(realLogits)).mean(), tf.softplus(fakeLogits).mean()) as tf.Scalar;
            },
            true,
            discriminatorVariables,
          );
          const generatorCost = generatorOptimizer.minimize(
            // Non-saturating loss -log D(G(z)): strong gradients while D rejects the samples.
            () => tf.softplus(tf.neg(this.discriminatorLogits(this.generate(zGenerator)))).mean() as tf.Scalar,
            true,
            generatorVariables,
          );
          const metrics = {
            discriminator_loss: discriminatorCost!.dataSync()[0],
            generator_loss: generatorCost!.dataSync()[0],
            discriminator_real_probability: realProbability,
            discriminator_fake_probability: fakeProbability,
          };
          tf.dispose([discriminatorCost!, generatorCost!, zDiscriminator, zGenerator]);
          return metrics;
        },
        endOfEpoch: (): Metrics => {
          if (!options.validation) return {};
          const stats = this.discriminatorStats(options.validation.x);
          return {
            validation_discriminator_real_probability: stats.discriminator_real_probability,
            validation_discriminator_accuracy: stats.discriminator_accuracy,
          };
        },
      });
    } finally {
      discriminatorOptimizer.dispose();
      generatorOptimizer.dispose();
    }
  }

  /**
   * How the discriminator sees held-out real images and as many fresh samples:
   * mean D on each, accuracy at threshold 0.5, and both players' losses.
   */
  private discriminatorStats(x: Matrix): Metrics {
    const rng = createRng(this.evaluationSeed);
    let realProbability = 0;
    let fakeProbability = 0;
    let correct = 0;
    let discriminatorLoss = 0;
    let generatorLoss = 0;
    for (let start = 0; start < x.rows; start += BLOCK_ROWS) {
      const end = Math.min(x.rows, start + BLOCK_ROWS);
      const sums = tf.tidy(() => {
        const block = tf.tensor2d(x.data.subarray(start * x.cols, end * x.cols), [end - start, x.cols]);
        const realLogits = this.discriminatorLogits(block);
        const fakeLogits = this.discriminatorLogits(this.generate(this.codes(end - start, rng)));
        return tf.stack([
          tf.sigmoid(realLogits).sum(),
          tf.sigmoid(fakeLogits).sum(),
          tf.add(tf.greater(realLogits, 0).sum(), tf.lessEqual(fakeLogits, 0).sum()).toFloat(),
          tf.add(tf.softplus(tf.neg(realLogits)).sum(), tf.softplus(fakeLogits).sum()),
          tf.softplus(tf.neg(fakeLogits)).sum(),
        ]);
      });
      const [real, fake, right, dLoss, gLoss] = sums.dataSync();
      sums.dispose();
      realProbability += real;
      fakeProbability += fake;
      correct += right;
      discriminatorLoss += dLoss;
      generatorLoss += gLoss;
    }
    const n = x.rows;
    return {
      discriminator_real_probability: realProbability / n,
      discriminator_fake_probability: fakeProbability / n,
      discriminator_accuracy: correct / (2 * n),
      discriminator_loss: discriminatorLoss / n,
      generator_loss: generatorLoss / n,
    };
  }

  async evaluate(test: TrainingData, _options?: EvaluateOptions): Promise<Metrics> {
    checkWidth(TYPE, this.nVisible, test.x, 'test data');
    return this.discriminatorStats(test.x);
  }

  async sample(n: number, options: SampleOptions = {}): Promise<Samples> {
    const rng = options.seed === undefined ? this.sampleRng : createRng(options.seed);
    const latent = this.hyperparameters.latent_dim;
    const codes: Matrix = { data: normalArray(rng, n * latent), rows: n, cols: latent };
    const probabilities = mapRowBlocks(codes, BLOCK_ROWS, this.nVisible, (block) => this.generate(block));
    return { probabilities, binary: bernoulli(probabilities, rng) };
  }

  async save(dir: string): Promise<void> {
    await saveModelFiles(dir, {
      type: TYPE,
      hyperparameters: { ...this.hyperparameters },
      extra: { nVisible: this.nVisible, seed: this.seed },
      arrays: { ...namedWeights(this.generator, 'generator'), ...namedWeights(this.discriminator, 'discriminator') },
    });
  }

  static async load(dir: string): Promise<Gan> {
    const saved = await loadModelFiles(dir, TYPE);
    const model = new Gan(saved.hyperparameters, {
      nVisible: Number(saved.extra.nVisible),
      seed: Number(saved.extra.seed),
    });
    setNamedWeights(model.generator, 'generator', saved.arrays, dir);
    setNamedWeights(model.discriminator, 'discriminator', saved.arrays, dir);
    return model;
  }

  dispose(): void {
    this.generator.dispose();
    this.discriminator.dispose();
  }
}

export const ganSpec: ModelSpec = {
  type: TYPE,
  description: 'MLP GAN (non-saturating loss); generator outputs pixel probabilities from N(0, I) codes',
  generative: true,
  supervised: false,
  modelSchema: hyperparameterSection(modelProperties),
  trainSchema: hyperparameterSection(trainPropertiesGan),
  // GAN losses do not measure sample quality; the shared quality scale does.
  mainMetric: { name: 'frechet_distance', lowerIsBetter: true },
  create: (modelParams, trainParams, context) => new Gan({ ...modelParams, ...trainParams }, context),
  load: (dir) => Gan.load(dir),
};
