/**
 * Tables of a sweep for papers and spreadsheets: one row per group of runs
 * that differ only by seed (mean ± sample std over the finished runs, n) or
 * per run, as CSV, Markdown or LaTeX (booktabs). Pure: text in, text out.
 */
import { formatStatusCounts } from '../analysis/group-text.js';
import type { RunGroup } from '../analysis/group-runs.js';
import { roundMeanStd } from '../format.js';
import { metricDirection } from '../metric-direction.js';
import { formatParamValue } from '../report/data.js';
import type { MetricDefinition, SweepSummary } from '../store/types.js';
import { bestIndex } from './format.js';

export type ExportFormat = 'csv' | 'markdown' | 'latex';

/** What a paper table shows: rows (groups; a run is a group of one) and the chosen metrics. */
export interface PaperTable {
  sweep: Pick<SweepSummary, 'name' | 'id' | 'mainMetric'>;
  /** Parameter columns (swept parameters, without the seed when grouped). */
  params: string[];
  metrics: string[];
  groups: RunGroup[];
  /** True: one row per group over seeds; false: one row per run. */
  grouped: boolean;
  definitions: MetricDefinition[];
}

function csvField(value: unknown): string {
  const text =
    value === undefined || value === null
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value as string | number | boolean);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per group: its parameters, run counts per status, and per metric mean, std and n. */
export function groupsToCsv(table: Omit<PaperTable, 'grouped' | 'definitions' | 'sweep'>): string {
  const statuses = ['finished', 'failed', 'running', 'pending', 'interrupted'] as const;
  const head = [
    ...table.params,
    'runs',
    ...statuses.map((s) => `n_${s}`),
    ...table.metrics.flatMap((m) => [`${m}_mean`, `${m}_std`, `${m}_n`]),
  ];
  const lines = [head.map(csvField).join(',')];
  for (const group of table.groups) {
    const row = [
      ...table.params.map((p) => group.params[p]),
      group.runs.length,
      ...statuses.map((s) => group.counts[s]),
      ...table.metrics.flatMap((m) => {
        const s = group.metrics[m];
        return s === undefined ? ['', '', 0] : [s.mean, s.std ?? '', s.n];
      }),
    ];
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

interface Cell {
  mean: string;
  std: string | undefined;
  best: boolean;
}

/** The metric cells of every row, rounded as papers print them, the best mean per column marked. */
function metricCells(table: PaperTable): Cell[][] {
  const columns = table.metrics.map((metric) => {
    const means = table.groups.map((g) => g.metrics[metric]?.mean);
    const direction = metricDirection(metric, table.sweep.mainMetric);
    const best = direction === null ? -1 : bestIndex(means, direction === 'lower');
    return table.groups.map((g, row): Cell | undefined => {
      const s = g.metrics[metric];
      if (s === undefined) return undefined;
      const [mean, std] = roundMeanStd(s.mean, s.std);
      return { mean, std, best: row === best };
    });
  });
  return table.groups.map((_, row) => columns.map((col) => col[row] ?? { mean: '', std: undefined, best: false }));
}

const arrow = (metric: string, table: PaperTable) => {
  const direction = metricDirection(metric, table.sweep.mainMetric);
  return direction === null ? '' : direction === 'lower' ? ' ↓' : ' ↑';
};

/** Whether some group has runs that did not finish (then a runs column counts them). */
const unfinished = (table: PaperTable) => table.groups.some((g) => g.counts.finished < g.runs.length);

/** Lines saying what each metric is measured on, from the definitions the sweep recorded. */
function definitionLines(table: PaperTable): string[] {
  return table.metrics.flatMap((metric) => {
    const d = table.definitions.find((def) => def.name === metric);
    if (d === undefined) return [];
    const points = d.nPoints === null ? '' : `, ${d.nPoints} points`;
    return [`${metric}: ${d.description} (${d.split} split${points})`];
  });
}

function caption(table: PaperTable): string {
  const what = table.grouped
    ? 'mean ± sample std over the finished runs of each grid point (seeds); n = finished runs'
    : 'one row per run';
  return `sweep ${table.sweep.name} (${table.sweep.id}): ${what}; best mean in bold`;
}

function rowLabels(table: PaperTable, group: RunGroup): string[] {
  const params = table.params.map((p) => formatParamValue(group.params[p]));
  if (!table.grouped) return [group.runs[0]?.id.slice(0, 10) ?? '', ...params, String(group.runs[0]?.seed ?? '')];
  return [...params, String(group.counts.finished)];
}

function headLabels(table: PaperTable): string[] {
  return table.grouped ? [...table.params, 'n'] : ['run', ...table.params, 'seed'];
}

/** How many leading columns hold text (the run id, the parameters): left-aligned; numbers are right-aligned. */
const leftColumns = (table: PaperTable) => table.params.length + (table.grouped ? 0 : 1);

const escapeMarkdown = (text: string) => text.replace(/\|/g, '\\|');

export function toMarkdown(table: PaperTable): string {
  const runs = table.grouped && unfinished(table);
  const head = [...headLabels(table), ...(runs ? ['runs'] : []), ...table.metrics.map((m) => `${m}${arrow(m, table)}`)];
  const cells = metricCells(table);
  const lines = [
    `| ${head.map(escapeMarkdown).join(' | ')} |`,
    `| ${head.map((_, i) => (i < leftColumns(table) ? '---' : '---:')).join(' | ')} |`,
  ];
  table.groups.forEach((group, row) => {
    const metrics = cells[row].map((c) => {
      const text = c.std === undefined ? c.mean : `${c.mean} ± ${c.std}`;
      return c.best && text !== '' ? `**${text}**` : text;
    });
    const status = runs ? [formatStatusCounts(group.counts)] : [];
    lines.push(`| ${[...rowLabels(table, group), ...status, ...metrics].map(escapeMarkdown).join(' | ')} |`);
  });
  const notes = [caption(table), ...definitionLines(table)].map((line) => `- ${line}`);
  return `${lines.join('\n')}\n\n${notes.join('\n')}\n`;
}

const LATEX_SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

/** Text for a LaTeX table cell: the characters LaTeX treats specially, escaped. */
export function escapeLatex(text: string): string {
  return text.replace(/[\\&%$#_{}~^]/g, (c) => LATEX_SPECIALS[c]);
}

export function toLatex(table: PaperTable): string {
  const runs = table.grouped && unfinished(table);
  const arrows = (m: string) => arrow(m, table).replace(' ↑', ' $\\uparrow$').replace(' ↓', ' $\\downarrow$');
  const head = [
    ...headLabels(table).map(escapeLatex),
    ...(runs ? ['runs'] : []),
    ...table.metrics.map((m) => `${escapeLatex(m)}${arrows(m)}`),
  ];
  const align = head.map((_, i) => (i < leftColumns(table) ? 'l' : 'r')).join('');
  const cells = metricCells(table);
  const lines = [
    ...[caption(table), ...definitionLines(table)].map((line) => `% ${line}`),
    '% needs \\usepackage{booktabs}',
    `\\begin{tabular}{${align}}`,
    '\\toprule',
    `${head.join(' & ')} \\\\`,
    '\\midrule',
  ];
  table.groups.forEach((group, row) => {
    const metrics = cells[row].map((c) => {
      if (c.mean === '') return '';
      const body = c.std === undefined ? c.mean : `${c.mean} \\pm ${c.std}`;
      return c.best ? `$\\mathbf{${body}}$` : `$${body}$`;
    });
    const status = runs ? [escapeLatex(formatStatusCounts(group.counts))] : [];
    lines.push(`${[...rowLabels(table, group).map(escapeLatex), ...status, ...metrics].join(' & ')} \\\\`);
  });
  lines.push('\\bottomrule', '\\end{tabular}');
  return `${lines.join('\n')}\n`;
}
