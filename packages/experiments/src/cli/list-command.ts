/** `rbm-lab list`: the sweeps, or the runs of one sweep (filtered with --where, grouped over seeds with --group). */
import {
  formatGroupMetric,
  formatGroupProgress,
  formatStatusCounts,
  formatTags,
  groupProgress,
} from '../analysis/group-text.js';
import { baselineFlags, baselineLogLikelihoods } from '../checks/baseline-flags.js';
import { formatDuration } from '../runner/progress.js';
import type { RunRecord, RunStoreReader, SweepSummary } from '../store/types.js';
import { type CliCommand, dbOption, EXIT, parse, UsageError, withReader } from './common.js';
import { formatCell, formatNumber, plainTable, sweptValues } from './format.js';
import { groupColumns, groupSweepRuns, requireSweep, selectRuns } from './run-selection.js';

async function listSweeps(store: RunStoreReader): Promise<string> {
  const sweeps = await store.listSweeps();
  if (sweeps.length === 0) {
    return `no sweeps yet in ${store.location}; start one with \`rbm-lab sweep configs/hidden.yaml\`\n`;
  }
  const table = plainTable([
    'sweep',
    'id',
    'finished',
    'running',
    'queued',
    'failed',
    'interrupted',
    'best',
    'updated',
  ]);
  for (const s of sweeps) {
    table.push([
      s.name,
      s.id,
      `${s.counts.finished}/${s.totalRuns}`,
      s.counts.running,
      s.counts.pending,
      s.counts.failed,
      s.counts.interrupted,
      s.best ? `${s.mainMetric.name}=${formatNumber(s.best.value)}` : '',
      s.updatedAt.replace('T', ' ').slice(0, 19),
    ]);
  }
  return `${table.toString()}\n`;
}

/** The tags column is shown only when some run has a tag or a note. */
const annotated = (runs: RunRecord[]) => runs.some((r) => r.tags.length > 0 || (r.note ?? '') !== '');

/**
 * The "vs baselines" cell of each run, when the sweep has baseline runs: a
 * baseline's own exact log-likelihood, and for the other runs whether theirs is
 * above both baselines, below one, or BELOW the base rate.
 */
function baselineCells(runs: RunRecord[]): Map<string, string> | undefined {
  const flags = baselineFlags(runs);
  if (flags.length === 0) return undefined;
  const cells = new Map<string, string>();
  for (const [runId, value] of baselineLogLikelihoods(runs)) cells.set(runId, `baseline ${formatNumber(value)}`);
  for (const flag of flags) {
    cells.set(flag.runId, flag.belowBaseRate ? 'BELOW base rate' : flag.belowAny ? 'below a baseline' : 'above');
  }
  return cells;
}

function runsTable(sweep: SweepSummary, runs: RunRecord[]): string {
  const main = sweep.mainMetric.name;
  const tags = annotated(runs);
  const versus = baselineCells(runs);
  const table = plainTable([
    '#',
    'run',
    ...sweep.sweptParams,
    'status',
    'epoch',
    main,
    ...(versus ? ['vs baselines'] : []),
    'duration',
    ...(tags ? ['tags'] : []),
  ]);
  for (const run of runs) {
    table.push([
      run.index,
      run.id,
      ...sweptValues(sweep.sweptParams, run).map((v) => formatCell(v)),
      // '!': the run has warnings (`show` lists them).
      run.warnings.length > 0 ? `${run.status} !` : run.status,
      `${run.epoch}/${run.epochs}`,
      run.metrics[main] === undefined ? '' : formatNumber(run.metrics[main]),
      ...(versus ? [versus.get(run.id) ?? ''] : []),
      run.durationMs === null ? '' : formatDuration(run.durationMs),
      ...(tags ? [formatTags([run])] : []),
    ]);
  }
  return table.toString();
}

/** One row per group of runs that differ only by seed: mean ± std over its finished runs, n, the others counted apart. */
function groupsTable(sweep: SweepSummary, runs: RunRecord[]): string {
  const main = sweep.mainMetric.name;
  const params = groupColumns(sweep);
  const tags = annotated(runs);
  const groups = groupSweepRuns(sweep, runs);
  const table = plainTable([
    '#',
    ...params,
    'n',
    'runs',
    'progress',
    `${main} (mean ± std)`,
    ...(tags ? ['tags'] : []),
  ]);
  groups.forEach((group, i) => {
    table.push([
      i + 1,
      ...params.map((p) => formatCell(group.params[p])),
      group.counts.finished,
      formatStatusCounts(group.counts),
      formatGroupProgress(groupProgress(group.runs)),
      formatGroupMetric(group.metrics[main], group.counts.finished, ' '),
      ...(tags ? [formatTags(group.runs)] : []),
    ]);
  });
  return `${table.toString()}\n${groups.length} group(s) of ${runs.length} run(s); n = finished runs in the mean`;
}

export const listCommand: CliCommand = {
  usage: 'list [sweep] [--where EXPR] [--group] [--db URL]            sweeps, or the runs of one sweep',
  help: `usage: rbm-lab list [sweep] [options]

Without a sweep: every sweep of the database. With one: its runs.

  --where EXPR   keep the runs the filter matches, e.g.
                 'hidden_units>=100 and status=finished and tag=keep'
                 (= != < <= > >=, and, or, not, parentheses; names: swept parameters,
                 metrics, status, seed, id, tag, note; a bare word matches any text)
  --group        one row per group of runs that differ only by seed:
                 mean ± sample std over its finished runs, n, other statuses apart
  --db URL       database (default $RBM_LAB_DB, else runs/rbm-lab.db)`,
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { ...dbOption, where: { type: 'string', short: 'w' }, group: { type: 'boolean', short: 'g' } },
      'list',
    );
    if (positionals.length === 0 && (values.where !== undefined || values.group === true))
      throw new UsageError('list: --where and --group need a sweep, e.g. `rbm-lab list hidden --group`');
    await withReader(values.db, io, async (store) => {
      if (positionals.length === 0) {
        io.stdout.write(await listSweeps(store));
        return;
      }
      const sweep = await requireSweep(store, positionals[0]);
      const runs = await selectRuns(store, sweep, values.where, 'list');
      const text = values.group === true ? groupsTable(sweep, runs) : runsTable(sweep, runs);
      const shown = values.where === undefined ? '' : `${runs.length} of ${sweep.totalRuns} runs match --where\n`;
      io.stdout.write(`${text}\n${shown}`);
    });
    return EXIT.ok;
  },
};
