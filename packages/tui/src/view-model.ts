/**
 * Pure view models for the dashboard screens: what each table shows, in which
 * order, and what is marked. No React, no store access: inputs are the plain
 * records of the read API.
 */
import { metricDirection, type RunRecord, type RunStatus, type SweepSummary } from '@rbm-lab/experiments';
import { flattenConfig, formatDuration, formatValue } from './format.js';

// ---------------------------------------------------------------- metrics

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

// ---------------------------------------------------------------- sweeps

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

// ---------------------------------------------------------------- runs table

export type ColumnKind = 'index' | 'status' | 'param' | 'metric' | 'progress' | 'duration';

export interface Column {
  key: string;
  title: string;
  kind: ColumnKind;
  /** For metric columns: direction, used to mark the best cell. */
  lowerIsBetter: boolean | null;
  align: 'left' | 'right';
}

export interface RunRow {
  run: RunRecord;
  cells: Record<string, string>;
  sortValues: Record<string, number | string | null>;
}

export interface RunsTable {
  columns: Column[];
  rows: RunRow[];
  /** Column key -> run ids holding the best value among the shown rows. */
  best: Record<string, Set<string>>;
}

/** Column titles: last path segment, or the whole path when two params share it. */
export function paramTitles(paths: string[]): Record<string, string> {
  const last = (p: string) => p.split('.').pop() ?? p;
  const counts = new Map<string, number>();
  for (const p of paths) counts.set(last(p), (counts.get(last(p)) ?? 0) + 1);
  return Object.fromEntries(paths.map((p) => [p, (counts.get(last(p)) ?? 0) > 1 ? p : last(p)]));
}

const STATUS_ORDER: Record<RunStatus, number> = { running: 0, failed: 1, interrupted: 2, pending: 3, finished: 4 };

export function runsColumns(sweep: SweepSummary, runs: RunRecord[]): Column[] {
  const titles = paramTitles(sweep.sweptParams);
  const cols: Column[] = [{ key: 'index', title: '#', kind: 'index', lowerIsBetter: null, align: 'right' }];
  for (const path of sweep.sweptParams) {
    cols.push({ key: `param:${path}`, title: titles[path], kind: 'param', lowerIsBetter: null, align: 'right' });
  }
  for (const name of metricNames(runs, sweep.mainMetric.name)) {
    cols.push({
      key: `metric:${name}`,
      title: name,
      kind: 'metric',
      lowerIsBetter: lowerIsBetter(name, sweep.mainMetric),
      align: 'right',
    });
  }
  cols.push({ key: 'status', title: 'status', kind: 'status', lowerIsBetter: null, align: 'left' });
  cols.push({ key: 'progress', title: 'epoch', kind: 'progress', lowerIsBetter: null, align: 'right' });
  cols.push({ key: 'duration', title: 'time', kind: 'duration', lowerIsBetter: null, align: 'right' });
  return cols;
}

/** Recorded duration, or for a running run the time since it started. */
export function runDurationMs(run: RunRecord, now: number): number | null {
  if (run.durationMs !== null) return run.durationMs;
  if (run.status === 'running' && run.startedAt) return Math.max(0, now - Date.parse(run.startedAt));
  return null;
}

function cellOf(run: RunRecord, col: Column, now: number): { text: string; sort: number | string | null } {
  switch (col.kind) {
    case 'index':
      return { text: String(run.index + 1), sort: run.index };
    case 'status':
      return { text: run.status, sort: STATUS_ORDER[run.status] ?? 9 };
    case 'param': {
      const v = run.params[col.key.slice('param:'.length)];
      return { text: formatValue(v), sort: typeof v === 'number' ? v : v === undefined ? null : formatValue(v) };
    }
    case 'metric': {
      const v = run.metrics[col.key.slice('metric:'.length)];
      return typeof v === 'number' ? { text: formatValue(v), sort: v } : { text: '-', sort: null };
    }
    case 'progress':
      return { text: `${run.epoch}/${run.epochs}`, sort: run.epochs > 0 ? run.epoch / run.epochs : 0 };
    case 'duration': {
      const ms = runDurationMs(run, now);
      return { text: formatDuration(ms) + (run.status === 'running' && ms !== null ? '…' : ''), sort: ms };
    }
  }
}

export interface RunsQuery {
  sortKey: string;
  descending: boolean;
  filter: string;
}

/** Case-insensitive: every whitespace-separated term must appear in some cell or the run id. */
export function matchesFilter(row: RunRow, filter: string): boolean {
  const terms = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const haystack = [row.run.id, ...Object.entries(row.cells).map(([k, v]) => `${k.split(':').pop()}=${v} ${v}`)]
    .join(' ')
    .toLowerCase();
  return terms.every((t) => haystack.includes(t));
}

