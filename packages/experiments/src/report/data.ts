/**
 * Pure shaping of run records into the tables the report's charts draw.
 * Nothing here touches the store or the file system.
 */
import { groupRuns, SEED_PARAM } from '../analysis/group-runs.js';
import type { RunStatus } from '../store/types.js';

export interface ReportRun {
  id: string;
  index: number;
  status: RunStatus;
  params: Record<string, unknown>;
  seed: number;
  metrics: Record<string, number>;
  curves: Record<string, Array<{ step: number; value: number }>>;
}

/** One point of a metric-against-parameter chart: a parameter value (and group), summarised over runs. */
export interface MetricSummaryRow {
  /** The parameter value: a number on a quantitative axis, a label otherwise. */
  x: number | string;
  /** Value of the colour parameter, when one is used. */
  group?: string;
  mean: number;
  min: number;
  max: number;
  /** Sample standard deviation; undefined for one run. */
  std: number | undefined;
  n: number;
}

const UNIT_RULES: Array<[RegExp, string]> = [
  [/sigma|bandwidth/i, 'std. dev. in pixel values'],
  [/recon.*(error|mse)|(^|_)mse($|_)/i, 'mean squared error per pixel'],
  [/free_?energy/i, 'nats'],
  [/likelihood|(^|_)(ll|pll|elbo|nll)($|_)|parzen|(^|_)ais|log_?z|log_?prob/i, 'nats'],
  [/loss/i, 'nats'],
  [/error_?rate|(^|_)(train|test|val(idation)?)_error$|accuracy|confidence|coverage|fraction/i, 'fraction'],
  [/frechet|fr[eé]chet|(^|_)fid($|_)/i, 'squared distance in classifier features'],
  [/(nn|nearest).*dist|hamming/i, 'squared distance, pixels'],
  [/(duration|time)_?ms$/i, 'ms'],
  [/(duration|time|seconds)(_s)?$/i, 's'],
];

/** The unit of a metric, recognised from its name (undefined when unknown). */
export function metricUnit(name: string): string | undefined {
  for (const [pattern, unit] of UNIT_RULES) if (pattern.test(name)) return unit;
  return undefined;
}

export function metricAxisTitle(name: string): string {
  const unit = metricUnit(name);
  return unit ? `${name} (${unit})` : name;
}

/** The same title over two lines (name, then unit), for vertical axes and legends where one line gets clipped. */
export function metricTitleLines(name: string): string[] {
  const unit = metricUnit(name);
  return unit ? [name, `(${unit})`] : [name];
}

/** Short, readable text for a parameter value: long lists are abbreviated with their length. */
export function formatParamValue(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map((item) => formatParamValue(item));
    const shown = items.length > 6 ? [...items.slice(0, 4), '…', items[items.length - 1]] : items;
    const text = shown.join(',');
    return items.length > 6 ? `[${text}] (${items.length})` : `[${text}]`;
  }
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'object') {
    // A swept section (`zip: { model: [{type: rbm, ...}, ...] }`): its type first, then its settings.
    const { type, ...rest } = value as Record<string, unknown>;
    const settings = Object.entries(rest)
      .map(([key, item]) => `${key}=${formatParamValue(item)}`)
      .join(' ');
    return typeof type === 'string' ? (settings ? `${type} ${settings}` : type) : settings;
  }
  return String(value);
}

/** `param=value, param=value` for a run's label; the last path segment names each parameter. */
export function formatRunParams(params: Record<string, unknown>, paths: string[]): string {
  return paths.map((path) => `${path.split('.').pop()}=${formatParamValue(params[path])}`).join(', ');
}

/**
 * The swept parameters that vary independently. A parameter whose value is fixed
 * by an earlier one in every run (a `zip` axis: each model type with its own
 * training settings) splits the runs into the same or coarser groups, so it would
 * only repeat that parameter's figure and make a diagonal heatmap. Returns the
 * kept parameters and, for each dropped one, the parameter that determines it.
 */
