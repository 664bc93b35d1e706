import {
  type BackendInfo,
  createModel,
  type MetricPoints,
  type Metrics,
  type Model,
  type ModelSpec,
  type QualityScore,
  type Samples,
  scoreSamples,
} from '@rbm-lab/core';
import type { Matrix } from '@rbm-lab/datasets';
import { runWarnings } from '../checks/run-warnings.js';
import type { RunWarning } from '../store/types.js';
import type { RunConfig } from '../config/types.js';
import type { RunData } from './run-data.js';

/** What the evaluation of a trained model produces, besides its files. */
export interface RunEvaluation {
  metrics: Metrics;
  /** For each final metric: its split and how many points it used. */
  points: Record<string, MetricPoints>;
  warnings: RunWarning[];
  /** Generated images kept for display (pixel probabilities), or undefined for non-generative runs. */
  display?: Matrix;
  /** Confident scoring samples per class of the run (class_coverage's histogram). */
  coverage?: QualityScore['coverage'];
}

export interface EvaluateRunInput {
  model: Model;
  spec: ModelSpec;
  data: RunData;
  config: RunConfig;
  /** Per-epoch metrics of the fit, in order. */
  history: readonly Metrics[];
  /** Where the quality classifier is cached. */
  cacheDir: string;
  backend: BackendInfo;
}

const seconds = (since: number): number => (performance.now() - since) / 1000;

function firstRows(x: Matrix, rows: number): Matrix {
  const n = Math.min(rows, x.rows);
  return { data: x.data.subarray(0, n * x.cols), rows: n, cols: x.cols };
}

/** Split and size of each metric model.evaluate returned, from the model's declarations. */
function evaluatePoints(metrics: Metrics, spec: ModelSpec, data: RunData): Record<string, MetricPoints> {
  const sizes: Record<string, number> = {
    train: data.train.x.rows,
    validation: data.validation.x.rows,
    test: data.test.x.rows,
  };
  const points: Record<string, MetricPoints> = {};
  for (const name of Object.keys(metrics)) {
    const split = spec.metrics.find((d) => d.name === name)?.split ?? 'test';
    points[name] = { split, points: sizes[split] ?? 0 };
  }
  return points;
}

/** Mean test log-likelihood of independent pixels at the run's training base rates: the floor every model must beat. */
async function baseRateLogLikelihood(data: RunData, seed: number, backend: BackendInfo): Promise<number> {
  const baseline = createModel('base_rate', {}, {}, { nVisible: data.train.x.cols, seed, backend });
  await baseline.fit(data.train);
  return (await baseline.evaluate(data.test)).exact_log_likelihood;
}

/**
 * Final metrics of a trained model, all on the run's test split: the model's
 * own (likelihoods, errors), then for generative models one draw of samples
 * (max(n_samples, n_score_samples) independent chains: the first n_samples are
 * displayed, the first n_score_samples scored by the quality scale), the cost of
 * each phase in seconds, the data sizes, and the run's warnings.
 */
export async function evaluateRun(input: EvaluateRunInput): Promise<RunEvaluation> {
  const { model, spec, data, config } = input;
  let started = performance.now();
  const metrics: Metrics = await model.evaluate(data.test, {
    metrics: config.eval.metrics,
    nSamples: config.eval.n_samples,
    gibbsSteps: config.eval.gibbs_steps,
    train: data.train,
  });
  const points = evaluatePoints(metrics, spec, data);
  metrics.evaluate_seconds = seconds(started);

  const nScore = config.eval.quality ? config.eval.n_score_samples : 0;
  const nDraw = Math.max(config.eval.n_samples, nScore);
  let samples: Samples | undefined;
  if (spec.generative && model.sample !== undefined && nDraw > 0) {
    started = performance.now();
    samples = await model.sample(nDraw, {
      gibbsSteps: config.eval.gibbs_steps,
      sampler: config.eval.sampler,
      annealingSteps: config.eval.annealing_steps,
      baseRateData: data.train.x,
      seed: config.seed,
    });
    metrics.sample_seconds = seconds(started);
  }
  let featureDim: number | undefined;
  let coverage: QualityScore['coverage'];
  if (samples !== undefined && nScore > 0) {
    started = performance.now();
    // The binary draws are the model's samples (probabilities are their mean-field display).
    const score = await scoreSamples(
      firstRows(samples.binary, nScore),
      { ...data, classes: data.classes },
      { cacheDir: input.cacheDir, classifierTrain: data.classifierTrain },
    );
    Object.assign(metrics, score.metrics);
    Object.assign(points, score.points);
    featureDim = score.featureDim;
    coverage = score.coverage;
    metrics.score_seconds = seconds(started);
    metrics.n_scoring_samples = Math.min(nScore, samples.binary.rows);
  }
  metrics.n_train = data.train.x.rows;
  metrics.n_validation = data.validation.x.rows;
  metrics.n_test = data.test.x.rows;

  const compareWithBaseRate = spec.generative && spec.baseline !== true;
  const warnings = runWarnings({
    metrics,
    history: input.history,
    declarations: spec.metrics,
    points,
    baseRateLogLikelihood: compareWithBaseRate
      ? await baseRateLogLikelihood(data, config.seed, input.backend)
      : undefined,
    featureDim,
    classes: data.classes.length,
  });
  const display = samples === undefined ? undefined : firstRows(samples.probabilities, config.eval.n_samples);
  return {
    metrics,
    points,
    warnings,
    coverage,
    display: display !== undefined && display.rows > 0 ? display : undefined,
  };
}
