import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '@rbm-lab/datasets';
import type { RunRecord, RunStoreReader, SweepSummary } from '../store/types.js';
import {
  curveMetricNames,
  finalMetricNames,
  independentParams,
  formatParamValue,
  formatRunParams,
  metricAxisTitle,
  metricUnit,
  slug,
  type ReportRun,
} from './data.js';
import { baselineFlags } from '../checks/baseline-flags.js';
import { formatNumber } from '../format.js';
import { metricDirection } from '../metric-direction.js';
import { trainingCurvesSpec } from './curve-figure.js';
import { colourParamFor, heatmapSpec, metricsVsParamSpec } from './figures.js';
import { samplesStripFigure, samplesStripRows } from './strips.js';
import { groupRuns, SEED_PARAM, varyingParamsFirst } from '../analysis/group-runs.js';
import { montageSvg, samplesGridPng, upscalePng, type MontageTile, type PixelImage } from './montage.js';
import { rasteriseSvg, renderVegaLitePng } from './render.js';
import { ensureFolder } from '../store/fs-checks.js';

export class ReportError extends UserError {}

export interface SweepReport {
  /** Absolute path of report.md. */
  markdownPath: string;
  /** Absolute paths of the PNG figures, in the order report.md shows them. */
  figures: string[];
}

const SAMPLES_PER_RUN = 16;
/** Names of the files a report writes, so a rewrite can clear its own old figures and nothing else. */
const REPORT_FILE = /^((metrics-vs|heatmap|curves)-.+\.png|samples\.png|samples-over-epochs\.png|report\.md)$/;

export interface ReportOptions {
  /** Summarise runs that differ only by seed (error bars, mean curves); default: when the sweep has seeds. */
  group?: boolean;
  /** EMA weight of the training curves, in [0, 1); 0 (default) draws them raw. */
  smooth?: number;
  /** Training curves on a log y axis where their values have one sign. */
  log?: boolean;
}

/** Report directory for a sweep when none is given: `<artifact root>/<sweep name>/report`. */
export function defaultReportDir(reader: RunStoreReader, sweep: SweepSummary): string {
  return join(reader.artifactRoot, slug(sweep.name), 'report');
}

async function toReportRuns(reader: RunStoreReader, records: RunRecord[]): Promise<ReportRun[]> {
  const curves = await reader.getEpochMetricsOfRuns(records.map((run) => run.id));
  return records.map((run) => ({
    id: run.id,
    index: run.index,
    status: run.status,
    params: run.params,
    seed: run.seed,
    metrics: run.metrics,
    curves: curves.get(run.id) ?? {},
  }));
}

function runLabel(run: ReportRun, sweptParams: string[]): string {
  const params = formatRunParams(run.params, sweptParams);
  return params ? `${params}, seed=${run.seed}` : `seed=${run.seed}`;
}

async function runSamplesImage(reader: RunStoreReader, runId: string): Promise<PixelImage | undefined> {
  const samples = await reader.getSamples(runId);
  if (samples && samples.n > 0) return samplesGridPng(samples, { maxImages: SAMPLES_PER_RUN, columns: 8 });
  const artifact = (await reader.listArtifacts(runId)).find((candidate) => candidate.kind === 'samples_png');
  if (!artifact) return undefined;
  // A missing or unreadable artifact shows as "no samples" rather than failing the report.
  const png = await reader.readArtifact(artifact);
  return png === undefined ? undefined : upscalePng(Buffer.from(png), 480);
}

