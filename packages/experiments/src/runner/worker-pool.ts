/**
 * The pool: `slots` runs at a time, each claimed from the store's queue (one
 * claim path for `sweep`, `worker` and every remote worker), executed in its
 * own process, its claim renewed by a heartbeat, its outcome written by a
 * RunRecorder. It also runs the reaper, which returns abandoned claims to the
 * queue.
 */
import { availableParallelism } from 'node:os';
import type { RunConfig } from '../config/types.js';
import type { RunLease, RunStore, WorkerIdentity } from '../store/types.js';
import { formatDuration, type ProgressReporter, type RunLabel } from './progress.js';
import { type RunProcess, startRunProcess } from './run-process.js';
import { RunRecorder } from './run-recorder.js';

/** Heartbeat and grace defaults: a claim is lost after six missed heartbeats. */
export const DEFAULT_HEARTBEAT_MS = 5_000;
export const DEFAULT_GRACE_MS = 30_000;
const MAX_QUEUE_FAILURES = 3;

export interface PoolOptions {
  store: RunStore;
  slots: number;
  /** Claim only runs of these sweeps (default: any queued run). */
  sweepIds?: string[];
  /** Stop when nothing is queued and nothing is running (of sweepIds); otherwise wait for new work. */
  exitWhenIdle: boolean;
  progress: ProgressReporter;
  worker: WorkerIdentity;
  gitCommit: string | null;
  /** Folder for caches shared by runs (quality-metric classifiers). */
  cacheDir: string;
  /** Overrides each sweep's run_timeout (seconds). */
  runTimeoutSeconds?: number | null;
  heartbeatMs?: number;
  graceMs?: number;
  /** How often an idle pool looks for new work (ms). */
  pollMs?: number;
  /** Cores shared by the workers (default: os.availableParallelism()). */
  cores?: number;
  env?: NodeJS.ProcessEnv;
  /** Name of the metric shown when a run finishes. */
  mainMetric?: (lease: RunLease) => string | undefined;
  /** Aborting stops the pool: active runs are stopped and recorded as interrupted. */
  signal?: AbortSignal;
}

export interface PoolResult {
  finished: number;
  failed: number;
  interrupted: number;
  /** Runs whose claim another worker took over (recorded by that worker, not by us). */
  lost: number;
  aborted: boolean;
  /** The store refused a write or a claim: the pool stopped. */
  storeError?: Error;
}

interface ActiveRun {
  lease: RunLease;
  process: RunProcess;
  done: Promise<void>;
}

/** OpenBLAS threads per worker so that `jobs` workers together use the cores once. */
export function blasThreadsPerWorker(cores: number, jobs: number): number {
  return Math.max(1, Math.floor(cores / jobs));
}

function labelOf(lease: RunLease): RunLabel {
  return { id: lease.runId, index: lease.index, params: lease.params, epochs: lease.epochs };
}

