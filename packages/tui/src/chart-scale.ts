/** The y axis of a chart: linear, or logarithmic where the values allow it. */

export interface AxisScale {
  kind: 'linear' | 'log' | 'negative-log';
  /** Value -> position on the axis. */
  forward: (y: number) => number;
  /** Position on the axis -> value (for the axis labels). */
  inverse: (t: number) => number;
}

export const LINEAR: AxisScale = { kind: 'linear', forward: (y) => y, inverse: (t) => t };

/**
 * A log scale for the finite values, or null when they have no one sign:
 * - all positive: t = log10(y);
 * - all negative (log-likelihoods): t = -log10(-y), which keeps larger values
 *   higher on the axis and spreads out the values near zero.
 * A zero or both signs: null (the chart stays linear and says why).
 */
export function logAxis(values: readonly number[]): AxisScale | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  if (finite.every((v) => v > 0)) return { kind: 'log', forward: Math.log10, inverse: (t) => 10 ** t };
  if (finite.every((v) => v < 0))
    return { kind: 'negative-log', forward: (y) => -Math.log10(-y), inverse: (t) => -(10 ** -t) };
  return null;
}
