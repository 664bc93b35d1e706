import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, type Matrix } from '@rbm-lab/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EigenvalueDecomposition, inverse, Matrix as DenseMatrix } from 'ml-matrix';
import {
  classifierConfidence,
  classifierTrainingData,
  covarianceRankDeficient,
  coverageSpread,
  frechetDistanceOfMoments,
  kernelDistance,
  modeCoverage,
  scoreSamples,
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

  it('averages the top class probability', () => {
    const probabilities: Matrix = {
      data: Float32Array.from([0.7, 0.2, 0.1, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8]),
      rows: 3,
      cols: 3,
    };
    expect(classifierConfidence(probabilities)).toBeCloseTo((0.7 + 0.6 + 0.8) / 3, 6);
  });
});

/** Rows of class probabilities: [class, p, sink] puts p on class and 1 - p on the sink column. */
function probabilityRows(rows: Array<[number, number, number]>, cols: number): Matrix {
  const data = new Float32Array(rows.length * cols);
  rows.forEach(([cls, p, sink], r) => {
    data[r * cols + cls] += p;
    data[r * cols + sink] += 1 - p;
  });
  return { data, rows: rows.length, cols };
}

const repeat = (n: number, row: [number, number, number]) => Array.from({ length: n }, () => row);

describe('modeCoverage', () => {
  it('reaches a class only with >= n/(2k) confident samples, and measures the spread by entropy', () => {
    // k = 4 classes (0-3), column 4 = not a character, column 5 = a class outside the run.
    // 40 samples: a class needs ceil(40 / 8) = 5 confident samples.
    const rows = [
      ...repeat(20, [0, 0.9, 1]),
      ...repeat(5, [1, 0.6, 4]),
      ...repeat(4, [2, 0.9, 4]), // one short of the threshold
      ...repeat(6, [3, 0.4, 4]), // more likely not a character
      ...repeat(5, [5, 0.9, 4]), // another character, else junk
    ];
    const result = modeCoverage(probabilityRows(rows, 6), [0, 1, 2, 3], { rejectClass: 4 });
    expect(result.threshold).toBe(5);
    expect(result.counts).toEqual([20, 5, 4, 0]);
    expect(result.coverage).toBe(0.5);
    expect(result.unassigned).toBe(11);
    const p = [20 / 29, 5 / 29, 4 / 29];
    expect(result.normalisedEntropy).toBeCloseTo(-p.reduce((s, q) => s + q * Math.log(q), 0) / Math.log(4), 12);
    expect(result.meanConfidence).toBeCloseTo((20 * 0.9 + 5 * 0.6 + 4 * 0.9 + 6 * 0.4 + 5 * 0) / 40, 6);
    // Evenly spread confident samples: full coverage and entropy 1.
    const even = modeCoverage(
      probabilityRows(
        [
          [0, 0.9, 2],
          [1, 0.9, 2],
          [0, 0.9, 2],
          [1, 0.9, 2],
        ],
        3,
      ),
      [0, 1],
      {
        rejectClass: 2,
      },
    );
    expect([even.coverage, even.normalisedEntropy]).toEqual([1, 1]);
  });

  it('gives the coverage a bootstrap spread: none far from the threshold, about 1/(2k) for a class on it', () => {
    // k = 4, n = 1000: a class needs 125. Far from it, every resample reaches the same classes.
    expect(coverageSpread([400, 300, 200, 0], 100, 125)).toBe(0);
    // One class on the threshold is reached in about half the resamples: coverage 0.75 or 1, spread ~ 0.125.
    const onEdge = coverageSpread([300, 300, 275, 125], 0, 125);
    expect(onEdge).toBeGreaterThan(0.09);
    expect(onEdge).toBeLessThan(0.13);
    expect(coverageSpread([300, 300, 275, 125], 0, 125)).toBe(onEdge);
    // Two classes on it: twice the variance.
    const twoOnEdge = coverageSpread([400, 350, 125, 125], 0, 125);
    expect(twoOnEdge / onEdge).toBeGreaterThan(1.2);
    expect(twoOnEdge / onEdge).toBeLessThan(1.6);
    // modeCoverage reports it.
    const rows = [...repeat(20, [0, 0.9, 1]), ...repeat(5, [1, 0.9, 1])];
    const result = modeCoverage(probabilityRows(rows, 2), [0, 1]);
    expect(result.coverageStd).toBe(coverageSpread(result.counts, result.unassigned, result.threshold));
    expect(result.coverageStd).toBeGreaterThan(0);
  });

  it("ignores classes outside the run: 'O' mass does not hide a '0' in a digits-only run", () => {
    // Column 0 = '0', 1 = '1', 24 = 'O', 36 = not a character.
    const rows = [...repeat(6, [24, 0.7, 0]), ...repeat(6, [1, 0.9, 36])];
    const digits = modeCoverage(probabilityRows(rows, 37), [0, 1], { rejectClass: 36 });
    expect(digits.counts).toEqual([6, 6]);
    const withO = modeCoverage(probabilityRows(rows, 37), [0, 1, 24], { rejectClass: 36 });
    expect(withO.counts).toEqual([0, 6, 6]);
  });
});

