export {
  BASELINE_METRICS,
  BernoulliBaseline,
  baseRateSpec,
  bernoulliMixtureSpec,
  type BaselineParams,
  type BaselineType,
} from './baselines.js';
export {
  fitBernoulliMixture,
  mixtureLogLikelihood,
  sampleBernoulliMixture,
  type BernoulliMixture,
  type EmOptions,
  type EmResult,
} from './mixture.js';
