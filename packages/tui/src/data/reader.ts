/**
 * The read contract the dashboard is written against: every RunStoreReader
 * method returning a Promise of the same type, as the store is turning
 * asynchronous. `asyncReader` adapts today's synchronous RunStore; it goes
 * away when the store's reader is asynchronous itself.
 */
import { existsSync } from 'node:fs';
import { RunStore, type RunStoreReader } from '@rbm-lab/experiments';

export type AsyncRunStoreReader = {
  [K in keyof RunStoreReader]: (...args: Parameters<RunStoreReader[K]>) => Promise<ReturnType<RunStoreReader[K]>>;
};

/**
 * Each call runs on a later turn of the event loop, so the dashboard draws and
 * takes keys between reads instead of inside one long synchronous stretch.
 */
function later<T>(read: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(read());
      } catch (error) {
        reject(error);
      }
    });
  });
}

export function asyncReader(reader: RunStoreReader): AsyncRunStoreReader {
  return {
    listSweeps: () => later(() => reader.listSweeps()),
    getSweep: (idOrName) => later(() => reader.getSweep(idOrName)),
    listRuns: (sweepId) => later(() => reader.listRuns(sweepId)),
    getRun: (runIdOrPrefix) => later(() => reader.getRun(runIdOrPrefix)),
    getEpochMetrics: (runId) => later(() => reader.getEpochMetrics(runId)),
    listArtifacts: (runId) => later(() => reader.listArtifacts(runId)),
    getSamples: (runId) => later(() => reader.getSamples(runId)),
    resolveArtifactPath: (artifact) => later(() => reader.resolveArtifactPath(artifact)),
    changeToken: () => later(() => reader.changeToken()),
    close: () => later(() => reader.close()),
  };
}

/** Opens the run database read-only, or null while it does not exist (the dashboard keeps looking). */
export function openDatabaseReader(dbPath: string): AsyncRunStoreReader | null {
  return existsSync(dbPath) ? asyncReader(RunStore.openReadOnly(dbPath)) : null;
}
