/** Metric names, directions and best values, as every screen marks them. */
import { metricDirection, type RunRecord, type SweepSummary } from '@rbm-lab/experiments';

/**
 * Whether lower values of a metric are better, true/false, or null when it has
 * no better direction (then nothing is marked best). One rule for the CLI and
 * the dashboard: metricDirection in @rbm-lab/experiments.
 */
export function lowerIsBetter(name: string, main?: SweepSummary['mainMetric']): boolean | null {
  const direction = metricDirection(name, main);
  return direction === null ? null : direction === 'lower';
}

/** Indices holding the best value (all of them on ties); empty if direction unknown or no values. */
export function bestIndices(values: Array<number | null | undefined>, lower: boolean | null): number[] {
  if (lower === null) return [];
  let best: number | null = null;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (best === null || (lower ? v < best : v > best)) best = v;
  }
  if (best === null) return [];
  const out: number[] = [];
  values.forEach((v, i) => {
    if (v === best) out.push(i);
  });
  return out;
}

/** Metric names present in any run's final metrics: the main metric first, then alphabetical. */
export function metricNames(runs: RunRecord[], mainMetric?: string): string[] {
  const names = new Set<string>();
  for (const run of runs) for (const name of Object.keys(run.metrics)) names.add(name);
  const sorted = [...names].sort();
  if (mainMetric) {
    const i = sorted.indexOf(mainMetric);
    if (i > 0) {
      sorted.splice(i, 1);
      sorted.unshift(mainMetric);
    } else if (i < 0) {
      sorted.unshift(mainMetric);
    }
  }
  return sorted;
}

/** Column titles: last path segment, or the whole path when two params share it. */
export function paramTitles(paths: string[]): Record<string, string> {
  const last = (p: string) => p.split('.').pop() ?? p;
  const counts = new Map<string, number>();
  for (const p of paths) counts.set(last(p), (counts.get(last(p)) ?? 0) + 1);
  return Object.fromEntries(paths.map((p) => [p, (counts.get(last(p)) ?? 0) > 1 ? p : last(p)]));
}
