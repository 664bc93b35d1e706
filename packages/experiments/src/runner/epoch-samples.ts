/**
 * Generated samples during training (`eval.sample_every`): every N epochs a
 * generative model draws a few images through the epoch callback, and the
 * worker sends them with that epoch's metrics. Cheap by construction: few
 * chains and few Gibbs steps (measured: see the README, "Samples over training").
 * Always from the same seed, so the images of successive epochs start from the
 * same noise and show how the model changed, and so no training stream moves:
 * a run's numbers are the same with and without these samples.
 */
import type { Model, ModelSpec } from '@rbm-lab/core';
import type { RunConfig } from '../config/types.js';
import type { SampleGrid } from '../store/types.js';

/** Chains (images) per sampled epoch. */
export const EPOCH_SAMPLE_CHAINS = 16;
/** Gibbs sweeps per sampled epoch (RBM, DBN); other models decode once. */
export const EPOCH_SAMPLE_GIBBS_STEPS = 50;
/** Seed of the per-epoch samples, apart from the model's own streams. */
const EPOCH_SAMPLE_SEED = 0x65706f;

export interface EpochSampler {
  /** The samples of this epoch, or undefined when the study does not ask for them at this epoch. */
  (epoch: number): Promise<SampleGrid | undefined>;
  /** Seconds spent drawing them so far (the run's `epoch_samples` cost). */
  seconds(): number;
}

export function epochSampler(
  model: Model,
  spec: Pick<ModelSpec, 'generative'>,
  config: Pick<RunConfig, 'eval' | 'seed'>,
  geometry: { height: number; width: number },
): EpochSampler {
  const every = config.eval.sample_every ?? 0;
  let seconds = 0;
  const sample = async (epoch: number): Promise<SampleGrid | undefined> => {
    if (every <= 0 || epoch % every !== 0 || !spec.generative || model.sample === undefined) return undefined;
    const started = performance.now();
    const drawn = await model.sample(EPOCH_SAMPLE_CHAINS, {
      gibbsSteps: EPOCH_SAMPLE_GIBBS_STEPS,
      seed: (config.seed ^ EPOCH_SAMPLE_SEED) >>> 0,
    });
    seconds += (performance.now() - started) / 1000;
    const images = drawn.probabilities;
    return { data: images.data, n: images.rows, height: geometry.height, width: geometry.width };
  };
  return Object.assign(sample, { seconds: () => seconds });
}
