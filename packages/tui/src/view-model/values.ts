/** The number a metric cell shows for a run: its final value, or the best epoch of its per-epoch curve. */
import { bestPoint, metricDirection, type RunRecord, type SweepSummary } from '@rbm-lab/experiments';
import type { EpochMetrics } from '../data/hooks.js';
import type { ValueMode } from '../state/types.js';
import { metricNames } from './metrics.js';

export interface MetricValue {
  value: number;
  /** The epoch of a best-epoch value; absent for a final value. */
  step?: number;
}

export type Curves = ReadonlyMap<string, EpochMetrics> | null | undefined;

/**
 * In `best` mode, a metric logged per epoch shows its best epoch (in the
 * metric's direction) so far, with the epoch; a metric with no curve or no
 * direction shows its final value, as in `final` mode.
 */
export function metricValue(
  run: RunRecord,
  name: string,
  mode: ValueMode,
  curves: Curves,
  main?: SweepSummary['mainMetric'],
): MetricValue | undefined {
  if (mode === 'best') {
    const curve = curves?.get(run.id)?.[name];
    const best = curve ? bestPoint(curve, metricDirection(name, main)) : undefined;
    if (best) return { value: best.value, step: best.step };
  }
  const value = run.metrics[name];
  return typeof value === 'number' ? { value } : undefined;
}

/** Metric columns: the final metrics, plus in `best` mode the per-epoch metrics that have a direction. */
export function metricColumnNames(
  runs: RunRecord[],
  main: SweepSummary['mainMetric'],
  mode: ValueMode,
  curves: Curves,
): string[] {
  const names = metricNames(runs, main.name);
  if (mode !== 'best' || !curves) return names;
  const logged = new Set<string>();
  for (const byName of curves.values()) for (const name of Object.keys(byName)) logged.add(name);
  const extra = [...logged].filter((n) => !names.includes(n) && metricDirection(n, main) !== null).sort();
  return [...names, ...extra];
}
