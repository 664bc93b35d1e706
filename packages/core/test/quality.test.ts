import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, type Matrix } from '@rbm-lab/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classCoverage,
  classifierConfidence,
  type FeatureClassifier,
  frechetDistance,
  loadOrTrainFeatureClassifier,
  nearestNeighbourDistance,
  parzenLogLikelihood,
  parzenLogLikelihoods,
  QUALITY_METRICS,
  scoreGenerator,
  selectParzenBandwidth,
} from '../src/quality/index.js';
import { Vae } from '../src/generators/index.js';
import { alphaDigitsSplits, useTestBackend, type Splits } from './generators-fixtures.js';

function randomMatrix(
  rows: number,
  cols: number,
  seed: number,
  draw: (rng: ReturnType<typeof createRng>) => number,
): Matrix {
  const rng = createRng(seed);
  return { data: Float32Array.from({ length: rows * cols }, () => draw(rng)), rows, cols };
}

const binaryNoise = (rows: number, cols: number, seed: number): Matrix =>
  randomMatrix(rows, cols, seed, (rng) => (rng.next() < 0.5 ? 1 : 0));

/** Straightforward float64 Parzen estimate, one test row and one sample at a time. */
function naiveParzen(samples: Matrix, test: Matrix, sigma: number): number {
  let total = 0;
  for (let i = 0; i < test.rows; i++) {
    const logKernels: number[] = [];
    for (let j = 0; j < samples.rows; j++) {
      let d2 = 0;
      for (let c = 0; c < test.cols; c++)
        d2 += (test.data[i * test.cols + c] - samples.data[j * samples.cols + c]) ** 2;
      logKernels.push(-d2 / (2 * sigma * sigma));
    }
    const max = Math.max(...logKernels);
    const lse = max + Math.log(logKernels.reduce((s, v) => s + Math.exp(v - max), 0));
    total += lse - Math.log(samples.rows) - (test.cols / 2) * Math.log(2 * Math.PI * sigma * sigma);
  }
  return total / test.rows;
}

beforeAll(useTestBackend);

describe('parzenLogLikelihood', () => {
  it('matches a direct float64 computation on binary and real-valued data', () => {
    const samples = binaryNoise(70, 40, 1);
    const test = binaryNoise(30, 40, 2);
    for (const sigma of [0.1, 0.3, 1]) {
      expect(parzenLogLikelihood(samples, test, { sigma })).toBeCloseTo(naiveParzen(samples, test, sigma), 6);
    }
    const soft = randomMatrix(50, 20, 3, (rng) => rng.next());
    const softTest = randomMatrix(25, 20, 4, (rng) => rng.next());
    expect(parzenLogLikelihood(soft, softTest, { sigma: 0.2 })).toBeCloseTo(naiveParzen(soft, softTest, 0.2), 3);
  });

  it('selects the candidate bandwidth with the best validation score', () => {
    const samples = binaryNoise(60, 30, 5);
    const validation = binaryNoise(40, 30, 6);
    const candidates = [0.1, 0.2, 0.4, 0.8, 1.6];
    const choice = selectParzenBandwidth(samples, validation, candidates);
    const scores = parzenLogLikelihoods(samples, validation, candidates);
    expect(choice.logLikelihood).toBe(Math.max(...scores));
    expect(choice.sigma).toBe(candidates[scores.indexOf(choice.logLikelihood)]);
    expect(choice.candidates.map((c) => c.logLikelihood)).toEqual(scores);
  });
});

describe('frechetDistance', () => {
  it('recovers the closed form for Gaussians with diagonal covariances', () => {
    // For diagonal covariances the distance is |mu_a - mu_b|^2 + sum (s_a - s_b)^2.
    const meansA = [0, 1, -1];
    const meansB = [0.5, 1, 0];
    const stdA = [1, 2, 0.5];
    const stdB = [1, 1, 1.5];
    const n = 20000;
    const a = randomMatrix(n, 3, 7, () => 0);
    const b = randomMatrix(n, 3, 8, () => 0);
    const rng = createRng(9);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < 3; c++) {
        a.data[r * 3 + c] = meansA[c] + stdA[c] * rng.normal();
        b.data[r * 3 + c] = meansB[c] + stdB[c] * rng.normal();
      }
    }
    let expected = 0;
    for (let c = 0; c < 3; c++) expected += (meansA[c] - meansB[c]) ** 2 + (stdA[c] - stdB[c]) ** 2;
    expect(frechetDistance(a, b)).toBeCloseTo(expected, 1);
    expect(frechetDistance(a, a)).toBeLessThan(1e-9);
  });
});

