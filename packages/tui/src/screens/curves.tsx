// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import { type ChartSeries, plotChart } from '../chart.js';
import type { SweepSummary } from '@rbm-lab/experiments';
import type { Settings } from '../state/types.js';
import { Line } from '../ui.js';

/** What the screens that plot a metric's curves (detail, compare) are given besides their subjects. */
export interface CurveScreenProps {
  sweep: SweepSummary | undefined;
  settings: Settings;
  /** Which metric's curve (cycled with m). */
  metricIndex: number;
  width: number;
  height: number;
}

export interface CurvesProps {
  series: ChartSeries[];
  width: number;
  height: number;
  logScale?: boolean;
  empty?: string;
}

/** A braille chart of one or more series with a colour legend under it (faint series are not listed). */
export function Curves({ series, width, height, logScale = false, empty = 'no per-epoch metrics yet' }: CurvesProps) {
  const listed = series.filter((s) => !s.faint);
  const legend = listed.length > 1;
  const chart = plotChart(series, width, height - (legend ? 1 : 0), { logScale });
  if (!chart) {
    return (
      <Box height={height} width={width}>
        <Text dimColor wrap="truncate-end">
          {height > 0 ? empty : ''}
        </Text>
      </Box>
    );
  }
  // the scale is written into the right end of the x-axis line, which costs no row
  const tag = chart.note ?? (chart.scale === 'linear' ? '' : 'log scale');
  const lines = [...chart.lines];
  const axis = lines[lines.length - 1][0].text;
  if (tag && tag.length + 3 < axis.length / 2) {
    const cut = axis.length - tag.length - 3;
    lines[lines.length - 1] = [
      { text: axis.slice(0, cut), color: 'gray' },
      { text: ` ${tag} `, color: 'yellow' },
      { text: axis.slice(cut + tag.length + 2), color: 'gray' },
    ];
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.map((parts, i) => (
        <Line key={i} parts={parts} />
      ))}
      {legend ? (
        <Line parts={listed.flatMap((s) => [{ text: '━━ ', color: s.color }, { text: `${s.label}  ` }])} />
      ) : null}
    </Box>
  );
}