function compareSortValues(a: number | string | null, b: number | string | null): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export function runsTable(
  sweep: SweepSummary,
  runs: RunRecord[],
  query: RunsQuery,
  now: number = Date.now(),
): RunsTable {
  const columns = runsColumns(sweep, runs);
  let rows: RunRow[] = runs.map((run) => {
    const cells: Record<string, string> = {};
    const sortValues: Record<string, number | string | null> = {};
    for (const col of columns) {
      const c = cellOf(run, col, now);
      cells[col.key] = c.text;
      sortValues[col.key] = c.sort;
    }
    return { run, cells, sortValues };
  });
  rows = rows.filter((r) => matchesFilter(r, query.filter));
  const key = columns.some((c) => c.key === query.sortKey) ? query.sortKey : 'index';
  rows.sort((a, b) => {
    const va = a.sortValues[key];
    const vb = b.sortValues[key];
    // Missing values (unfinished runs) stay at the bottom in both directions.
    if (va === null && vb === null) return a.run.index - b.run.index;
    if (va === null) return 1;
    if (vb === null) return -1;
    const c = compareSortValues(va, vb);
    return (query.descending ? -c : c) || a.run.index - b.run.index;
  });
  const best: Record<string, Set<string>> = {};
  for (const col of columns) {
    if (col.kind !== 'metric') continue;
    const values = rows.map((r) => r.sortValues[col.key] as number | null);
    best[col.key] = new Set(bestIndices(values, col.lowerIsBetter).map((i) => rows[i].run.id));
  }
  return { columns, rows, best };
}

// ---------------------------------------------------------------- compare

export interface CompareParamRow {
  path: string;
  values: string[];
  differs: boolean;
}

export interface CompareMetricRow {
  name: string;
  values: Array<number | null>;
  best: number[];
  lowerIsBetter: boolean | null;
}

export interface CompareModel {
  runs: RunRecord[];
  params: CompareParamRow[];
  metrics: CompareMetricRow[];
}

/**
 * Side-by-side model of 2-4 runs: every resolved config leaf plus the seed,
 * rows that differ first (they are why one compares), then the shared ones.
 */
export function compareModel(runs: RunRecord[], main?: SweepSummary['mainMetric']): CompareModel {
  const perRun = runs.map((run) => {
    const m = new Map(flattenConfig(run.config));
    for (const [k, v] of Object.entries(run.params)) if (!m.has(k)) m.set(k, v);
    m.set('seed', run.seed);
    return m;
  });
  const paths: string[] = [];
  for (const m of perRun) for (const k of m.keys()) if (!paths.includes(k)) paths.push(k);
  const params = paths.map((path) => {
    const values = perRun.map((m) => (m.has(path) ? formatValue(m.get(path)) : '-'));
    return { path, values, differs: new Set(values).size > 1 };
  });
  params.sort((a, b) => Number(b.differs) - Number(a.differs));
  const metrics = metricNames(runs, main?.name).map((name) => {
    const values = runs.map((r) => (typeof r.metrics[name] === 'number' ? r.metrics[name] : null));
    const lower = lowerIsBetter(name, main);
    return { name, values, best: bestIndices(values, lower), lowerIsBetter: lower };
  });
  return { runs, params, metrics };
}

// ---------------------------------------------------------------- heatmap

export interface HeatmapModel {
  rowParam: string;
  colParam: string;
  metric: string;
  lowerIsBetter: boolean | null;
  rowValues: unknown[];
  colValues: unknown[];
  /** Mean over finished runs at each grid point (seeds, other params); null if none finished. */
  cells: Array<Array<number | null>>;
  counts: number[][];
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

export function heatmapModel(
  runs: RunRecord[],
  rowParam: string,
  colParam: string,
  metric: string,
  main?: SweepSummary['mainMetric'],
): HeatmapModel {
  const rowValues = orderedValues(runs.map((r) => r.params[rowParam]));
  const colValues = orderedValues(runs.map((r) => r.params[colParam]));
  const rowIndex = new Map(rowValues.map((v, i) => [JSON.stringify(v), i]));
  const colIndex = new Map(colValues.map((v, i) => [JSON.stringify(v), i]));
  const sums = rowValues.map(() => colValues.map(() => 0));
  const counts = rowValues.map(() => colValues.map(() => 0));
  for (const run of runs) {
    const value = run.metrics[metric];
    if (run.status !== 'finished' || typeof value !== 'number' || !Number.isFinite(value)) continue;
    const r = rowIndex.get(JSON.stringify(run.params[rowParam]));
    const c = colIndex.get(JSON.stringify(run.params[colParam]));
    if (r === undefined || c === undefined) continue;
    sums[r][c] += value;
    counts[r][c] += 1;
  }
  const cells = sums.map((row, r) => row.map((s, c) => (counts[r][c] > 0 ? s / counts[r][c] : null)));
  const flat = cells.flat().filter((v): v is number => v !== null);
  const lower = lowerIsBetter(metric, main);
  let best: HeatmapModel['best'] = null;
  const bestFlat = bestIndices(cells.flat(), lower);
  if (bestFlat.length > 0)
    best = { row: Math.floor(bestFlat[0] / colValues.length), col: bestFlat[0] % colValues.length };
  return {
    rowParam,
    colParam,
    metric,
    lowerIsBetter: lower,
    rowValues,
    colValues,
    cells,
    counts,
    min: flat.length ? Math.min(...flat) : null,
    max: flat.length ? Math.max(...flat) : null,
    best,
  };
}

/** All unordered pairs of swept params, for cycling the heatmap axes. */
export function paramPairs(params: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < params.length; i++) for (let j = i + 1; j < params.length; j++) out.push([params[i], params[j]]);
  return out;
}
