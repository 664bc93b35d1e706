/** Run records for the view-model tests, as the read API returns them. */
import type { RunRecord } from '@rbm-lab/experiments';

/** A run with the given swept params and final metrics; it took index+1 seconds and its seed is index % 2. */
export function run(
  index: number,
  params: Record<string, unknown>,
  metrics: Record<string, number>,
  status: RunRecord['status'] = 'finished',
): RunRecord {
  return {
    id: `r${index}`,
    pointKey: null,
    sweepId: 's',
    index,
    status,
    config: { model: { hidden_units: params['model.hidden_units'] }, train: { learning_rate: 0.1 } },
    params,
    seed: index % 2,
    backend: null,
    backendDetail: null,
    gitCommit: null,
    startedAt: null,
    endedAt: null,
    durationMs: 1000 * (index + 1),
    error: null,
    epoch: 1,
    epochs: 1,
    attempts: 1,
    worker: null,
    tags: [],
    note: null,
    warnings: [],
    cost: {},
    metrics,
  };
}
