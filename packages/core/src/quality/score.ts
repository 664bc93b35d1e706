import type { Matrix } from '@rbm-lab/datasets';
import { initializedGemm } from '../backend.js';
import type { MetricDeclaration, MetricPoints } from '../metrics.js';
import type { Metrics, TrainingData } from '../model.js';
import { loadOrTrainFeatureClassifier, REJECT_CLASS, type QualityDataset } from './classifier.js';
import { modeCoverage } from './coverage.js';
import { frechetDistance } from './frechet.js';
import { kernelDistance } from './kernel.js';
import { nearestNeighbourDistance } from './neighbours.js';
import { parzenLogLikelihood, selectParzenBandwidth } from './parzen.js';

export const QUALITY_METRICS = [
  'parzen_log_likelihood',
  'parzen_sigma',
  'kid',
  'frechet_distance',
  'classifier_confidence',
  'class_coverage',
  'class_coverage_std',
  'class_entropy',
  'nn_distance',
] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number];

/** The metrics of the classifier's class assignments (mode coverage). */
const COVERAGE_METRICS = ['classifier_confidence', 'class_coverage', 'class_coverage_std', 'class_entropy'] as const;

/** The quality scale's metrics, as every generative model's spec declares them. */
export const QUALITY_METRIC_DECLARATIONS: readonly MetricDeclaration[] = [
  {
    name: 'parzen_log_likelihood',
    direction: 'higher',
    split: 'test',
    description:
      'Mean log-density of the test images under a Gaussian Parzen window on the scoring samples (nats/image; bandwidth chosen on validation). Crude: prefer exact or AIS log-likelihoods.',
  },
  {
    name: 'parzen_sigma',
    direction: 'none',
    split: 'validation',
    description: 'Parzen bandwidth chosen on the validation images.',
  },
  {
    name: 'kid',
    direction: 'lower',
    split: 'test',
    description:
      "Kernel distance (unbiased MMD^2, cubic polynomial kernel) between the quality classifier's features of the scoring samples and of the test images; unbiased on few points, ~0 for samples like the data.",
  },
  {
    name: 'frechet_distance',
    direction: 'lower',
    split: 'test',
    description:
      "Fréchet distance between Gaussians fitted to the classifier's features of the scoring samples and of the test images; biased upwards on few test images (see the run's warnings).",
  },
  {
    name: 'classifier_confidence',
    direction: 'higher',
    split: 'samples',
    description:
      "Mean probability the quality classifier gives a scoring sample's most likely class among the run's characters and 'not a character' (1 = clear characters).",
  },
  {
    name: 'class_coverage',
    direction: 'higher',
    split: 'samples',
    description:
      "Fraction of the run's k classes reached: a class counts when >= 1/(2k) of the scoring samples are assigned to it with confidence >= 0.5.",
  },
  {
    name: 'class_coverage_std',
    direction: 'none',
    split: 'samples',
    description:
      'Bootstrap standard deviation of class_coverage over resamples of the scoring samples: coverages closer than about two of these are not told apart.',
  },
  {
    name: 'class_entropy',
    direction: 'higher',
    split: 'samples',
    description:
      "Entropy of the confident class assignments of the scoring samples over the run's k classes, divided by ln k (1 = all equally often).",
  },
  {
    name: 'nn_distance',
    direction: 'none',
    split: 'train',
    description:
      'Mean squared distance (pixels that differ) from each scoring sample to its nearest training image: ~0 means copying.',
  },
];

export interface QualityData {
  train: TrainingData;
  validation: TrainingData;
  test: TrainingData;
  dataset: QualityDataset;
  /** The classes the run learns (class_coverage's k); default: the labels present in train. */
  classes?: readonly number[];
}

export interface ScoreOptions {
  /** Where feature classifiers are cached (experiments passes `runs/.classifiers/`). */
  cacheDir: string;
  /** Metrics to compute; default all of QUALITY_METRICS. */
  metrics?: readonly QualityMetric[];
  /**
   * Labelled images the feature classifier learns from (default data.train).
   * Pass classifierTrainingData(...) of images outside every test set (AlphaDigits: the non-test images of all
   * 36 characters; MNIST: official training images) so runs share one scale and
   * the classifier never saw a test image.
   */
  classifierTrain?: TrainingData;
  /** Parzen bandwidth candidates (default DEFAULT_PARZEN_BANDWIDTHS). */
  parzenBandwidths?: readonly number[];
}

