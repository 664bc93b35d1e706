// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import { formatNumber } from '@rbm-lab/experiments';
import { formatValue } from '../format.js';
import type { Settings } from '../state/types.js';
import { fit, Line, type Styled } from '../ui.js';
import type { HeatmapCell, HeatmapModel } from '../view-model/heatmap.js';

export interface HeatmapViewProps {
  model: HeatmapModel | null;
  /** The parameters the heatmap can use (the seed is not one when grouped). */
  params: string[];
  metrics: string[];
  settings: Settings;
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

/** A cell's value: the mean, and when grouped its sample std. */
function valueText(cell: HeatmapCell, grouped: boolean): string {
  const s = cell.summary;
  if (!s) return '·';
  return grouped && s.std !== undefined ? `${formatNumber(s.mean)}±${formatNumber(s.std, 2)}` : formatNumber(s.mean);
}

/** Under a grouped cell: n finished, then failed (✗) and unfinished (…) runs counted apart. */
function countText(cell: HeatmapCell): string {
  const parts = [`n=${cell.summary?.n ?? 0}`];
  if (cell.failed) parts.push(`✗${cell.failed}`);
  if (cell.unfinished) parts.push(`…${cell.unfinished}`);
  return parts.join(' ');
}

function Message({ lines, width, height }: { lines: string[]; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.map((l, i) => (
        <Text key={i} color={i === 0 ? 'yellow' : undefined} dimColor={i > 0} wrap="truncate-end">
          {l}
        </Text>
      ))}
    </Box>
  );
}

function headerLines(model: HeatmapModel, params: string[], settings: Settings): Styled[][] {
  const dir = model.lowerIsBetter === null ? '' : model.lowerIsBetter ? ' (lower is better)' : ' (higher is better)';
  const others = params.filter((p) => p !== model.rowParam && p !== model.colParam);
  const over = [settings.grouped ? 'seeds' : '', ...others].filter(Boolean);
  const what = settings.grouped ? 'mean±std over the finished runs' : 'mean over the finished runs';
  const value = settings.values === 'best' ? ' (best epoch where logged per epoch)' : '';
  return [
    [
      { text: `${model.metric}`, bold: true, color: 'cyan' },
      { text: `${dir}   rows: ${model.rowParam}   columns: ${model.colParam}` },
    ],
    [
      {
        text: `${what}${value}${over.length ? ` (over ${over.join(', ')})` : ''}; ★ best; · no finished run${settings.grouped ? '; ✗ failed, … unfinished' : ''}`,
        dim: true,
      },
    ],
  ];
}

export function HeatmapView({ model, params, metrics, settings, width, height }: HeatmapViewProps) {
  if (params.length < 2 || !model) {
    return (
      <Message
        lines={[
          `Cross-analysis needs a sweep over two parameters; this one sweeps ${params.length === 0 ? 'none' : params.join(', ')}${settings.grouped ? ' besides the seed' : ''}.`,
          'Example: configs/cross.yaml (hidden units x number of characters).',
        ]}
        width={width}
        height={height}
      />
    );
  }
  if (metrics.length === 0)
    return <Message lines={['No finished run has metrics yet.']} width={width} height={height} />;
  const grouped = settings.grouped;
  const rowLabels = model.rowValues.map(formatValue);
  const colLabels = model.colValues.map(formatValue);
  const rowTitle = model.rowParam.split('.').pop() ?? model.rowParam;
  const labelW = Math.min(16, Math.max(rowTitle.length, ...rowLabels.map((l) => l.length)));
  const texts = model.stats.flat().flatMap((c) => [valueText(c, grouped), grouped ? countText(c) : '']);
  const cellW = Math.max(
    7,
    Math.min(18, Math.max(...texts.map((t) => t.length + 2), ...colLabels.map((l) => l.length + 1))),
  );
  const fitsCols = Math.max(1, Math.floor((width - labelW - 1) / cellW));
  const fitsRows = Math.max(1, Math.floor((height - 6) / (grouped ? 2 : 1)));
  const span = model.max !== null && model.min !== null ? model.max - model.min : 0;
  const goodness = (v: number) => {
    const t = span > 0 ? (v - (model.min ?? 0)) / span : 1;
    return model.lowerIsBetter === true ? 1 - t : t;
  };
  const lines = headerLines(model, params, settings);
  lines.push([
    { text: `${fit(rowTitle, labelW)} `, dim: true },
    ...colLabels.slice(0, fitsCols).map((l) => ({ text: `${fit(l, cellW - 1, 'right')} `, bold: true })),
  ]);
  model.stats.slice(0, fitsRows).forEach((row, r) => {
    const values: Styled[] = [{ text: `${fit(rowLabels[r], labelW, 'right')} `, bold: true }];
    const counts: Styled[] = [{ text: `${fit('', labelW)} ` }];
    row.slice(0, fitsCols).forEach((cell, c) => {
      const isBest = model.best !== null && model.best.row === r && model.best.col === c;
      const text = fit((isBest ? '★' : '') + valueText(cell, grouped), cellW - 1, 'right');
      if (cell.summary) {
        values.push({ text, color: 'black', backgroundColor: heatColor(goodness(cell.summary.mean)), bold: isBest });
      } else values.push({ text, dim: true });
      values.push({ text: ' ' });
      counts.push({
        text: `${fit(countText(cell), cellW - 1, 'right')} `,
        dim: true,
        color: cell.failed ? 'red' : undefined,
      });
    });
    lines.push(values);
    if (grouped) lines.push(counts);
  });
  const hidden: string[] = [];
  if (model.stats.length > fitsRows) hidden.push(`${model.stats.length - fitsRows} rows`);
  if (model.colValues.length > fitsCols) hidden.push(`${model.colValues.length - fitsCols} columns`);
  if (hidden.length) lines.push([{ text: `… ${hidden.join(' and ')} do not fit; enlarge the terminal`, dim: true }]);
  if (model.min !== null && model.max !== null) {
    const [worst, best] = model.lowerIsBetter ? [model.max, model.min] : [model.min, model.max];
    lines.push([
      { text: 'scale ', dim: true },
      { text: ` ${formatNumber(worst)} `, color: 'black', backgroundColor: heatColor(0) },
      { text: ' … ', dim: true },
      { text: ` ${formatNumber(best)} `, color: 'black', backgroundColor: heatColor(1) },
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
