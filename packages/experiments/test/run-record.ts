import type { RunRecord } from '../src/index.js';

/** A run record with the given fields; everything else empty (not started, no provenance). */
export function runRecord<R extends RunRecord = RunRecord>(fields: Partial<R> & Pick<RunRecord, 'index'>): R {
  return {
    id: `run${fields.index}`,
    pointKey: null,
    sweepId: 's',
    status: 'finished',
    config: {},
    params: {},
    seed: 0,
    backend: null,
    backendDetail: null,
    gitCommit: null,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    error: null,
    epoch: 0,
    epochs: 10,
    attempts: 1,
    worker: null,
    metrics: {},
    tags: [],
    note: null,
    warnings: [],
    cost: {},
    ...fields,
  } as R;
}