export interface QualityScore {
  metrics: Metrics;
  /** For each metric computed: its split and how many points it used. */
  points: Record<string, MetricPoints>;
  /** Dimension of the classifier features that KID and the Fréchet distance compare. */
  featureDim?: number;
  /** Which classes the scoring samples reached: confident samples per class, the threshold, the rest. */
  coverage?: { classes: number[]; counts: number[]; threshold: number; unassigned: number };
}

function classesOf(data: QualityData): number[] {
  if (data.classes !== undefined) return [...data.classes];
  if (!data.train.labels) throw new RangeError('the quality scale needs the run classes or labelled training data');
  return [...new Set(data.train.labels)].sort((a, b) => a - b);
}

/**
 * One quality scale for every generator: scores a model's samples against the
 * run's splits, whatever produced them. Model selection (the Parzen bandwidth)
 * uses validation only; every distance is against test.
 */
export async function scoreSamples(samples: Matrix, data: QualityData, options: ScoreOptions): Promise<QualityScore> {
  const wanted = new Set<QualityMetric>(options.metrics ?? QUALITY_METRICS);
  const has = (...names: QualityMetric[]): boolean => names.some((name) => wanted.has(name));
  const metrics: Metrics = {};
  const points: Record<string, MetricPoints> = {};
  const nSamples = samples.rows;
  const onTest: MetricPoints = { split: 'test', points: data.test.x.rows, samples: nSamples };
  const onSamples: MetricPoints = { split: 'samples', points: nSamples };
  const gemm = await initializedGemm();
  if (has('parzen_log_likelihood', 'parzen_sigma')) {
    const choice = selectParzenBandwidth(samples, data.validation.x, options.parzenBandwidths, gemm);
    if (wanted.has('parzen_sigma')) {
      metrics.parzen_sigma = choice.sigma;
      points.parzen_sigma = { split: 'validation', points: data.validation.x.rows, samples: nSamples };
    }
    if (wanted.has('parzen_log_likelihood')) {
      metrics.parzen_log_likelihood = parzenLogLikelihood(samples, data.test.x, { sigma: choice.sigma }, gemm);
      points.parzen_log_likelihood = onTest;
    }
  }
  let featureDim: number | undefined;
  let coverageDetail: QualityScore['coverage'];
  if (has('kid', 'frechet_distance', ...COVERAGE_METRICS)) {
    const classifier = await loadOrTrainFeatureClassifier(
      data.dataset,
      options.classifierTrain ?? data.train,
      options.cacheDir,
    );
    try {
      featureDim = classifier.featureDim;
      if (has('kid', 'frechet_distance')) {
        const sampleFeatures = classifier.features(samples);
        const testFeatures = classifier.features(data.test.x);
        if (wanted.has('kid')) {
          metrics.kid = kernelDistance(sampleFeatures, testFeatures, gemm);
          points.kid = onTest;
        }
        if (wanted.has('frechet_distance')) {
          metrics.frechet_distance = frechetDistance(sampleFeatures, testFeatures);
          points.frechet_distance = onTest;
        }
      }
      if (has(...COVERAGE_METRICS)) {
        const classes = classesOf(data);
        const coverage = modeCoverage(classifier.classProbabilities(samples), classes, {
          rejectClass: REJECT_CLASS[data.dataset],
        });
        const { counts, threshold, unassigned } = coverage;
        coverageDetail = { classes, counts, threshold, unassigned };
        if (wanted.has('classifier_confidence')) {
          metrics.classifier_confidence = coverage.meanConfidence;
          points.classifier_confidence = onSamples;
        }
        if (wanted.has('class_coverage')) {
          metrics.class_coverage = coverage.coverage;
          points.class_coverage = onSamples;
        }
        if (wanted.has('class_coverage_std') && Number.isFinite(coverage.coverageStd)) {
          metrics.class_coverage_std = coverage.coverageStd;
          points.class_coverage_std = onSamples;
        }
        if (wanted.has('class_entropy') && Number.isFinite(coverage.normalisedEntropy)) {
          metrics.class_entropy = coverage.normalisedEntropy;
          points.class_entropy = onSamples;
        }
      }
    } finally {
      classifier.dispose();
    }
  }
  if (wanted.has('nn_distance')) {
    metrics.nn_distance = nearestNeighbourDistance(samples, data.train.x, gemm);
    points.nn_distance = { split: 'train', points: data.train.x.rows, samples: nSamples };
  }
  return { metrics, points, featureDim, coverage: coverageDetail };
}

/** The metrics of scoreSamples alone. */
export async function scoreGenerator(samples: Matrix, data: QualityData, options: ScoreOptions): Promise<Metrics> {
  return (await scoreSamples(samples, data, options)).metrics;
}
