export { forEachSquaredDistanceBlock } from './distances.js';
export {
  DEFAULT_PARZEN_BANDWIDTHS,
  parzenLogLikelihood,
  parzenLogLikelihoods,
  selectParzenBandwidth,
  type ParzenBandwidthChoice,
} from './parzen.js';
export { nearestNeighbourDistance, nearestNeighbourDistances } from './neighbours.js';
export { frechetDistance } from './frechet.js';
export { meanAndCovariance, type MeanAndCovariance } from './statistics.js';
export {
  argmaxRows,
  classCoverage,
  ClassifierDataError,
  classifierConfidence,
  classifierFingerprint,
  DATASET_CLASSES,
  FeatureClassifier,
  loadOrTrainFeatureClassifier,
  type QualityDataset,
} from './classifier.js';
export { QUALITY_METRICS, scoreGenerator, type QualityData, type QualityMetric, type ScoreOptions } from './score.js';
