/**
 * The one place where what a run does is written to the store. Every write
 * is guarded by the run's lease and goes through `write`, in order: a lost
 * claim stops recording (and the caller stops the run), a refused write (disk
 * full, connection lost) is kept and reported, never thrown into an event
 * handler.
 */
import { LeaseLostError } from '../store/errors.js';
import type { RunLease, RunQueue } from '../store/types.js';
import type { WorkerMessage } from './messages.js';
import type { RunProcessEnd } from './run-process.js';

export type RecordedOutcome =
  | { status: 'finished' | 'failed' | 'interrupted'; detail: string; metrics?: Record<string, number> }
  /** Another worker holds the run now: nothing of this attempt was recorded. */
  | { status: 'lost'; detail: string }
  /** The store refused a write; `error` says why. The run may be left for the reaper. */
  | { status: 'unrecorded'; detail: string; error: Error };

export interface RecorderHooks {
  /** The claim is gone: stop the run's process. */
  onLeaseLost(): void;
  /** A write failed for another reason than the lease. */
  onStoreError(error: Error): void;
  onEpoch?(epoch: number): void;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

export class RunRecorder {
  private chain: Promise<void> = Promise.resolve();
  private lost = false;
  private storeError: Error | undefined;

  constructor(
    private readonly store: RunQueue,
    readonly lease: RunLease,
    private readonly hooks: RecorderHooks,
  ) {}

  get leaseLost(): boolean {
    return this.lost;
  }

  /** Queues a guarded write after the earlier ones; failures are recorded here, not thrown. */
  private write(action: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.lost || this.storeError !== undefined) return;
      try {
        await action();
      } catch (error) {
        await this.noteFailure(error);
      }
    });
    return this.chain;
  }

  /**
   * A lost lease stops recording. Any other failure is checked against the
   * lease first: a worker that was paused finds its connection ended and its
   * claim taken, which is a lost claim, not a broken store.
   */
  private async noteFailure(error: unknown): Promise<void> {
    if (!(error instanceof LeaseLostError)) {
      try {
        await this.store.heartbeat(this.lease);
      } catch (check) {
        if (check instanceof LeaseLostError) error = check;
      }
    }
    if (error instanceof LeaseLostError) {
      if (!this.lost) {
        this.lost = true;
        this.hooks.onLeaseLost();
      }
      return;
    }
    const failure = error instanceof Error ? error : new Error(String(error));
    if (this.storeError === undefined) {
      this.storeError = failure;
      this.hooks.onStoreError(failure);
    }
  }

  onMessage(message: WorkerMessage): void {
    const { lease, store } = this;
    if (message.type === 'backend') void this.write(() => store.recordBackend(lease, message.path, message.detail));
    if (message.type === 'epoch') {
      void this.write(() => store.recordEpoch(lease, message.epoch, message.metrics, message.samples));
      this.hooks.onEpoch?.(message.epoch);
    }
  }

  /** Renews the claim. A failed heartbeat that is not a lost lease is left to the next one (the grace covers it). */
  heartbeat(): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.lost || this.storeError !== undefined) return;
      try {
        await this.store.heartbeat(this.lease);
      } catch (error) {
        if (error instanceof LeaseLostError) await this.noteFailure(error);
      }
    });
    return this.chain;
  }

  /** Records how the run's process ended, after every earlier write. */
  async record(end: RunProcessEnd, durationMs: number): Promise<RecordedOutcome> {
    await this.chain;
    if (this.lost) return { status: 'lost', detail: 'claim lost to another worker; nothing recorded' };
    if (this.storeError !== undefined) return this.giveUp(this.storeError);
    const { store, lease } = this;
    try {
      switch (end.kind) {
        case 'done':
          await store.finishRun(lease, {
            metrics: end.metrics,
            artifacts: end.artifacts,
            samples: end.samples,
            warnings: end.warnings,
            cost: end.cost,
            durationMs,
          });
          return { status: 'finished', detail: '', metrics: end.metrics };
        case 'failed':
          await store.failRun(lease, end.error);
          return { status: 'failed', detail: firstLine(end.error) };
        case 'crashed': {
          // Ctrl-C reaches the workers too (same process group), possibly before the pool sees it.
          const stopped = end.exitCode === 130 || end.bySignal === 'SIGINT' || end.bySignal === 'SIGTERM';
          await store.failRun(lease, end.error, stopped ? 'interrupted' : 'failed');
          const how = end.bySignal !== null ? `signal ${end.bySignal}` : `exit code ${end.exitCode}`;
          return { status: stopped ? 'interrupted' : 'failed', detail: `worker ended (${how})` };
        }
        case 'timed-out': {
          const message = `timed out: the run took longer than its limit of ${end.seconds} s (--run-timeout / sweep.run_timeout); its worker process was killed`;
          await store.failRun(lease, message);
          return { status: 'failed', detail: `timed out after ${end.seconds} s` };
        }
        case 'stopped':
          await store.failRun(lease, end.reason, 'interrupted');
          return { status: 'interrupted', detail: end.reason };
      }
    } catch (error) {
      await this.noteFailure(error);
      if (this.lost) return { status: 'lost', detail: 'claim lost to another worker; nothing recorded' };
      return this.giveUp(this.storeError ?? (error as Error));
    }
  }

  /** The store refused a write: try once to fail the run with the reason, so it is not left 'running'. */
  private async giveUp(error: Error): Promise<RecordedOutcome> {
    const reason = `the run store refused a write, so this run's results could not be recorded: ${firstLine(error.message)}`;
    try {
      await this.store.failRun(this.lease, reason);
    } catch (failure) {
      if (failure instanceof LeaseLostError)
        return { status: 'lost', detail: 'claim lost to another worker; nothing recorded' };
      // Left 'running' under a lease nobody renews: the reaper takes it back (at once on this host).
    }
    return { status: 'unrecorded', detail: firstLine(error.message), error };
  }
}
