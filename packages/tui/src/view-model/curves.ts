/**
 * Chart series of the curve screens: a run's curve, or a group's mean curve
 * with its min..max band drawn faint; with smoothing on, the EMA curve over
 * the raw one drawn faint underneath.
 */
import { emaSmooth, meanCurve } from '@rbm-lab/experiments';
import type { ChartSeries } from '../chart.js';
import type { EpochMetrics } from '../data/hooks.js';

/** The main metric first, then errors (what training minimises), then the rest alphabetically. */
export function orderCurveNames(names: string[], main?: string): string[] {
  const rank = (n: string) => (n === main ? 0 : /error/.test(n) ? 1 : 2);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Names of the per-epoch metrics any of the runs logged, in display order. */
export function curveNames(curves: readonly EpochMetrics[], main?: string): string[] {
  return orderCurveNames([...new Set(curves.flatMap((c) => Object.keys(c)))], main);
}

/** The entry `index` steps to, cycling both ways (m / M). */
export function cycled<T>(items: readonly T[], index: number): T | undefined {
  return items.length ? items[((index % items.length) + items.length) % items.length] : undefined;
}

type Points = ChartSeries['points'];

function smoothed(points: Points, weight: number): Points {
  if (weight === 0) return points;
  return emaSmooth(
    points.map((p) => ({ step: p.x, value: p.y })),
    weight,
  ).map((p) => ({ x: p.step, y: p.value }));
}

/**
 * The series of one run (one curve) or one group (several: the mean, and the
 * min and max over its runs at each epoch as a faint band).
 */
export function subjectSeries(
  label: string,
  curves: readonly EpochMetrics[],
  metric: string,
  color: string,
  smoothing: number,
): ChartSeries[] {
  if (curves.length === 1) {
    const raw = (curves[0][metric] ?? []).map((p) => ({ x: p.step, y: p.value }));
    if (smoothing === 0) return [{ label, color, points: raw }];
    return [
      { label, color, points: raw, faint: true },
      { label, color, points: smoothed(raw, smoothing) },
    ];
  }
  const mean = meanCurve(curves.map((c) => c[metric] ?? []));
  const band = (pick: 'min' | 'max'): ChartSeries => ({
    label: `${label} ${pick}`,
    color,
    faint: true,
    points: mean.map((p) => ({ x: p.step, y: p[pick] })),
  });
  const points = mean.map((p) => ({ x: p.step, y: p.mean }));
  return [band('min'), band('max'), { label, color, points: smoothed(points, smoothing) }];
}

/** What the chart title says about the curves: smoothing, and what a group's band is. */
export function curveNote(smoothing: number, grouped: boolean): string {
  const ema = smoothing > 0 ? `EMA ${smoothing}` : '';
  if (grouped) return `mean over seeds${ema ? ` (${ema})` : ''}, faint band min..max`;
  return ema ? `${ema}, raw faint` : '';
}