function markdownTable(header: string[], rows: string[][]): string {
  const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    `| ${header.map(escapeCell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

function configDescription(config: unknown): string | undefined {
  if (config && typeof config === 'object' && 'description' in config) {
    const description = (config as { description: unknown }).description;
    if (typeof description === 'string' && description.trim()) return description.trim();
  }
  return undefined;
}

/** What every section of a report reads: the sweep, its runs, the choices, and where figures go. */
interface ReportContext {
  reader: RunStoreReader;
  sweep: SweepSummary;
  records: RunRecord[];
  runs: ReportRun[];
  /** Runs with final metrics. */
  withMetrics: ReportRun[];
  metricNames: string[];
  /** The swept parameters plotted against (independent, no seed), and those that move with one of them. */
  swept: string[];
  movesWith: Map<string, string>;
  grouped: boolean;
  options: ReportOptions;
  /** Writes a figure into the report folder; returns its file name. */
  save: (file: string, png: Buffer) => Promise<string>;
}

const image = (alt: string, file: string) => `![${alt}](${encodeURI(file)})`;

async function metricSections(ctx: ReportContext): Promise<string[]> {
  const { withMetrics, swept, movesWith, grouped } = ctx;
  // Figures show the metrics that rank runs; diagnostics, timings and counts stay in the runs table.
  const main = ctx.sweep.mainMetric;
  const metricNames = ctx.metricNames.filter((name) => metricDirection(name, main) !== null);
  if (metricNames.length === 0 || swept.length === 0) return [];
  const parts = ['## Final metrics against each swept parameter', ''];
  for (const param of swept) {
    const file = await ctx.save(
      `metrics-vs-${slug(param)}.png`,
      await renderVegaLitePng(metricsVsParamSpec(withMetrics, param, metricNames, swept, grouped)),
    );
    const colour = colourParamFor(withMetrics, swept, param);
    const partners = [...movesWith].filter(([, with_]) => with_ === param).map(([dropped]) => dropped);
    parts.push(
      partners.length > 0 ? `### ${param} (moves together with ${partners.join(', ')})` : `### ${param}`,
      '',
      image(`final metrics against ${param}`, file),
      '',
      grouped
        ? `Line: mean over ${colour ? `seeds, one colour per ${colour}` : 'seeds and the other swept parameters'}; ` +
            'bars: ± one sample standard deviation over those runs; dots: individual runs.'
        : 'One dot per run (not grouped over seeds).',
      '',
    );
  }
  return [parts.join('\n')];
}

/**
 * The main metric over the first two swept parameters that vary among the runs reporting it: a study's baseline
 * runs add `model.type` to the swept parameters, but they report other metrics, so the heatmap stays on the
 * study's own axes (cross.yaml: hidden units x characters).
 */
async function heatmapSections(ctx: ReportContext): Promise<string[]> {
  const { withMetrics, grouped } = ctx;
  const main = ctx.sweep.mainMetric;
  const scored = withMetrics.filter((run) => Number.isFinite(run.metrics[main.name]));
  const swept = varyingParamsFirst(scored, ctx.swept);
  if (swept.length < 2) return [];
  const [xParam, yParam] = swept;
  const file = await ctx.save(
    `heatmap-${slug(main.name)}.png`,
    await renderVegaLitePng(heatmapSpec(scored, xParam, yParam, main.name, main.lowerIsBetter, grouped)),
  );
  const text =
    `${grouped ? 'Mean ± std' : 'Mean'} of ${metricAxisTitle(main.name)} over seeds` +
    (swept.length > 2 ? ` and ${swept.slice(2).join(', ')}` : '') +
    `; ${main.lowerIsBetter ? 'lower' : 'higher'} is better.`;
  return [
    [`## ${main.name} over ${xParam} x ${yParam}`, '', image(`heatmap of ${main.name}`, file), '', text, ''].join('\n'),
  ];
}

/** One figure per per-epoch metric. */
async function curveSections(ctx: ReportContext): Promise<string[]> {
  const names = curveMetricNames(ctx.runs);
  if (names.length === 0) return [];
  const parts = ['## Training curves', ''];
  const options = {
    groupBy: ctx.grouped ? ctx.sweep.sweptParams : undefined,
    smooth: ctx.options.smooth ?? 0,
    log: ctx.options.log === true,
  };
  for (const metric of names) {
    const spec = trainingCurvesSpec(ctx.runs, metric, ctx.swept, options);
    const file = await ctx.save(`curves-${slug(metric)}.png`, await renderVegaLitePng(spec));
    parts.push(`### ${metric}`, '', image(`${metric} per epoch`, file), '');
  }
  return [parts.join('\n')];
}