/** sqrt of a matrix with no eigenvalue on the closed negative axis, by the Denman-Beavers iteration (no eigen-solver). */
function denmanBeaversSqrt(a: DenseMatrix): DenseMatrix {
  let y = a.clone();
  let z = DenseMatrix.eye(a.rows);
  for (let i = 0; i < 60; i++) {
    const yInverse = inverse(y);
    const zInverse = inverse(z);
    y = y.add(zInverse).mul(0.5);
    z = z.add(yInverse).mul(0.5);
  }
  return y;
}

const moments = (mean: number[], covariance: number[][]) => ({
  dim: mean.length,
  mean: Float64Array.from(mean),
  covariance: Float64Array.from(covariance.flat()),
});

describe('Fréchet distance with covariances that do not commute', () => {
  it('matches the closed form of a 2x2 case: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M))', () => {
    const a = moments(
      [0, 0],
      [
        [2, 1],
        [1, 2],
      ],
    );
    const b = moments(
      [1, -1],
      [
        [1, 0],
        [0, 3],
      ],
    );
    // M = C_a C_b = [[2, 3], [1, 6]]: not symmetric, C_a and C_b do not commute.
    const traceM = 2 + 6;
    const detM = 2 * 6 - 3 * 1;
    const expected = 2 + (2 + 2 + 1 + 3) - 2 * Math.sqrt(traceM + 2 * Math.sqrt(detM));
    expect(frechetDistanceOfMoments(a, b)).toBeCloseTo(expected, 10);
  });

  it('matches a Denman-Beavers square root of C_a C_b in 3 dimensions', () => {
    const ca = [
      [4, 1, 0.5],
      [1, 3, -0.2],
      [0.5, -0.2, 2],
    ];
    const cb = [
      [1, -0.4, 0.3],
      [-0.4, 2, 0.6],
      [0.3, 0.6, 1.5],
    ];
    const a = moments([1, 0, 2], ca);
    const b = moments([0, 1, 1], cb);
    const product = new DenseMatrix(ca).mmul(new DenseMatrix(cb));
    expect(product.clone().sub(product.transpose()).norm()).toBeGreaterThan(0.5); // really non-commuting (sub works in place)
    const root = denmanBeaversSqrt(product);
    expect(root.mmul(root).sub(product).norm()).toBeLessThan(1e-9);
    const eigenvalues = new EigenvalueDecomposition(root).realEigenvalues;
    expect(Math.min(...eigenvalues)).toBeGreaterThan(0); // the principal root
    const expected = 1 + 1 + 1 + (4 + 3 + 2) + (1 + 2 + 1.5) - 2 * root.trace();
    expect(frechetDistanceOfMoments(a, b)).toBeCloseTo(expected, 9);
  });

  it('flags covariances estimated from fewer points than dimensions + 1', () => {
    expect(covarianceRankDeficient(40, 64)).toBe(true);
    expect(covarianceRankDeficient(65, 64)).toBe(false);
  });
});

