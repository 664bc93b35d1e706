/** The y axis of a chart: linear, or logarithmic where the values allow it. */
import { logScaleKind, negativeLog } from '@rbm-lab/experiments';

export interface AxisScale {
  kind: 'linear' | 'log' | 'negative-log';
  /** Value -> position on the axis. */
  forward: (y: number) => number;
  /** Position on the axis -> value (for the axis labels). */
  inverse: (t: number) => number;
}

export const LINEAR: AxisScale = { kind: 'linear', forward: (y) => y, inverse: (t) => t };

/** The rule that picks the log axis is shared with the reports (curves.ts of @rbm-lab/experiments). */
export function logAxis(values: readonly number[]): AxisScale | null {
  const kind = logScaleKind(values);
  if (kind === 'log') return { kind, forward: Math.log10, inverse: (t) => 10 ** t };
  if (kind === 'negative-log') return { kind, forward: negativeLog, inverse: (t) => -(10 ** -t) };
  return null;
}
