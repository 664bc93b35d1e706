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
import { bernoulliNll, checkWidth, mapRowBlocks, runEpochs, squaredErrorPerImage } from './training.js';

const TYPE = 'vae';
const BLOCK_ROWS = 512;
const LOG_2PI = Math.log(2 * Math.PI);

const modelProperties = {
  hidden_units: hiddenUnitsProperty('Encoder hidden layer sizes (the decoder mirrors them)', [256]),
  latent_dim: latentDimProperty(16),
};
const trainPropertiesVae = trainProperties({ epochs: 20, learning_rate: 0.001, batch_size: 64 });

const hyperparameterSchema = hyperparameterSection({ ...modelProperties, ...trainPropertiesVae });

/** The `model:` and `train:` sections together, resolved. */
export type VaeHyperparameters = Resolved<typeof hyperparameterSchema>;

/** Number of importance samples per image for the importance-weighted log-likelihood bound in evaluate. */
export const VAE_IMPORTANCE_SAMPLES = 16;

interface ElboTerms {
  /** Per image: -log p(x|z) for one z ~ q(z|x), nats. */
  reconstruction: tf.Tensor1D;
  /** Per image: KL(q(z|x) || N(0, I)), nats. */
  kl: tf.Tensor1D;
}

/**
 * Variational autoencoder with a diagonal-Gaussian encoder, standard-normal prior
 * and Bernoulli decoder, trained by the reparameterisation trick in a custom loop.
 * The noise comes from the seeded stream, so runs repeat exactly.
 */
export class Vae implements Model {
  readonly type = TYPE;
  readonly hyperparameters: Readonly<VaeHyperparameters>;
  readonly nVisible: number;
  readonly seed: number;
  private readonly encoder: tf.Sequential;
  private readonly decoder: tf.Sequential;
  private readonly trainRng: Rng;
  private readonly sampleRng: Rng;
  /** Evaluations restart this stream so scoring the same data twice gives the same number. */
  private readonly evaluationSeed: number;

