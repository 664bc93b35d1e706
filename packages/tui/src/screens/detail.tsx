// @jsxRuntime automatic
// @jsxImportSource react
import { Box } from 'ink';
import { countStatuses, formatNumber, type RunRecord, type SweepSummary, summarize } from '@rbm-lab/experiments';
import { SERIES_COLORS } from '../chart.js';
import type { SubjectData } from '../data/hooks.js';
import { formatDuration, truncate } from '../format.js';
import { sampleGridLines } from '../samples.js';
import { fit, Line, STATUS_COLORS, type Styled, TextLines, Title } from '../ui.js';
import { runLabel, subjectConfig } from '../view-model/compare.js';
import { curveNames, curveNote, cycled, subjectSeries } from '../view-model/curves.js';
import { lowerIsBetter, metricNames } from '../view-model/metrics.js';
import { runDurationMs } from '../view-model/runs-table.js';
import { type CurveScreenProps, Curves } from './curves.js';
import wrapAnsi from 'wrap-ansi';

export interface DetailViewProps extends CurveScreenProps {
  subject: SubjectData;
  label: string;
}

function errorLines(error: string, width: number, maxLines: number): Styled[] {
  const lines: Styled[] = [];
  for (const raw of error.split('\n').slice(0, maxLines)) {
    for (let i = 0; i < Math.max(1, raw.length); i += width)
      lines.push({ text: raw.slice(i, i + width), color: 'red' });
  }
  return lines;
}

function runHeader(run: RunRecord, width: number): Styled[] {
  const lines: Styled[] = [
    { text: `run ${run.id.slice(0, 12)}  #${run.index + 1}`, bold: true },
    { text: `status ${run.status}  epoch ${run.epoch}/${run.epochs}`, color: STATUS_COLORS[run.status] },
    {
      text: `seed ${run.seed}  time ${formatDuration(runDurationMs(run, Date.now()))}${run.status === 'running' ? ' so far' : ''}`,
    },
    { text: `backend ${run.backend ?? '-'}${run.backendDetail ? ` (${run.backendDetail})` : ''}` },
  ];
  if (run.startedAt) lines.push({ text: `started ${run.startedAt.replace('T', ' ').slice(0, 19)}` });
  lines.push(...annotationLines([run], width), ...warningLines([run], width));
  if (run.error) lines.push({ text: 'error:', color: 'red', bold: true }, ...errorLines(run.error, width, 6));
  return lines;
}

/** A text wrapped at word boundaries into lines of at most `width` columns (longer words cut), in one colour. */
function wrapped(text: string, width: number, color: Styled['color']): Styled[] {
  return wrapAnsi(text, width, { hard: true, trim: true })
    .split('\n')
    .map((line) => ({ text: line, color }));
}

/** Tags and notes (`rbm-lab tag`, `rbm-lab note`); a group's notes with the run they belong to. */
function annotationLines(runs: RunRecord[], width: number): Styled[] {
  const lines: Styled[] = [];
  const tags = [...new Set(runs.flatMap((r) => r.tags))];
  if (tags.length > 0) lines.push({ text: `tags ${tags.join(', ')}`, color: 'cyan' });
  for (const run of runs) {
    if (run.note === null || run.note === '') continue;
    const who = runs.length > 1 ? `${runLabel(run)}: ` : '';
    const text = `note ${who}${run.note}`;
    lines.push(...wrapped(text, width, 'magenta'));
  }
  return lines;
}

/** The cautions stored with finished runs (a likelihood below the base rate, mode collapse, ...), wrapped. */
export function warningLines(runs: RunRecord[], width: number): Styled[] {
  const lines: Styled[] = [];
  for (const run of runs) {
    for (const warning of run.warnings) {
      const who = runs.length > 1 ? `${runLabel(run)}: ` : '';
      const text = `! ${who}${warning.message}`;
      lines.push(...wrapped(text, width, 'yellow'));
    }
  }
  return lines;
}

function groupHeader(label: string, runs: RunRecord[], width: number): Styled[] {
  const counts = countStatuses(runs);
  const status = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const time = summarize(runs.map((r) => runDurationMs(r, Date.now())))?.mean ?? null;
  const lines: Styled[] = [
    { text: `group ${label}: ${runs.length} runs that differ only by seed`, bold: true },
    { text: `status ${status}`, color: counts.failed ? 'red' : counts.finished === runs.length ? 'green' : 'yellow' },
    { text: `mean time ${formatDuration(time)}` },
    ...annotationLines(runs, width),
    ...warningLines(runs, width),
    { text: 'runs', bold: true },
  ];
  for (const run of runs) {
    lines.push({ text: `${runLabel(run)}  seed ${run.seed}  ${run.status}`, color: STATUS_COLORS[run.status] });
    if (run.error) lines.push(...errorLines(run.error, width, 1));
  }
  return lines;
}

