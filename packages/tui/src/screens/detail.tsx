// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import type { RunRecord, SweepSummary } from '@rbm-lab/experiments';
import { SERIES_COLORS } from '../chart.js';
import { flattenConfig, formatDuration, formatValue, truncate } from '../format.js';
import { sampleGridLines, type Samples } from '../samples.js';
import { Line, STATUS_COLORS, Title, fit } from '../ui.js';
import { lowerIsBetter, metricNames, runDurationMs } from '../view-model.js';
import { Curves } from './curves.js';

export interface DetailViewProps {
  run: RunRecord;
  sweep: SweepSummary | undefined;
  epochMetrics: Record<string, Array<{ step: number; value: number }>>;
  samples: Samples | undefined;
  metricIndex: number;
  width: number;
  height: number;
}

/** Names of per-epoch series: the main metric first. */
export function curveNames(epochMetrics: DetailViewProps['epochMetrics'], main?: string): string[] {
  return orderCurveNames(Object.keys(epochMetrics), main);
}

/** The main metric first, then errors (what training minimises), then the rest alphabetically. */
export function orderCurveNames(names: string[], main?: string): string[] {
  const rank = (n: string) => (n === main ? 0 : /error/.test(n) ? 1 : 2);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function infoLines(
  run: RunRecord,
  sweep: SweepSummary | undefined,
  width: number,
): Array<{ text: string; color?: string; bold?: boolean }> {
  const lines: Array<{ text: string; color?: string; bold?: boolean }> = [];
  lines.push({ text: `run ${run.id.slice(0, 12)}  #${run.index + 1}`, bold: true });
  lines.push({ text: `status ${run.status}  epoch ${run.epoch}/${run.epochs}`, color: STATUS_COLORS[run.status] });
  lines.push({
    text: `seed ${run.seed}  time ${formatDuration(runDurationMs(run, Date.now()))}${run.status === 'running' ? ' so far' : ''}`,
  });
  lines.push({ text: `backend ${run.backend ?? '-'}${run.backendDetail ? ` (${run.backendDetail})` : ''}` });
  if (run.startedAt) lines.push({ text: `started ${run.startedAt.replace('T', ' ').slice(0, 19)}` });
  if (run.error) {
    lines.push({ text: 'error:', color: 'red', bold: true });
    for (const raw of run.error.split('\n').slice(0, 6)) {
      for (let i = 0; i < Math.max(1, raw.length); i += width)
        lines.push({ text: raw.slice(i, i + width), color: 'red' });
    }
  }
  const names = metricNames([run], sweep?.mainMetric.name).filter((n) => typeof run.metrics[n] === 'number');
  if (names.length) {
    lines.push({ text: 'final metrics', bold: true });
    const keyW = Math.min(24, Math.max(...names.map((n) => n.length)));
    for (const n of names) {
      const dir = lowerIsBetter(n, sweep?.mainMetric);
      const arrow = dir === null ? ' ' : dir ? '↓' : '↑';
      lines.push({ text: `${fit(n, keyW)} ${arrow} ${formatValue(run.metrics[n])}` });
    }
  }
  lines.push({ text: 'config', bold: true });
  const flat = flattenConfig(run.config);
  const swept = new Set(Object.keys(run.params));
  const keyW = Math.min(28, Math.max(4, ...flat.map(([k]) => k.length)));
  for (const [k, v] of flat) {
    lines.push({ text: `${fit(k, keyW)} ${formatValue(v)}`, color: swept.has(k) ? 'cyan' : undefined });
  }
  return lines.map((l) => ({ ...l, text: truncate(l.text, width) }));
}

export function DetailView({ run, sweep, epochMetrics, samples, metricIndex, width, height }: DetailViewProps) {
  const names = curveNames(epochMetrics, sweep?.mainMetric.name);
  const metric = names.length ? names[((metricIndex % names.length) + names.length) % names.length] : undefined;
  const series = metric
    ? [{ label: metric, color: SERIES_COLORS[0], points: epochMetrics[metric].map((p) => ({ x: p.step, y: p.value })) }]
    : [];
  const wide = width >= 90;
  const infoW = wide ? Math.min(48, Math.floor(width * 0.38)) : width;
  const rightW = wide ? width - infoW - 2 : width;
  const info = infoLines(run, sweep, infoW);
  const infoH = wide ? height : Math.min(info.length, Math.max(3, Math.floor(height * 0.35)));
  const rightH = wide ? height : height - infoH;
  const chartH = Math.max(0, Math.min(14, Math.floor(rightH * 0.45)));
  const samplesH = Math.max(0, rightH - chartH - 2);
  const grid = samples ? sampleGridLines(samples, rightW, samplesH) : [];
  const right = (
    <Box flexDirection="column" width={rightW} height={rightH}>
      <Title>{metric ? `curve: ${metric}${names.length > 1 ? `  (m: next of ${names.length})` : ''}` : 'curves'}</Title>
      <Curves series={series} width={rightW} height={Math.max(0, chartH)} />
      <Title>
        {samples ? `generated samples (${samples.n}, ${samples.height}x${samples.width})` : 'generated samples'}
      </Title>
      {grid.length ? (
        grid.map((l, i) => (
          <Text key={i} wrap="truncate-end">
            {l}
          </Text>
        ))
      ) : (
        <Text dimColor wrap="truncate-end">
          {samples
            ? 'no room to draw samples: enlarge the terminal'
            : run.status === 'finished'
              ? 'no samples recorded'
              : 'samples appear when the run finishes'}
        </Text>
      )}
    </Box>
  );
  return (
    <Box flexDirection={wide ? 'row' : 'column'} width={width} height={height}>
      <Box flexDirection="column" width={infoW} height={infoH} marginRight={wide ? 2 : 0}>
        {info.slice(0, infoH).map((l, i) => (
          <Line key={i} parts={[l]} />
        ))}
      </Box>
      {rightH > 0 ? right : null}
    </Box>
  );
}
