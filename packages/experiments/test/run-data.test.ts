import type { TrainingData } from '@rbm-lab/core';
import { alphaDigitsTestRows, loadAlphaDigits, selectRows } from '@rbm-lab/datasets';
import { describe, expect, it } from 'vitest';
import { loadRunData } from '../src/runner/run-data.js';

/** Each image as a hex key of its pixels. */
function keys(data: TrainingData): string[] {
  const { data: pixels, rows, cols } = data.x;
  return Array.from({ length: rows }, (_, r) =>
    Buffer.from(pixels.buffer, pixels.byteOffset + r * cols * 4, cols * 4).toString('hex'),
  );
}

describe('run data', () => {
  it('AlphaDigits: three disjoint parts, recorded, and a classifier that never saw any test image', async () => {
    const data = await loadRunData({ name: 'alphadigits', characters: 'A,B,C,D,E', validation_fraction: 0.1, seed: 0 });
    expect(data.classes).toEqual([10, 11, 12, 13, 14]);
    const rows = data.split.rows!;
    const all = [...rows.train, ...rows.validation, ...rows.test];
    expect(new Set(all).size).toBe(all.length);
    expect(data.split.counts).toEqual({ train: 140, validation: 15, test: 40 });
    expect([data.train.x.rows, data.validation.x.rows, data.test.x.rows]).toEqual([140, 15, 40]);

    // Every test image of every run (the fixed test set of all 36 characters) is absent from the classifier's data,
    // except where the file itself holds the same pixels twice (then a non-test copy may match).
    const file = await loadAlphaDigits();
    const everyTest = keys({ x: selectRows(file, alphaDigitsTestRows()).images });
    const fileKeys = keys({ x: file.images });
    const repeated = new Set(fileKeys.filter((key, i) => fileKeys.indexOf(key) !== i));
    const classifierKeys = new Set(keys(data.classifierTrain));
    const seen = everyTest.filter((key) => classifierKeys.has(key) && !repeated.has(key));
    expect(seen).toEqual([]);
    expect(data.classifierTrain.x.rows).toBeGreaterThan(36 * 31);
    expect(new Set(data.classifierTrain.labels)).toEqual(new Set(Array.from({ length: 37 }, (_, c) => c)));
  });

  it('the first n characters come from the selection, and the test part of a character never depends on the seed', async () => {
    const first = await loadRunData({ name: 'alphadigits', n_characters: 3, validation_fraction: 0.1, seed: 0 });
    const other = await loadRunData({ name: 'alphadigits', n_characters: 3, validation_fraction: 0.1, seed: 7 });
    expect(first.classes).toEqual([0, 1, 2]);
    expect(other.split.hashes.test).toBe(first.split.hashes.test);
    expect(other.split.hashes.validation).not.toBe(first.split.hashes.validation);
  });

  it('MNIST: test is the official test set, the classifier learns from official training images only', async () => {
    const data = await loadRunData({ name: 'mnist', limit: 1000, test_limit: 200, validation_fraction: 0.1, seed: 0 });
    expect(data.split.testRule).toMatch(/official/);
    expect(data.test.x.rows).toBe(200);
    expect(data.train.x.rows + data.validation.x.rows).toBe(1000);
    const classifierKeys = new Set(keys(data.classifierTrain));
    const testKeys = keys(data.test);
    // Binarized digits can coincide across the official files; at most a handful may.
    expect(testKeys.filter((key) => classifierKeys.has(key)).length).toBeLessThanOrEqual(2);
  });
});

describe('planned epochs', () => {
  it('a budget of updates is planned as the passes it makes over the images the run really trains on', async () => {
    const { expandGrid, loadStudy } = await import('../src/index.js');
    const { listModelSpecs } = await import('@rbm-lab/core');
    const configs = new URL('../../../configs/', import.meta.url).pathname;
    const specs = listModelSpecs();
    const plans = expandGrid(loadStudy('characters.yaml', specs, configs).study, specs).filter(
      (plan) => plan.config.model.type === 'rbm',
    );
    expect(plans.length).toBeGreaterThan(2);
    for (const plan of plans.slice(0, 3)) {
      const { updates, batch_size: batchSize } = plan.config.train as { updates: number; batch_size: number };
      const rows = (await loadRunData(plan.config.dataset)).train.x.rows;
      expect(plan.epochs, `${plan.config.dataset.n_characters} characters`).toBe(
        Math.ceil(updates / Math.ceil(rows / batchSize)),
      );
    }
    const mnist = expandGrid(loadStudy('mnist.yaml', specs, configs).study, specs)[0];
    expect(mnist.epochs).toBe(mnist.config.train.epochs);
    // A DBN reports every layer's epochs; a mixture baseline one per candidate size.
    const alternatives = expandGrid(loadStudy('alternative-models.yaml', specs, configs).study, specs);
    const dbn = alternatives.find((plan) => plan.config.model.type === 'dbn')!;
    expect(dbn.epochs).toBe(Number(dbn.config.train.epochs) * (dbn.config.model.layers as number[]).length);
    const mixture = alternatives.find((plan) => plan.config.model.type === 'bernoulli_mixture')!;
    expect(mixture.epochs).toBe((mixture.config.model.components as number[]).length);
  });
});