  constructor(hyperparameters: Partial<VaeHyperparameters> | Record<string, unknown>, context: GeneratorContext) {
    this.hyperparameters = resolveHyperparameters(hyperparameterSchema, hyperparameters, TYPE);
    this.nVisible = context.nVisible;
    this.seed = context.seed;
    const root = createRng(context.seed);
    const initRng = createRng(root.nextUint32());
    this.trainRng = createRng(root.nextUint32());
    this.sampleRng = createRng(root.nextUint32());
    this.evaluationSeed = root.nextUint32();
    const { hidden_units: hidden, latent_dim: latent } = this.hyperparameters;
    // The encoder's output holds [mean | log variance] of q(z|x).
    this.encoder = buildDenseStack({
      inputDim: this.nVisible,
      hiddenUnits: hidden,
      outputDim: 2 * latent,
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
  }

  private posterior(x: tf.Tensor2D): { mean: tf.Tensor2D; logVariance: tf.Tensor2D } {
    const latent = this.hyperparameters.latent_dim;
    const [mean, logVariance] = tf.split(this.encoder.apply(x) as tf.Tensor2D, [latent, latent], 1) as [
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    return { mean, logVariance };
  }

  private elboTerms(x: tf.Tensor2D, eps: tf.Tensor2D): ElboTerms & { logits: tf.Tensor2D } {
    const { mean, logVariance } = this.posterior(x);
    const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVariance, 0.5)), eps)) as tf.Tensor2D;
    const logits = this.decoder.apply(z) as tf.Tensor2D;
    const reconstruction = bernoulliNll(logits, x);
    const kl = tf.mul(
      0.5,
      tf.sum(tf.sub(tf.add(tf.exp(logVariance), tf.square(mean)), tf.add(1, logVariance)), 1),
    ) as tf.Tensor1D;
    return { reconstruction, kl, logits };
  }

  private noise(rows: number, rng: Rng): tf.Tensor2D {
    return tf.tensor2d(normalArray(rng, rows * this.hyperparameters.latent_dim), [
      rows,
      this.hyperparameters.latent_dim,
    ]);
  }

  async fit(train: TrainingData, options: FitOptions = {}): Promise<FitResult> {
    checkWidth(TYPE, this.nVisible, train.x, 'training data');
    if (options.validation) checkWidth(TYPE, this.nVisible, options.validation.x, 'validation data');
    const optimizer = tf.train.adam(this.hyperparameters.learning_rate);
    const variables = [...trainableVariables(this.encoder), ...trainableVariables(this.decoder)];
    try {
      return await runEpochs({
        train: train.x,
        epochs: this.hyperparameters.epochs,
        batchSize: this.hyperparameters.batch_size,
        rng: this.trainRng,
        options,
        step: (batch) => {
          const eps = this.noise(batch.shape[0], this.trainRng);
          let reconstruction = 0;
          let kl = 0;
          const cost = optimizer.minimize(
            () => {
              const terms = this.elboTerms(batch, eps);
              const meanReconstruction = terms.reconstruction.mean();
              const meanKl = terms.kl.mean();
              reconstruction = meanReconstruction.dataSync()[0];
              kl = meanKl.dataSync()[0];
              return tf.add(meanReconstruction, meanKl) as tf.Scalar;
            },
            true,
            variables,
          );
          const loss = cost!.dataSync()[0];
          tf.dispose([cost!, eps]);
          return { elbo: -loss, reconstruction_cross_entropy: reconstruction, kl };
        },
        endOfEpoch: (): Metrics => {
          if (!options.validation) return {};
          const scores = this.elboScores(options.validation.x);
          return { validation_elbo: scores.elbo };
        },
      });
    } finally {
      optimizer.dispose();
    }
  }

  /** Single-sample ELBO and its terms, nats per image, with the evaluation noise stream. */
  private elboScores(x: Matrix): {
    elbo: number;
    reconstruction_cross_entropy: number;
    kl: number;
    reconstruction_error: number;
  } {
    const rng = createRng(this.evaluationSeed);
    let reconstruction = 0;
    let kl = 0;
    let squaredError = 0;
    for (let start = 0; start < x.rows; start += BLOCK_ROWS) {
      const end = Math.min(x.rows, start + BLOCK_ROWS);
      const sums = tf.tidy(() => {
        const block = tf.tensor2d(x.data.subarray(start * x.cols, end * x.cols), [end - start, x.cols]);
        const terms = this.elboTerms(block, this.noise(end - start, rng));
        // Reconstruction error of the posterior mean's decoding, comparable to the autoencoder's.
        const meanLogits = this.decoder.apply(this.posterior(block).mean) as tf.Tensor2D;
        return tf.stack([
          terms.reconstruction.sum(),
          terms.kl.sum(),
          squaredErrorPerImage(tf.sigmoid(meanLogits), block).sum(),
        ]);
      });
      const [r, k, s] = sums.dataSync();
      sums.dispose();
      reconstruction += r;
      kl += k;
      squaredError += s;
    }
    const n = x.rows;
    return {
      elbo: -(reconstruction + kl) / n,
      reconstruction_cross_entropy: reconstruction / n,
      kl: kl / n,
      reconstruction_error: squaredError / n,
    };
  }

  /**
   * Importance-weighted lower bound on log p(x) (Burda et al. 2016) with k samples
   * from q(z|x), in nats per image; tighter than the ELBO, comparable to an RBM's AIS estimate.
   */
  importanceWeightedLogLikelihood(x: Matrix, k = VAE_IMPORTANCE_SAMPLES): number {
    const rng = createRng(this.evaluationSeed ^ 0x5bd1e995);
    const latent = this.hyperparameters.latent_dim;
    const blockRows = Math.max(1, Math.floor(BLOCK_ROWS / k) * 4);
    let total = 0;
    for (let start = 0; start < x.rows; start += blockRows) {
      const end = Math.min(x.rows, start + blockRows);
      const rows = end - start;
      const sum = tf.tidy(() => {
        const block = tf.tensor2d(x.data.subarray(start * x.cols, end * x.cols), [rows, x.cols]);
        const { mean, logVariance } = this.posterior(block);
        const eps = tf.tensor3d(normalArray(rng, k * rows * latent), [k, rows, latent]);
        const std = tf.exp(tf.mul(logVariance, 0.5));
        const z = tf.add(mean, tf.mul(std, eps)); // [k, rows, latent]
        const logits = this.decoder.apply(z.reshape([k * rows, latent])) as tf.Tensor2D;
        const tiled = tf.tile(block, [k, 1]) as tf.Tensor2D;
        const logPxz = tf.neg(bernoulliNll(logits, tiled)).reshape([k, rows]);
        const logPz = tf.mul(-0.5, tf.add(tf.sum(tf.square(z), 2), latent * LOG_2PI));
        const logQz = tf.mul(-0.5, tf.add(tf.sum(tf.add(tf.square(eps), logVariance), 2), latent * LOG_2PI));
        const logWeights = tf.sub(tf.add(logPxz, logPz), logQz); // [k, rows]
        return tf.sub(tf.logSumExp(logWeights, 0), Math.log(k)).sum();
      });
      total += sum.dataSync()[0];
      sum.dispose();
    }
    return total / x.rows;
  }

  /** ELBO, its terms and the importance-weighted bound on the test images (nats per image). */
  async evaluate(test: TrainingData, options: EvaluateOptions = {}): Promise<Metrics> {
    checkWidth(TYPE, this.nVisible, test.x, 'test data');
    const metrics: Metrics = { ...this.elboScores(test.x) };
    if (!options.metrics || options.metrics.includes('importance_weighted_log_likelihood')) {
      metrics.importance_weighted_log_likelihood = this.importanceWeightedLogLikelihood(test.x);
    }
    return metrics;
  }

  async sample(n: number, options: SampleOptions = {}): Promise<Samples> {
    const rng = options.seed === undefined ? this.sampleRng : createRng(options.seed);
    const latent = this.hyperparameters.latent_dim;
    const codes: Matrix = { data: normalArray(rng, n * latent), rows: n, cols: latent };
    const probabilities = mapRowBlocks(codes, BLOCK_ROWS, this.nVisible, (block) =>
      tf.sigmoid(this.decoder.apply(block) as tf.Tensor),
    );
    return { probabilities, binary: bernoulli(probabilities, rng) };
  }

  async save(dir: string): Promise<void> {
    await saveModelFiles(dir, {
      type: TYPE,
      hyperparameters: { ...this.hyperparameters },
      extra: { nVisible: this.nVisible, seed: this.seed },
      arrays: { ...namedWeights(this.encoder, 'encoder'), ...namedWeights(this.decoder, 'decoder') },
    });
  }

  static async load(dir: string): Promise<Vae> {
    const saved = await loadModelFiles(dir, TYPE);
    const model = new Vae(saved.hyperparameters, {
      nVisible: Number(saved.extra.nVisible),
      seed: Number(saved.extra.seed),
    });
    setNamedWeights(model.encoder, 'encoder', saved.arrays, dir);
    setNamedWeights(model.decoder, 'decoder', saved.arrays, dir);
    return model;
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}

export const vaeSpec: ModelSpec = {
  type: TYPE,
  description:
    'Variational autoencoder: diagonal-Gaussian encoder, N(0, I) prior, Bernoulli decoder; ELBO in nats per image',
  generative: true,
  supervised: false,
  modelSchema: hyperparameterSection(modelProperties),
  trainSchema: hyperparameterSection(trainPropertiesVae),
  mainMetric: { name: 'elbo', lowerIsBetter: false },
  create: (modelParams, trainParams, context) => new Vae({ ...modelParams, ...trainParams }, context),
  load: (dir) => Vae.load(dir),
};
