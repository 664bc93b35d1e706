/**
 * A metric over two swept parameters: each cell summarises the finished runs
 * at that grid point (over seeds and the other swept parameters): mean, sample
 * std and n, with failed and unfinished runs counted apart.
 */
import { type RunRecord, type Summary, type SweepSummary, summarize } from '@rbm-lab/experiments';
import { bestIndices, lowerIsBetter } from './metrics.js';

export interface HeatmapCell {
  /** Over the finished runs with a finite value; undefined if none. */
  summary: Summary | undefined;
  failed: number;
  /** Pending or running. */
  unfinished: number;
}

export interface HeatmapModel {
  rowParam: string;
  colParam: string;
  metric: string;
  lowerIsBetter: boolean | null;
  rowValues: unknown[];
  colValues: unknown[];
  /** Mean over finished runs at each grid point (seeds, other params); null if none finished. */
  cells: Array<Array<number | null>>;
  /** How many finished runs each mean is over. */
  counts: number[][];
  stats: HeatmapCell[][];
  min: number | null;
  max: number | null;
  best: { row: number; col: number } | null;
}

function orderedValues(values: unknown[]): unknown[] {
  const unique: unknown[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    const key = JSON.stringify(v);
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(v);
    }
  }
  if (unique.every((v) => typeof v === 'number')) (unique as number[]).sort((a, b) => a - b);
  return unique;
}

/** `valueFor` picks the number of a run (by default its final value of `metric`). */
export function heatmapModel(
  runs: RunRecord[],
  rowParam: string,
  colParam: string,
  metric: string,
  main?: SweepSummary['mainMetric'],
  valueFor: (run: RunRecord) => number | undefined = (run) => run.metrics[metric],
): HeatmapModel {
  // A cell needs both coordinates: a run without a value for an axis (a baseline has no hidden units) has none.
  const placed = runs.filter((run) => run.params[rowParam] !== undefined && run.params[colParam] !== undefined);
  const rowValues = orderedValues(placed.map((r) => r.params[rowParam]));
  const colValues = orderedValues(placed.map((r) => r.params[colParam]));
  const rowIndex = new Map(rowValues.map((v, i) => [JSON.stringify(v), i]));
  const colIndex = new Map(colValues.map((v, i) => [JSON.stringify(v), i]));
  const members = rowValues.map(() => colValues.map(() => [] as RunRecord[]));
  for (const run of placed) {
    const r = rowIndex.get(JSON.stringify(run.params[rowParam]));
    const c = colIndex.get(JSON.stringify(run.params[colParam]));
    if (r !== undefined && c !== undefined) members[r][c].push(run);
  }
  const stats = members.map((row) =>
    row.map((cell) => ({
      summary: summarize(cell.filter((r) => r.status === 'finished').map(valueFor)),
      failed: cell.filter((r) => r.status === 'failed' || r.status === 'interrupted').length,
      unfinished: cell.filter((r) => r.status === 'pending' || r.status === 'running').length,
    })),
  );
  const cells = stats.map((row) => row.map((s) => s.summary?.mean ?? null));
  const flat = cells.flat().filter((v): v is number => v !== null);
  const lower = lowerIsBetter(metric, main);
  const bestFlat = bestIndices(cells.flat(), lower);
  return {
    rowParam,
    colParam,
    metric,
    lowerIsBetter: lower,
    rowValues,
    colValues,
    cells,
    counts: stats.map((row) => row.map((s) => s.summary?.n ?? 0)),
    stats,
    min: flat.length ? Math.min(...flat) : null,
    max: flat.length ? Math.max(...flat) : null,
    best:
      bestFlat.length > 0
        ? { row: Math.floor(bestFlat[0] / colValues.length), col: bestFlat[0] % colValues.length }
        : null,
  };
}

/** All unordered pairs of swept params, for cycling the heatmap axes. */
export function paramPairs(params: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < params.length; i++) for (let j = i + 1; j < params.length; j++) out.push([params[i], params[j]]);
  return out;
}
