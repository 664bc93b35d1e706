// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import type { SweepSummary } from '@rbm-lab/experiments';
import { SERIES_COLORS, type ChartSeries } from '../chart.js';
import { formatValue } from '../format.js';
import { sampleGridLines, type Samples } from '../samples.js';
import { Line, Title, fit, type Styled } from '../ui.js';
import type { CompareModel } from '../view-model.js';
import { Curves } from './curves.js';
import { orderCurveNames } from './detail.js';

export interface CompareViewProps {
  model: CompareModel;
  sweep: SweepSummary | undefined;
  epochMetrics: Array<Record<string, Array<{ step: number; value: number }>>>;
  samples: Array<Samples | undefined>;
  metricIndex: number;
  width: number;
  height: number;
}

export function runLabel(run: { index: number; id: string }): string {
  return `#${run.index + 1} ${run.id.slice(0, 6)}`;
}

export function compareCurveNames(epochMetrics: CompareViewProps['epochMetrics'], main?: string): string[] {
  return orderCurveNames([...new Set(epochMetrics.flatMap((m) => Object.keys(m)))], main);
}

function tableLines(model: CompareModel, width: number, maxLines: number): Styled[][] {
  const k = model.runs.length;
  const labelW = Math.min(
    28,
    Math.max(8, ...model.params.map((p) => p.path.length), ...model.metrics.map((m) => m.name.length)),
  );
  const colW = Math.max(6, Math.min(14, Math.floor((width - labelW - 2) / k) - 1));
  const lines: Styled[][] = [];
  lines.push([
    { text: fit('', labelW + 2) },
    ...model.runs.map((r, i) => ({ text: `${fit(runLabel(r), colW, 'right')} `, color: SERIES_COLORS[i], bold: true })),
  ]);
  if (model.metrics.length) {
    lines.push([{ text: 'final metrics (★ best)', bold: true, color: 'cyan' }]);
    for (const m of model.metrics) {
      const dir = m.lowerIsBetter === null ? ' ' : m.lowerIsBetter ? '↓' : '↑';
      lines.push([
        { text: `${fit(m.name, labelW) + dir} ` },
        ...m.values.map((v, i) => {
          const best = m.best.includes(i);
          return {
            text: `${fit((best ? '★' : '') + formatValue(v), colW, 'right')} `,
            color: best ? 'green' : undefined,
            bold: best,
          };
        }),
      ]);
    }
  }
  const differing = model.params.filter((p) => p.differs);
  lines.push([{ text: `parameters (≠ differs: ${differing.length})`, bold: true, color: 'cyan' }]);
  const room = maxLines - lines.length;
  const shown = model.params.slice(0, Math.max(0, room));
  for (const p of shown) {
    lines.push([
      {
        text: (p.differs ? '≠ ' : '  ') + fit(p.path, labelW),
        color: p.differs ? 'yellow' : undefined,
        dim: !p.differs,
      },
      ...p.values.map((v) => ({
        text: ` ${fit(v, colW, 'right')}`,
        color: p.differs ? 'yellow' : undefined,
        bold: p.differs,
        dim: !p.differs,
      })),
    ]);
  }
  if (shown.length < model.params.length && shown.length > 0) {
    const hidden = model.params.slice(shown.length - 1);
    const hiddenDiffering = hidden.filter((p) => p.differs).length;
    lines[lines.length - 1] = [
      {
        text: `… ${hidden.length} more parameters (${hiddenDiffering ? `${hiddenDiffering} differ` : 'all equal'})`,
        dim: true,
      },
    ];
  }
  return lines.slice(0, maxLines);
}

export function CompareView({ model, sweep, epochMetrics, samples, metricIndex, width, height }: CompareViewProps) {
  const names = compareCurveNames(epochMetrics, sweep?.mainMetric.name);
  const metric = names.length ? names[((metricIndex % names.length) + names.length) % names.length] : undefined;
  const series: ChartSeries[] = metric
    ? model.runs.map((r, i) => ({
        label: runLabel(r),
        color: SERIES_COLORS[i],
        points: (epochMetrics[i][metric] ?? []).map((p) => ({ x: p.step, y: p.value })),
      }))
    : [];
  const anySamples = samples.some(Boolean);
  const sampleH = anySamples ? Math.max(0, Math.floor(height * 0.4)) : 0;
  const topH = height - sampleH;
  const wide = width >= 110;
  const tableW = wide ? Math.min(width - 40, 30 + model.runs.length * 15) : width;
  const chartW = wide ? width - tableW - 2 : width;
  const chartH = wide ? topH - 1 : Math.min(10, Math.floor(topH * 0.4));
  const tableH = wide ? topH : topH - chartH - 1;
  const table = tableLines(model, tableW, tableH);
  const colW = Math.floor(width / model.runs.length);
  const chart = (
    <Box flexDirection="column" width={chartW} height={chartH + 1}>
      <Title>{metric ? `curves: ${metric}${names.length > 1 ? '  (m: next)' : ''}` : 'curves'}</Title>
      <Curves series={series} width={chartW} height={chartH} />
    </Box>
  );
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box flexDirection={wide ? 'row' : 'column'} height={topH}>
        <Box flexDirection="column" width={tableW} height={tableH} marginRight={wide ? 2 : 0}>
          {table.map((parts, i) => (
            <Line key={i} parts={parts} />
          ))}
        </Box>
        {chartH > 2 ? chart : null}
      </Box>
      {sampleH > 1 ? (
        <Box flexDirection="row" height={sampleH}>
          {model.runs.map((r, i) => {
            const s = samples[i];
            const lines = s ? sampleGridLines(s, colW - 1, sampleH - 1) : [];
            return (
              <Box key={r.id} flexDirection="column" width={colW} height={sampleH}>
                <Text color={SERIES_COLORS[i]} bold wrap="truncate-end">
                  {runLabel(r)}
                </Text>
                {lines.length ? (
                  lines.map((l, j) => (
                    <Text key={j} wrap="truncate-end">
                      {l}
                    </Text>
                  ))
                ) : (
                  <Text dimColor wrap="truncate-end">
                    {s ? 'no room' : 'no samples'}
                  </Text>
                )}
              </Box>
            );
          })}
        </Box>
      ) : null}
    </Box>
  );
}
