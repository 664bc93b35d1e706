import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '@rbm-lab/datasets';
import type { CliCommand, CliIo } from '../cli.js';
import { resolveDbPath } from '../store/paths.js';
import { ensureFolder } from '../store/fs-checks.js';
import { openRunStoreReader } from '../store/run-store.js';

export const REPORT_USAGE =
  'report <sweep> [--out DIR] [--no-group] [--smooth W] [--log] [--db URL]   figures and report.md of a sweep';

const REPORT_HELP = `usage: rbm-lab report <sweep> [options]

Writes PNG figures (final metrics against each swept parameter, a heatmap,
training curves, samples over training, the samples of every run) and a
report.md linking them, by default into <artifact root>/<sweep>/report/.

  --out DIR      write there instead
  --no-group     one point or line per run; by default runs that differ only by
                 seed are summarised (mean ± std error bars, mean curves with a
                 min-max band) when the sweep has seeds
  --smooth W     smooth the training curves (EMA weight in [0, 1), e.g. 0.6; the
                 raw curve stays faint underneath), as the dashboard's e key
  --log          training curves on a log axis where their values have one sign
                 (negative ones on -log10(-y)), as the dashboard's l key
  --db URL       database (default $RBM_LAB_DB, else runs/rbm-lab.db)`;

/** The EMA weight of --smooth: a number in [0, 1). */
function smoothOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const weight = Number(value);
  if (value.trim() === '' || !(weight >= 0 && weight < 1))
    throw new ReportUsageError(`report: --smooth expects an EMA weight in [0, 1) such as 0.6, got '${value}'`);
  return weight;
}

class ReportUsageError extends UserError {}

async function report(args: string[], io: Pick<CliIo, 'stdout' | 'cwd' | 'env'>, dbPath?: string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string', short: 'o' },
        db: { type: 'string' },
        'no-group': { type: 'boolean' },
        smooth: { type: 'string' },
        log: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new ReportUsageError(`report: ${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    throw new ReportUsageError(
      `report: expected one sweep name or id, e.g. \`rbm-lab report hidden\` (got ${positionals.length})`,
    );
  }
  const options = {
    group: values['no-group'] === true ? false : undefined,
    smooth: smoothOption(values.smooth),
    log: values.log === true,
  };
  const path = values.db !== undefined || dbPath === undefined ? resolveDbPath(values.db, io.env, io.cwd) : dbPath;
  // A bad --out fails before the database is opened (and never hangs: folders are made one level at a time).
  const outDir = values.out === undefined ? undefined : ensureFolder(resolve(io.cwd, values.out), 'report --out');
  const reader = await openRunStoreReader(path, { env: io.env });
  try {
    // Loaded here: the charting libraries stay out of every other command's start-up.
    const { writeSweepReport } = await import('./report.js');
    const result = await writeSweepReport(reader, positionals[0], outDir, options);
    io.stdout.write(`wrote ${result.markdownPath} (${result.figures.length} figures)\n`);
    return 0;
  } finally {
    await reader.close();
  }
}

/** `rbm-lab report <sweep>` for runCli's command table (errors are printed by runCli). */
export const reportCommand: CliCommand = {
  usage: REPORT_USAGE,
  help: REPORT_HELP,
  run: (args, io) => report(args, io),
};

/**
 * The same command for callers without a CliIo: writes the report of the sweep
 * named in `args` from the database at `options.dbPath` (`--db` in args wins).
 * Returns the exit code: 0 written, 2 bad arguments, unknown sweep or database
 * (printed as `error: ...` on stderr).
 */
export async function runReportCommand(args: string[], options: { dbPath: string }): Promise<number> {
  try {
    return await report(args, { stdout: process.stdout, cwd: process.cwd(), env: process.env }, options.dbPath);
  } catch (error) {
    if (error instanceof UserError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
