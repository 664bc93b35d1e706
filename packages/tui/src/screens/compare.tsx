// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import { formatNumber } from '@rbm-lab/experiments';
import { SERIES_COLORS } from '../chart.js';
import type { SubjectData } from '../data/hooks.js';
import { formatValue } from '../format.js';
import { sampleGridLines } from '../samples.js';
import { fit, Line, type Styled, TextLines, Title } from '../ui.js';
import type { CompareModel, CompareMetricRow } from '../view-model/compare.js';
import { curveNames, curveNote, cycled, subjectSeries } from '../view-model/curves.js';
import { type CurveScreenProps, Curves } from './curves.js';

export interface CompareViewProps extends CurveScreenProps {
  model: CompareModel;
  data: SubjectData[];
}

/** A metric cell: the value, and for a group its spread and n. */
function metricText(m: CompareMetricRow, i: number): string {
  const v = m.values[i];
  const s = m.spreads[i];
  if (v === null || s === undefined || s.n === 1) return formatValue(v);
  return `${formatNumber(v)}${s.std === undefined ? '' : `±${formatNumber(s.std, 2)}`}`;
}

function tableLines(model: CompareModel, width: number, maxLines: number): Styled[][] {
  const k = model.subjects.length;
  const labelW = Math.min(
    28,
    Math.max(8, ...model.params.map((p) => p.path.length), ...model.metrics.map((m) => m.name.length)),
  );
  // a group's mean±std needs a few more columns than a single value
  const maxW = model.subjects.some((s) => s.runs.length > 1) ? 18 : 14;
  const colW = Math.max(6, Math.min(maxW, Math.floor((width - labelW - 2) / k) - 1));
  const lines: Styled[][] = [];
  lines.push([
    { text: fit('', labelW + 2) },
    ...model.subjects.map((s, i) => ({ text: `${fit(s.label, colW, 'right')} `, color: SERIES_COLORS[i], bold: true })),
  ]);
  if (model.metrics.length) {
    const groups = model.subjects.some((s) => s.runs.length > 1);
    lines.push([{ text: `final metrics (★ best${groups ? '; groups: mean±std' : ''})`, bold: true, color: 'cyan' }]);
    for (const m of model.metrics) {
      const dir = m.lowerIsBetter === null ? ' ' : m.lowerIsBetter ? '↓' : '↑';
      lines.push([
        { text: `${fit(m.name, labelW) + dir} ` },
        ...m.values.map((_, i) => {
          const best = m.best.includes(i);
          return {
            text: `${fit((best ? '★' : '') + metricText(m, i), colW, 'right')} `,
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

export function CompareView({ model, data, sweep, settings, metricIndex, width, height }: CompareViewProps) {
  const names = curveNames(
    data.flatMap((d) => d.curves),
    sweep?.mainMetric.name,
  );
  const metric = cycled(names, metricIndex);
  const series = metric
    ? model.subjects.flatMap((s, i) =>
        subjectSeries(s.label, data[i]?.curves ?? [], metric, SERIES_COLORS[i], settings.smoothing),
      )
    : [];
  const note = curveNote(
    settings.smoothing,
    model.subjects.some((s) => s.runs.length > 1),
  );
  const anySamples = data.some((d) => d.samples);
  const sampleH = anySamples ? Math.max(0, Math.floor(height * 0.4)) : 0;
  const topH = height - sampleH;
  const wide = width >= 110;
  const groups = model.subjects.some((s) => s.runs.length > 1);
  const tableW = wide ? Math.min(width - 40, 30 + model.subjects.length * (groups ? 19 : 15)) : width;
  const chartW = wide ? width - tableW - 2 : width;
  const chartH = wide ? topH - 1 : Math.min(10, Math.floor(topH * 0.4));
  const tableH = wide ? topH : topH - chartH - 1;
  const table = tableLines(model, tableW, tableH);
  const colW = Math.floor(width / model.subjects.length);
  const title = metric
    ? `curves: ${metric}${names.length > 1 ? '  (m: next)' : ''}${note ? `  ${note}` : ''}`
    : 'curves';
  const chart = (
    <Box flexDirection="column" width={chartW} height={chartH + 1}>
      <Title>{title}</Title>
      <Curves series={series} width={chartW} height={chartH} logScale={settings.logScale} />
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
          {model.subjects.map((subject, i) => {
            const s = data[i]?.samples;
            const lines = s ? sampleGridLines(s, colW - 1, sampleH - 1) : [];
            return (
              <Box key={subject.label} flexDirection="column" width={colW} height={sampleH}>
                <Text color={SERIES_COLORS[i]} bold wrap="truncate-end">
                  {subject.label}
                </Text>
                <TextLines lines={lines} empty={s ? 'no room' : 'no samples'} />
              </Box>
            );
          })}
        </Box>
      ) : null}
    </Box>
  );
}
