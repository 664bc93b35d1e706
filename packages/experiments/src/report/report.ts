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
import { colourParamFor, formatNumber, heatmapSpec, metricsVsParamSpec, trainingCurvesSpec } from './figures.js';
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
const REPORT_FILE = /^((metrics-vs|heatmap|curves)-.+\.png|samples\.png|report\.md)$/;

/** Report directory for a sweep when none is given: `<artifact root>/<sweep name>/report`. */
export function defaultReportDir(reader: RunStoreReader, sweep: SweepSummary): string {
  return join(reader.artifactRoot, slug(sweep.name), 'report');
}

async function toReportRun(reader: RunStoreReader, run: RunRecord): Promise<ReportRun> {
  return {
    id: run.id,
    index: run.index,
    status: run.status,
    params: run.params,
    seed: run.seed,
    metrics: run.metrics,
    curves: await reader.getEpochMetrics(run.id),
  };
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

/**
 * Writes the figures of a sweep (final metrics against each swept parameter, a
 * heatmap for two-parameter grids, training curves, a samples montage) as PNGs
 * and a report.md embedding them with relative links.
 */
export async function writeSweepReport(
  reader: RunStoreReader,
  sweepIdOrName: string,
  outDir?: string,
): Promise<SweepReport> {
  const sweep = await reader.getSweep(sweepIdOrName);
  if (!sweep) {
    const known = (await reader.listSweeps()).map((candidate) => candidate.name);
    throw new ReportError(
      `no sweep named or with id "${sweepIdOrName}" in the database` +
        (known.length ? `; known sweeps: ${known.join(', ')}` : '; it holds no sweeps yet'),
    );
  }
  const dir = outDir ?? defaultReportDir(reader, sweep);
  ensureFolder(dir, 'report --out');
  // Figures of an earlier report (say, before a parameter was added) would linger unlinked.
  for (const file of await readdir(dir)) {
    if (REPORT_FILE.test(file)) await rm(join(dir, file), { force: true });
  }

  const records = (await reader.listRuns(sweep.id)).sort((a, b) => a.index - b.index);
  const runs: ReportRun[] = [];
  for (const record of records) runs.push(await toReportRun(reader, record));
  const withMetrics = runs.filter((run) => Object.keys(run.metrics).length > 0);
  const main = sweep.mainMetric;
  const metricNames = finalMetricNames(withMetrics, main.name);
  // Seeds are repeats to average over, not a parameter to plot against (sweptParams lists 'seed' when there are several).
  const { kept: swept, movesWith } = independentParams(
    runs,
    sweep.sweptParams.filter((param) => param !== 'seed'),
  );

  const figures: string[] = [];
  const sections: string[] = [];
  const save = async (file: string, png: Buffer): Promise<string> => {
    const path = join(dir, file);
    await writeFile(path, png);
    figures.push(path);
    return file;
  };
  const image = (alt: string, file: string) => `![${alt}](${encodeURI(file)})`;

  // Final metrics against each swept parameter.
  if (metricNames.length > 0 && swept.length > 0) {
    const parts = ['## Final metrics against each swept parameter', ''];
    for (const param of swept) {
      const file = await save(
        `metrics-vs-${slug(param)}.png`,
        await renderVegaLitePng(metricsVsParamSpec(withMetrics, param, metricNames, swept)),
      );
      const colour = colourParamFor(withMetrics, swept, param);
      const partners = [...movesWith].filter(([, with_]) => with_ === param).map(([dropped]) => dropped);
      parts.push(
        partners.length > 0 ? `### ${param} (moves together with ${partners.join(', ')})` : `### ${param}`,
        '',
        image(`final metrics against ${param}`, file),
        '',
        `Line: mean over ${colour ? `seeds, one colour per ${colour}` : 'seeds and the other swept parameters'}; ` +
          'bars: min-max over those runs; dots: individual runs.',
        '',
      );
    }
    sections.push(parts.join('\n'));
  }

  // Heatmap of the main metric over the first two swept parameters.
  if (swept.length >= 2 && withMetrics.some((run) => Number.isFinite(run.metrics[main.name]))) {
    const [xParam, yParam] = swept;
    const file = await save(
      `heatmap-${slug(main.name)}.png`,
      await renderVegaLitePng(heatmapSpec(withMetrics, xParam, yParam, main.name, main.lowerIsBetter)),
    );
    sections.push(
      [
        `## ${main.name} over ${xParam} x ${yParam}`,
        '',
        image(`heatmap of ${main.name}`, file),
        '',
        `Mean of ${metricAxisTitle(main.name)} over seeds` +
          (swept.length > 2 ? ` and ${swept.slice(2).join(', ')}` : '') +
          `; ${main.lowerIsBetter ? 'lower' : 'higher'} is better.`,
        '',
      ].join('\n'),
    );
  }

  // Training curves, one figure per per-epoch metric.
  const curveNames = curveMetricNames(runs);
  if (curveNames.length > 0) {
    const parts = ['## Training curves', ''];
    for (const metric of curveNames) {
      const file = await save(
        `curves-${slug(metric)}.png`,
        await renderVegaLitePng(trainingCurvesSpec(runs, metric, swept)),
      );
      parts.push(`### ${metric}`, '', image(`${metric} per epoch`, file), '');
    }
    sections.push(parts.join('\n'));
  }

  // Samples montage.
  const tiles: MontageTile[] = [];
  for (const run of runs) {
    const mainValue = run.metrics[main.name];
    const second =
      run.status !== 'finished'
        ? run.status
        : mainValue !== undefined
          ? `${main.name} = ${formatNumber(mainValue)}`
          : 'finished';
    tiles.push({ lines: [runLabel(run, swept), second], image: await runSamplesImage(reader, run.id) });
  }
  if (tiles.some((tile) => tile.image)) {
    const svg = montageSvg(
      `Generated samples: ${sweep.name}`,
      `up to ${SAMPLES_PER_RUN} generated images per run (white = pixel on); label: swept parameters, seed, ${main.name}`,
      tiles,
    );
    const file = await save('samples.png', rasteriseSvg(svg, 2));
    sections.push(['## Generated samples', '', image('generated samples of every run', file), ''].join('\n'));
  } else {
    sections.push('## Generated samples\n\nNo run of this sweep recorded generated samples.\n');
  }

  const best = sweep.best ? runs.find((run) => run.id === sweep.best?.runId) : undefined;
  const counts = Object.entries(sweep.counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const header = [
    `# Sweep report: ${sweep.name}`,
    '',
    ...(configDescription(sweep.config) ? [configDescription(sweep.config) as string, ''] : []),
    `- Config: \`${sweep.configPath}\` (sweep id \`${sweep.id}\`)`,
    `- Runs: ${sweep.totalRuns} planned; ${counts || 'none recorded'}`,
    `- Swept parameters: ${swept.length ? swept.map((param) => `\`${param}\``).join(', ') : 'none'}; ` +
      `seeds: ${[...new Set(runs.map((run) => run.seed))].sort((a, b) => a - b).join(', ') || 'none'}`,
    `- Main metric: \`${main.name}\` (${metricUnit(main.name) ?? 'no unit known'}; ${main.lowerIsBetter ? 'lower' : 'higher'} is better)`,
    ...(sweep.best && best
      ? [`- Best run: \`${best.id}\` (${runLabel(best, swept)}): ${main.name} = ${formatNumber(sweep.best.value)}`]
      : []),
    `- Report written ${new Date().toISOString()}`,
    '',
  ];
  const runsTable = [
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
  const markdownPath = join(dir, 'report.md');
  await writeFile(markdownPath, [...header, ...sections, ...runsTable].join('\n'));
  return { markdownPath, figures };
}