/** Unbiased MMD^2 with the cubic polynomial kernel, written out term by term. */
function naiveKid(x: number[][], y: number[][]): number {
  const d = x[0].length;
  const k = (u: number[], v: number[]) => (u.reduce((s, ui, i) => s + ui * v[i], 0) / d + 1) ** 3;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  x.forEach((u, i) => x.forEach((v, j) => (xx += i === j ? 0 : k(u, v))));
  y.forEach((u, i) => y.forEach((v, j) => (yy += i === j ? 0 : k(u, v))));
  x.forEach((u) => y.forEach((v) => (xy += k(u, v))));
  const m = x.length;
  const n = y.length;
  return xx / (m * (m - 1)) + yy / (n * (n - 1)) - (2 * xy) / (m * n);
}

const toRows = (x: Matrix): number[][] =>
  Array.from({ length: x.rows }, (_, r) => Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols)));

describe('kernelDistance (KID)', () => {
  it('equals the unbiased MMD^2 written out term by term', () => {
    const x = randomMatrix(7, 5, 21, (rng) => rng.normal());
    const y = randomMatrix(9, 5, 22, (rng) => rng.normal() + 0.3);
    // Dot products in float32 (one GEMM per block): agreement to float32 precision.
    expect(kernelDistance(x, y)).toBeCloseTo(naiveKid(toRows(x), toRows(y)), 5);
  });

  it('is unbiased: near 0 for two samples of one distribution even with few points, positive for different ones', () => {
    const estimates = Array.from({ length: 40 }, (_, s) =>
      kernelDistance(
        randomMatrix(10, 4, 100 + s, (rng) => rng.normal()),
        randomMatrix(12, 4, 200 + s, (rng) => rng.normal()),
      ),
    );
    const mean = estimates.reduce((sum, v) => sum + v, 0) / estimates.length;
    const spread = Math.sqrt(estimates.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (estimates.length - 1));
    expect(Math.abs(mean)).toBeLessThan((3 * spread) / Math.sqrt(estimates.length));
    const shifted = kernelDistance(
      randomMatrix(10, 4, 300, (rng) => rng.normal()),
      randomMatrix(12, 4, 301, (rng) => rng.normal() + 1),
    );
    expect(shifted).toBeGreaterThan(mean + 3 * spread);
    expect(() =>
      kernelDistance(
        randomMatrix(1, 4, 1, () => 0),
        randomMatrix(3, 4, 2, () => 0),
      ),
    ).toThrow(/at least 2/);
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

  it('pure noise covers few classes; real held-out images cover all; each metric says its split and points', async () => {
    // The classifier as runs train it: shifted copies plus "not a character" images.
    const options = { cacheDir, classifierTrain: classifierTrainingData('alphadigits', data.train) };
    const data10 = { ...data, dataset: 'alphadigits' as const };
    for (const [seed, density] of [
      [13, 0.5],
      [14, 0.2],
      [15, 0.35],
    ]) {
      const noise = randomMatrix(1000, 320, seed, (rng) => (rng.next() < density ? 1 : 0));
      const scored = await scoreSamples(noise, data10, { ...options, metrics: ['class_coverage'] });
      expect(scored.metrics.class_coverage, `noise of density ${density}`).toBeLessThanOrEqual(0.1);
    }
    const real = await scoreSamples(data.test.x, data10, options);
    expect(real.metrics.class_coverage).toBe(1);
    expect(real.metrics.class_entropy).toBeGreaterThan(0.9);
    expect(real.points.kid).toEqual({ split: 'test', points: data.test.x.rows, samples: data.test.x.rows });
    expect(real.points.parzen_sigma).toEqual({
      split: 'validation',
      points: data.validation.x.rows,
      samples: data.test.x.rows,
    });
    expect(real.points.class_coverage).toEqual({ split: 'samples', points: data.test.x.rows });
    expect(real.featureDim).toBe(64);
    // Validation against test images (two held-out sets of one distribution): KID near 0; noise far above it.
    const kid = async (x: Matrix) => (await scoreSamples(x, data10, { ...options, metrics: ['kid'] })).metrics.kid;
    expect(Math.abs(await kid(data.validation.x))).toBeLessThan((await kid(binaryNoise(200, 320, 16))) / 5);
  });
});
