import Table from 'cli-table3';
import { formatNumber } from '../format.js';
import type { RunRecord } from '../store/types.js';

export { formatNumber };

export function plainTable(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [], compact: true } });
}

export function formatValue(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** A value for a table cell, shortened so wide values (whole model sections) keep tables readable. */
export function formatCell(value: unknown, max = 48): string {
  const text = formatValue(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Index of the best of `values` (undefined entries ignored), or -1. */
export function bestIndex(values: Array<number | undefined>, lower: boolean): number {
  let best = -1;
  values.forEach((v, i) => {
    if (v === undefined || !Number.isFinite(v)) return;
    if (best === -1 || (lower ? v < values[best]! : v > values[best]!)) best = i;
  });
  return best;
}

function csvField(value: unknown): string {
  const text = formatCsvValue(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function formatCsvValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** One row per run: ids, status, swept parameters, final metrics, timing and provenance. */
/** A run's (or a planned run's) value of each swept parameter, its seed included. */
export function sweptValues(
  sweptParams: readonly string[],
  run: { seed: number; params: Readonly<Record<string, unknown>> },
): unknown[] {
  return sweptParams.map((p) => (p === 'seed' ? run.seed : run.params[p]));
}

export function runsToCsv(runs: RunRecord[], sweptParams: string[]): string {
  const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const head = [
    'run_id',
    'index',
    'status',
    'seed',
    ...sweptParams,
    ...metricNames,
    'epochs',
    'duration_ms',
    'backend',
    'git_commit',
    'started_at',
    'ended_at',
  ];
  const lines = [head.map(csvField).join(',')];
  for (const run of runs) {
    const row = [
      run.id,
      run.index,
      run.status,
      run.seed,
      ...sweptValues(sweptParams, run),
      ...metricNames.map((m) => run.metrics[m]),
      run.epoch,
      run.durationMs === null ? null : Math.round(run.durationMs),
      run.backend,
      run.gitCommit,
      run.startedAt,
      run.endedAt,
    ];
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}
