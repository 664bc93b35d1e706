import { classifierTrainingData, type TrainingData } from '@rbm-lab/core';
import {
  ALPHADIGITS_CLASSES,
  alphaDigitsNonTest,
  loadAlphaDigits,
  loadMnist,
  parseCharacterSelection,
  splitAlphaDigits,
  splitMnist,
  type Binarization,
  type ImageSet,
  type SplitRecord,
} from '@rbm-lab/datasets';
import type { DatasetConfig } from '../config/types.js';

/** Official MNIST training images the quality classifier learns from (the first ones, file order). */
export const MNIST_CLASSIFIER_IMAGES = 20000;

export interface RunData {
  dataset: 'alphadigits' | 'mnist';
  height: number;
  width: number;
  /** The classes the run learns (AlphaDigits 0-35, MNIST digits), sorted. */
  classes: number[];
  train: TrainingData;
  /** For model selection only: early stopping, bandwidths, numbers of components. */
  validation: TrainingData;
  /** For every reported final metric: disjoint from train and validation, and never seen by the classifier. */
  test: TrainingData;
  /**
   * What the quality classifier learns from: images in no run's test split
   * (AlphaDigits: the non-test images of all 36 characters, shifted copies
   * included; MNIST: official training images), plus "not a character" images,
   * so runs on different selections share one classifier.
   */
  classifierTrain: TrainingData;
  /** Which images each part holds (hashes and counts; rows for AlphaDigits), stored with the run. */
  split: SplitRecord;
}

function toTrainingData(set: ImageSet): TrainingData {
  return { x: set.images, labels: set.labels, nClasses: set.classNames.length, height: set.height, width: set.width };
}

function mnistBinarization(config: DatasetConfig): Binarization {
  switch (config.binarize ?? 'threshold') {
    case 'none':
      return false;
    case 'stochastic':
      return { kind: 'stochastic', seed: config.seed ?? 0 };
    default:
      return { kind: 'threshold', threshold: config.threshold ?? 127 };
  }
}

/** The AlphaDigits classes a `dataset:` section selects: `characters` (default all), then the first `n_characters`. */
export function selectedCharacters(config: DatasetConfig): number[] {
  const classes =
    config.characters === undefined ? ALPHADIGITS_CLASSES.map((_, c) => c) : parseCharacterSelection(config.characters);
  return config.n_characters === undefined ? classes : classes.slice(0, config.n_characters);
}

/** Loads the data a run's `dataset:` section describes and splits it into train / validation / test. */
export async function loadRunData(config: DatasetConfig): Promise<RunData> {
  const splitOptions = { validationFraction: config.validation_fraction ?? 0.1, seed: config.seed ?? 0 };
  if (config.name === 'alphadigits') {
    const classes = selectedCharacters(config);
    const all = await loadAlphaDigits();
    const split = splitAlphaDigits(all, classes, splitOptions);
    return {
      dataset: 'alphadigits',
      height: all.height,
      width: all.width,
      classes,
      train: toTrainingData(split.train),
      validation: toTrainingData(split.validation),
      test: toTrainingData(split.test),
      classifierTrain: classifierTrainingData('alphadigits', toTrainingData(alphaDigitsNonTest(all))),
      split: split.record,
    };
  }
  const binarize = mnistBinarization(config);
  const trainSet = await loadMnist({ split: 'train', limit: config.limit, digits: config.digits, binarize });
  const testSet = await loadMnist({ split: 'test', limit: config.test_limit, digits: config.digits, binarize });
  const classifierSet = await loadMnist({ split: 'train', limit: MNIST_CLASSIFIER_IMAGES, binarize });
  const split = splitMnist(trainSet, testSet, splitOptions);
  return {
    dataset: 'mnist',
    height: trainSet.height,
    width: trainSet.width,
    classes: [...new Set(trainSet.labels)].sort((a, b) => a - b),
    train: toTrainingData(split.train),
    validation: toTrainingData(split.validation),
    test: toTrainingData(split.test),
    classifierTrain: classifierTrainingData('mnist', toTrainingData(classifierSet)),
    split: split.record,
  };
}
