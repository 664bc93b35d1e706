/**
 * The runs table: which columns exist and which are shown, one row per run or
 * per group of runs that differ only by seed, the filter, the sort and the
 * best cell of each metric column. Pure: inputs are the records of the read API.
 */
import {
  compileFilter,
  countStatuses,
  type FilterError,
  formatGroupMetric,
  formatGroupProgress,
  formatNumber,
  formatStatusCounts,
  formatTags,
  groupProgress,
  groupRuns,
  headlineMetrics,
  type RunGroup,
  type RunRecord,
  type RunStatus,
  SEED_PARAM,
  type SweepSummary,
  summarize,
} from '@rbm-lab/experiments';
import { formatDuration, formatValue } from '../format.js';
import type { ValueMode } from '../state/types.js';
import { bestIndices, lowerIsBetter, paramTitles } from './metrics.js';
import { type Curves, metricColumnNames, metricValue } from './values.js';

export type ColumnKind = 'index' | 'param' | 'count' | 'metric' | 'status' | 'progress' | 'duration' | 'tags';

export interface Column {
  key: string;
  title: string;
  kind: ColumnKind;
  /** For metric columns: direction, used to mark the best cell. */
  lowerIsBetter: boolean | null;
  align: 'left' | 'right';
}

export interface TableRow {
  /** A run id, or `group:` and the group's key. */
  key: string;
  runs: RunRecord[];
  /** The run's status, or the group's most pressing one (for colour). */
  status: RunStatus;
  cells: Record<string, string>;
  /** Cells drawn faint: a final value shown in best-epoch mode. */
  faint: ReadonlySet<string>;
  sortValues: Record<string, number | string | null>;
}

export interface RunsTable {
  /** Every column the chooser offers, in table order (the index and n columns are always shown). */
  choosable: Column[];
  /** The chooser's defaults: swept parameters, headline metrics, status, epoch, time. */
  defaults: string[];
  /** The shown columns, in order. */
  columns: Column[];
  /** How many leading shown columns stay put when the others scroll (the index, the parameters, n). */
  frozen: number;
  rows: TableRow[];
  /** Column key -> row keys holding the best value among the shown rows. */
  best: Record<string, Set<string>>;
  /** Why the filter cannot be used (then every run is shown). */
  filterError: FilterError | null;
  shownRuns: number;
  totalRuns: number;
}

export interface RunsQuery {
  sortKey: string;
  descending: boolean;
  filter: string;
}

export interface RunsTableOptions extends RunsQuery {
  grouped?: boolean;
  values?: ValueMode;
  /** Per-epoch curves by run id, for best-epoch values. */
  curves?: Curves;
  /** Visible column keys; undefined shows the defaults. */
  visible?: readonly string[];
  now?: number;
}

const STATUS_ORDER: Record<RunStatus, number> = { running: 0, failed: 1, interrupted: 2, pending: 3, finished: 4 };

function column(key: string, title: string, kind: ColumnKind, align: 'left' | 'right' = 'right'): Column {
  return { key, title, kind, lowerIsBetter: null, align };
}

/** The columns a sweep's table can show; the seed is no column of a grouped table. */
export function choosableColumns(sweep: SweepSummary, metrics: string[], grouped: boolean): Column[] {
  const params = sweep.sweptParams.filter((p) => !(grouped && p === SEED_PARAM));
  const titles = paramTitles(params);
  return [
    ...params.map((p) => column(`param:${p}`, titles[p], 'param')),
    ...metrics.map((name) => ({
      ...column(`metric:${name}`, name, 'metric'),
      lowerIsBetter: lowerIsBetter(name, sweep.mainMetric),
    })),
    column('status', 'status', 'status', 'left'),
    column('progress', grouped ? 'progress' : 'epoch', 'progress'),
    column('duration', 'time', 'duration'),
    column('tags', 'tags', 'tags', 'left'),
  ];
}

/** Swept parameters, headline metrics, status, progress and time; the tags once some run has a tag or a note. */
export function defaultColumnKeys(sweep: SweepSummary, choosable: Column[], annotated = false): string[] {
  const metrics = choosable.filter((c) => c.kind === 'metric').map((c) => c.title);
  const headline = new Set(headlineMetrics(metrics, sweep.mainMetric).map((m) => `metric:${m}`));
  return choosable
    .filter((c) => (c.kind !== 'metric' || headline.has(c.key)) && (c.kind !== 'tags' || annotated))
    .map((c) => c.key);
}

