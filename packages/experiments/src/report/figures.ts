import type { TopLevelSpec } from 'vega-lite';
import { formatNumber, formatSpread } from '../format.js';
import {
  distinctParamValues,
  formatParamValue,
  isNumericParam,
  metricTitleLines,
  prefersLogScale,
  summariseMetricByParam,
  type ReportRun,
} from './data.js';

/**
 * Vega-Lite specs for the report's charts, built from plain rows (pure; the
 * rendering lives in render.ts). Every axis carries a title with its unit and
 * every colour a legend.
 */

const ORDERED_SCHEME = { name: 'viridis', extent: [0, 0.85] } as const; // the pale yellow end is unreadable on white
const MAX_COLOUR_GROUPS = 8;
const SINGLE_COLOUR = '#1f5fa8';

interface ParamAxis {
  field: string;
  type: 'quantitative' | 'ordinal';
  title: string;
  scale?: { type: 'log' | 'linear'; zero?: false; nice: false; padding: number };
  axis?: { values: number[]; labelOverlap: 'greedy' } | { labelAngle: number; labelLimit: number };
  sort?: string[];
}

function paramAxis(runs: ReportRun[], param: string, field: string): ParamAxis {
  const values = distinctParamValues(runs, param);
  if (isNumericParam(values)) {
    const numbers = values as number[];
    return {
      field,
      type: 'quantitative',
      title: param,
      // ticks at exactly the swept values: the grid is what was run, not a continuum
      scale: prefersLogScale(numbers)
        ? { type: 'log', nice: false, padding: 14 }
        : { type: 'linear', zero: false, nice: false, padding: 14 },
      axis: { values: numbers, labelOverlap: 'greedy' },
    };
  }
  const labels = values.map(formatParamValue);
  const longest = Math.max(...labels.map((label) => label.length));
  return {
    field,
    type: 'ordinal',
    title: param,
    sort: labels,
    axis: { labelAngle: longest * labels.length > 48 ? -30 : 0, labelLimit: 180 },
  };
}

/** Colour encoding for parameter values: an ordered ramp for numbers, categories otherwise. */
export function paramColour(runs: ReportRun[], param: string, field: string) {
  const values = distinctParamValues(runs, param);
  const ordered = isNumericParam(values);
  return {
    field,
    type: ordered ? ('ordinal' as const) : ('nominal' as const),
    title: param,
    sort: values.map(formatParamValue),
    scale: ordered ? { scheme: ORDERED_SCHEME } : { scheme: values.length > 10 ? 'tableau20' : 'tableau10' },
  };
}

/**
 * The swept parameter that colours a metric-against-parameter chart: with
 * exactly one other swept parameter of few values, its lines are drawn
 * separately; otherwise every other parameter is averaged over.
 */
export function colourParamFor(runs: ReportRun[], sweptParams: string[], param: string): string | undefined {
  const others = sweptParams.filter((other) => other !== param);
  if (others.length !== 1) return undefined;
  return distinctParamValues(runs, others[0]).length <= MAX_COLOUR_GROUPS ? others[0] : undefined;
}

/**
 * Every final metric against one swept parameter, one panel per metric: the mean
 * as a line, the min-max range over runs (seeds, averaged parameters) as error
 * bars, and each run as a faint dot.
 */
