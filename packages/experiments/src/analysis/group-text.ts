/**
 * How a group of runs (runs that differ only by seed) is written in a table
 * cell, shared by the CLI and the dashboard so both say the same thing.
 */
import { formatSpread } from '../format.js';
import type { RunRecord, RunStatus } from '../store/types.js';
import type { Summary } from './stats.js';

const STATUS_ORDER: readonly RunStatus[] = ['finished', 'running', 'pending', 'failed', 'interrupted'];

/** `2 finished 1 failed`: each status present, finished first. */
export function formatStatusCounts(counts: Record<RunStatus, number>): string {
  return STATUS_ORDER.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(' ');
}

/**
 * A metric cell of a group: mean±std over its finished runs, and `n=` when
 * fewer of them than the group's finished runs have the value.
 */
export function formatGroupMetric(summary: Summary | undefined, finishedRuns: number, separator = ''): string {
  if (summary === undefined) return '-';
  const n = summary.n < finishedRuns ? ` n=${summary.n}` : '';
  return `${formatSpread(summary, 4, separator)}${n}`;
}

/** How far a group is: its finished runs, and the epochs of its running ones. */
export interface GroupProgress {
  finished: number;
  total: number;
  /** Mean last epoch over the running runs, and their planned epochs; absent when none runs. */
  running?: { meanEpoch: number; epochs: number };
  /** Done fraction over all the group's planned epochs (for sorting). */
  fraction: number;
}

export function groupProgress(runs: readonly Pick<RunRecord, 'status' | 'epoch' | 'epochs'>[]): GroupProgress {
  const finished = runs.filter((r) => r.status === 'finished').length;
  const running = runs.filter((r) => r.status === 'running');
  const planned = runs.reduce((sum, r) => sum + r.epochs, 0);
  const done = runs.reduce((sum, r) => sum + (r.status === 'finished' ? r.epochs : r.epoch), 0);
  const progress: GroupProgress = { finished, total: runs.length, fraction: planned > 0 ? done / planned : 0 };
  if (running.length > 0) {
    progress.running = {
      meanEpoch: running.reduce((sum, r) => sum + r.epoch, 0) / running.length,
      epochs: Math.max(...running.map((r) => r.epochs)),
    };
  }
  return progress;
}

/** `2/3 runs` or, while some run, `1/3 runs ep 20/40` (mean epoch of the running runs). */
export function formatGroupProgress(progress: GroupProgress): string {
  const runs = `${progress.finished}/${progress.total} runs`;
  if (progress.running === undefined) return runs;
  return `${runs} ep ${Math.round(progress.running.meanEpoch)}/${progress.running.epochs}`;
}

/** A run's tags and a ✎ when it has a note: `keep,best ✎`. */
export function formatTags(runs: readonly Pick<RunRecord, 'tags' | 'note'>[]): string {
  const tags = [...new Set(runs.flatMap((r) => r.tags))];
  const noted = runs.some((r) => r.note !== null && r.note !== '');
  return [tags.join(','), noted ? '✎' : ''].filter(Boolean).join(' ');
}
