import {
  DBN_DEFAULT_METRICS,
  listModelSpecs,
  QUALITY_METRIC_DECLARATIONS,
  RBM_DEFAULT_METRICS,
  RUN_METRICS,
} from '@rbm-lab/core';

/** The metric names a model type understands: what `eval.metrics` may ask for, what its runs record. */
export interface ModelMetricNames {
  /** Names `eval.metrics` may list (passed to the model's evaluate). */
  evaluate: readonly string[];
  /** Metrics a run records apart from the quality scale (what `eval.main_metric` may name): its spec's declarations. */
  recorded: readonly string[];
  /** Recorded names that follow a pattern (a DBN's per-layer metrics, declared as `layer*_...`). */
  recordedPatterns: readonly RegExp[];
  /** Whether the quality scale scores the type's samples (then its metrics are recorded too). */
  generative: boolean;
}

const QUALITY_NAMES = new Set(QUALITY_METRIC_DECLARATIONS.map((declaration) => declaration.name));

/**
 * What `eval.metrics` may select, for the models whose evaluate() takes a
 * selection (the others compute their declared set and ignore it). A DBN
 * passes other names to its bottom RBM, which come back as layer1_<name>.
 */
const EVALUATE_SELECTIONS: Record<string, readonly string[]> = {
  rbm: RBM_DEFAULT_METRICS,
  dbn: [...DBN_DEFAULT_METRICS, ...RBM_DEFAULT_METRICS],
};

const patternOf = (declared: string): RegExp => new RegExp(`^${declared.replaceAll('*', '\\d+')}$`);

/**
 * The metric names of a model type from its spec's declarations (ModelSpec.metrics,
 * the quality scale's apart), or undefined for an unregistered type (then
 * nothing is checked).
 */
export function modelMetricNames(type: string): ModelMetricNames | undefined {
  const spec = listModelSpecs().find((candidate) => candidate.type === type);
  if (spec === undefined) return undefined;
  const own = [...spec.metrics, ...RUN_METRICS]
    .map((declaration) => declaration.name)
    .filter((name) => !QUALITY_NAMES.has(name));
  const recorded = own.filter((name) => !name.includes('*'));
  return {
    evaluate: EVALUATE_SELECTIONS[type] ?? recorded,
    recorded,
    recordedPatterns: own.filter((name) => name.includes('*')).map(patternOf),
    generative: spec.generative,
  };
}

/** Whether a run of this type records `name` as a final metric (the quality scale when `quality` is on). */
export function recordsMetric(names: ModelMetricNames, name: string, quality: boolean): boolean {
  if (names.recorded.includes(name) || names.recordedPatterns.some((pattern) => pattern.test(name))) return true;
  return quality && names.generative && QUALITY_NAMES.has(name);
}
