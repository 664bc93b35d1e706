import { Xoshiro128 } from '@rbm-lab/datasets';
import { Type } from '@sinclair/typebox';
import { getGemm, initializedGemm } from '../backend.js';
import { hyperparameterSection } from '../hyperparameters.js';
import { resolveSections } from '../model-spec.js';
import type { Gemm } from '../linalg/gemm.js';
import type { MetricDeclaration } from '../metrics.js';
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
import { loadModelFiles, ModelFileError, saveModelFiles } from '../persistence.js';
import { QUALITY_METRIC_DECLARATIONS } from '../quality/score.js';
import { type BernoulliMixture, fitBernoulliMixture, mixtureLogLikelihood, sampleBernoulliMixture } from './mixture.js';

export type BaselineType = 'base_rate' | 'bernoulli_mixture';

const pseudocount = Type.Number({
  minimum: 0,
  maximum: 1000,
  default: 1,
  description: 'Beta(1+a, 1+a) prior on each pixel probability: p = (ones + a) / (n + 2a); 1 = Laplace smoothing.',
});

const BASE_RATE_SECTIONS = {
  modelSchema: hyperparameterSection({}),
  trainSchema: hyperparameterSection({ pseudocount }),
};

const mixtureModelSchema = hyperparameterSection({
  components: Type.Array(Type.Integer({ minimum: 1, maximum: 2000 }), {
    minItems: 1,
    uniqueItems: true,
    default: [2, 5, 10, 20, 50, 100],
    description:
      'Candidate numbers of components; each is fitted by EM and the best on the validation images is kept (candidates above the number of training images are skipped).',
  }),
});
const mixtureTrainSchema = hyperparameterSection({
  max_iterations: Type.Integer({ minimum: 1, maximum: 100_000, default: 200, description: 'EM iterations at most.' }),
  tolerance: Type.Number({
    exclusiveMinimum: 0,
    maximum: 10,
    default: 0.001,
    description: 'EM stops when the mean training log-likelihood gains less than this (nats/image) in an iteration.',
  }),
  pseudocount,
});
const MIXTURE_SECTIONS = { modelSchema: mixtureModelSchema, trainSchema: mixtureTrainSchema };

export interface BaselineParams {
  /** Candidate numbers of components; the one with the best validation log-likelihood is kept. */
  components: number[];
  max_iterations: number;
  tolerance: number;
  pseudocount: number;
}

function parseBaselineParams(
  type: BaselineType,
  modelParams: unknown,
  trainParams: unknown,
  where: string = type,
): BaselineParams {
  if (type === 'base_rate') {
    const { train } = resolveSections(BASE_RATE_SECTIONS, modelParams, trainParams, where);
    return { components: [1], max_iterations: 1, tolerance: 1, pseudocount: train.pseudocount };
  }
  const { model, train } = resolveSections(MIXTURE_SECTIONS, modelParams, trainParams, where);
  return { ...model, ...train };
}

/**
 * A reference model with an exact log-likelihood: the independent-Bernoulli
 * (base-rate) model, or a mixture of Bernoullis with the number of components
 * chosen on the validation images. Any model worth its training time should
 * beat them on the test log-likelihood.
 */
export class BernoulliBaseline implements Model {
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  private mixture: BernoulliMixture | undefined;
  private gemm: Gemm | undefined;
  private samplesDrawn = 0;

  constructor(
    readonly type: BaselineType,
    readonly params: BaselineParams,
    readonly nVisible: number,
    readonly seed: number,
  ) {
    this.hyperparameters = { ...params };
  }

  /** The fitted mixture (one component for base_rate). */
  get model(): Readonly<BernoulliMixture> {
    if (this.mixture === undefined) throw new RangeError(`${this.type}: fit it first`);
    return this.mixture;
  }

  /** One "epoch" per candidate number of components, in the order given: its training and validation log-likelihoods. */
  async fit(train: TrainingData, options: FitOptions = {}): Promise<FitResult> {
    this.gemm ??= await initializedGemm();
    if (train.x.cols !== this.nVisible) {
      throw new RangeError(`${this.type}: expected ${this.nVisible} pixels per image, got ${train.x.cols}`);
    }
    const candidates = this.params.components.filter((k) => k <= train.x.rows);
    if (candidates.length === 0) candidates.push(1);
    const history: Metrics[] = [];
    let best = -Infinity;
    for (const [index, components] of candidates.entries()) {
      if (options.signal?.aborted) return { epochsCompleted: index, history, aborted: true };
      const fit = fitBernoulliMixture(this.gemm, train.x, {
        components,
        maxIterations: this.params.max_iterations,
        tolerance: this.params.tolerance,
        pseudocount: this.params.pseudocount,
        rng: new Xoshiro128(this.seed * 7919 + components),
      });
      const metrics: Metrics = {
        components,
        train_log_likelihood: fit.trainLogLikelihood,
        em_iterations: fit.iterations,
      };
      const held = options.validation?.x;
      // Without validation images the candidates are ranked on training data (the largest then wins).
      const score =
        held !== undefined && held.rows > 0 ? mixtureLogLikelihood(this.gemm, fit.model, held) : fit.trainLogLikelihood;
      if (held !== undefined && held.rows > 0) metrics.validation_log_likelihood = score;
      if (score > best) {
        best = score;
        this.mixture = fit.model;
      }
      history.push(metrics);
      await options.onEpoch?.(index + 1, metrics);
    }
    return { epochsCompleted: candidates.length, history, aborted: false };
  }

