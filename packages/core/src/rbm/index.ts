export * from './hyperparameters.js';
export { type RbmParameters, initialiseParameters } from './parameters.js';
export {
  RbmDataError,
  freeEnergies,
  hiddenProbabilities,
  pseudoLogLikelihood,
  reconstructionError,
  visibleProbabilities,
} from './inference.js';
export { ContrastiveDivergence, type CdSettings } from './train.js';
export * from './ais.js';
export { hiddenModesLogZBound, type LogZBound, type LogZBoundOptions } from './log-z-bound.js';
export {
  annealedSample,
  DEFAULT_ANNEALING_STEPS,
  gibbsSample,
  type AnnealedOptions,
  type GibbsOptions,
} from './sampling.js';
export * from './rbm.js';
export { swapLogAcceptance, temperatureLadder, temperedSample, type TemperedOptions } from './tempering.js';
