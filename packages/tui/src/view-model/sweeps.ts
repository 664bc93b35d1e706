/** The sweeps list: most recently updated first. */
import type { SweepSummary } from '@rbm-lab/experiments';
import { formatValue } from '../format.js';

export interface SweepRow {
  sweep: SweepSummary;
  name: string;
  finished: string;
  running: number;
  failed: number;
  best: string;
  updated: string;
}

export function sweepRows(sweeps: SweepSummary[]): SweepRow[] {
  return [...sweeps]
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .map((sweep) => ({
      sweep,
      name: sweep.name,
      finished: `${sweep.counts.finished}/${sweep.totalRuns}`,
      running: sweep.counts.running,
      failed: sweep.counts.failed,
      best: sweep.best ? `${sweep.mainMetric.name} ${formatValue(sweep.best.value)}` : '-',
      updated: sweep.updatedAt.replace('T', ' ').slice(0, 19),
    }));
}