/** Recorded duration, or for a running run the time since it started. */
export function runDurationMs(run: RunRecord, now: number): number | null {
  if (run.durationMs !== null) return run.durationMs;
  if (run.status === 'running' && run.startedAt) return Math.max(0, now - Date.parse(run.startedAt));
  return null;
}

interface CellContext {
  sweep: SweepSummary;
  values: ValueMode;
  curves: Curves;
  now: number;
}

/** The status that matters most in a group: failures first, then work in progress. */
function groupStatus(counts: Record<RunStatus, number>): RunStatus {
  const order: RunStatus[] = ['failed', 'interrupted', 'running', 'pending'];
  return order.find((s) => counts[s] > 0) ?? 'finished';
}

function metricCellOfRun(run: RunRecord, name: string, ctx: CellContext): Cell {
  const v = metricValue(run, name, ctx.values, ctx.curves, ctx.sweep.mainMetric);
  if (v === undefined) return { text: '-', sort: null, faint: false };
  const epoch = v.step === undefined ? '' : ` @${v.step}`;
  return { text: formatNumber(v.value) + epoch, sort: v.value, faint: ctx.values === 'best' && v.step === undefined };
}

interface Cell {
  text: string;
  sort: number | string | null;
  faint?: boolean;
}

/** A row from a cell function: one call per shown column, with the column's id (param path, metric name). */
function buildRow(
  base: Pick<TableRow, 'key' | 'runs' | 'status'>,
  columns: Column[],
  cellOf: (col: Column, id: string) => Cell,
): TableRow {
  const cells: Record<string, string> = {};
  const sortValues: Record<string, number | string | null> = {};
  const faint = new Set<string>();
  for (const col of columns) {
    const cell = cellOf(col, col.key.slice(col.key.indexOf(':') + 1));
    cells[col.key] = cell.text;
    sortValues[col.key] = cell.sort;
    if (cell.faint) faint.add(col.key);
  }
  return { ...base, cells, faint, sortValues };
}

function runRow(run: RunRecord, columns: Column[], ctx: CellContext): TableRow {
  return buildRow({ key: run.id, runs: [run], status: run.status }, columns, (col, id): Cell => {
    switch (col.kind) {
      case 'index':
      case 'count':
        return { text: String(run.index + 1), sort: run.index };
      case 'status':
        // '!' marks stored warnings (below the base rate, mode collapse, ...): the run's detail lists them.
        return { text: run.warnings.length > 0 ? `${run.status} !` : run.status, sort: STATUS_ORDER[run.status] };
      case 'param': {
        const v = id === SEED_PARAM && !(id in run.params) ? run.seed : run.params[id];
        return { text: formatValue(v), sort: typeof v === 'number' ? v : v === undefined ? null : formatValue(v) };
      }
      case 'metric':
        return metricCellOfRun(run, id, ctx);
      case 'progress':
        return { text: `${run.epoch}/${run.epochs}`, sort: run.epochs > 0 ? run.epoch / run.epochs : 0 };
      case 'duration': {
        const ms = runDurationMs(run, ctx.now);
        return { text: formatDuration(ms) + (run.status === 'running' && ms !== null ? '…' : ''), sort: ms };
      }
      case 'tags':
        return tagsCell([run]);
    }
  });
}

function tagsCell(runs: RunRecord[]): Cell {
  const text = formatTags(runs);
  return { text, sort: text === '' ? null : text };
}

/** mean±std over the group's finished runs; n when fewer runs than the group's n have the value. */
function metricCellOfGroup(group: RunGroup, name: string, ctx: CellContext): Cell {
  const finished = group.runs.filter((r) => r.status === 'finished');
  const values = finished.map((r) => metricValue(r, name, ctx.values, ctx.curves, ctx.sweep.mainMetric));
  const summary = summarize(values.map((v) => v?.value));
  if (summary === undefined) return { text: '-', sort: null, faint: false };
  const faint = ctx.values === 'best' && values.every((v) => v?.step === undefined);
  return { text: formatGroupMetric(summary, finished.length), sort: summary.mean, faint };
}

