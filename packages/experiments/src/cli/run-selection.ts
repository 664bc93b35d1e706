/** What list, compare and export share: a sweep by name, its runs filtered by --where, grouped over seeds. */
import { compileFilter } from '../analysis/filter.js';
import { groupRuns, type RunGroup, SEED_PARAM } from '../analysis/group-runs.js';
import type { RunRecord, RunStoreReader, SweepSummary } from '../store/types.js';
import { UsageError } from './common.js';

export async function requireSweep(store: RunStoreReader, idOrName: string): Promise<SweepSummary> {
  const sweep = await store.getSweep(idOrName);
  if (sweep === undefined) throw new UsageError(`no sweep '${idOrName}' in ${store.location} (see \`rbm-lab list\`)`);
  return sweep;
}

/** Every metric name a filter may use on a sweep: recorded ones and those the sweep declares. */
export async function sweepMetricNames(store: RunStoreReader, sweep: SweepSummary, runs: RunRecord[]) {
  const declared = (await store.getMetricDefinitions(sweep.id)).map((d) => d.name);
  return [...new Set([...runs.flatMap((r) => Object.keys(r.metrics)), ...declared, sweep.mainMetric.name])].sort();
}

/**
 * The runs of a sweep that `where` keeps (all when undefined). A mistake in
 * the expression is a user error that shows the expression with a caret under
 * the column at fault.
 */
export async function selectRuns(
  store: RunStoreReader,
  sweep: SweepSummary,
  where: string | undefined,
  command: string,
): Promise<RunRecord[]> {
  const runs = await store.listRuns(sweep.id);
  if (where === undefined) return runs;
  const metrics = await sweepMetricNames(store, sweep, runs);
  const compiled = compileFilter(where, { sweptParams: sweep.sweptParams, metrics });
  if (!compiled.ok) {
    const pointer = compiled.error
      .pointer()
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n');
    throw new UsageError(`${command} --where: ${compiled.error.message}\n${pointer}`);
  }
  return runs.filter((run) => compiled.value(run));
}

/** Whether a sweep repeats grid points over seeds (so grouping is meaningful). */
export function hasSeeds(sweep: Pick<SweepSummary, 'sweptParams'>): boolean {
  return sweep.sweptParams.includes(SEED_PARAM);
}

/** The swept parameters a grouped table shows: every one but the seed. */
export function groupColumns(sweep: Pick<SweepSummary, 'sweptParams'>): string[] {
  return sweep.sweptParams.filter((p) => p !== SEED_PARAM);
}

/** groupRuns over the sweep's swept parameters (with no seed axis every run is its own group). */
export function groupSweepRuns(sweep: Pick<SweepSummary, 'sweptParams'>, runs: RunRecord[]): RunGroup[] {
  return groupRuns(runs, sweep.sweptParams);
}
