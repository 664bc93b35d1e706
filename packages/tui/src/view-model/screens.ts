/**
 * Per screen: what it draws (its view model) and what its keys need to know
 * (its context for the reducer), both from the same data so they cannot disagree.
 */
import { groupRuns, type RunRecord, SEED_PARAM, type SweepSummary, varyingParamsFirst } from '@rbm-lab/experiments';
import type { SubjectData, SubjectsData, SweepData } from '../data/hooks.js';
import type {
  ColumnsContext,
  ColumnsScreen,
  DetailContext,
  DetailScreen,
  HeatmapScreen,
  RunsContext,
  RunsScreen,
  Settings,
  Subject,
  SweepsContext,
} from '../state/types.js';
import { type CompareModel, compareModel, type SubjectView, subjectLabel } from './compare.js';
import { cycled } from './curves.js';
import { type HeatmapModel, heatmapModel, paramPairs } from './heatmap.js';
import { maxScroll } from './column-layout.js';
import { type RunsTable, runsTable } from './runs-table.js';
import { type SweepRow, sweepRows } from './sweeps.js';
import { metricColumnNames, metricValue } from './values.js';

export function sweepsScreenModel(sweeps: SweepSummary[], page: number): { rows: SweepRow[]; ctx: SweepsContext } {
  const rows = sweepRows(sweeps);
  return { rows, ctx: { kind: 'sweeps', keys: rows.map((r) => r.sweep.id), page } };
}

function tableOf(data: SweepData, sweep: SweepSummary, screen: RunsScreen | null, settings: Settings): RunsTable {
  return runsTable(sweep, data.runs, {
    sortKey: screen?.sortKey ?? 'index',
    descending: screen?.descending ?? false,
    filter: screen?.filter ?? '',
    grouped: settings.grouped,
    values: settings.values,
    curves: data.curves,
    visible: settings.columns[sweep.id],
  });
}

/** `width`: the terminal's, for how far the columns can scroll. */
export function runsScreenModel(
  data: SweepData,
  screen: RunsScreen,
  settings: Settings,
  page: number,
  width: number,
): { sweep: SweepSummary; table: RunsTable; ctx: RunsContext } | null {
  if (!data.sweep) return null;
  const table = tableOf(data, data.sweep, screen, settings);
  const ctx: RunsContext = {
    kind: 'runs',
    keys: table.rows.map((r) => r.key),
    page,
    runIds: Object.fromEntries(table.rows.map((r) => [r.key, r.runs.map((run) => run.id)])),
    sortColumns: table.columns,
    scrollable: maxScroll(table, width) + 1,
  };
  return { sweep: data.sweep, table, ctx };
}

export function columnsScreenModel(
  data: SweepData,
  screen: ColumnsScreen,
  settings: Settings,
  page: number,
): { sweep: SweepSummary; table: RunsTable; ctx: ColumnsContext } | null {
  if (!data.sweep) return null;
  const table = tableOf(data, data.sweep, null, settings);
  const keys = table.choosable.map((c) => c.key);
  const chosen = settings.columns[screen.sweepId];
  const visible = chosen ? keys.filter((k) => chosen.includes(k)) : table.defaults;
  return { sweep: data.sweep, table, ctx: { kind: 'columns', keys, page, visible, defaults: table.defaults } };
}

/** The runs (or groups) of a sweep in grid order: what ←/→ step through. */
export function sweepSubjects(runs: RunRecord[], sweptParams: string[], grouped: boolean): Subject[] {
  if (grouped) return groupRuns(runs, sweptParams).map((g) => g.runs.map((r) => r.id));
  return [...runs].sort((a, b) => a.index - b.index).map((r) => [r.id]);
}

function subjectViews(data: SubjectsData): SubjectView[] {
  const swept = data.sweep?.sweptParams ?? [];
  return data.subjects.map((s) => ({ label: subjectLabel(s.runs, data.runs, swept), runs: s.runs }));
}

export function detailScreenModel(
  data: SubjectsData,
  screen: DetailScreen,
): { subject: SubjectData | undefined; label: string; ctx: DetailContext } {
  const subject = data.subjects[0]?.runs.length ? data.subjects[0] : undefined;
  const label = subjectViews(data)[0]?.label ?? '';
  const subjects = sweepSubjects(data.runs, data.sweep?.sweptParams ?? [], screen.grouped);
  const ctx: DetailContext = {
    kind: 'detail',
    subjects,
    sampleEpochs: subject?.sampleEpochs ?? [],
    finalSamples: subject?.finalSamples ?? false,
  };
  return { subject, label, ctx };
}

export function compareScreenModel(data: SubjectsData): CompareModel | null {
  const views = subjectViews(data).filter((v) => v.runs.length > 0);
  return views.length ? compareModel(views, data.sweep?.mainMetric) : null;
}

export interface HeatmapScreenModel {
  /** The parameters the heatmap can use: the swept ones, without the seed when grouped. */
  params: string[];
  metrics: string[];
  model: HeatmapModel | null;
}

export function heatmapScreenModel(data: SweepData, screen: HeatmapScreen, settings: Settings): HeatmapScreenModel {
  const sweep = data.sweep;
  if (!sweep) return { params: [], metrics: [], model: null };
  const params = sweep.sweptParams.filter((p) => !(settings.grouped && p === SEED_PARAM));
  const valueFor = (name: string) => (run: RunRecord) =>
    metricValue(run, name, settings.values, data.curves, sweep.mainMetric)?.value;
  const metrics = metricColumnNames(data.runs, sweep.mainMetric, settings.values, data.curves).filter((m) =>
    data.runs.some((r) => valueFor(m)(r) !== undefined),
  );
  const metric = cycled(metrics, screen.metric);
  const scored = metric ? data.runs.filter((run) => valueFor(metric)(run) !== undefined) : [];
  const pair = cycled(paramPairs(varyingParamsFirst(scored, params)), screen.pair);
  if (!pair || !metric) return { params, metrics, model: null };
  const [rowParam, colParam] = screen.transpose ? [pair[1], pair[0]] : pair;
  return {
    params,
    metrics,
    model: heatmapModel(data.runs, rowParam, colParam, metric, sweep.mainMetric, valueFor(metric)),
  };
}
