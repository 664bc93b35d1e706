import type { TrainingData } from '@rbm-lab/core';
import {
  loadAlphaDigits,
  loadMnist,
  parseCharacterSelection,
  splitTrainValidation,
  type Binarization,
  type ImageSet,
} from '@rbm-lab/datasets';
import type { DatasetConfig } from '../config/types.js';

export interface RunData {
  dataset: 'alphadigits' | 'mnist';
  height: number;
  width: number;
  nClasses: number;
  train: TrainingData;
  validation: TrainingData;
  /** Held-out data for final metrics: AlphaDigits has no test split, so it is the validation part. */
  test: TrainingData;
  /**
   * The dataset's whole training split (all classes), for the quality metrics'
   * feature classifier, so runs on different character subsets share one scale.
   */
  classifierTrain: TrainingData;
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

/** Loads and splits the data a run's `dataset:` section describes. */
export async function loadRunData(config: DatasetConfig): Promise<RunData> {
  const split = { validationFraction: config.validation_fraction ?? 0.1, seed: config.seed ?? 0 };
  if (config.name === 'alphadigits') {
    let classes = config.characters === undefined ? undefined : parseCharacterSelection(config.characters);
    if (config.n_characters !== undefined) {
      classes = (classes ?? Array.from({ length: 36 }, (_, i) => i)).slice(0, config.n_characters);
    }
    const all = await loadAlphaDigits();
    const selected = classes === undefined ? all : await loadAlphaDigits({ chars: classes });
    const parts = splitTrainValidation(selected, split);
    const fullParts = classes === undefined ? parts : splitTrainValidation(all, split);
    const validation = toTrainingData(parts.validation);
    return {
      dataset: 'alphadigits',
      height: selected.height,
      width: selected.width,
      nClasses: selected.classNames.length,
      train: toTrainingData(parts.train),
      validation,
      test: validation,
      classifierTrain: toTrainingData(fullParts.train),
    };
  }
  const binarize = mnistBinarization(config);
  const trainSet = await loadMnist({ split: 'train', limit: config.limit, digits: config.digits, binarize });
  const testSet = await loadMnist({ split: 'test', limit: config.test_limit, digits: config.digits, binarize });
  const parts = splitTrainValidation(trainSet, split);
  return {
    dataset: 'mnist',
    height: trainSet.height,
    width: trainSet.width,
    nClasses: trainSet.classNames.length,
    train: toTrainingData(parts.train),
    validation: toTrainingData(parts.validation),
    test: toTrainingData(testSet),
    classifierTrain: toTrainingData(parts.train),
  };
}
