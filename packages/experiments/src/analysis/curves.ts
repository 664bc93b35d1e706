/** Per-epoch curves: smoothing, the mean curve of a group of runs, the best epoch. */
import type { MetricDirection } from '../metric-direction.js';
import { type Summary, summarize } from './stats.js';

export interface CurvePoint {
  step: number;
  value: number;
}

/**
 * Exponential moving average with TensorBoard's bias correction, so the start
 * of the curve is not pulled towards 0:
 *   m_0 = 0,  m_i = w m_{i-1} + (1 - w) x_i,  smoothed_i = m_i / (1 - w^i)
 * where i counts the finite points so far. Non-finite points are kept as they
 * are and do not enter the average. weight 0 returns the curve unchanged.
 */
export function emaSmooth(points: readonly CurvePoint[], weight: number): CurvePoint[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`EMA weight must be in [0, 1), got ${weight}`);
  let m = 0;
  let i = 0;
  return points.map(({ step, value }) => {
    if (!Number.isFinite(value)) return { step, value };
    i += 1;
    m = weight * m + (1 - weight) * value;
    return { step, value: m / (1 - weight ** i) };
  });
}

export interface MeanCurvePoint extends Summary {
  step: number;
}

/**
 * The mean curve of several runs, step by step, with the spread at each step
 * (min, max, sample std, n). A step counts only the runs that logged a finite
 * value at it, so a run that stopped early does not drag the mean.
 */
export function meanCurve(curves: ReadonlyArray<readonly CurvePoint[]>): MeanCurvePoint[] {
  const byStep = new Map<number, number[]>();
  for (const curve of curves) {
    for (const { step, value } of curve) {
      const values = byStep.get(step) ?? [];
      values.push(value);
      byStep.set(step, values);
    }
  }
  const out: MeanCurvePoint[] = [];
  for (const step of [...byStep.keys()].sort((a, b) => a - b)) {
    const summary = summarize(byStep.get(step) ?? []);
    if (summary) out.push({ step, ...summary });
  }
  return out;
}

/**
 * The best point of a curve in the metric's direction (the earliest on ties);
 * undefined when the metric has no better direction or no finite point.
 */
export function bestPoint(points: readonly CurvePoint[], direction: MetricDirection): CurvePoint | undefined {
  if (direction === null) return undefined;
  let best: CurvePoint | undefined;
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    if (best === undefined || (direction === 'lower' ? p.value < best.value : p.value > best.value)) best = p;
  }
  return best;
}

/**
 * The log scale the finite values of a curve allow, or null when they have no one sign:
 * - all positive: 'log', t = log10(y);
 * - all negative (log-likelihoods): 'negative-log', t = -log10(-y), which keeps
 *   larger values higher on the axis and spreads out the values near zero.
 * A zero or both signs: null (the chart stays linear and says why).
 */
export function logScaleKind(values: readonly number[]): 'log' | 'negative-log' | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  if (finite.every((v) => v > 0)) return 'log';
  if (finite.every((v) => v < 0)) return 'negative-log';
  return null;
}

/** t = -log10(-y): the position of a negative value on a 'negative-log' axis. */
export function negativeLog(y: number): number {
  return -Math.log10(-y);
}