export function metricsVsParamSpec(
  runs: ReportRun[],
  param: string,
  metrics: string[],
  sweptParams: string[],
  grouped = true,
): TopLevelSpec {
  const colourParam = colourParamFor(runs, sweptParams, param);
  const numeric = isNumericParam(runs.map((run) => run.params[param]));
  const x = paramAxis(runs, param, 'x');
  const colour = colourParam ? paramColour(runs, colourParam, 'group') : undefined;
  const averagedOver = [
    'seeds',
    ...sweptParams.filter((other) => other !== param && other !== colourParam).map((other) => other.split('.').pop()),
  ].join(' and ');
  const panels = metrics.map((metric) => {
    const summary = summariseMetricByParam(runs, param, metric, colourParam);
    const points = runs
      .filter((run) => Number.isFinite(run.metrics[metric]))
      .map((run) => ({
        x: numeric ? (run.params[param] as number) : formatParamValue(run.params[param]),
        ...(colourParam ? { group: formatParamValue(run.params[colourParam]) } : {}),
        value: run.metrics[metric],
      }));
    const y = { type: 'quantitative' as const, title: metricTitleLines(metric), scale: { zero: false } };
    const colourEncoding = colour ? { color: colour } : {};
    const dots = {
      data: { values: points },
      mark: { type: 'circle' as const, size: grouped ? 28 : 40, opacity: grouped ? 0.35 : 0.8 },
      encoding: { x, y: { ...y, field: 'value' }, ...colourEncoding },
    };
    if (!grouped) {
      return { title: { text: metric, subtitle: 'one dot per run' }, width: 300, height: 230, layer: [dots] };
    }
    // Error bars: mean ± sample std over the runs of each cell (a cell of one run has none).
    const bars = summary
      .filter((row) => row.std !== undefined)
      .map((row) => ({ ...row, low: row.mean - (row.std ?? 0), high: row.mean + (row.std ?? 0) }));
    return {
      title: { text: metric, subtitle: `mean ± std over ${averagedOver} (n = runs); dots: runs` },
      width: 300,
      height: 230,
      layer: [
        dots,
        {
          data: { values: bars },
          mark: { type: 'rule' as const, strokeWidth: 1.5 },
          encoding: {
            x,
            y: { ...y, field: 'low' },
            y2: { field: 'high' },
            ...(colour ? { color: colour } : { color: { value: SINGLE_COLOUR } }),
          },
        },
        {
          data: { values: summary },
          // A line only where the axis is ordered: joining categories (model types) would suggest a trend.
          mark: numeric
            ? { type: 'line' as const, point: true, strokeWidth: 2 }
            : { type: 'point' as const, filled: true, size: 70 },
          encoding: {
            x,
            y: { ...y, field: 'mean' },
            ...(colour ? { color: colour } : { color: { value: SINGLE_COLOUR } }),
          },
        },
      ],
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Final metrics against ${param}`, fontSize: 16, offset: 16 },
    columns: Math.min(3, panels.length),
    concat: panels,
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/** The main metric over a two-parameter grid (mean over seeds and any further parameters), one cell per pair. */
export function heatmapSpec(
  runs: ReportRun[],
  xParam: string,
  yParam: string,
  metric: string,
  lowerIsBetter: boolean,
  grouped = true,
): TopLevelSpec {
  const rows = summariseMetricByParam(runs, xParam, metric, yParam);
  const xs = distinctParamValues(runs, xParam).map(formatParamValue);
  const ys = distinctParamValues(runs, yParam).map(formatParamValue);
  const means = rows.map((row) => row.mean);
  const low = Math.min(...means);
  const high = Math.max(...means);
  const showCounts = rows.some((row) => row.n > 1);
  // viridis is dark at its low end; reversed (lower is better, so better is bright) it is dark at the high end.
  const cells = rows.map((row) => {
    const t = high > low ? (row.mean - low) / (high - low) : 0.5;
    const dark = lowerIsBetter ? t > 0.5 : t < 0.5;
    return {
      x: formatParamValue(row.x),
      y: row.group ?? '',
      mean: row.mean,
      label: (grouped ? formatSpread(row, 3, ' ') : formatNumber(row.mean, 3)) + (showCounts ? ` (n=${row.n})` : ''),
      textColour: dark ? 'white' : 'black',
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${metric} over ${xParam} x ${yParam}`,
      subtitle: `${grouped ? 'mean ± std' : 'mean'} over seeds; ${lowerIsBetter ? 'lower' : 'higher'} is better (brighter)`,
    },
    data: { values: cells },
    width: Math.max(240, (grouped && showCounts ? 125 : 70) * xs.length),
    height: Math.max(160, 36 * ys.length),
    encoding: {
      x: { field: 'x', type: 'ordinal', title: xParam, sort: xs, axis: { labelAngle: 0 } },
      y: { field: 'y', type: 'ordinal', title: yParam, sort: ys },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'mean',
            type: 'quantitative',
            title: metricTitleLines(metric),
            scale: { scheme: 'viridis', reverse: lowerIsBetter },
            legend: { orient: 'right' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'label', type: 'nominal' },
          color: { condition: { test: "datum.textColour === 'white'", value: 'white' }, value: 'black' },
        },
      },
    ],
  } as TopLevelSpec;
}