export function independentParams(
  runs: ReportRun[],
  params: string[],
): { kept: string[]; movesWith: Map<string, string> } {
  const kept: string[] = [];
  const movesWith = new Map<string, string>();
  const key = (run: ReportRun, param: string) => JSON.stringify(run.params[param] ?? null);
  const determines = (earlier: string, param: string): boolean => {
    const seen = new Map<string, string>();
    return runs.every((run) => {
      const from = key(run, earlier);
      const to = key(run, param);
      if (!seen.has(from)) seen.set(from, to);
      return seen.get(from) === to;
    });
  };
  for (const param of params) {
    const earlier = kept.find((candidate) => determines(candidate, param));
    if (earlier === undefined) kept.push(param);
    else movesWith.set(param, earlier);
  }
  return { kept, movesWith };
}

/** Whether every value of a parameter is a finite number, so it can sit on a numeric axis. */
export function isNumericParam(values: unknown[]): boolean {
  return values.length > 0 && values.every((value) => typeof value === 'number' && Number.isFinite(value));
}

/**
 * A log axis reads better when numeric values span more than an order of
 * magnitude and are all positive (learning rates 0.001..0.1, hidden units 10..1000).
 */
export function prefersLogScale(values: number[]): boolean {
  if (values.length < 3 || values.some((value) => value <= 0)) return false;
  return Math.max(...values) / Math.min(...values) >= 20;
}

/**
 * Distinct values of a parameter across runs: numbers ascending, anything else
 * in grid order (the order the config lists them).
 */
export function distinctParamValues(runs: ReportRun[], path: string): unknown[] {
  const byKey = new Map<string, unknown>();
  for (const run of [...runs].sort((a, b) => a.index - b.index)) {
    const key = JSON.stringify(run.params[path] ?? null);
    if (!byKey.has(key)) byKey.set(key, run.params[path]);
  }
  const values = [...byKey.values()];
  if (isNumericParam(values)) (values as number[]).sort((a, b) => a - b);
  return values;
}

/** Names of the final metrics recorded by any run, the main metric first, the rest alphabetically. */
export function finalMetricNames(runs: ReportRun[], mainMetric?: string): string[] {
  const names = new Set<string>();
  for (const run of runs)
    for (const [name, value] of Object.entries(run.metrics)) if (Number.isFinite(value)) names.add(name);
  return [...names].sort((a, b) => (a === mainMetric ? -1 : b === mainMetric ? 1 : a.localeCompare(b)));
}

/** Names of the per-epoch metrics recorded by any run, alphabetically. */
export function curveMetricNames(runs: ReportRun[]): string[] {
  const names = new Set<string>();
  for (const run of runs)
    for (const [name, points] of Object.entries(run.curves)) if (points.length > 0) names.add(name);
  return [...names].sort();
}

/**
 * A final metric summarised per value of `param` (and of `groupBy`, when
 * given), over every other source of variation: seeds and the remaining swept
 * parameters. The cells are groupRuns' groups over (param, groupBy), so the
 * report summarises exactly as the dashboard and the CLI do.
 */
export function summariseMetricByParam(
  runs: ReportRun[],
  param: string,
  metric: string,
  groupBy?: string,
): MetricSummaryRow[] {
  const numeric = isNumericParam(runs.map((run) => run.params[param]));
  const axes = groupBy ? [param, groupBy] : [param];
  const order = (path: string) => distinctParamValues(runs, path).map((v) => JSON.stringify(v ?? null));
  const [xs, gs] = [order(param), groupBy ? order(groupBy) : []];
  const rank = (params: Record<string, unknown>) => [
    xs.indexOf(JSON.stringify(params[param] ?? null)),
    groupBy ? gs.indexOf(JSON.stringify(params[groupBy] ?? null)) : 0,
  ];
  // The seed axis makes runs that differ in anything but (param, groupBy) one group.
  const groups = groupRuns(runs, [...axes, SEED_PARAM], { metrics: [metric] }).filter((g) => g.metrics[metric]);
  groups.sort((a, b) => {
    const [ra, rb] = [rank(a.params), rank(b.params)];
    return ra[0] - rb[0] || ra[1] - rb[1];
  });
  return groups.map((g) => ({
    x: numeric ? (g.params[param] as number) : formatParamValue(g.params[param]),
    ...(groupBy ? { group: formatParamValue(g.params[groupBy]) } : {}),
    ...g.metrics[metric],
  }));
}

/** A safe file-name fragment for a parameter path or metric name. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}