function groupRow(group: RunGroup, number: number, columns: Column[], ctx: CellContext): TableRow {
  const counts = countStatuses(group.runs);
  const base = { key: `group:${group.key}`, runs: group.runs, status: groupStatus(counts) };
  return buildRow(base, columns, (col, id): Cell => {
    switch (col.kind) {
      case 'index':
        return { text: String(number), sort: number };
      case 'count':
        return { text: String(counts.finished), sort: counts.finished };
      case 'status':
        return { text: formatStatusCounts(counts), sort: STATUS_ORDER[base.status] };
      case 'param': {
        const v = group.params[id];
        return { text: formatValue(v), sort: typeof v === 'number' ? v : formatValue(v) };
      }
      case 'metric':
        return metricCellOfGroup(group, id, ctx);
      case 'progress': {
        // Finished runs of the group, and the mean epoch of its running ones: epochs are per run, not summed.
        const progress = groupProgress(group.runs);
        return { text: formatGroupProgress(progress), sort: progress.fraction };
      }
      case 'duration': {
        const mean = summarize(group.runs.map((r) => runDurationMs(r, ctx.now)))?.mean ?? null;
        return { text: formatDuration(mean), sort: mean };
      }
      case 'tags':
        return tagsCell(group.runs);
    }
  });
}

function compareSortValues(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

function sortRows(rows: TableRow[], key: string, descending: boolean): void {
  const first = (r: TableRow) => r.runs[0]?.index ?? 0;
  rows.sort((a, b) => {
    const va = a.sortValues[key];
    const vb = b.sortValues[key];
    // Missing values (unfinished runs) stay at the bottom in both directions.
    if (va === null && vb === null) return first(a) - first(b);
    if (va === null) return 1;
    if (vb === null) return -1;
    const c = compareSortValues(va, vb);
    return (descending ? -c : c) || first(a) - first(b);
  });
}

function shownColumns(
  choosable: Column[],
  defaults: string[],
  visible: readonly string[] | undefined,
  grouped: boolean,
) {
  const wanted = new Set(visible ?? defaults);
  const chosen = choosable.filter((c) => wanted.has(c.key));
  const params = chosen.filter((c) => c.kind === 'param');
  const columns = [
    column('index', '#', 'index'),
    ...params,
    ...(grouped ? [column('count', 'n', 'count')] : []),
    ...chosen.filter((c) => c.kind !== 'param'),
  ];
  return { columns, frozen: 1 + params.length + (grouped ? 1 : 0) };
}

export function runsTable(sweep: SweepSummary, runs: RunRecord[], options: RunsTableOptions): RunsTable {
  const { grouped = false, values = 'final', curves, now = Date.now() } = options;
  const metrics = metricColumnNames(runs, sweep.mainMetric, values, curves);
  const choosable = choosableColumns(sweep, metrics, grouped);
  const annotated = runs.some((r) => r.tags.length > 0 || (r.note ?? '') !== '');
  const defaults = defaultColumnKeys(sweep, choosable, annotated);
  const { columns, frozen } = shownColumns(choosable, defaults, options.visible, grouped);
  const compiled = compileFilter(options.filter, { sweptParams: sweep.sweptParams, metrics });
  const kept = compiled.ok ? runs.filter((r) => compiled.value(r)) : runs;
  const ctx: CellContext = { sweep, values, curves, now };
  let rows: TableRow[];
  if (grouped) {
    // Group numbers come from the whole sweep, so a filter does not renumber them.
    const numbers = new Map(groupRuns(runs, sweep.sweptParams).map((g, i) => [g.key, i + 1]));
    rows = groupRuns(kept, sweep.sweptParams).map((g) => groupRow(g, numbers.get(g.key) ?? 0, columns, ctx));
  } else rows = kept.map((run) => runRow(run, columns, ctx));
  sortRows(rows, columns.some((c) => c.key === options.sortKey) ? options.sortKey : 'index', options.descending);
  const best: Record<string, Set<string>> = {};
  for (const col of columns) {
    if (col.kind !== 'metric') continue;
    const sorted = rows.map((r) => r.sortValues[col.key] as number | null);
    best[col.key] = new Set(bestIndices(sorted, col.lowerIsBetter).map((i) => rows[i].key));
  }
  return {
    choosable,
    defaults,
    columns,
    frozen,
    rows,
    best,
    filterError: compiled.ok ? null : compiled.error,
    shownRuns: kept.length,
    totalRuns: runs.length,
  };
}