describe('nearest-neighbour distance, confidence and coverage', () => {
  it('counts differing pixels to the closest training image', () => {
    const train = binaryNoise(50, 64, 10);
    // Copies of training rows with k pixels flipped are k pixels away (noise rows are ~32 apart).
    const samples: Matrix = { data: new Float32Array(3 * 64), rows: 3, cols: 64 };
    [0, 2, 5].forEach((flips, i) => {
      samples.data.set(train.data.subarray(i * 64, (i + 1) * 64), i * 64);
      for (let p = 0; p < flips; p++) samples.data[i * 64 + p] = 1 - samples.data[i * 64 + p];
    });
    expect(nearestNeighbourDistance(samples, train)).toBeCloseTo((0 + 2 + 5) / 3, 9);
  });

  it('averages the top class probability and counts the classes that win at least once', () => {
    const probabilities: Matrix = {
      data: Float32Array.from([0.7, 0.2, 0.1, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8]),
      rows: 3,
      cols: 3,
    };
    expect(classifierConfidence(probabilities)).toBeCloseTo((0.7 + 0.6 + 0.8) / 3, 6);
    expect(classCoverage(probabilities)).toBeCloseTo(2 / 3, 9);
    expect(classCoverage(probabilities, [0, 2])).toBe(1);
    expect(classCoverage(probabilities, [1])).toBe(0);
  });
});

describe('quality scale on AlphaDigits', () => {
  let data: Splits;
  let cacheDir: string;
  beforeAll(async () => {
    data = await alphaDigitsSplits('0123456789');
    cacheDir = mkdtempSync(join(tmpdir(), 'rbm-lab-classifiers-'));
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('trains the feature classifier once, caches it and reloads the same network', async () => {
    const first = await loadOrTrainFeatureClassifier('alphadigits', data.train, cacheDir);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    expect(first.heldOutAccuracy).toBeGreaterThan(0.6);
    const [cached] = readdirSync(cacheDir);
    const written = statSync(join(cacheDir, cached, 'model.json')).mtimeMs;
    const second = await loadOrTrainFeatureClassifier('alphadigits', data.train, cacheDir);
    // Reloaded, not trained again: the cache is not rewritten.
    expect(readdirSync(cacheDir)).toEqual([cached]);
    expect(statSync(join(cacheDir, cached, 'model.json')).mtimeMs).toBe(written);
    expect(second.heldOutAccuracy).toBe(first.heldOutAccuracy);
    expect(Array.from(second.features(data.test.x).data)).toEqual(Array.from(first.features(data.test.x).data));
    first.dispose();
    second.dispose();
  });

  it('ranks real held-out images far above noise and an untrained model', async () => {
    const classifier: FeatureClassifier = await loadOrTrainFeatureClassifier('alphadigits', data.train, cacheDir);
    const noise = binaryNoise(200, 320, 11);
    const untrained = new Vae({ hidden_units: [64], latent_dim: 8 }, { nVisible: 320, seed: 3 });
    const untrainedSamples = (await untrained.sample(200)).binary;
    untrained.dispose();

    const trainFeatures = classifier.features(data.train.x);
    const realFid = frechetDistance(classifier.features(data.test.x), trainFeatures);
    const noiseFid = frechetDistance(classifier.features(noise), trainFeatures);
    const untrainedFid = frechetDistance(classifier.features(untrainedSamples), trainFeatures);
    classifier.dispose();
    expect(realFid * 4).toBeLessThan(noiseFid);
    expect(realFid * 4).toBeLessThan(untrainedFid);

    // Parzen: held-out images are far likelier under kernels on training images than under noise kernels.
    const parzen = (samples: Matrix): number =>
      parzenLogLikelihood(samples, data.test.x, { sigma: selectParzenBandwidth(samples, data.validation.x).sigma });
    const realParzen = parzen(data.train.x);
    expect(realParzen).toBeGreaterThan(parzen(noise) + 20);
    expect(realParzen).toBeGreaterThan(parzen(untrainedSamples) + 20);
  });

  it('scoreGenerator reports the whole scale, and only what is asked', async () => {
    const noiseScores = await scoreGenerator(
      binaryNoise(100, 320, 12),
      { ...data, dataset: 'alphadigits' },
      { cacheDir },
    );
    expect(Object.keys(noiseScores).sort()).toEqual([...QUALITY_METRICS].sort());
    for (const value of Object.values(noiseScores)) expect(Number.isFinite(value)).toBe(true);
    // Noise is about half the pixels away from any character.
    expect(noiseScores.nn_distance).toBeGreaterThan(80);
    const copies = await scoreGenerator(
      data.train.x,
      { ...data, dataset: 'alphadigits' },
      { cacheDir, metrics: ['nn_distance', 'class_coverage'] },
    );
    expect(copies).toEqual({ nn_distance: 0, class_coverage: 1 });
  });
});