/** Runs claimed work until idle (exitWhenIdle), aborted, or the store fails. */
export async function runWorkerPool(options: PoolOptions): Promise<PoolResult> {
  const { store, progress } = options;
  const slots = Math.max(1, Math.floor(options.slots));
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const pollMs = options.pollMs ?? 1000;
  const threads = blasThreadsPerWorker(options.cores ?? availableParallelism(), slots);
  const env = {
    ...(options.env ?? process.env),
    // OpenBLAS reads this once when it loads, so it must be in the worker's environment from the start.
    OPENBLAS_NUM_THREADS: String(threads),
    RBM_LAB_BLAS_THREADS: String(threads),
  };
  const result: PoolResult = { finished: 0, failed: 0, interrupted: 0, lost: 0, aborted: false };
  const active = new Map<string, ActiveRun>();
  let wake: () => void = () => undefined;
  const wakeUp = () => wake();
  const failStore = (error: Error) => {
    result.storeError ??= error;
    wakeUp();
  };
  // Claims, the reaper and queue checks retry a failing store (a lock held by a paused process, a restarting
  // server) a few times before the pool gives up.
  let queueFailures = 0;
  const queueCall = async <T>(call: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      const value = await call();
      queueFailures = 0;
      return value;
    } catch (error) {
      if (++queueFailures >= MAX_QUEUE_FAILURES) failStore(error as Error);
      else progress.log(`the run store did not answer (${(error as Error).message.split('\n')[0]}); retrying`);
      return fallback;
    }
  };

  const start = (lease: RunLease) => {
    const label = labelOf(lease);
    const startedAt = Date.now();
    let runProcess: RunProcess | undefined;
    const recorder = new RunRecorder(store, lease, {
      onLeaseLost: () => runProcess?.stop('claim lost'),
      onStoreError: failStore,
      onEpoch: (epoch) => progress.runEpoch(label, epoch),
    });
    progress.runStarted(label);
    runProcess = startRunProcess(
      {
        runId: lease.runId,
        config: lease.config as RunConfig,
        artifactDir: lease.artifactDir,
        cacheDir: options.cacheDir,
      },
      {
        env,
        timeoutSeconds: options.runTimeoutSeconds ?? lease.runTimeoutSeconds,
        onMessage: (message) => recorder.onMessage(message),
      },
    );
    const heartbeat = setInterval(() => void recorder.heartbeat(), heartbeatMs);
    const done = runProcess.ended
      .then((end) => {
        clearInterval(heartbeat);
        return recorder.record(end, Date.now() - startedAt);
      })
      .then((outcome) => {
        if (outcome.status === 'lost') {
          result.lost++;
          progress.runEnded(
            label,
            'interrupted',
            `claim lost to another worker (attempt ${lease.attempt}); nothing recorded`,
          );
        } else if (outcome.status === 'unrecorded') {
          failStore(outcome.error);
          progress.runEnded(label, 'failed', `not recorded: ${outcome.detail}`);
        } else {
          result[outcome.status]++;
          const metric = options.mainMetric?.(lease);
          const value = metric === undefined ? undefined : outcome.metrics?.[metric];
          const shown = value === undefined ? '' : `  ${metric}=${value.toPrecision(4)}`;
          const detail =
            outcome.status === 'finished' ? `${formatDuration(Date.now() - startedAt)}${shown}` : outcome.detail;
          progress.runEnded(label, outcome.status, detail);
        }
        active.delete(lease.token);
        wakeUp();
      });
    active.set(lease.token, { lease, process: runProcess, done });
  };

  const reap = async () => {
    const none = { requeued: [], failed: [] };
    const reaped = await queueCall(() => store.reapExpiredClaims({ graceMs, localHost: options.worker.host }), none);
    if (reaped.requeued.length > 0) {
      progress.log(`${reaped.requeued.length} run(s) whose worker stopped are back in the queue`);
    }
    if (reaped.failed.length > 0) progress.log(`${reaped.failed.length} run(s) failed after too many attempts`);
  };

  const onAbort = () => {
    result.aborted = true;
    wakeUp();
  };
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) result.aborted = true;

  await reap();
  let lastReap = Date.now();
  while (!result.aborted && result.storeError === undefined) {
    while (active.size < slots && !result.aborted && result.storeError === undefined) {
      const lease = await queueCall(
        () => store.claimRun(options.worker, { sweepIds: options.sweepIds, gitCommit: options.gitCommit }),
        undefined,
      );
      if (lease === undefined) break;
      start(lease);
    }
    if (result.aborted || result.storeError !== undefined) break;
    if (active.size === 0 && options.exitWhenIdle) {
      const state = await queueCall(() => store.queueState(options.sweepIds), { queued: -1, running: -1 });
      if (state.queued === 0 && state.running === 0) break;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, active.size < slots ? pollMs : heartbeatMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = () => undefined;
    if (Date.now() - lastReap >= Math.min(heartbeatMs, graceMs / 2)) {
      await reap();
      lastReap = Date.now();
    }
  }

  if (active.size > 0 && (result.aborted || result.storeError !== undefined)) {
    const reason = result.aborted
      ? typeof options.signal?.reason === 'string'
        ? options.signal.reason
        : 'interrupted (the worker was stopped)'
      : `stopped: the run store refused a write (${result.storeError?.message.split('\n')[0]})`;
    for (const run of active.values()) run.process.stop(reason, 'SIGTERM');
  }
  await Promise.all([...active.values()].map((run) => run.done));
  options.signal?.removeEventListener('abort', onAbort);
  return result;
}
