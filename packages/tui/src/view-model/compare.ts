/**
 * Runs or groups side by side: every resolved config leaf (rows that differ
 * first), and the final metrics with the best marked. A group's metric is the
 * mean over its runs, with its spread.
 */
import { groupRuns, type RunRecord, type Summary, type SweepSummary, summarize } from '@rbm-lab/experiments';
import { flattenConfig, formatValue } from '../format.js';
import { bestIndices, lowerIsBetter, metricNames } from './metrics.js';

/** One run, or a group of runs that differ only by seed, as the curve and compare screens show it. */
export interface SubjectView {
  label: string;
  runs: RunRecord[];
}

export function runLabel(run: { index: number; id: string }): string {
  return `#${run.index + 1} ${run.id.slice(0, 6)}`;
}

/** `#3 309f2e` for a run; `#2 (3 seeds)` for a group, numbered as in the grouped runs table. */
export function subjectLabel(runs: RunRecord[], sweepRuns: RunRecord[], sweptParams: string[]): string {
  if (runs.length === 0) return '-';
  if (runs.length === 1) return runLabel(runs[0]);
  const number = groupRuns(sweepRuns, sweptParams).findIndex((g) => g.runs.some((r) => r.id === runs[0].id)) + 1;
  return `#${number} (${runs.length} seeds)`;
}

export interface CompareParamRow {
  path: string;
  values: string[];
  differs: boolean;
}

export interface CompareMetricRow {
  name: string;
  /** Per subject: the value (a group's mean), null if none. */
  values: Array<number | null>;
  /** Per subject: the summary behind the value (n, std for groups). */
  spreads: Array<Summary | undefined>;
  best: number[];
  lowerIsBetter: boolean | null;
}

export interface CompareModel {
  subjects: SubjectView[];
  params: CompareParamRow[];
  metrics: CompareMetricRow[];
}

/** A subject's config leaves; where its runs differ (the seed of a group), the values joined by commas. */
export function subjectConfig(runs: RunRecord[]): Map<string, string> {
  const values = new Map<string, string[]>();
  const add = (path: string, value: unknown) => {
    const list = values.get(path) ?? [];
    const text = formatValue(value);
    if (!list.includes(text)) list.push(text);
    values.set(path, list);
  };
  for (const run of runs) {
    const leaves = new Map(flattenConfig(run.config));
    for (const [k, v] of Object.entries(run.params)) if (!leaves.has(k)) leaves.set(k, v);
    leaves.set('seed', run.seed);
    for (const [path, value] of leaves) add(path, value);
  }
  return new Map([...values].map(([path, list]) => [path, list.join(',')]));
}

export function compareModel(subjects: SubjectView[], main?: SweepSummary['mainMetric']): CompareModel {
  const perSubject = subjects.map((s) => subjectConfig(s.runs));
  const paths: string[] = [];
  for (const m of perSubject) for (const k of m.keys()) if (!paths.includes(k)) paths.push(k);
  const params = paths.map((path) => {
    const values = perSubject.map((m) => m.get(path) ?? '-');
    return { path, values, differs: new Set(values).size > 1 };
  });
  params.sort((a, b) => Number(b.differs) - Number(a.differs));
  const allRuns = subjects.flatMap((s) => s.runs);
  const metrics = metricNames(allRuns, main?.name).map((name) => {
    const spreads = subjects.map((s) => summarize(s.runs.map((r) => r.metrics[name])));
    const values = spreads.map((x) => x?.mean ?? null);
    const lower = lowerIsBetter(name, main);
    return { name, values, spreads, best: bestIndices(values, lower), lowerIsBetter: lower };
  });
  return { subjects, params, metrics };
}
