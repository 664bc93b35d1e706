// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import { plotChart, type ChartSeries } from '../chart.js';
import { Line } from '../ui.js';

export interface CurvesProps {
  series: ChartSeries[];
  width: number;
  height: number;
  empty?: string;
}

/** A braille chart of one or more series with a colour legend under it. */
export function Curves({ series, width, height, empty = 'no per-epoch metrics yet' }: CurvesProps) {
  const withLegend = series.length > 1;
  const chart = plotChart(series, width, height - (withLegend ? 1 : 0));
  if (!chart) {
    return (
      <Box height={height} width={width}>
        <Text dimColor wrap="truncate-end">
          {height > 0 ? empty : ''}
        </Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      {chart.lines.map((parts, i) => (
        <Line key={i} parts={parts} />
      ))}
      {withLegend ? (
        <Line parts={series.flatMap((s) => [{ text: '━━ ', color: s.color }, { text: `${s.label}  ` }])} />
      ) : null}
    </Box>
  );
}
