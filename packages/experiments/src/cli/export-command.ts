/** `rbm-lab export`: a sweep's runs (or groups over seeds) as CSV, Markdown or LaTeX. */
import { writeFileSync } from 'node:fs';
import { headlineMetrics } from '../analysis/columns.js';
import { groupRuns } from '../analysis/group-runs.js';
import { type CliCommand, dbOption, EXIT, optionalOutputFile, parse, UsageError, withReader } from './common.js';
import { type ExportFormat, groupsToCsv, type PaperTable, toLatex, toMarkdown } from './export-formats.js';
import { runsToCsv } from './format.js';
import { groupColumns, requireSweep, selectRuns, sweepMetricNames } from './run-selection.js';

const FORMATS: readonly ExportFormat[] = ['csv', 'markdown', 'latex'];

function chosenFormat(values: { csv?: boolean; format?: string }): ExportFormat {
  if (values.format !== undefined && !(FORMATS as readonly string[]).includes(values.format))
    throw new UsageError(`export: --format ${values.format}: expected one of ${FORMATS.join(', ')}`);
  if (values.csv === true && values.format !== undefined && values.format !== 'csv')
    throw new UsageError(`export: --csv and --format ${values.format} disagree; give one`);
  if (values.csv !== true && values.format === undefined)
    throw new UsageError('export: choose a format: --format csv|markdown|latex (or --csv)');
  return (values.format as ExportFormat | undefined) ?? 'csv';
}

/** The metrics of a paper table: --metrics, else the sweep's headline metrics (the main metric first). */
function chosenMetrics(given: string | undefined, known: string[], main: { name: string; lowerIsBetter: boolean }) {
  if (given === undefined) return headlineMetrics(known, main).filter((m) => known.includes(m));
  const names = given
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const unknown = names.find((m) => !known.includes(m));
  if (unknown !== undefined)
    throw new UsageError(`export --metrics: no metric '${unknown}' in this sweep (known: ${known.join(', ')})`);
  return names;
}

const options = {
  ...dbOption,
  csv: { type: 'boolean' },
  format: { type: 'string', short: 'f' },
  group: { type: 'boolean', short: 'g' },
  'no-group': { type: 'boolean' },
  metrics: { type: 'string', short: 'm' },
  where: { type: 'string', short: 'w' },
  out: { type: 'string', short: 'o' },
} as const;

export const exportCommand: CliCommand = {
  usage: 'export <sweep> --format csv|markdown|latex [--group] [--out FILE]   runs or groups as a table',
  help: `usage: rbm-lab export <sweep> --format csv|markdown|latex [options]

  --format F      csv (also --csv): one row per run, every final metric;
                  markdown, latex: a table for a paper, one row per grid point with
                  mean ± sample std over its seeds and n (LaTeX: booktabs, $0.123 \\pm 0.004$)
  --group         csv: one row per grid point (mean, std and n per metric) instead of per run
  --no-group      markdown, latex: one row per run instead of per grid point
  --metrics A,B   markdown, latex: the metric columns (default: the headline metrics)
  --where EXPR    only the runs the filter keeps (as in \`rbm-lab list --where\`)
  --out FILE      write to FILE instead of standard output
  --db URL        database (default $RBM_LAB_DB, else runs/rbm-lab.db)`,
  async run(args, io) {
    const { values, positionals } = parse(args, options, 'export');
    if (positionals.length !== 1) throw new UsageError('export: expected one sweep name or id');
    const format = chosenFormat(values);
    if (values.group === true && values['no-group'] === true)
      throw new UsageError('export: --group or --no-group, not both');
    const grouped = format === 'csv' ? values.group === true : values['no-group'] !== true;
    // Checked before the database is opened: a bad --out path costs nothing.
    const out = optionalOutputFile(values.out, io, 'export --out');
    await withReader(values.db, io, async (store) => {
      const sweep = await requireSweep(store, positionals[0]);
      const runs = await selectRuns(store, sweep, values.where, 'export');
      const known = (await sweepMetricNames(store, sweep, runs)).filter((m) => runs.some((r) => m in r.metrics));
      const params = grouped ? groupColumns(sweep) : sweep.sweptParams.filter((p) => p !== 'seed');
      let text: string;
      if (format === 'csv' && !grouped) text = runsToCsv(runs, params);
      else {
        // Grouped: over seeds. Not grouped: without a seed axis every run is its own group.
        const groups = groupRuns(runs, grouped ? sweep.sweptParams : params);
        const metrics = format === 'csv' ? known : chosenMetrics(values.metrics, known, sweep.mainMetric);
        const table: PaperTable = {
          sweep,
          params,
          metrics,
          groups,
          grouped,
          definitions: await store.getMetricDefinitions(sweep.id),
        };
        text = format === 'csv' ? groupsToCsv(table) : format === 'markdown' ? toMarkdown(table) : toLatex(table);
      }
      if (out === undefined) {
        io.stdout.write(text);
        return;
      }
      try {
        writeFileSync(out, text);
      } catch (error) {
        throw new UsageError(`export --out ${values.out}: cannot write (${(error as NodeJS.ErrnoException).code})`);
      }
      io.stderr.write(`wrote ${runs.length} runs to ${values.out}\n`);
    });
    return EXIT.ok;
  },
};
