import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGemm, initBackend } from '../src/backend.js';
import {
  type BernoulliBaseline,
  fitBernoulliMixture,
  mixtureLogLikelihood,
  type BernoulliMixture,
} from '../src/baselines/index.js';
import { loadAlphaDigits, splitAlphaDigits, type Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import { createModel, loadModel } from '../src/registry.js';
import type { ModelContext, TrainingData } from '../src/model.js';

let context: ModelContext;
let tempDir: string;

beforeAll(async () => {
  context = { nVisible: 320, seed: 3, backend: await initBackend() };
  tempDir = await mkdtemp(join(tmpdir(), 'rbm-lab-baselines-'));
});
afterAll(() => rm(tempDir, { recursive: true, force: true }));

/** log p(x) straight from the definition, in float64: log sum_k pi_k prod_i mu^x (1 - mu)^(1 - x). */
function bruteForceLogProbability(model: BernoulliMixture, x: number[]): number {
  let p = 0;
  for (let k = 0; k < model.components; k++) {
    let term = model.weights[k];
    x.forEach((xi, i) => {
      const mu = model.means[k * model.dim + i];
      term *= xi === 1 ? mu : 1 - mu;
    });
    p += term;
  }
  return Math.log(p);
}

const matrix = (rows: number[][]): Matrix => ({
  data: Float32Array.from(rows.flat()),
  rows: rows.length,
  cols: rows[0].length,
});

describe('mixture of Bernoullis (tiny case against brute force)', () => {
  const train = matrix([
    [1, 1, 0, 0],
    [1, 1, 0, 0],
    [1, 0, 0, 0],
    [0, 0, 1, 1],
    [0, 0, 1, 1],
    [0, 1, 1, 1],
    [1, 1, 1, 1],
  ]);

  it('sums to 1 over all 16 images and gives each its exact log-probability', () => {
    const { model } = fitBernoulliMixture(getGemm(), train, {
      components: 2,
      maxIterations: 50,
      tolerance: 1e-9,
      pseudocount: 0.5,
      rng: new Xoshiro128(1),
    });
    const all = Array.from({ length: 16 }, (_, code) => [0, 1, 2, 3].map((bit) => (code >> bit) & 1));
    let total = 0;
    for (const image of all) {
      const exact = bruteForceLogProbability(model, image);
      expect(mixtureLogLikelihood(getGemm(), model, matrix([image]))).toBeCloseTo(exact, 5);
      total += Math.exp(exact);
    }
    expect(total).toBeCloseTo(1, 12);
    const mean =
      [0, 3, 5].reduce(
        (s, r) => s + bruteForceLogProbability(model, Array.from(train.data.subarray(r * 4, r * 4 + 4))),
        0,
      ) / 3;
    expect(
      mixtureLogLikelihood(getGemm(), model, {
        data: Float32Array.from([1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1]),
        rows: 3,
        cols: 4,
      }),
    ).toBeCloseTo(mean, 5);
  });

  it('EM never lowers the training log-likelihood, and two components beat one on two clusters', () => {
    const options = { components: 2, tolerance: 1e-12, pseudocount: 0.5 };
    let previous = -Infinity;
    for (const maxIterations of [1, 2, 3, 5, 10, 20]) {
      const fit = fitBernoulliMixture(getGemm(), train, { ...options, maxIterations, rng: new Xoshiro128(1) });
      expect(fit.trainLogLikelihood).toBeGreaterThanOrEqual(previous - 1e-9);
      previous = fit.trainLogLikelihood;
    }
    const one = fitBernoulliMixture(getGemm(), train, {
      ...options,
      components: 1,
      maxIterations: 5,
      rng: new Xoshiro128(1),
    });
    expect(previous).toBeGreaterThan(one.trainLogLikelihood + 0.5);
  });

  it('the base-rate model is the smoothed pixel means: p = (ones + a) / (n + 2a)', async () => {
    const model = createModel('base_rate', {}, { pseudocount: 1 }, { ...context, nVisible: 4 }) as BernoulliBaseline;
    await model.fit({ x: train });
    expect(Array.from(model.model.means)).toEqual([4, 4, 4, 4].map((ones) => Math.fround((ones + 1) / (7 + 2))));
    const test = matrix([[1, 0, 1, 0]]);
    const p = [5 / 9, 5 / 9, 5 / 9, 5 / 9];
    const expected = Math.log(p[0]) + Math.log(1 - p[1]) + Math.log(p[2]) + Math.log(1 - p[3]);
    expect((await model.evaluate({ x: test })).exact_log_likelihood).toBeCloseTo(expected, 5);
  });
});

describe('baselines on AlphaDigits', () => {
  let data: { train: TrainingData; validation: TrainingData; test: TrainingData };
  beforeAll(async () => {
    const split = splitAlphaDigits(await loadAlphaDigits(), [10, 11, 12, 13, 14], { validationFraction: 0.1, seed: 0 });
    const part = (set: typeof split.train): TrainingData => ({ x: set.images, labels: set.labels });
    data = { train: part(split.train), validation: part(split.validation), test: part(split.test) };
  });

  it('the mixture picks its size on validation, beats the base rate on test, and reloads identically', async () => {
    const baseRate = createModel('base_rate', {}, {}, context);
    await baseRate.fit(data.train, { validation: data.validation });
    const baseRateTest = (await baseRate.evaluate(data.test)).exact_log_likelihood;
    // 320 pixels: the uniform model scores 320 ln 2 = 221.8 nats below 0; base rates do far better.
    expect(baseRateTest).toBeGreaterThan(-320 * Math.LN2);

    const epochs: Array<Record<string, number>> = [];
    const mixture = createModel('bernoulli_mixture', { components: [1, 5, 20, 100] }, {}, context);
    await mixture.fit(data.train, { validation: data.validation, onEpoch: (_e, m) => void epochs.push(m) });
    expect(epochs.map((m) => m.components)).toEqual([1, 5, 20, 100]);
    const result = await mixture.evaluate(data.test);
    const bestOnValidation = epochs.reduce((a, b) =>
      b.validation_log_likelihood > a.validation_log_likelihood ? b : a,
    );
    expect(result.components).toBe(bestOnValidation.components);
    expect(epochs[0].validation_log_likelihood).toBeCloseTo(
      (baseRate as BernoulliBaseline).logLikelihood(data.validation.x),
      4,
    );
    expect(result.exact_log_likelihood).toBeGreaterThan(baseRateTest + 20);

    const dir = join(tempDir, 'mixture');
    await mixture.save(dir);
    const loaded = await loadModel(dir);
    expect(loaded.type).toBe('bernoulli_mixture');
    expect(await loaded.evaluate(data.test)).toEqual(result);
  });

  it('draws each component about as often as its weight', async () => {
    const mixture = createModel('bernoulli_mixture', { components: [5] }, {}, context) as BernoulliBaseline;
    await mixture.fit(data.train);
    const samples = await mixture.sample(4000, { seed: 5 });
    const { means, weights, dim } = mixture.model;
    const counts = new Array<number>(weights.length).fill(0);
    for (let r = 0; r < samples.probabilities.rows; r++) {
      const row = samples.probabilities.data.subarray(r * dim, (r + 1) * dim);
      const k = weights.findIndex((_, c) => means.subarray(c * dim, (c + 1) * dim).every((v, i) => v === row[i]));
      counts[k]++;
    }
    weights.forEach((w, k) => expect(Math.abs(counts[k] / 4000 - w)).toBeLessThan(0.03));
    expect(samples.binary.data.every((v) => v === 0 || v === 1)).toBe(true);
  });
});
