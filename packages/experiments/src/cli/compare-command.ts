/** `rbm-lab compare`: runs, or the grid points (groups over seeds) of runs, side by side. */
import { formatGroupMetric, formatStatusCounts } from '../analysis/group-text.js';
import { groupRuns, type RunGroup } from '../analysis/group-runs.js';
import { summarize } from '../analysis/stats.js';
import { type BaselineFlag, baselineFlags } from '../checks/baseline-flags.js';
import { metricDirection } from '../metric-direction.js';
import { formatDuration } from '../runner/progress.js';
import type { RunRecord, RunStoreReader } from '../store/types.js';
import { type CliCommand, dbOption, EXIT, findRun, parse, UsageError, withReader } from './common.js';
import { bestIndex, formatNumber, formatValue, plainTable } from './format.js';

/** One column of the compare table: a run, or a group of runs that differ only by seed. */
interface CompareColumn {
  label: string;
  params: Record<string, unknown>;
  status: string;
  /** Per metric: the number that decides "best", and the cell text. */
  metrics: Record<string, { value: number; text: string }>;
  duration: string;
  /** The run's test log-likelihood against the baselines of its sweep on the same data, if any. */
  baselines?: string;
}

type MainMetric = { name: string; lowerIsBetter: boolean } | undefined;

/** `above base_rate -207.4, bernoulli_mixture -133.3`, or `BELOW base_rate -207.4`: the verdict, then the baselines. */
function baselineCell(flag: BaselineFlag | undefined): string | undefined {
  if (flag === undefined) return undefined;
  const below = flag.baselines.filter((b) => b.below);
  const shown = below.length > 0 ? below : flag.baselines;
  const list = shown.map((b) => `${b.modelType} ${formatNumber(b.value)}`).join(', ');
  return `${flag.belowBaseRate ? 'BELOW' : below.length > 0 ? 'below' : 'above'} ${list}`;
}

function runColumn(run: RunRecord, paramNames: string[], flag?: BaselineFlag): CompareColumn {
  const param = (p: string) => (p === 'seed' && !(p in run.params) ? run.seed : run.params[p]);
  return {
    label: run.id,
    params: Object.fromEntries(paramNames.map((p) => [p, param(p)])),
    status: run.status,
    metrics: Object.fromEntries(Object.entries(run.metrics).map(([m, v]) => [m, { value: v, text: formatNumber(v) }])),
    duration: run.durationMs === null ? '' : formatDuration(run.durationMs),
    baselines: baselineCell(flag),
  };
}

function groupColumn(group: RunGroup): CompareColumn {
  const first = group.runs[0]?.id ?? '';
  const n = group.runs.length;
  const duration = summarize(group.runs.map((r) => r.durationMs))?.mean;
  const metrics: CompareColumn['metrics'] = {};
  for (const [name, summary] of Object.entries(group.metrics)) {
    metrics[name] = { value: summary.mean, text: `${formatGroupMetric(summary, 0, ' ')} (n=${summary.n})` };
  }
  return {
    label: `${first.slice(0, 10)}… (${n} seed${n === 1 ? '' : 's'})`,
    params: group.params,
    status: formatStatusCounts(group.counts),
    metrics,
    duration: duration === undefined ? '' : formatDuration(duration),
  };
}