/** Final metrics: a run's values, or a group's mean ± std over its finished runs with n. */
function metricLines(runs: RunRecord[], sweep: SweepSummary | undefined): Styled[] {
  const names = metricNames(runs, sweep?.mainMetric.name).filter((n) =>
    runs.some((r) => typeof r.metrics[n] === 'number'),
  );
  if (names.length === 0) return [];
  const group = runs.length > 1;
  const keyW = Math.min(24, Math.max(...names.map((n) => n.length)));
  const lines: Styled[] = [{ text: group ? 'final metrics (mean ± std, n)' : 'final metrics', bold: true }];
  for (const n of names) {
    const dir = lowerIsBetter(n, sweep?.mainMetric);
    const arrow = dir === null ? ' ' : dir ? '↓' : '↑';
    const s = summarize(runs.map((r) => r.metrics[n]));
    if (s === undefined) continue;
    const spread = group ? `${s.std === undefined ? '' : ` ± ${formatNumber(s.std, 3)}`}  n=${s.n}` : '';
    lines.push({ text: `${fit(n, keyW)} ${arrow} ${formatNumber(s.mean)}${spread}` });
  }
  return lines;
}

function infoLines(subject: SubjectData, label: string, sweep: SweepSummary | undefined, width: number): Styled[] {
  const runs = subject.runs;
  const lines = runs.length === 1 ? runHeader(runs[0], width) : groupHeader(label, runs, width);
  lines.push(...metricLines(runs, sweep));
  lines.push({ text: 'config', bold: true });
  const config = subjectConfig(runs);
  const swept = new Set(Object.keys(runs[0]?.params ?? {}));
  const keyW = Math.min(28, Math.max(4, ...[...config.keys()].map((k) => k.length)));
  for (const [k, v] of config) lines.push({ text: `${fit(k, keyW)} ${v}`, color: swept.has(k) ? 'cyan' : undefined });
  return lines.map((l) => ({ ...l, text: truncate(l.text, width) }));
}

/** Where the shown samples sit among the run's: `epoch 30 (3 of 11) , . scrub`, or `final (11 of 11)`. */
export function samplesPosition(subject: SubjectData): string {
  const positions = subject.sampleEpochs.length + (subject.finalSamples ? 1 : 0);
  if (positions === 0) return '';
  const at = subject.samplesEpoch === undefined ? positions : subject.sampleEpochs.indexOf(subject.samplesEpoch) + 1;
  const where = subject.samplesEpoch === undefined ? 'final' : `epoch ${subject.samplesEpoch}`;
  const count = at > 0 ? ` (${at} of ${positions})` : ' (not sampled for this run)';
  return positions > 1 ? `${where}${count}  , . scrub` : where;
}

function samplesTitle(subject: SubjectData): string {
  const s = subject.samples;
  const position = samplesPosition(subject);
  if (!s) return position ? `generated samples: ${position}` : 'generated samples';
  const of = subject.runs.length > 1 && subject.samplesOf ? ` of ${runLabel(subject.samplesOf)}` : '';
  return `generated samples${of} (${s.n}, ${s.height}x${s.width}): ${position}`;
}

export function DetailView({ subject, label, sweep, settings, metricIndex, width, height }: DetailViewProps) {
  const names = curveNames(subject.curves, sweep?.mainMetric.name);
  const metric = cycled(names, metricIndex);
  const series = metric ? subjectSeries(label, subject.curves, metric, SERIES_COLORS[0], settings.smoothing) : [];
  const note = curveNote(settings.smoothing, subject.runs.length > 1);
  const wide = width >= 90;
  const infoW = wide ? Math.min(48, Math.floor(width * 0.38)) : width;
  const rightW = wide ? width - infoW - 2 : width;
  const info = infoLines(subject, label, sweep, infoW);
  const infoH = wide ? height : Math.min(info.length, Math.max(3, Math.floor(height * 0.35)));
  const rightH = wide ? height : height - infoH;
  const chartH = Math.max(0, Math.min(14, Math.floor(rightH * 0.45)));
  const samplesH = Math.max(0, rightH - chartH - 2);
  const grid = subject.samples ? sampleGridLines(subject.samples, rightW, samplesH) : [];
  const finished = subject.runs.some((r) => r.status === 'finished');
  const title = metric
    ? `curve: ${metric}${names.length > 1 ? `  (m: next of ${names.length})` : ''}${note ? `  ${note}` : ''}`
    : 'curves';
  const right = (
    <Box flexDirection="column" width={rightW} height={rightH}>
      <Title>{title}</Title>
      <Curves series={series} width={rightW} height={Math.max(0, chartH)} logScale={settings.logScale} />
      <Title>{samplesTitle(subject)}</Title>
      <TextLines
        lines={grid}
        empty={
          subject.samples
            ? 'no room to draw samples: enlarge the terminal'
            : subject.samplesEpoch !== undefined
              ? `no samples at epoch ${subject.samplesEpoch} for this run`
              : finished
                ? 'no samples recorded'
                : 'samples appear as the run trains (eval.sample_every) or when it finishes'
        }
      />
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
