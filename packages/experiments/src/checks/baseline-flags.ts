import { listModelSpecs, type ModelSpec } from '@rbm-lab/core';
import { canonicalJson } from '../config/grid.js';
import { runLogLikelihood } from './run-warnings.js';

/** What baselineFlags needs of a run (a RunRecord fits). */
export interface FlaggableRun {
  id: string;
  status: string;
  config: unknown;
  metrics: Record<string, number>;
}

export interface BaselineComparison {
  /** The baseline run compared against (same dataset section). */
  runId: string;
  modelType: string;
  metric: string;
  value: number;
  /** The run's log-likelihood is below this baseline's. */
  below: boolean;
}

export interface BaselineFlag {
  runId: string;
  modelType: string;
  /** The run's test log-likelihood metric (exact, AIS estimate or bound) and its value. */
  metric: string;
  value: number;
  baselines: BaselineComparison[];
  /** Below at least one baseline. */
  belowAny: boolean;
  /** Below the base-rate (independent pixels) baseline: the warning every view should show. */
  belowBaseRate: boolean;
}

interface RunConfigLike {
  model?: { type?: unknown };
  dataset?: unknown;
}

const configOf = (run: FlaggableRun): RunConfigLike =>
  typeof run.config === 'object' && run.config !== null ? (run.config as RunConfigLike) : {};

interface ScoredRun {
  run: FlaggableRun;
  spec: ModelSpec;
  /** The run's test log-likelihood (exact, estimate or bound; see runLogLikelihood). */
  own: { name: string; value: number };
}

/** The finished runs of a registered type that recorded a test log-likelihood, with their spec. */
function scoredRuns(runs: readonly FlaggableRun[], specs: readonly ModelSpec[]): ScoredRun[] {
  const scored: ScoredRun[] = [];
  for (const run of runs) {
    const spec = specs.find((candidate) => candidate.type === configOf(run).model?.type);
    if (run.status !== 'finished' || spec === undefined) continue;
    const own = runLogLikelihood(run.metrics, spec.metrics);
    if (own !== undefined) scored.push({ run, spec, own });
  }
  return scored;
}

/** Each finished baseline run's own test log-likelihood (exact), by run id. */
export function baselineLogLikelihoods(
  runs: readonly FlaggableRun[],
  specs: readonly ModelSpec[] = listModelSpecs(),
): Map<string, number> {
  const baselines = scoredRuns(runs, specs).filter(({ spec }) => spec.baseline === true);
  return new Map(baselines.map(({ run, own }) => [run.id, own.value]));
}

/**
 * For each finished non-baseline run with a test log-likelihood: how it
 * compares with the finished baseline runs of the same sweep trained on the
 * same data (identical dataset section, hence identical splits). Pure; the
 * CLI's compare and list, reports and the dashboard flag `belowBaseRate` / `belowAny`.
 */
export function baselineFlags(
  runs: readonly FlaggableRun[],
  specs: readonly ModelSpec[] = listModelSpecs(),
): BaselineFlag[] {
  const dataKey = (run: FlaggableRun): string => canonicalJson(configOf(run).dataset ?? null);
  const scored = scoredRuns(runs, specs);
  const baselinesByData = new Map<string, BaselineComparison[]>();
  for (const { run, spec, own } of scored) {
    if (spec.baseline !== true) continue;
    const list = baselinesByData.get(dataKey(run)) ?? [];
    list.push({ runId: run.id, modelType: spec.type, metric: own.name, value: own.value, below: false });
    baselinesByData.set(dataKey(run), list);
  }
  const flags: BaselineFlag[] = [];
  for (const { run, spec, own } of scored) {
    const references = baselinesByData.get(dataKey(run));
    if (spec.baseline === true || references === undefined) continue;
    const baselines = references.map((b) => ({ ...b, below: own.value < b.value }));
    flags.push({
      runId: run.id,
      modelType: spec.type,
      metric: own.name,
      value: own.value,
      baselines,
      belowAny: baselines.some((b) => b.below),
      belowBaseRate: baselines.some((b) => b.below && b.modelType === 'base_rate'),
    });
  }
  return flags;
}
