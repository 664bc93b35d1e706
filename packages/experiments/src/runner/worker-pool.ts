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
import { type RecordedOutcome, RunRecorder } from './run-recorder.js';

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

/** One pool's state: its active runs, what it counted, and how it wakes up. */
class WorkerPool {
  readonly result: PoolResult = { finished: 0, failed: 0, interrupted: 0, lost: 0, aborted: false };
  private readonly active = new Map<string, ActiveRun>();
  private readonly slots: number;
  private readonly heartbeatMs: number;
  private readonly graceMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private wake: () => void = () => undefined;
  private queueFailures = 0;

  constructor(private readonly options: PoolOptions) {
    this.slots = Math.max(1, Math.floor(options.slots));
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    const threads = blasThreadsPerWorker(options.cores ?? availableParallelism(), this.slots);
    this.env = {
      ...(options.env ?? process.env),
      // OpenBLAS reads this once when it loads, so it must be in the worker's environment from the start.
      OPENBLAS_NUM_THREADS: String(threads),
      RBM_LAB_BLAS_THREADS: String(threads),
    };
  }

  private get stopping(): boolean {
    return this.result.aborted || this.result.storeError !== undefined;
  }

  readonly wakeUp = (): void => this.wake();

  readonly abort = (): void => {
    this.result.aborted = true;
    this.wakeUp();
  };

  private failStore(error: Error): void {
    this.result.storeError ??= error;
    this.wakeUp();
  }

  /**
   * Claims, the reaper and queue checks retry a failing store (a lock held by a paused process, a restarting
   * server) a few times before the pool gives up.
   */
  private async queueCall<T>(call: () => Promise<T>, fallback: T): Promise<T> {
    try {
      const value = await call();
      this.queueFailures = 0;
      return value;
    } catch (error) {
      if (++this.queueFailures >= MAX_QUEUE_FAILURES) this.failStore(error as Error);
      else
        this.options.progress.log(
          `the run store did not answer (${(error as Error).message.split('\n')[0]}); retrying`,
        );
      return fallback;
    }
  }

  async reap(): Promise<void> {
    const { store, progress, worker } = this.options;
    const none = { requeued: [], failed: [] };
    const reaped = await this.queueCall(
      () => store.reapExpiredClaims({ graceMs: this.graceMs, localHost: worker.host }),
      none,
    );
    if (reaped.requeued.length > 0) {
      progress.log(`${reaped.requeued.length} run(s) whose worker stopped are back in the queue`);
    }
    if (reaped.failed.length > 0) progress.log(`${reaped.failed.length} run(s) failed after too many attempts`);
  }

  /** Claims runs while slots are free and the queue has some. */
  private async fillSlots(): Promise<void> {
    const { store, worker, sweepIds, gitCommit } = this.options;
    while (this.active.size < this.slots && !this.stopping) {
      const lease = await this.queueCall(() => store.claimRun(worker, { sweepIds, gitCommit }), undefined);
      if (lease === undefined) return;
      this.start(lease);
    }
  }

  private start(lease: RunLease): void {
    const { store, progress } = this.options;
    const label = labelOf(lease);
    const startedAt = Date.now();
    let runProcess: RunProcess | undefined;
    const recorder = new RunRecorder(store, lease, {
      onLeaseLost: () => runProcess?.stop('claim lost'),
      onStoreError: (error) => this.failStore(error),
      onEpoch: (epoch) => progress.runEpoch(label, epoch),
    });
    progress.runStarted(label);
    const job = {
      runId: lease.runId,
      config: lease.config as RunConfig,
      artifactDir: lease.artifactDir,
      cacheDir: this.options.cacheDir,
    };
    runProcess = startRunProcess(job, {
      env: this.env,
      timeoutSeconds: this.options.runTimeoutSeconds ?? lease.runTimeoutSeconds,
      onMessage: (message) => recorder.onMessage(message),
    });
    const heartbeat = setInterval(() => void recorder.heartbeat(), this.heartbeatMs);
    const done = runProcess.ended
      .then((end) => {
        clearInterval(heartbeat);
        return recorder.record(end, Date.now() - startedAt);
      })
      .then((outcome) => {
        this.report(lease, outcome, Date.now() - startedAt);
        this.active.delete(lease.token);
        this.wakeUp();
      });
    this.active.set(lease.token, { lease, process: runProcess, done });
  }

