/**
 * What every metric means, declared once where it is computed: which way it
 * improves, what data it is computed on, and what it is. Dashboards, compare
 * and reports read directions from here instead of guessing from names.
 */

/** 'none' = a diagnostic that is never ranked (log Z, a bandwidth, a timing, a count). */
export type MetricDirection = 'higher' | 'lower' | 'none';

/**
 * The data a metric is computed on:
 * - train / validation / test: the run's split of that name (validation only for model selection);
 * - samples: the model's generated scoring samples alone;
 * - model: the parameters alone (log Z, chosen hyperparameters);
 * - run: bookkeeping (timings, counts).
 */
export type MetricSplit = 'train' | 'validation' | 'test' | 'samples' | 'model' | 'run';

export interface MetricDeclaration {
  /** Metric name as recorded; `*` stands for a number (e.g. `layer*_recon_error`). */
  name: string;
  direction: MetricDirection;
  /** The data of the final value (the run's result). */
  split: MetricSplit;
  /** The data of the per-epoch value where it differs (e.g. a training subset while the final value is on test). */
  epochSplit?: MetricSplit;
  /** One line: what the number is, with its unit. */
  description: string;
  /**
   * Set on estimates (or bounds) of the mean test log-likelihood in nats per
   * image, comparable across model types; the first one present in a run is
   * the one compared with the baselines.
   */
  logLikelihood?: 'exact' | 'estimate' | 'lower_bound';
}

/** How many points one computed metric used: images of its split, and generated samples where it compares with them. */
export interface MetricPoints {
  split: MetricSplit;
  /** Images of the split (0 for model-only metrics). */
  points: number;
  /** Generated samples the metric compared with the split, if any. */
  samples?: number;
}

const escapeRegExp = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** Whether a declared name (possibly with `*` for a number) matches a recorded metric name. */
export function declarationMatches(declared: string, name: string): boolean {
  if (!declared.includes('*')) return declared === name;
  return new RegExp(`^${declared.split('*').map(escapeRegExp).join('[0-9]+')}$`).test(name);
}

/** The declaration of `name` among `declarations` (exact names before patterns), or undefined. */
export function findMetricDeclaration<T extends MetricDeclaration>(
  declarations: readonly T[],
  name: string,
): T | undefined {
  return declarations.find((d) => d.name === name) ?? declarations.find((d) => declarationMatches(d.name, name));
}

/** Metrics every run records, whatever its model: cost and data sizes. */
export const RUN_METRICS: readonly MetricDeclaration[] = [
  { name: 'train_seconds', direction: 'none', split: 'run', description: 'Wall-clock seconds spent in fit().' },
  {
    name: 'evaluate_seconds',
    direction: 'none',
    split: 'run',
    description: "Wall-clock seconds of the model's own evaluate() (likelihoods, AIS, errors).",
  },
  {
    name: 'sample_seconds',
    direction: 'none',
    split: 'run',
    description: 'Wall-clock seconds drawing the generated samples (scoring and display share one draw).',
  },
  {
    name: 'score_seconds',
    direction: 'none',
    split: 'run',
    description: 'Wall-clock seconds of the quality scale (classifier features, KID, Fréchet, Parzen, coverage).',
  },
  { name: 'n_train', direction: 'none', split: 'train', description: 'Training images.' },
  { name: 'n_validation', direction: 'none', split: 'validation', description: 'Validation images.' },
  { name: 'n_test', direction: 'none', split: 'test', description: 'Test images (every final metric uses them).' },
  {
    name: 'n_scoring_samples',
    direction: 'none',
    split: 'samples',
    description: 'Generated images the quality scale scored (independent chains).',
  },
];
