// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import { formatValue } from '../format.js';
import { Line, fit, type Styled } from '../ui.js';
import type { HeatmapModel } from '../view-model.js';

export interface HeatmapViewProps {
  model: HeatmapModel | null;
  sweptParams: string[];
  metrics: string[];
  width: number;
  height: number;
}

/** Background colour from bad (red) through yellow to good (green). */
export function heatColor(goodness: number): string {
  const g = Math.max(0, Math.min(1, goodness));
  const mix = (a: number, b: number, t: number) => Math.round(a + (b - a) * t);
  const [r, gr, b] =
    g < 0.5
      ? [mix(0xc0, 0xd0, g * 2), mix(0x39, 0xb0, g * 2), mix(0x2b, 0x30, g * 2)]
      : [mix(0xd0, 0x2e, (g - 0.5) * 2), mix(0xb0, 0x9e, (g - 0.5) * 2), mix(0x30, 0x4f, (g - 0.5) * 2)];
  return `#${[r, gr, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export function HeatmapView({ model, sweptParams, metrics, width, height }: HeatmapViewProps) {
  if (sweptParams.length < 2 || !model) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text color="yellow" wrap="truncate-end">
          Cross-analysis needs a sweep over two parameters; this one sweeps{' '}
          {sweptParams.length === 0 ? 'none' : sweptParams.join(', ')}.
        </Text>
        <Text dimColor wrap="truncate-end">
          Example: configs/cross.yaml (hidden units x number of characters).
        </Text>
      </Box>
    );
  }
  if (metrics.length === 0) {
    return (
      <Box width={width} height={height}>
        <Text dimColor>No finished run has metrics yet.</Text>
      </Box>
    );
  }
  const rowLabels = model.rowValues.map(formatValue);
  const colLabels = model.colValues.map(formatValue);
  const labelW = Math.min(16, Math.max(model.rowParam.split('.').pop()!.length, ...rowLabels.map((l) => l.length)));
  const valueW = Math.max(...model.cells.flat().map((v) => (v === null ? 1 : formatValue(v).length + 1)));
  const cellW = Math.max(7, Math.min(14, Math.max(valueW, ...colLabels.map((l) => l.length)) + 1));
  const fitsCols = Math.max(1, Math.floor((width - labelW - 1) / cellW));
  const fitsRows = Math.max(1, height - 6);
  const span = model.max !== null && model.min !== null ? model.max - model.min : 0;
  const goodness = (v: number) => {
    const t = span > 0 ? (v - model.min!) / span : 1;
    return model.lowerIsBetter === true ? 1 - t : t;
  };
  const others = sweptParams.filter((p) => p !== model.rowParam && p !== model.colParam);
  const dir = model.lowerIsBetter === null ? '' : model.lowerIsBetter ? ' (lower is better)' : ' (higher is better)';
  const lines: Styled[][] = [];
  lines.push([
    { text: `${model.metric}`, bold: true, color: 'cyan' },
    { text: `${dir}   rows: ${model.rowParam}   columns: ${model.colParam}` },
  ]);
  lines.push([
    {
      text: others.length
        ? `mean over seeds and ${others.join(', ')}; ★ best; · no finished run`
        : '★ best cell; mean over seeds; · no finished run',
      dim: true,
    },
  ]);
  lines.push([
    { text: `${fit(model.rowParam.split('.').pop()!, labelW)} `, dim: true },
    ...colLabels.slice(0, fitsCols).map((l) => ({ text: `${fit(l, cellW - 1, 'right')} `, bold: true })),
  ]);
  model.cells.slice(0, fitsRows).forEach((row, r) => {
    const parts: Styled[] = [{ text: `${fit(rowLabels[r], labelW, 'right')} `, bold: true }];
    row.slice(0, fitsCols).forEach((v, c) => {
      if (v === null) {
        parts.push({ text: `${fit('·', cellW - 1, 'right')} `, dim: true });
        return;
      }
      const isBest = model.best !== null && model.best.row === r && model.best.col === c;
      parts.push({
        text: fit((isBest ? '★' : '') + formatValue(v), cellW - 1, 'right'),
        color: 'black',
        backgroundColor: heatColor(goodness(v)),
        bold: isBest,
      });
      parts.push({ text: ' ' });
    });
    lines.push(parts);
  });
  const hidden: string[] = [];
  if (model.cells.length > fitsRows) hidden.push(`${model.cells.length - fitsRows} rows`);
  if (model.colValues.length > fitsCols) hidden.push(`${model.colValues.length - fitsCols} columns`);
  if (hidden.length) lines.push([{ text: `… ${hidden.join(' and ')} do not fit; enlarge the terminal`, dim: true }]);
  if (model.min !== null && model.max !== null) {
    lines.push([
      { text: 'scale ', dim: true },
      {
        text: ` ${formatValue(model.lowerIsBetter ? model.max : model.min)} `,
        color: 'black',
        backgroundColor: heatColor(0),
      },
      { text: ' … ', dim: true },
      {
        text: ` ${formatValue(model.lowerIsBetter ? model.min : model.max)} `,
        color: 'black',
        backgroundColor: heatColor(1),
      },
    ]);
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.slice(0, height).map((parts, i) => (
        <Line key={i} parts={parts} />
      ))}
    </Box>
  );
}
