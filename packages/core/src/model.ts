import type { TObject } from '@sinclair/typebox';
import type { Matrix } from '@rbm-lab/datasets';
import type { MetricDeclaration } from './metrics.js';

/** Which computation path ran; recorded with every run. */
export type ComputePath = 'tensorflow' | 'native-blas' | 'wasm-sgemm' | 'wasm' | 'cpu';

/** How initBackend() chose the path when none was forced: each candidate's measured speed. */
export interface ComputeProbe {
  /** GFLOP/s per available path: geometric mean over RBM-shaped products (PROBE_SHAPES). */
  gflops: Partial<Record<ComputePath, number>>;
  /** True when read back from the per-machine cache, false when measured in this process. */
  cached: boolean;
  /** When the figures were measured (ISO 8601). */
  measuredAt: string;
  /** The 1-minute load average then; probes taken on a busy machine (load above the core count) are not cached. */
  loadAverage: number;
}

export interface BackendInfo {
  /** The path the dense maths of RBM/DBN runs on. */
  path: ComputePath;
  /** The tfjs backend active for the remaining tfjs ops (the quality scale's distances): 'tensorflow' | 'wasm' | 'cpu'. */
  tfjsBackend: string;
  /**
   * Human-readable detail, e.g. 'OpenBLAS sgemm via nblas, 2 threads; chosen by probe: native-blas 150,
   * wasm-sgemm 95, wasm 9 GFLOP/s'. It carries the probe's figures, so stores that keep path and detail keep them.
   */
  detail: string;
  /** The probe's figures; absent when the path was forced (RBM_LAB_BACKEND or options.path). */
  probe?: ComputeProbe;
}

export type Metrics = Record<string, number>;

/** Data a model trains or is evaluated on. Labels only for supervised models (DNN) and class-aware metrics. */
export interface TrainingData {
  x: Matrix;
  labels?: Int32Array;
  nClasses?: number;
  /** Image geometry, for metrics that need it. */
  height?: number;
  width?: number;
}

export interface FitOptions {
  /** Held-out data for per-epoch metrics (free-energy gap, test error). */
  validation?: TrainingData;
  /** Called after every epoch (1-based) with that epoch's metrics. May be async; awaited. */
  onEpoch?: (epoch: number, metrics: Metrics) => void | Promise<void>;
  /** Stops training at the next batch boundary; fit resolves with aborted = true. */
  signal?: AbortSignal;
}

export interface FitResult {
  epochsCompleted: number;
  history: Metrics[];
  aborted: boolean;
}

export interface EvaluateOptions {
  /** Metric names to compute; omitted = the model's defaults. */
  metrics?: string[];
  /** Number of generated images used by sample-based metrics. */
  nSamples?: number;
  /** Gibbs steps for RBM/DBN sampling. */
  gibbsSteps?: number;
  /** The training data, for metrics comparing samples to it (nearest-neighbour distance). */
  train?: TrainingData;
}

export interface SampleOptions {
  /** Gibbs steps (RBM/DBN). */
  gibbsSteps?: number;
  /**
   * RBM: 'gibbs' from noise (default); 'annealed' from the base-rate model, then Gibbs; 'tempered': parallel
   * tempering, gibbsSteps sweeps of burn-in.
   */
  sampler?: 'gibbs' | 'annealed' | 'tempered';
  /** RBM, sampler 'annealed': intermediate temperatures (default 1000). */
  annealingSteps?: number;
  /** RBM, sampler 'annealed' or 'tempered': images whose pixel means define the base-rate model (the training set). */
  baseRateData?: Matrix;
  /** Start chains from these images instead of random noise (RBM/DBN). */
  init?: Matrix;
  seed?: number;
}

export interface Samples {
  /** Pixel probabilities in [0, 1], one row per image. */
  probabilities: Matrix;
  /** Binary (0/1) samples drawn from the probabilities. */
  binary: Matrix;
}

/**
 * The interface every model type implements, so the experiments package treats them alike.
 * Hyperparameters are fixed at construction (scikit-learn style); fit may be called once.
 */
export interface Model {
  readonly type: string;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  fit(train: TrainingData, options?: FitOptions): Promise<FitResult>;
  /** Final metrics on held-out data. */
  evaluate(test: TrainingData, options?: EvaluateOptions): Promise<Metrics>;
  /** Generative models only. */
  sample?(n: number, options?: SampleOptions): Promise<Samples>;
  /** Writes versioned JSON metadata + binary weights into dir (created if needed). */
  save(dir: string): Promise<void>;
  /** Frees tensors / native buffers. */
  dispose(): void;
}

export interface ModelContext {
  nVisible: number;
  seed: number;
  backend: BackendInfo;
}

/** A JSON Schema (draft 2020-12 subset that ajv accepts) describing an object of hyperparameters. */
export type JsonSchemaObject = Record<string, unknown>;

/**
 * Registry entry for a model type. experiments validates config sections with
 * these schemas and creates models through `create`, so new types plug in
 * without changes there. `create` and `load` resolve their sections with
 * `resolveSections` (errors name '<type> model' | '<type> train'); `modelSpec()` builds an entry
 * whose `create` gets them resolved.
 */
export interface ModelSpec {
  type: string;
  description: string;
  /** Whether the model generates images (has sample()). */
  generative: boolean;
  /** Whether fit needs labels (DNN). */
  supervised: boolean;
  /**
   * Schema of the `model:` config section minus `type` (architecture: hidden units, layers...), declared
   * with TypeBox through `hyperparameterSection` (every property has a default, description and bounds).
   */
  modelSchema: TObject;
  /** Schema of the `train:` config section (epochs, learning_rate, batch_size, k...), declared the same way. */
  trainSchema: TObject;
  /** Main metric name and whether lower is better, for dashboards and "best" marks. */
  mainMetric: { name: string; lowerIsBetter: boolean };
  /**
   * Every metric the model records (per epoch and final, including the quality
   * scale for generative models): direction, split, meaning. Directions are
   * read from here, never guessed from names.
   */
  metrics: readonly MetricDeclaration[];
  /** A reference model (base rates, mixture of Bernoullis) that other runs are compared against. */
  baseline?: boolean;
  /**
   * How many onEpoch calls a fit of these (resolved) sections makes on `trainRows` images, for progress
   * (early stopping may end sooner). Default: `train.epochs`.
   */
  plannedEpochs?(
    sections: { model: Record<string, unknown>; train: Record<string, unknown> },
    trainRows: number,
  ): number;
  create(modelParams: Record<string, unknown>, trainParams: Record<string, unknown>, context: ModelContext): Model;
  load(dir: string): Promise<Model>;
}
