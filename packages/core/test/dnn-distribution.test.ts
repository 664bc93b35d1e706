import { type ImageSet, loadMnist } from '@rbm-lab/datasets';
import { beforeAll, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { dnnSpec } from '../src/dnn.js';
import type { BackendInfo, TrainingData } from '../src/model.js';
import { trainTfjsDnn } from './dnn-tfjs-reference.js';

const SEEDS = [1, 2, 3, 4, 5];
const SETTINGS = { hidden: [50], epochs: 10, learningRate: 0.1, momentum: 0.5, batchSize: 50 };
/**
 * Allowed distance outside the tfjs seeds' range of test errors. The two paths
 * draw their initial weights from different generators, so they agree in
 * distribution only; 0.01 is about one standard deviation of the seed-to-seed
 * spread of the error on 2000 test images at this size.
 */
const TOLERANCE = 0.01;

let backend: BackendInfo;
let train: TrainingData;
let test: TrainingData;

const asTrainingData = (set: ImageSet): TrainingData => ({ x: set.images, labels: set.labels, nClasses: 10 });

beforeAll(async () => {
  backend = await initBackend();
  train = asTrainingData(await loadMnist({ split: 'train', limit: 2000 }));
  test = asTrainingData(await loadMnist({ split: 'test', limit: 2000 }));
});

it('784-50-10 on 2000 MNIST images: the engine’s test error lies in the tfjs reference’s seed range', async () => {
  const reference: number[] = [];
  for (const seed of SEEDS) reference.push(await trainTfjsDnn(train, test, { ...SETTINGS, nClasses: 10, seed }));
  const ours: number[] = [];
  for (const seed of SEEDS) {
    const dnn = dnnSpec.create(
      { layers: SETTINGS.hidden, pretrain: false },
      {
        epochs: SETTINGS.epochs,
        learning_rate: SETTINGS.learningRate,
        momentum: SETTINGS.momentum,
        batch_size: SETTINGS.batchSize,
        optimizer: 'sgd',
      },
      { nVisible: 784, seed, backend },
    );
    await dnn.fit(train);
    ours.push((await dnn.evaluate(test)).test_error);
    dnn.dispose();
  }
  const low = Math.min(...reference) - TOLERANCE;
  const high = Math.max(...reference) + TOLERANCE;
  console.log(`test error, tfjs reference: ${reference.join(', ')}; engine: ${ours.join(', ')}`);
  for (const error of ours) {
    expect(error).toBeGreaterThanOrEqual(low);
    expect(error).toBeLessThanOrEqual(high);
  }
  // Both learnt: chance is 0.9.
  expect(Math.max(...reference, ...ours)).toBeLessThan(0.3);
});
