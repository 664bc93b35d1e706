import { UserError } from '@rbm-lab/datasets';

/** The database is missing, unreadable, not an RBM Lab database, or of another schema version. */
export class RunStoreError extends UserError {}

/**
 * The claim on a run is gone: its heartbeat expired and another worker took the
 * run (or the reaper failed it). The holder must stop the run and record nothing.
 */
export class LeaseLostError extends Error {
  constructor(readonly runId: string) {
    super(`lost the claim on run ${runId}: another worker took it over (heartbeat older than the grace period)`);
  }
}

/** A write the database refused (disk full, read-only file, connection lost): the sweep cannot record results. */
export class StoreWriteError extends Error {}