/** Samples over training: one strip per run, or per group (its first run with such samples). */
async function stripSections(ctx: ReportContext): Promise<string[]> {
  const { runs, swept } = ctx;
  const subjects = ctx.grouped
    ? groupRuns(runs, ctx.sweep.sweptParams, { metrics: [] }).map((group) => ({
        label: formatRunParams(group.params, swept) || 'runs',
        runIds: group.runs.map((run) => run.id),
      }))
    : runs.map((run) => ({ label: runLabel(run, swept), runIds: [run.id] }));
  const strips = await samplesStripRows(ctx.reader, subjects);
  if (strips.length === 0) return [];
  const file = await ctx.save('samples-over-epochs.png', rasteriseSvg(samplesStripFigure(ctx.sweep.name, strips), 2));
  return [['## Samples over training', '', image('generated samples at successive epochs', file), ''].join('\n')];
}

/** Every run's final samples in one picture. */
async function montageSections(ctx: ReportContext): Promise<string[]> {
  const main = ctx.sweep.mainMetric;
  const tiles: MontageTile[] = [];
  for (const run of ctx.runs) {
    const mainValue = run.metrics[main.name];
    const second =
      run.status !== 'finished'
        ? run.status
        : mainValue !== undefined
          ? `${main.name} = ${formatNumber(mainValue, 3)}`
          : 'finished';
    tiles.push({ lines: [runLabel(run, ctx.swept), second], image: await runSamplesImage(ctx.reader, run.id) });
  }
  if (!tiles.some((tile) => tile.image))
    return ['## Generated samples\n\nNo run of this sweep recorded generated samples.\n'];
  const svg = montageSvg(
    `Generated samples: ${ctx.sweep.name}`,
    `up to ${SAMPLES_PER_RUN} generated images per run (white = pixel on); label: swept parameters, seed, ${main.name}`,
    tiles,
  );
  const file = await ctx.save('samples.png', rasteriseSvg(svg, 2));
  return [['## Generated samples', '', image('generated samples of every run', file), ''].join('\n')];
}

function headerLines(ctx: ReportContext): string[] {
  const { sweep, runs, swept, options } = ctx;
  const main = sweep.mainMetric;
  const best = sweep.best ? runs.find((run) => run.id === sweep.best?.runId) : undefined;
  const counts = Object.entries(sweep.counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  return [
    `# Sweep report: ${sweep.name}`,
    '',
    ...(configDescription(sweep.config) ? [configDescription(sweep.config) as string, ''] : []),
    `- Config: \`${sweep.configPath}\` (sweep id \`${sweep.id}\`)`,
    `- Runs: ${sweep.totalRuns} planned; ${counts || 'none recorded'}`,
    `- Swept parameters: ${swept.length ? swept.map((param) => `\`${param}\``).join(', ') : 'none'}; ` +
      `seeds: ${[...new Set(runs.map((run) => run.seed))].sort((a, b) => a - b).join(', ') || 'none'}`,
    `- Figures: ${ctx.grouped ? 'grouped over seeds (mean ± std, n)' : 'one point or line per run'}` +
      `${options.smooth ? `; curves smoothed (EMA ${options.smooth}, raw faint)` : ''}` +
      `${options.log ? '; curves on a log axis' : ''}`,
    `- Main metric: \`${main.name}\` (${metricUnit(main.name) ?? 'no unit known'}; ${main.lowerIsBetter ? 'lower' : 'higher'} is better)`,
    ...(sweep.best && best
      ? [`- Best run: \`${best.id}\` (${runLabel(best, swept)}): ${main.name} = ${formatNumber(sweep.best.value)}`]
      : []),
    `- Report written ${new Date().toISOString()}`,
    '',
  ];
}