  private report(lease: RunLease, outcome: RecordedOutcome, elapsedMs: number): void {
    const { progress } = this.options;
    const label = labelOf(lease);
    if (outcome.status === 'lost') {
      this.result.lost++;
      progress.runEnded(
        label,
        'interrupted',
        `claim lost to another worker (attempt ${lease.attempt}); nothing recorded`,
      );
    } else if (outcome.status === 'unrecorded') {
      this.failStore(outcome.error);
      progress.runEnded(label, 'failed', `not recorded: ${outcome.detail}`);
    } else {
      this.result[outcome.status]++;
      const metric = this.options.mainMetric?.(lease);
      const value = metric === undefined ? undefined : outcome.metrics?.[metric];
      const shown = value === undefined ? '' : `  ${metric}=${value.toPrecision(4)}`;
      const detail = outcome.status === 'finished' ? `${formatDuration(elapsedMs)}${shown}` : outcome.detail;
      progress.runEnded(label, outcome.status, detail);
    }
  }

  /** Whether an idle pool may stop: nothing queued and nothing running (of its sweeps). */
  private async idle(): Promise<boolean> {
    if (this.active.size > 0 || !this.options.exitWhenIdle) return false;
    const state = await this.queueCall(() => this.options.store.queueState(this.options.sweepIds), {
      queued: -1,
      running: -1,
    });
    return state.queued === 0 && state.running === 0;
  }

  /** Sleeps until a run ends, the pool is stopped, or it is time to look for work again. */
  private async pause(): Promise<void> {
    const waitMs = this.active.size < this.slots ? (this.options.pollMs ?? 1000) : this.heartbeatMs;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = () => undefined;
  }

  /**
   * Chooses the compute path here, once, before any run starts: run processes
   * probing side by side would slow each other's probe and could choose
   * differently. They get the path and the probe's figures in their environment.
   */
  private async shareComputePath(): Promise<void> {
    if ((this.env.RBM_LAB_BACKEND ?? '') !== '') return;
    try {
      const { chooseComputePath, probeEnvironment } = await import('@rbm-lab/core');
      const choice = await chooseComputePath({ blasThreads: Number(this.env.RBM_LAB_BLAS_THREADS) });
      Object.assign(this.env, probeEnvironment(choice));
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      this.options.progress.log(`compute paths not probed by the pool (${reason}); each run chooses its own`);
    }
  }

  async run(): Promise<PoolResult> {
    await this.shareComputePath();
    await this.reap();
    let lastReap = Date.now();
    while (!this.stopping) {
      await this.fillSlots();
      if (this.stopping || (await this.idle())) break;
      await this.pause();
      if (Date.now() - lastReap >= Math.min(this.heartbeatMs, this.graceMs / 2)) {
        await this.reap();
        lastReap = Date.now();
      }
    }
    if (this.active.size > 0 && this.stopping) {
      const { signal } = this.options;
      const reason = this.result.aborted
        ? typeof signal?.reason === 'string'
          ? signal.reason
          : 'interrupted (the worker was stopped)'
        : `stopped: the run store refused a write (${this.result.storeError?.message.split('\n')[0]})`;
      for (const run of this.active.values()) run.process.stop(reason, 'SIGTERM');
    }
    await Promise.all([...this.active.values()].map((run) => run.done));
    return this.result;
  }
}

/** Runs claimed work until idle (exitWhenIdle), aborted, or the store fails. */
export async function runWorkerPool(options: PoolOptions): Promise<PoolResult> {
  const pool = new WorkerPool(options);
  options.signal?.addEventListener('abort', pool.abort);
  if (options.signal?.aborted) pool.abort();
  try {
    return await pool.run();
  } finally {
    options.signal?.removeEventListener('abort', pool.abort);
  }
}