/** Parameters (differences marked *) then metrics (best marked *), one column per run or group. */
function compareTable(columns: CompareColumn[], main: MainMetric, noun: 'runs' | 'groups'): string {
  const table = plainTable(['', ...columns.map((c) => c.label)]);
  for (const name of [...new Set(columns.flatMap((c) => Object.keys(c.params)))]) {
    const cells = columns.map((c) => formatValue(c.params[name]));
    table.push([`${new Set(cells).size > 1 ? '* ' : '  '}${name}`, ...cells]);
  }
  table.push(['  status', ...columns.map((c) => c.status)]);
  const metricNames = [...new Set(columns.flatMap((c) => Object.keys(c.metrics)))].sort((a, b) =>
    a === main?.name ? -1 : b === main?.name ? 1 : a.localeCompare(b),
  );
  for (const name of metricNames) {
    const direction = metricDirection(name, main);
    const best =
      direction === null
        ? -1
        : bestIndex(
            columns.map((c) => c.metrics[name]?.value),
            direction === 'lower',
          );
    const cells = columns.map((c, i) => {
      const cell = c.metrics[name];
      return cell === undefined ? '' : `${cell.text}${i === best ? ' *' : ''}`;
    });
    table.push([direction === null ? `  ${name}` : `  ${name} (${direction} is better)`, ...cells]);
  }
  if (columns.some((c) => c.baselines !== undefined)) {
    table.push(['  log-likelihood vs baselines', ...columns.map((c) => c.baselines ?? '')]);
  }
  table.push(['  duration', ...columns.map((c) => c.duration)]);
  const means = noun === 'groups' ? '; cells: mean ± sample std over finished runs (n)' : '';
  return `${table.toString()}\n* parameter: differs between ${noun}; * metric: best of these ${noun}${means}\n`;
}

/** The compare table of runs: swept parameters (differences marked *) then final metrics (best marked *). */
export function compareRuns(runs: RunRecord[], main?: MainMetric, flags: readonly BaselineFlag[] = []): string {
  const paramNames = [...new Set(runs.flatMap((r) => Object.keys(r.params)))];
  if (!paramNames.includes('seed') && new Set(runs.map((r) => r.seed)).size > 1) paramNames.push('seed');
  return compareTable(
    runs.map((r) =>
      runColumn(
        r,
        paramNames,
        flags.find((flag) => flag.runId === r.id),
      ),
    ),
    main,
    'runs',
  );
}

/** The groups (grid points over seeds) the given runs belong to, once each, in the order given. */
async function groupsOf(store: RunStoreReader, runs: RunRecord[]): Promise<RunGroup[]> {
  const bySweep = new Map<string, RunGroup[]>();
  const chosen: RunGroup[] = [];
  for (const run of runs) {
    let groups = bySweep.get(run.sweepId);
    if (groups === undefined) {
      const sweep = await store.getSweep(run.sweepId);
      groups = sweep === undefined ? [] : groupRuns(await store.listRuns(sweep.id), sweep.sweptParams);
      bySweep.set(run.sweepId, groups);
    }
    const group = groups.find((g) => g.runs.some((r) => r.id === run.id));
    if (group !== undefined && !chosen.includes(group)) chosen.push(group);
  }
  return chosen;
}

export const compareCommand: CliCommand = {
  usage: 'compare <run> <run> ... [--group] [--db URL]              parameters (* = differs) and metrics (* = best)',
  help: `usage: rbm-lab compare <run> <run> ... [--group] [--db URL]

Runs (ids or unique prefixes) side by side: swept parameters (* = differs) and
final metrics (* = best, in the metric's direction).

  --group   compare the grid points of the given runs instead: each column is the
            group of runs that differ only by seed; metrics are mean ± sample std
            over its finished runs with n; failed and unfinished runs are counted apart`,
  async run(args, io) {
    const { values, positionals } = parse(args, { ...dbOption, group: { type: 'boolean', short: 'g' } }, 'compare');
    const grouped = values.group === true;
    if (positionals.length < (grouped ? 1 : 2))
      throw new UsageError('compare: expected at least two run ids (or unique prefixes); with --group, one or more');
    await withReader(values.db, io, async (store) => {
      const runs: RunRecord[] = [];
      for (const p of positionals) runs.push(await findRun(store, p));
      const sweepIds = [...new Set(runs.map((r) => r.sweepId))];
      const main = sweepIds.length === 1 ? (await store.getSweep(sweepIds[0]))?.mainMetric : undefined;
      // Baselines are runs of the same sweeps: flag each compared run against those on its data.
      const sweepRuns = (await Promise.all(sweepIds.map((id) => store.listRuns(id)))).flat();
      const text = grouped
        ? compareTable((await groupsOf(store, runs)).map(groupColumn), main, 'groups')
        : compareRuns(runs, main, baselineFlags(sweepRuns));
      io.stdout.write(text);
    });
    return EXIT.ok;
  },
};
