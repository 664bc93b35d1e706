/**
 * The training-curves figure (colour: the first of `sweptParams`, dashes: the second) of a report: one line per run, or per group of
 * runs that differ only by seed (its mean curve, with the min-max band over
 * its runs), with the dashboard's smoothing (EMA, the raw curve faint
 * underneath) and log scale. Pure: a Vega-Lite spec from plain rows.
 */
import type { TopLevelSpec } from 'vega-lite';
import { type CurvePoint, emaSmooth, logScaleKind, meanCurve, negativeLog } from '../analysis/curves.js';
import { groupRuns } from '../analysis/group-runs.js';
import { distinctParamValues, formatParamValue, metricTitleLines, type ReportRun } from './data.js';
import { paramColour } from './figures.js';

export interface CurveOptions {
  /**
   * The swept parameters to group over seeds by (groupRuns): one mean curve per
   * group, with a min-max band; undefined: one line per run.
   */
  groupBy?: readonly string[];
  /** EMA weight in [0, 1); 0 draws the raw curves only. */
  smooth: number;
  /** A log y axis where the values have one sign (see logScaleKind). */
  log: boolean;
}

interface Series {
  key: string;
  /** The run (or the group's first run) whose parameters colour the line. */
  run: ReportRun;
  points: Array<CurvePoint & { low?: number; high?: number }>;
}

function seriesOf(runs: ReportRun[], metric: string, groupBy: readonly string[] | undefined): Series[] {
  const withCurve = runs.filter((run) => (run.curves[metric] ?? []).length > 0);
  if (groupBy === undefined) return withCurve.map((run) => ({ key: run.id, run, points: run.curves[metric] }));
  return groupRuns(withCurve, groupBy, { metrics: [] }).map((group) => ({
    key: group.key,
    run: group.runs[0],
    points: meanCurve(group.runs.map((run) => run.curves[metric])).map((p) => ({
      step: p.step,
      value: p.mean,
      ...(group.runs.length > 1 ? { low: p.min, high: p.max } : {}),
    })),
  }));
}

/** The y axis: values mapped for a negative-log axis, with labels giving back the values. */
function yAxis(rows: Array<{ raw: number; value: number; low?: number; high?: number }>, log: boolean) {
  const kind = log ? logScaleKind(rows.flatMap((r) => [r.raw, r.value, r.low ?? r.value, r.high ?? r.value])) : null;
  if (kind === 'negative-log') {
    for (const row of rows) {
      row.raw = negativeLog(row.raw);
      row.value = negativeLog(row.value);
      if (row.low !== undefined && row.high !== undefined)
        [row.low, row.high] = [negativeLog(row.low), negativeLog(row.high)];
    }
    return {
      scale: { zero: false },
      axis: { labelExpr: "format(-pow(10, -datum.value), '.3~g')" },
      note: 'y on -log10(-y)',
    };
  }
  if (kind === 'log') return { scale: { type: 'log' as const }, axis: {}, note: 'log y' };
  return { scale: { zero: false }, axis: {}, note: log ? 'log scale not used: the curve crosses zero' : '' };
}

export function trainingCurvesSpec(
  runs: ReportRun[],
  metric: string,
  sweptParams: string[],
  options: CurveOptions = { smooth: 0, log: false },
): TopLevelSpec {
  const [colourParam, dashParam] = sweptParams;
  const useDash = dashParam !== undefined && distinctParamValues(runs, dashParam).length <= 6;
  const series = seriesOf(runs, metric, options.groupBy);
  const rows = series.flatMap(({ key, run, points }) => {
    const smoothed = options.smooth > 0 ? emaSmooth(points, options.smooth) : points;
    return points.map((point, i) => ({
      series: key,
      step: point.step,
      raw: point.value,
      value: smoothed[i].value,
      ...(point.low === undefined ? {} : { low: point.low, high: point.high }),
      colour: colourParam ? formatParamValue(run.params[colourParam]) : `seed ${run.seed}`,
      ...(useDash ? { dash: formatParamValue(run.params[dashParam]) } : {}),
    }));
  });
  const y = yAxis(rows, options.log);
  const lineLegend = { symbolType: 'stroke', symbolStrokeWidth: 2.5 };
  const colour = {
    ...(colourParam
      ? paramColour(runs, colourParam, 'colour')
      : { field: 'colour', type: 'nominal' as const, title: 'run', scale: { scheme: 'tableau10' } }),
    legend: lineLegend,
  };
  // The min-max band is an area: it takes every channel but the stroke dash, which areas do not have.
  const bandEncoding = {
    x: { field: 'step', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
    color: colour,
    detail: { field: 'series', type: 'nominal' },
  };
  const encoding = {
    ...bandEncoding,
    ...(useDash
      ? {
          strokeDash: {
            field: 'dash',
            type: 'nominal',
            title: dashParam,
            sort: distinctParamValues(runs, dashParam).map(formatParamValue),
            legend: { ...lineLegend, symbolStrokeColor: '#555' },
          },
        }
      : {}),
  };
  const yOf = (field: string) => ({
    field,
    type: 'quantitative',
    title: metricTitleLines(metric),
    scale: y.scale,
    axis: y.axis,
  });
  const layers: object[] = [];
  if (rows.some((r) => 'low' in r))
    layers.push({
      mark: { type: 'area', opacity: 0.12 },
      encoding: { ...bandEncoding, y: yOf('low'), y2: { field: 'high' } },
    });
  if (options.smooth > 0)
    layers.push({ mark: { type: 'line', strokeWidth: 1, opacity: 0.25 }, encoding: { ...encoding, y: yOf('raw') } });
  layers.push({
    mark: { type: 'line', strokeWidth: 1.8, opacity: 0.9, point: rows.length <= 40 },
    encoding: { ...encoding, y: yOf('value') },
  });
  const what = options.groupBy ? 'mean over seeds per grid point, band: min-max over its runs' : 'one line per run';
  const extras = [options.smooth > 0 ? `EMA ${options.smooth} (raw faint)` : '', y.note].filter(Boolean);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${metric} per epoch`, subtitle: [what, ...extras].join('; ') },
    data: { values: rows },
    width: 480,
    height: 280,
    layer: layers,
  } as TopLevelSpec;
}
