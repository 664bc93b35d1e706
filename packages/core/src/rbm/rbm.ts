import { type Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import { getGemm, initializedGemm } from '../backend.js';
import type { Gemm } from '../linalg/gemm.js';
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
import { loadModelFiles, ModelFileError, saveModelFiles } from '../persistence.js';
import { averageLogProbability, estimateLogPartition, EXACT_LOG_Z_MAX_UNITS, exactLogPartition } from './ais.js';
import { modelSpec, resolveSections } from '../model-spec.js';
import { rbmModelSchema, rbmTrainSchema, type RbmModelParams, type RbmTrainParams } from './hyperparameters.js';
import { fitRbm, MONITOR_ROWS, monitorSubset, STREAM_MONITOR } from './fit.js';
import { hiddenModesLogZBound } from './log-z-bound.js';
import {
  checkWidth,
  freeEnergies,
  hiddenProbabilities,
  mean,
  pseudoLogLikelihood,
  reconstructionError,
  visibleProbabilities,
} from './inference.js';
import { checkParameters, copyParameters, initialiseParameters, type RbmParameters } from './parameters.js';
import { annealedSample, gibbsSample } from './sampling.js';
import { temperedSample } from './tempering.js';
import { RBM_SPEC_METRICS } from '../model-metrics.js';

export { MONITOR_ROWS };
/** Default Gibbs sweeps for sample(). */
export const DEFAULT_GIBBS_STEPS = 1000;
/** Annealed sampling resamples its chains when their effective sample size falls below this fraction. */
const ANNEALED_RESAMPLE_ESS = 0.5;
/**
 * Tempered sampling: ladders x temperatures chains, a sample of every ladder's beta = 1 chain every
 * TEMPERED_THINNING sweeps after the burn-in. Measured on a 200-unit RBM of '0' and '1' whose long parallel-tempering
 * runs settle at 50% each: 100 x 20 with 1000 sweeps of burn-in gave 501 / 491 (annealing with SMC: 966 / 34).
 */
export const TEMPERED_SAMPLING = { ladders: 100, temperatures: 20, thinning: 50 } as const;
/** Work budget (states x summed units) under which evaluate() also reports the exact log Z. */
const EXACT_LOG_Z_BUDGET = 2 ** 22 * 64;

/** The two config sections, for the spec and for reading saved models. */
const RBM_SECTIONS = { modelSchema: rbmModelSchema, trainSchema: rbmTrainSchema };

/** Metrics evaluate() computes when options.metrics is omitted. */
export const RBM_DEFAULT_METRICS: readonly string[] = [
  'recon_error',
  'pseudo_log_likelihood',
  'free_energy',
  'free_energy_gap',
  'ais_log_likelihood',
  'ais_log_z',
  'ais_log_z_std',
  'log_z_lower_bound',
  'exact_log_z',
  'exact_log_likelihood',
];

export interface RbmOptions {
  /** GEMM provider; default: the one initBackend() chose (initialised on first use). */
  gemm?: Gemm;
}

export interface RbmContext {
  nVisible: number;
  seed: number;
}

/** Seeds of the independent random streams derived from the model seed (see also fit.ts). */
const STREAM_SAMPLE = 0x73616d;
const STREAM_AIS = 0x616973;
const STREAM_BOUND = 0x626e64;

/**
 * A Bernoulli-Bernoulli Restricted Boltzmann Machine trained by CD-k or PCD-k
 * (scikit-learn-style: hyperparameters fixed at construction, fit, transform).
 * The maths runs on host Float32Arrays with a pluggable GEMM (see backend.ts),
 * so every compute path runs the same algorithm with the same random stream.
 */
export class Rbm implements Model {
  readonly type = 'rbm';
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly modelParams: RbmModelParams;
  readonly trainParams: RbmTrainParams;
  readonly nVisible: number;
  readonly seed: number;
  private params: RbmParameters;
  private gemm: Gemm | undefined;
  private epochsTrained = 0;
  private samplesDrawn = 0;
  /** How the last fit ended: the epoch kept (early stopping), epochs run and updates made. */
  private lastFit: { bestEpoch: number; epochs: number; updates: number } | undefined;

  constructor(modelParams: RbmModelParams, trainParams: RbmTrainParams, context: RbmContext, options: RbmOptions = {}) {
    this.modelParams = { ...modelParams };
    this.trainParams = { ...trainParams };
    this.hyperparameters = { ...this.modelParams, ...this.trainParams };
    this.nVisible = context.nVisible;
    this.seed = context.seed;
    this.gemm = options.gemm;
    // Visible biases from the data are set by the first fit; an unfitted RBM has zero biases.
    this.params = initialiseParameters(
      context.nVisible,
      modelParams.hidden_units,
      modelParams.weight_init_std,
      'zero',
      undefined,
      new Xoshiro128(context.seed),
    );
  }

  get nHidden(): number {
    return this.params.nHidden;
  }

  /** Epochs trained so far (across fit calls). */
  get epochs(): number {
    return this.epochsTrained;
  }

  /** Trains on train.x (see fitRbm: budget, schedule, persistent chains, early stopping on options.validation). */
  async fit(train: TrainingData, options: FitOptions = {}): Promise<FitResult> {
    const gemm = await this.resolveGemm();
    const x = train.x;
    checkWidth(x, this.nVisible, 'visible');
    if (options.validation) checkWidth(options.validation.x, this.nVisible, 'visible');
    const rng = new Xoshiro128(this.seed);
    if (this.epochsTrained === 0) {
      this.params = initialiseParameters(
        this.nVisible,
        this.modelParams.hidden_units,
        this.modelParams.weight_init_std,
        this.modelParams.visible_bias_init,
        x,
        rng,
      );
    }
    const state = { gemm, params: this.params, trainParams: this.trainParams, seed: this.seed, rng };
    const outcome = await fitRbm({ ...state, epochsBefore: this.epochsTrained }, x, options);
    this.params = outcome.params;
    this.epochsTrained += outcome.epochsCompleted;
    this.lastFit = { bestEpoch: outcome.bestEpoch, epochs: outcome.epochsCompleted, updates: outcome.updates };
    const { epochsCompleted, history, aborted } = outcome;
    return { epochsCompleted, history, aborted };
  }

  /**
   * Final metrics on held-out data. AIS (ais_*) uses train.ais_runs runs and
   * train.ais_betas temperatures, with base rates from options.train (else the test data).
   */
  async evaluate(test: TrainingData, options: EvaluateOptions = {}): Promise<Metrics> {
    const gemm = await this.resolveGemm();
    const x = test.x;
    checkWidth(x, this.nVisible, 'visible');
    const wanted = new Set(options.metrics ?? RBM_DEFAULT_METRICS);
    const p = this.params;
    const metrics: Metrics = {};
    if (this.lastFit !== undefined) {
      metrics.best_epoch = this.lastFit.bestEpoch;
      metrics.epochs_trained = this.lastFit.epochs;
      metrics.parameter_updates = this.lastFit.updates;
    }
    if (wanted.has('recon_error')) metrics.recon_error = reconstructionError(gemm, p, x);
    if (wanted.has('pseudo_log_likelihood')) {
      metrics.pseudo_log_likelihood = pseudoLogLikelihood(gemm, p, x, new Xoshiro128(this.seed ^ STREAM_MONITOR));
    }
    let testEnergy: number | undefined;
    if (wanted.has('free_energy') || wanted.has('free_energy_gap')) {
      testEnergy = mean(freeEnergies(gemm, p, x));
      if (wanted.has('free_energy')) metrics.free_energy = testEnergy;
    }
    if (wanted.has('free_energy_gap') && options.train !== undefined && testEnergy !== undefined) {
      const trainSubset = monitorSubset(options.train.x, new Xoshiro128(this.seed ^ STREAM_MONITOR));
      metrics.free_energy_gap = testEnergy - mean(freeEnergies(gemm, p, trainSubset));
    }
    if (wanted.has('ais_log_likelihood') || wanted.has('ais_log_z') || wanted.has('ais_log_z_std')) {
      const ais = estimateLogPartition(gemm, p, {
        runs: this.trainParams.ais_runs,
        betas: this.trainParams.ais_betas,
        seed: this.seed ^ STREAM_AIS,
        baseRateData: options.train?.x ?? x,
      });
      if (wanted.has('ais_log_z')) metrics.ais_log_z = ais.logZ;
      if (wanted.has('ais_log_z_std')) metrics.ais_log_z_std = ais.logZStd;
      if (wanted.has('ais_log_likelihood')) metrics.ais_log_likelihood = averageLogProbability(gemm, p, x, ais.logZ);
    }
    if (wanted.has('log_z_lower_bound')) {
      const rng = new Xoshiro128(this.seed ^ STREAM_BOUND);
      metrics.log_z_lower_bound = hiddenModesLogZBound(gemm, p, { data: options.train?.x ?? x, rng }).logZBound;
    }
    const small = Math.min(p.nVisible, p.nHidden);
    const tiny = small <= EXACT_LOG_Z_MAX_UNITS && 2 ** small * Math.max(p.nVisible, p.nHidden) <= EXACT_LOG_Z_BUDGET;
    if (tiny && (wanted.has('exact_log_z') || wanted.has('exact_log_likelihood'))) {
      const logZ = exactLogPartition(p);
      if (wanted.has('exact_log_z')) metrics.exact_log_z = logZ;
      if (wanted.has('exact_log_likelihood')) metrics.exact_log_likelihood = averageLogProbability(gemm, p, x, logZ);
    }
    return metrics;
  }

  /**
   * n independent chains: options.gibbsSteps Gibbs sweeps (default 1000) from
   * uniform noise or options.init; with sampler 'annealed', the chains first
   * anneal from the base-rate model to this one (options.annealingSteps
   * temperatures), then run the Gibbs sweeps; with sampler 'tempered', parallel
   * tempering (TEMPERED_SAMPLING) with options.gibbsSteps sweeps of burn-in.
   */
  async sample(n: number, options: SampleOptions = {}): Promise<Samples> {
    const gemm = await this.resolveGemm();
    const seed = options.seed ?? (this.seed ^ STREAM_SAMPLE) + this.samplesDrawn++;
    const steps = options.gibbsSteps ?? DEFAULT_GIBBS_STEPS;
    const rng = new Xoshiro128(seed);
    if (options.sampler === 'annealed') {
      const { annealingSteps, baseRateData } = options;
      // SMC resampling at half the chains' effective sample size (measured: closer to exact samples than plain annealing).
      const resampleBelowEss = ANNEALED_RESAMPLE_ESS;
      return annealedSample(gemm, this.params, { n, steps, annealingSteps, baseRateData, resampleBelowEss, rng });
    }
    if (options.sampler === 'tempered') {
      const { baseRateData } = options;
      return temperedSample(gemm, this.params, { n, ...TEMPERED_SAMPLING, burnIn: steps, baseRateData, rng });
    }
    return gibbsSample(gemm, this.params, { n, steps, init: options.init, rng });
  }

  /** p(h = 1 | v) for every row of x. Needs the backend initialised (fit, or `await initBackend()`). */
  transform(x: Matrix): Matrix {
    return hiddenProbabilities(this.requireGemm(), this.params, x);
  }

  /** p(v = 1 | h) for every row of h. */
  visibleProbabilities(h: Matrix): Matrix {
    return visibleProbabilities(this.requireGemm(), this.params, h);
  }

  /** Free energy of every row of x (float64). */
  freeEnergy(x: Matrix): Float64Array {
    return freeEnergies(this.requireGemm(), this.params, x);
  }

  /** A copy of the parameters; weights are [nVisible x nHidden] row-major. */
  getParameters(): RbmParameters {
    return copyParameters(this.params);
  }

  /** Replaces the parameters (copied); shapes must match the architecture. */
  setParameters(parameters: RbmParameters): void {
    checkParameters(parameters);
    if (parameters.nVisible !== this.nVisible || parameters.nHidden !== this.modelParams.hidden_units) {
      throw new RangeError(
        `parameters are ${parameters.nVisible}x${parameters.nHidden}, this RBM is ${this.nVisible}x${this.modelParams.hidden_units}`,
      );
    }
    this.params = copyParameters(parameters);
  }

  async save(dir: string): Promise<void> {
    const p = this.params;
    await saveModelFiles(dir, {
      type: this.type,
      hyperparameters: { ...this.hyperparameters },
      extra: {
        modelParams: this.modelParams,
        trainParams: this.trainParams,
        nVisible: this.nVisible,
        seed: this.seed,
        epochsTrained: this.epochsTrained,
      },
      arrays: {
        weights: { shape: [p.nVisible, p.nHidden], data: p.weights },
        visible_bias: { shape: [p.nVisible], data: p.visibleBias },
        hidden_bias: { shape: [p.nHidden], data: p.hiddenBias },
      },
    });
  }

  static async load(dir: string, options: RbmOptions = {}): Promise<Rbm> {
    const saved = await loadModelFiles(dir, 'rbm');
    return Rbm.fromSaved(saved.extra, saved.arrays, `${dir}/model.json`, options);
  }

  /** Rebuilds an RBM from its saved metadata and arrays (also used by the DBN's loader). */
  static fromSaved(
    extra: Record<string, unknown>,
    arrays: Record<string, { shape: number[]; data: Float32Array }>,
    where: string,
    options: RbmOptions = {},
  ): Rbm {
    const nVisible = extra.nVisible;
    const seed = extra.seed;
    if (typeof nVisible !== 'number' || typeof seed !== 'number') {
      throw new RbmFileError(`${where}: missing nVisible or seed`);
    }
    const { model, train } = resolveSections(RBM_SECTIONS, extra.modelParams, extra.trainParams, where);
    const rbm = new Rbm(model, train, { nVisible, seed }, options);
    const weights = arrays.weights;
    const visibleBias = arrays.visible_bias;
    const hiddenBias = arrays.hidden_bias;
    if (!weights || !visibleBias || !hiddenBias) throw new RbmFileError(`${where}: weights or biases missing`);
    try {
      rbm.setParameters({
        nVisible,
        nHidden: rbm.modelParams.hidden_units,
        weights: weights.data,
        visibleBias: visibleBias.data,
        hiddenBias: hiddenBias.data,
      });
    } catch (error) {
      throw new RbmFileError(`${where}: ${(error as Error).message}`, { cause: error });
    }
    rbm.epochsTrained = typeof extra.epochsTrained === 'number' ? extra.epochsTrained : 0;
    return rbm;
  }

  dispose(): void {
    // Host buffers only: nothing to free beyond dropping references.
  }

  private async resolveGemm(): Promise<Gemm> {
    this.gemm ??= await initializedGemm();
    return this.gemm;
  }

  private requireGemm(): Gemm {
    this.gemm ??= getGemm();
    return this.gemm;
  }
}

export class RbmFileError extends ModelFileError {}

export const rbmSpec: ModelSpec = modelSpec({
  type: 'rbm',
  description:
    'Bernoulli-Bernoulli Restricted Boltzmann Machine trained by CD-k or PCD-k with momentum and weight decay; AIS log-likelihood.',
  generative: true,
  supervised: false,
  ...RBM_SECTIONS,
  mainMetric: { name: 'ais_log_likelihood', lowerIsBetter: false },
  metrics: RBM_SPEC_METRICS,
  implementation: Rbm,
  // A budget of updates is that many mini-batches: ceil(updates / batches per epoch) passes (see trainRbm).
  plannedEpochs: ({ train }, trainRows) =>
    Number(train.updates) > 0
      ? Math.ceil(Number(train.updates) / Math.ceil(trainRows / Number(train.batch_size)))
      : Number(train.epochs),
});