/** Runs whose test log-likelihood is below a baseline trained on the same data, flagged (see baselineFlags). */
function baselineLines({ records, swept }: ReportContext): string[] {
  const flags = baselineFlags(records);
  if (flags.length === 0) return [];
  const rows = flags.map((flag) => {
    const record = records.find((candidate) => candidate.id === flag.runId);
    const baselines = flag.baselines.map((b) => `${b.modelType} ${formatNumber(b.value)}`).join(', ');
    const verdict = flag.belowBaseRate
      ? 'BELOW the base rate'
      : flag.belowAny
        ? 'below a baseline'
        : 'above the baselines';
    return [
      flag.runId.slice(0, 10),
      ...swept.map((param) => formatParamValue(record?.params[param])),
      `${flag.metric} ${formatNumber(flag.value)}`,
      baselines,
      verdict,
    ];
  });
  const below = flags.filter((flag) => flag.belowAny).length;
  return [
    '## Against the baselines',
    '',
    `${below} of ${flags.length} runs score a lower test log-likelihood than a baseline trained on the same images.`,
    '',
    markdownTable(['run', ...swept, 'log-likelihood (nats/image)', 'baselines', 'verdict'], rows),
    '',
  ];
}

function runsTableLines({ records, swept, metricNames }: ReportContext): string[] {
  return [
    '## Runs',
    '',
    markdownTable(
      ['run', ...swept, 'seed', 'status', ...metricNames, 'duration (s)', 'backend'],
      records.map((record) => [
        record.id.slice(0, 10),
        ...swept.map((param) => formatParamValue(record.params[param])),
        String(record.seed),
        record.status,
        ...metricNames.map((name) => (record.metrics[name] !== undefined ? formatNumber(record.metrics[name]) : '')),
        record.durationMs !== null ? (record.durationMs / 1000).toFixed(1) : '',
        record.backend ?? '',
      ]),
    ),
    '',
  ];
}

async function requireSweep(reader: RunStoreReader, sweepIdOrName: string): Promise<SweepSummary> {
  const sweep = await reader.getSweep(sweepIdOrName);
  if (sweep) return sweep;
  const known = (await reader.listSweeps()).map((candidate) => candidate.name);
  throw new ReportError(
    `no sweep named or with id "${sweepIdOrName}" in the database` +
      (known.length ? `; known sweeps: ${known.join(', ')}` : '; it holds no sweeps yet'),
  );
}

/**
 * Writes the figures of a sweep (final metrics against each swept parameter, a
 * heatmap for two-parameter grids, training curves, samples over training, a
 * samples montage) as PNGs and a report.md embedding them with relative links.
 */
export async function writeSweepReport(
  reader: RunStoreReader,
  sweepIdOrName: string,
  outDir?: string,
  options: ReportOptions = {},
): Promise<SweepReport> {
  const sweep = await requireSweep(reader, sweepIdOrName);
  const dir = outDir ?? defaultReportDir(reader, sweep);
  ensureFolder(dir, 'report --out');
  // Figures of an earlier report (say, before a parameter was added) would linger unlinked.
  for (const file of await readdir(dir)) {
    if (REPORT_FILE.test(file)) await rm(join(dir, file), { force: true });
  }
  const records = (await reader.listRuns(sweep.id)).sort((a, b) => a.index - b.index);
  const runs = await toReportRuns(reader, records);
  const withMetrics = runs.filter((run) => Object.keys(run.metrics).length > 0);
  // Seeds are repeats to average over, not a parameter to plot against (sweptParams lists 'seed' when there are several).
  const { kept: swept, movesWith } = independentParams(
    runs,
    sweep.sweptParams.filter((param) => param !== SEED_PARAM),
  );
  const figures: string[] = [];
  const ctx: ReportContext = {
    reader,
    sweep,
    records,
    runs,
    withMetrics,
    metricNames: finalMetricNames(withMetrics, sweep.mainMetric.name),
    swept,
    movesWith,
    grouped: options.group ?? sweep.sweptParams.includes(SEED_PARAM),
    options,
    save: async (file, png) => {
      const path = join(dir, file);
      await writeFile(path, png);
      figures.push(path);
      return file;
    },
  };
  const sections: string[] = [];
  for (const section of [metricSections, heatmapSections, curveSections, stripSections, montageSections])
    sections.push(...(await section(ctx)));
  const markdownPath = join(dir, 'report.md');
  await writeFile(
    markdownPath,
    [...headerLines(ctx), ...baselineLines(ctx), ...sections, ...runsTableLines(ctx)].join('\n'),
  );
  return { markdownPath, figures };
}
