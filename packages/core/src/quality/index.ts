export { forEachSquaredDistanceBlock } from './distances.js';
export {
  DEFAULT_PARZEN_BANDWIDTHS,
  parzenLogLikelihood,
  parzenLogLikelihoods,
  selectParzenBandwidth,
  type ParzenBandwidthChoice,
} from './parzen.js';
export { nearestNeighbourDistance, nearestNeighbourDistances } from './neighbours.js';
export {
  covarianceRankDeficient,
  frechetDistance,
  frechetDistanceOfMoments,
  traceSqrtProduct,
} from './frechet.js';
export { kernelDistance } from './kernel.js';
export { classifierTrainingData } from './classifier-data.js';
export {
  COVERAGE_BOOTSTRAP_RESAMPLES,
  COVERAGE_MIN_CONFIDENCE,
  coverageSpread,
  modeCoverage,
  type ModeCoverage,
  type ModeCoverageOptions,
} from './coverage.js';
export { meanAndCovariance, type MeanAndCovariance } from './statistics.js';
export {
  argmaxRows,
  ClassifierDataError,
  classifierConfidence,
  classifierFingerprint,
  DATASET_CLASSES,
  REJECT_CLASS,
  FeatureClassifier,
  loadOrTrainFeatureClassifier,
  type QualityDataset,
} from './classifier.js';
export {
  QUALITY_METRIC_DECLARATIONS,
  QUALITY_METRICS,
  scoreGenerator,
  scoreSamples,
  type QualityData,
  type QualityMetric,
  type QualityScore,
  type ScoreOptions,
} from './score.js';
