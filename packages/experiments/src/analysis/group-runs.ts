/**
 * Grouping runs over seeds: runs of one sweep that differ only by the repeat
 * seed (the swept parameter `seed`, from `sweep.seeds`) are one group, whose
 * metrics are summarised as mean, sample standard deviation and n.
 */
import { canonicalJson } from '../config/grid.js';
import type { RunRecord, RunStatus } from '../store/types.js';
import { type Summary, summarize } from './stats.js';

/** The swept parameter that holds the repeat seed (see `sweptParams` in config/grid.ts). */
export const SEED_PARAM = 'seed';

/** What grouping reads of a run: the store's records, and the report's runs with their curves, both have it. */
export type GroupableRun = Pick<RunRecord, 'id' | 'index' | 'status' | 'params' | 'metrics'>;

export interface RunGroup<R extends GroupableRun = RunRecord> {
  /** Stable key: the canonical JSON of the group's parameters. */
  key: string;
  /** The swept parameters the runs share (every swept parameter but the seed). */
  params: Record<string, unknown>;
  /** Every run of the group, by grid index. */
  runs: R[];
  /** Runs per status; failed and unfinished runs are counted here, never in the metric summaries. */
  counts: Record<RunStatus, number>;
  /** Per final metric, the summary over the group's finished runs that have a finite value. */
  metrics: Record<string, Summary>;
}

function emptyCounts(): Record<RunStatus, number> {
  return { pending: 0, running: 0, finished: 0, failed: 0, interrupted: 0 };
}

/** The parameters that identify a run's group: every swept parameter except the seed. */
export function groupParams(run: GroupableRun, sweptParams: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const path of sweptParams) if (path !== SEED_PARAM) params[path] = run.params[path];
  return params;
}

/**
 * The swept parameters, those that take more than one value among `runs` first (in their order), then the rest.
 * Heatmaps start on the first two: a study's baseline runs add `model.type` to the swept parameters, but among the
 * runs reporting a model's metric it does not vary, so the study's own grid comes first.
 */
export function varyingParamsFirst(runs: readonly Pick<GroupableRun, 'params'>[], params: readonly string[]): string[] {
  const varies = (param: string) => new Set(runs.map((run) => canonicalJson(run.params[param] ?? null))).size > 1;
  return [...params.filter(varies), ...params.filter((param) => !varies(param))];
}

/** Which number of a run stands for a metric; by default its final value. */
export type MetricValueFn<R extends GroupableRun> = (run: R, metric: string) => number | undefined;

export interface GroupOptions<R extends GroupableRun> {
  /** The value summarised per run and metric (e.g. the best epoch's value instead of the final one). */
  metricValue?: MetricValueFn<R>;
  /** Metrics to summarise; by default every final metric of the finished runs. */
  metrics?: readonly string[];
}

/**
 * Groups runs that differ only by seed, in the order of each group's first run.
 * With no swept seed every group holds one run (n = 1, std undefined).
 */
export function groupRuns<R extends GroupableRun>(
  runs: readonly R[],
  sweptParams: readonly string[],
  options: GroupOptions<R> = {},
): RunGroup<R>[] {
  const byKey = new Map<string, { params: Record<string, unknown>; runs: R[] }>();
  for (const run of [...runs].sort((a, b) => a.index - b.index)) {
    const params = groupParams(run, sweptParams);
    // Without a seed axis, two runs with equal params are still distinct runs.
    const key = sweptParams.includes(SEED_PARAM) ? canonicalJson(params) : canonicalJson({ ...params, run: run.id });
    const entry = byKey.get(key) ?? { params, runs: [] };
    entry.runs.push(run);
    byKey.set(key, entry);
  }
  return [...byKey].map(([key, { params, runs: members }]) => ({
    key,
    params,
    runs: members,
    counts: countStatuses(members),
    metrics: summarizeMetrics(
      members.filter((r) => r.status === 'finished'),
      options,
    ),
  }));
}

export function countStatuses(runs: readonly Pick<RunRecord, 'status'>[]): Record<RunStatus, number> {
  const counts = emptyCounts();
  for (const run of runs) counts[run.status] += 1;
  return counts;
}

const finalValue = (run: GroupableRun, metric: string): number | undefined => run.metrics[metric];

/** Summary of each metric over the given runs (a run without a finite value does not count). */
export function summarizeMetrics<R extends GroupableRun>(
  runs: readonly R[],
  { metricValue = finalValue, metrics }: GroupOptions<R> = {},
): Record<string, Summary> {
  const names = metrics ?? [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const out: Record<string, Summary> = {};
  for (const name of names) {
    const summary = summarize(runs.map((r) => metricValue(r, name)));
    if (summary) out[name] = summary;
  }
  return out;
}
