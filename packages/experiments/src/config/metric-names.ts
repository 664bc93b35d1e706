import { DBN_DEFAULT_METRICS, QUALITY_METRICS, RBM_DEFAULT_METRICS } from '@rbm-lab/core';

/** The metric names a model type understands: what `eval.metrics` may ask for, what its runs record. */
export interface ModelMetricNames {
  /** Names `eval.metrics` may list (passed to the model's evaluate). */
  evaluate: readonly string[];
  /** Final metrics a run records apart from the quality scale (what `eval.main_metric` may name). */
  recorded: readonly string[];
  /** Recorded names that follow a pattern (a DBN's per-layer metrics). */
  recordedPatterns: readonly RegExp[];
  /** Whether the quality scale scores the type's samples (then its metrics are recorded too). */
  generative: boolean;
}

const RBM_NAMES = [...RBM_DEFAULT_METRICS];

/** A model whose evaluate() computes a fixed set of metrics (it ignores `eval.metrics` beyond them). */
function fixedSet(names: string[], generative: boolean): ModelMetricNames {
  return { evaluate: names, recorded: names, recordedPatterns: [], generative };
}

/**
 * The metrics of each model type, from each model's evaluate() and the
 * quality scale. One place to replace once every ModelSpec declares its
 * metrics (the numbers stream's `metrics` declarations).
 */
const KNOWN: Record<string, ModelMetricNames> = {
  rbm: fixedSet(RBM_NAMES, true),
  dbn: {
    // Other names go to the bottom RBM and come back as layer1_<name>.
    evaluate: [...DBN_DEFAULT_METRICS, ...RBM_NAMES],
    recorded: ['recon_error'],
    recordedPatterns: [/^layer\d+_recon_error$/, new RegExp(`^layer1_(${RBM_NAMES.join('|')})$`)],
    generative: true,
  },
  dnn: fixedSet(['test_error', 'test_loss'], false),
  autoencoder: fixedSet(['reconstruction_error', 'reconstruction_cross_entropy'], true),
  vae: fixedSet(
    ['elbo', 'reconstruction_cross_entropy', 'kl', 'reconstruction_error', 'importance_weighted_log_likelihood'],
    true,
  ),
  gan: fixedSet(
    [
      'discriminator_real_probability',
      'discriminator_fake_probability',
      'discriminator_accuracy',
      'discriminator_loss',
      'generator_loss',
    ],
    true,
  ),
};

/** The metric names of a model type, or undefined for a type this table does not know (then nothing is checked). */
export function modelMetricNames(type: string): ModelMetricNames | undefined {
  return KNOWN[type];
}

/** Whether a run of this type records `name` as a final metric (the quality scale when `quality` is on). */
export function recordsMetric(names: ModelMetricNames, name: string, quality: boolean): boolean {
  if (names.recorded.includes(name) || names.recordedPatterns.some((pattern) => pattern.test(name))) return true;
  return quality && names.generative && (QUALITY_METRICS as readonly string[]).includes(name);
}