  /** exact_log_likelihood on the given images (nats per image) and the number of components kept. */
  async evaluate(test: TrainingData, _options: EvaluateOptions = {}): Promise<Metrics> {
    this.gemm ??= await initializedGemm();
    return {
      exact_log_likelihood: mixtureLogLikelihood(this.gemm, this.model, test.x),
      components: this.model.components,
    };
  }

  async sample(n: number, options: SampleOptions = {}): Promise<Samples> {
    const seed = options.seed ?? this.seed * 31 + this.samplesDrawn++;
    return sampleBernoulliMixture(this.model, n, new Xoshiro128(seed));
  }

  /** Mean log p(x) of other images. Needs the backend initialised (fit or initBackend). */
  logLikelihood(x: TrainingData['x']): number {
    this.gemm ??= getGemm();
    return mixtureLogLikelihood(this.gemm, this.model, x);
  }

  async save(dir: string): Promise<void> {
    const { components, dim, weights, means } = this.model;
    await saveModelFiles(dir, {
      type: this.type,
      hyperparameters: { ...this.hyperparameters },
      // Weights in the JSON keep float64 precision, so a reloaded model scores exactly the same.
      extra: { nVisible: this.nVisible, seed: this.seed, weights: Array.from(weights) },
      arrays: { means: { shape: [components, dim], data: means } },
    });
  }

  static async load(dir: string, type: BaselineType): Promise<BernoulliBaseline> {
    const saved = await loadModelFiles(dir, type);
    const where = `${dir}/model.json`;
    const { nVisible, seed, weights } = saved.extra;
    const { means } = saved.arrays;
    if (
      typeof nVisible !== 'number' ||
      typeof seed !== 'number' ||
      !Array.isArray(weights) ||
      !weights.every((w) => typeof w === 'number') ||
      !means
    ) {
      throw new ModelFileError(`${where}: missing nVisible, seed, weights or means`);
    }
    const { components: _, ...train } = saved.hyperparameters;
    const params =
      type === 'base_rate'
        ? parseBaselineParams(type, {}, { pseudocount: saved.hyperparameters.pseudocount }, where)
        : parseBaselineParams(type, { components: saved.hyperparameters.components }, train, where);
    const baseline = new BernoulliBaseline(type, params, nVisible, seed);
    const components = weights.length;
    if (means.data.length !== components * nVisible) throw new ModelFileError(`${where}: means do not match weights`);
    baseline.mixture = {
      components,
      dim: nVisible,
      weights: Float64Array.from(weights as number[]),
      means: means.data,
    };
    return baseline;
  }

  dispose(): void {}
}

/** What the baselines record (besides the quality scale of their samples). */
export const BASELINE_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'exact_log_likelihood',
    direction: 'higher',
    split: 'test',
    logLikelihood: 'exact',
    description: 'Mean log p(v) of the test images, exact, nats/image.',
  },
  {
    name: 'validation_log_likelihood',
    direction: 'higher',
    split: 'validation',
    description: 'Per candidate number of components: mean log p(v) of the validation images (selects the number).',
  },
  {
    name: 'train_log_likelihood',
    direction: 'higher',
    split: 'train',
    description: 'Per candidate: mean log p(v) of the training images after EM.',
  },
  {
    name: 'components',
    direction: 'none',
    split: 'model',
    description: 'Mixture components (kept: chosen on validation).',
  },
  { name: 'em_iterations', direction: 'none', split: 'run', description: 'EM iterations run for the candidate.' },
  ...QUALITY_METRIC_DECLARATIONS,
];

function baselineSpec(type: BaselineType, description: string): ModelSpec {
  const mixture = type === 'bernoulli_mixture';
  return {
    type,
    description,
    generative: true,
    supervised: false,
    baseline: true,
    ...(mixture ? MIXTURE_SECTIONS : BASE_RATE_SECTIONS),
    mainMetric: { name: 'exact_log_likelihood', lowerIsBetter: false },
    metrics: BASELINE_METRICS,
    // One "epoch" per candidate number of components (the base rate has one).
    plannedEpochs: ({ model }) => (Array.isArray(model.components) ? model.components.length : 1),
    create: (modelParams: Record<string, unknown>, trainParams: Record<string, unknown>, context: ModelContext) =>
      new BernoulliBaseline(type, parseBaselineParams(type, modelParams, trainParams), context.nVisible, context.seed),
    load: (dir: string) => BernoulliBaseline.load(dir, type),
  };
}

export const baseRateSpec: ModelSpec = baselineSpec(
  'base_rate',
  'Baseline: independent Bernoulli pixels at their (smoothed) training rates; exact log-likelihood.',
);

export const bernoulliMixtureSpec: ModelSpec = baselineSpec(
  'bernoulli_mixture',
  'Baseline: mixture of Bernoullis fitted by EM, number of components chosen on validation; exact log-likelihood.',
);
