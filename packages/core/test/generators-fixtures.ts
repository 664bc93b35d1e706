import { loadAlphaDigits, loadMnist, splitTrainValidation, type ImageSet } from '@rbm-lab/datasets';
import { initBackend } from '../src/backend.js';
import type { Metrics, Model, TrainingData } from '../src/model.js';
import { scoreGenerator } from '../src/quality/index.js';

/** The tfjs backend the product picks here (wasm without tfjs-node), which the generators run on. */
export async function useTestBackend(): Promise<void> {
  await initBackend();
}

export function toTrainingData(set: ImageSet): TrainingData {
  return { x: set.images, labels: set.labels, nClasses: set.classNames.length, height: set.height, width: set.width };
}

export interface Splits {
  train: TrainingData;
  validation: TrainingData;
  test: TrainingData;
}

/** Seeded, per-class train / validation / test split (about 60 / 20 / 20). */
export function splitThreeWays(set: ImageSet, seed: number): Splits {
  const { train: rest, validation: test } = splitTrainValidation(set, { validationFraction: 0.2, seed });
  const { train, validation } = splitTrainValidation(rest, { validationFraction: 0.25, seed: seed + 1 });
  return { train: toTrainingData(train), validation: toTrainingData(validation), test: toTrainingData(test) };
}

export async function alphaDigitsSplits(chars: string, seed = 7): Promise<Splits> {
  return splitThreeWays(await loadAlphaDigits({ chars: [...chars], onWarning: () => {} }), seed);
}

export async function mnistSplits(limit: number, seed = 7): Promise<Splits> {
  return splitThreeWays(await loadMnist({ split: 'train', limit }), seed);
}

/** The shared quality scale on 200 binary samples drawn with a fixed seed. */
export async function sampleQuality(model: Model, data: Splits, cacheDir: string): Promise<Metrics> {
  const samples = await model.sample!(200, { seed: 11 });
  return scoreGenerator(samples.binary, { ...data, dataset: 'alphadigits' }, { cacheDir });
}
