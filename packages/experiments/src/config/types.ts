/** Typed view of a validated study (snake_case keys as in the YAML). */

export interface DatasetConfig {
  name: 'alphadigits' | 'mnist';
  characters?: string | Array<string | number>;
  n_characters?: number;
  digits?: number[];
  limit?: number;
  test_limit?: number;
  binarize?: 'threshold' | 'stochastic' | 'none';
  threshold?: number;
  validation_fraction?: number;
  seed?: number;
}

export interface ModelConfig {
  type: string;
  [param: string]: unknown;
}

export interface EvalConfig {
  metrics?: string[];
  /** Generated images kept for display. */
  n_samples?: number;
  /** Generated images the quality scale scores (independent chains). */
  n_score_samples?: number;
  gibbs_steps?: number;
  /** RBM generation: Gibbs from noise, or annealed from the base-rate model first. */
  sampler?: 'gibbs' | 'annealed' | 'tempered';
  annealing_steps?: number;
  quality?: boolean;
  main_metric?: { name: string; lower_is_better: boolean };
  /** Draw a few samples every this many epochs during training (0: never). */
  sample_every?: number;
}

export interface SweepConfig {
  grid?: Record<string, unknown[]>;
  zip?: Record<string, unknown[]>;
  seeds?: number | number[];
  /** Claims of a run before it is failed when its worker keeps vanishing (default 3). */
  max_attempts?: number;
  /** Per-run wall-clock limit in seconds. */
  run_timeout?: number;
}

/** A baseline to run on the data of every grid point: its model type, or the type with model parameters. */
export type BaselineEntry = string | { type: string; [param: string]: unknown };

/** A study after `extends` merging and validation. */
export interface Study {
  name: string;
  description?: string;
  seed?: number;
  dataset: DatasetConfig;
  model: ModelConfig;
  train?: Record<string, unknown>;
  eval?: EvalConfig;
  sweep?: SweepConfig;
  /** Reference models run beside the grid (see config/baselines.ts). */
  baselines?: BaselineEntry[];
}

/** Everything one run needs: the study's sections with this grid point's values and defaults filled in. */
export interface RunConfig {
  seed: number;
  dataset: DatasetConfig;
  model: ModelConfig;
  train: Record<string, unknown>;
  eval: Required<Omit<EvalConfig, 'metrics' | 'main_metric' | 'sample_every'>> &
    Pick<EvalConfig, 'metrics' | 'main_metric' | 'sample_every'>;
}

export interface RunPlan {
  /** Stable: hash of the sweep id, the seed and the values the study sets for this run (not defaults); see runIdOf. */
  id: string;
  sweepId: string;
  /** The grid point's key in the run queue (study name, seed, set values): the same across widened grids. */
  pointKey: string;
  /** Position in the expanded grid. */
  index: number;
  config: RunConfig;
  /** Values of the swept parameters: dotted path -> value. */
  params: Record<string, unknown>;
  seed: number;
  epochs: number;
}
