import type { Matrix } from '@rbm-lab/datasets';
import type { Metrics, TrainingData } from '../model.js';
import {
  classCoverage,
  classifierConfidence,
  loadOrTrainFeatureClassifier,
  type QualityDataset,
} from './classifier.js';
import { frechetDistance } from './frechet.js';
import { nearestNeighbourDistance } from './neighbours.js';
import { parzenLogLikelihood, selectParzenBandwidth } from './parzen.js';

export const QUALITY_METRICS = [
  'parzen_log_likelihood',
  'parzen_sigma',
  'frechet_distance',
  'classifier_confidence',
  'class_coverage',
  'nn_distance',
] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number];

export interface QualityData {
  train: TrainingData;
  validation: TrainingData;
  test: TrainingData;
  dataset: QualityDataset;
}

export interface ScoreOptions {
  /** Where feature classifiers are cached (experiments passes `runs/.classifiers/`). */
  cacheDir: string;
  /** Metrics to compute; default all of QUALITY_METRICS. */
  metrics?: readonly QualityMetric[];
  /**
   * Labelled data the feature classifier trains on (default data.train). Pass the
   * dataset's full training split so runs on different character subsets share
   * one classifier and their Fréchet distances are comparable.
   */
  classifierTrain?: TrainingData;
  /** Parzen bandwidth candidates (default DEFAULT_PARZEN_BANDWIDTHS). */
  parzenBandwidths?: readonly number[];
}

/**
 * One quality scale for every generator: scores a model's samples against the
 * same held-out data, whatever produced them.
 * - parzen_log_likelihood: nats per test image under a Gaussian Parzen window on
 *   the samples, bandwidth (parzen_sigma) chosen on data.validation;
 * - frechet_distance: between classifier features of the samples and of data.test;
 * - classifier_confidence, class_coverage: of the samples (coverage over the classes in data.train);
 * - nn_distance: mean squared distance from each sample to its nearest training image.
 */
export async function scoreGenerator(samples: Matrix, data: QualityData, options: ScoreOptions): Promise<Metrics> {
  const wanted = new Set<QualityMetric>(options.metrics ?? QUALITY_METRICS);
  const metrics: Metrics = {};
  if (wanted.has('parzen_log_likelihood') || wanted.has('parzen_sigma')) {
    const choice = selectParzenBandwidth(samples, data.validation.x, options.parzenBandwidths);
    if (wanted.has('parzen_sigma')) metrics.parzen_sigma = choice.sigma;
    if (wanted.has('parzen_log_likelihood')) {
      metrics.parzen_log_likelihood = parzenLogLikelihood(samples, data.test.x, { sigma: choice.sigma });
    }
  }
  if (wanted.has('frechet_distance') || wanted.has('classifier_confidence') || wanted.has('class_coverage')) {
    const classifier = await loadOrTrainFeatureClassifier(
      data.dataset,
      options.classifierTrain ?? data.train,
      options.cacheDir,
    );
    try {
      if (wanted.has('frechet_distance')) {
        metrics.frechet_distance = frechetDistance(classifier.features(samples), classifier.features(data.test.x));
      }
      if (wanted.has('classifier_confidence') || wanted.has('class_coverage')) {
        const probabilities = classifier.classProbabilities(samples);
        if (wanted.has('classifier_confidence')) metrics.classifier_confidence = classifierConfidence(probabilities);
        if (wanted.has('class_coverage')) {
          metrics.class_coverage = classCoverage(
            probabilities,
            data.train.labels ? new Set(data.train.labels) : undefined,
          );
        }
      }
    } finally {
      classifier.dispose();
    }
  }
  if (wanted.has('nn_distance')) metrics.nn_distance = nearestNeighbourDistance(samples, data.train.x);
  return metrics;
}
