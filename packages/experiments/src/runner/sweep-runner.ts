/**
 * `sweep`: submit a study, then work on it with local worker processes
 * through the same claim path as remote workers, until every run of the sweep
 * has ended (runs held by other processes included). A second `sweep` of the
 * same study joins as more workers; no grid point runs twice.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { RunPlan } from '../config/types.js';
import type { MetricDefinition, RunStore, SweepDefinition, SweepSummary } from '../store/types.js';
import type { ProgressReporter } from './progress.js';
import { runWorkerPool, type PoolResult } from './worker-pool.js';
import { thisWorker } from '../store/run-store.js';

export interface SweepRunOptions {
  store: RunStore;
  sweep: SweepDefinition;
  plans: RunPlan[];
  /** Runs executed at once, each in its own worker process. */
  jobs: number;
  progress: ProgressReporter;
  /** Main metric shown when a run finishes. */
  mainMetric?: string;
  /** Cores shared by the workers (default: os.availableParallelism()). */
  cores?: number;
  /** Folder for caches shared by runs: quality-metric classifiers (default <artifact root>/.classifiers). */
  cacheDir?: string;
  heartbeatMs?: number;
  graceMs?: number;
  /** Overrides the study's sweep.run_timeout (seconds). */
  runTimeoutSeconds?: number | null;
  metricDefinitions?: MetricDefinition[];
}

export interface SweepRunResult extends PoolResult {
  total: number;
  /** Runs already finished before this sweep started. */
  skipped: number;
  /** The sweep stopped on SIGINT/SIGTERM (same as `aborted`). */
  summary: SweepSummary | undefined;
}

/** The commit of the working tree, or null outside a git repository. */
export function currentGitCommit(cwd: string = process.cwd()): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}

/** Runs SIGINT/SIGTERM through an AbortController for the duration of `body`. */
export async function withInterruptSignal<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) controller.abort(`interrupted by ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Submits the sweep (resuming: interrupted and failed runs go back in the queue), then works on it. */
export async function runSweep(options: SweepRunOptions): Promise<SweepRunResult> {
  const { store, sweep, plans, progress } = options;
  const submitted = await store.submitSweep(sweep, plans, { retryFailed: true });
  progress.start(plans.length, submitted.finished);
  try {
    const pool = await withInterruptSignal((signal) =>
      runWorkerPool({
        store,
        slots: options.jobs,
        sweepIds: [sweep.id],
        exitWhenIdle: true,
        progress,
        worker: thisWorker(),
        gitCommit: currentGitCommit(),
        cacheDir: options.cacheDir ?? join(store.artifactRoot, '.classifiers'),
        runTimeoutSeconds: options.runTimeoutSeconds,
        heartbeatMs: options.heartbeatMs,
        graceMs: options.graceMs,
        cores: options.cores,
        mainMetric: () => options.mainMetric,
        signal,
      }),
    );
    if (pool.aborted) progress.log('stopping: active runs marked interrupted (run the same sweep again to resume)');
    const summary = await store.getSweep(sweep.id).catch(() => undefined);
    return { ...pool, total: plans.length, skipped: submitted.finished, summary };
  } finally {
    progress.stop();
  }
}
