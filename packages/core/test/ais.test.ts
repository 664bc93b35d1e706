import { beforeAll, describe, expect, it } from 'vitest';
import { getGemm, initBackend } from '../src/backend.js';
import { Xoshiro128 } from '@rbm-lab/datasets';
import { aisSchedule, averageLogProbability, estimateLogPartition, exactLogPartition } from '../src/rbm/ais.js';
import { hiddenModesLogZBound } from '../src/rbm/log-z-bound.js';
import type { RbmParameters } from '../src/rbm/parameters.js';
import { alphaDigitsSubset, makeRbm } from './rbm-fixtures.js';

beforeAll(async () => {
  await initBackend();
});

function randomParameters(nVisible: number, nHidden: number, seed: number, scale: number): RbmParameters {
  const rng = new Xoshiro128(seed);
  const fill = (n: number) => Float32Array.from({ length: n }, () => scale * rng.nextNormal());
  return {
    nVisible,
    nHidden,
    weights: fill(nVisible * nHidden),
    visibleBias: fill(nVisible),
    hiddenBias: fill(nHidden),
  };
}

/** log Z by summing exp(-E(v, h)) over every joint state. */
function bruteForceLogZ(p: RbmParameters): number {
  const terms: number[] = [];
  for (let v = 0; v < 2 ** p.nVisible; v++) {
    for (let h = 0; h < 2 ** p.nHidden; h++) {
      let negEnergy = 0;
      for (let i = 0; i < p.nVisible; i++) if ((v >> i) & 1) negEnergy += p.visibleBias[i];
      for (let j = 0; j < p.nHidden; j++) if ((h >> j) & 1) negEnergy += p.hiddenBias[j];
      for (let i = 0; i < p.nVisible; i++) {
        for (let j = 0; j < p.nHidden; j++) if ((v >> i) & 1 && (h >> j) & 1) negEnergy += p.weights[i * p.nHidden + j];
      }
      terms.push(negEnergy);
    }
  }
  const max = Math.max(...terms);
  return max + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - max), 0));
}

describe('exact log Z', () => {
  it('matches brute-force enumeration of joint states, enumerating either layer', () => {
    for (const [nV, nH] of [
      [6, 3],
      [3, 7],
      [5, 5],
    ]) {
      const p = randomParameters(nV, nH, nV * 10 + nH, 1.5);
      expect(exactLogPartition(p)).toBeCloseTo(bruteForceLogZ(p), 9);
    }
  });

  it('refuses configurations it cannot enumerate', () => {
    expect(() => exactLogPartition(randomParameters(30, 25, 1, 0.1))).toThrow(RangeError);
  });
});

describe('AIS', () => {
  it('spreads betas over [0, 0.5], [0.5, 0.9], [0.9, 1] as 500 : 4000 : 10000', () => {
    const betas = aisSchedule();
    expect(betas.length).toBe(14500);
    expect(betas[0]).toBe(0);
    expect(betas[betas.length - 1]).toBe(1);
    for (let i = 1; i < betas.length; i++) expect(betas[i]).toBeGreaterThan(betas[i - 1]);
    const count = (lo: number, hi: number) => betas.filter((b) => b >= lo && b < hi).length;
    expect(count(0, 0.5)).toBe(500);
    expect(count(0.5, 0.9)).toBe(4000);
    const small = aisSchedule(100);
    expect(small.length).toBe(100);
    expect(small[99]).toBe(1);
    // Short schedules still run from 0 to 1, increasing.
    for (const count of [2, 3, 4, 10, 20]) {
      const short = aisSchedule(count);
      expect([short[0], short[count - 1]], `${count} betas`).toEqual([0, 1]);
      for (let i = 1; i < count; i++) expect(short[i]).toBeGreaterThan(short[i - 1]);
    }
  });

  it('estimates log Z within 0.25 nats of the exact value for each of 5 small RBMs trained on AlphaDigits', async () => {
    // Smoothly trained models at the default schedule (measured: every one within 0.05 nats, whatever the BLAS
    // kernel's rounding). Sharper training is where AIS fails, and the failure is not a test of this code: with
    // learning rate 0.1 for 20 epochs, 2 of 8 such models came out 1.4 and 4.2 nats low with a spread of 0.1, one
    // hidden configuration holding 72% and 98% of Z that no run reached; which models those are moves with the
    // rounding. The run's `ais_off_exact` warning is there for that case (README, "Warnings").
    const x = await alphaDigitsSubset();
    for (const seed of [21, 22, 23, 24, 25]) {
      const rbm = makeRbm({ hidden_units: 12 }, { epochs: 10, learning_rate: 0.05, batch_size: 20 }, seed);
      await rbm.fit({ x });
      const p = rbm.getParameters();
      const exact = exactLogPartition(p);
      const ais = estimateLogPartition(getGemm(), p, { runs: 100, baseRateData: x, seed: 4 });
      expect(Math.abs(ais.logZ - exact), `seed ${seed}`).toBeLessThan(0.25);
      expect(ais.logZStd).toBeGreaterThan(0);
      expect(ais.logZStd).toBeLessThan(0.5);
      // The trained RBM is far from the base-rate model: AIS did real work.
      expect(Math.abs(exact - ais.logZBase)).toBeGreaterThan(5);
    }
  });

  it('the modes bound is at most the exact log Z, close to it on small RBMs, and above AIS where AIS missed a mode', async () => {
    for (const seed of [1, 2, 3]) {
      const p = randomParameters(9, 7, seed, 1.5);
      const bound = hiddenModesLogZBound(getGemm(), p, { randomStarts: 50, rng: new Xoshiro128(seed) });
      expect(bound.logZBound).toBeLessThanOrEqual(bruteForceLogZ(p) + 1e-6);
      expect(bound.states).toBeGreaterThan(0);
    }
    // On trained 12-unit RBMs the modes hold nearly all of Z.
    const x = await alphaDigitsSubset();
    for (const seed of [23, 25, 30, 32]) {
      const rbm = makeRbm({ hidden_units: 12 }, { epochs: 20, learning_rate: 0.1, batch_size: 20 }, seed);
      await rbm.fit({ x });
      const p = rbm.getParameters();
      const exact = exactLogPartition(p);
      const bound = hiddenModesLogZBound(getGemm(), p, { data: x, rng: new Xoshiro128(seed) });
      expect(bound.logZBound, `seed ${seed}`).toBeLessThanOrEqual(exact + 1e-6);
      expect(bound.logZBound, `seed ${seed}`).toBeGreaterThan(exact - 0.2);
    }
    // A mode AIS cannot reach: the hidden unit turns 64 pixels on together, and is worth e^40 times the rest of Z, but
    // from the base rate (pixels off) no single Gibbs step gets there. (Trained RBMs miss modes too, 1.4-4.2 nats on
    // some 12-unit ones, but which ones moves with the BLAS kernel's rounding.)
    const nVisible = 64;
    const p: RbmParameters = {
      nVisible,
      nHidden: 1,
      weights: new Float32Array(nVisible).fill(6),
      visibleBias: new Float32Array(nVisible).fill(-3),
      hiddenBias: Float32Array.from([-150]),
    };
    // exactLogPartition is itself checked against brute-force enumeration above.
    const exact = exactLogPartition(p);
    const offPixels = { data: new Float32Array(10 * nVisible), rows: 10, cols: nVisible };
    const ais = estimateLogPartition(getGemm(), p, { runs: 100, betas: 3000, baseRateData: offPixels, seed: 4 });
    expect(exact - ais.logZ).toBeGreaterThan(30);
    expect(ais.logZStd).toBeLessThan(0.5);
    const bound = hiddenModesLogZBound(getGemm(), p, { data: offPixels, rng: new Xoshiro128(1) });
    expect(bound.logZBound).toBeLessThanOrEqual(exact + 1e-6);
    expect(bound.logZBound).toBeGreaterThan(exact - 0.01);
  });

  it('evaluate reports AIS and exact figures that fit together', async () => {
    const x = await alphaDigitsSubset();
    const rbm = makeRbm({ hidden_units: 12 }, { epochs: 20, learning_rate: 0.1, batch_size: 20, ais_betas: 3000 }, 21);
    await rbm.fit({ x });
    const p = rbm.getParameters();
    const exact = exactLogPartition(p);
    const metrics = await rbm.evaluate(
      { x },
      {
        metrics: [
          'ais_log_likelihood',
          'ais_log_z',
          'ais_log_z_std',
          'log_z_lower_bound',
          'exact_log_likelihood',
          'exact_log_z',
        ],
      },
    );
    expect(metrics.log_z_lower_bound).toBeLessThanOrEqual(exact + 1e-6);
    expect(metrics.log_z_lower_bound).toBeGreaterThan(exact - 0.2);
    expect(metrics.exact_log_z).toBeCloseTo(exact, 9);
    expect(metrics.exact_log_likelihood).toBeCloseTo(averageLogProbability(getGemm(), p, x, exact), 9);
    // The same mean free energy under two estimates of log Z.
    expect(metrics.ais_log_likelihood - metrics.exact_log_likelihood).toBeCloseTo(exact - metrics.ais_log_z, 6);
    expect(metrics.ais_log_z_std).toBeGreaterThan(0);
    // An image has 320 binary pixels: log p must be below 0 and above 320 log(1/2) for a trained model.
    expect(metrics.exact_log_likelihood).toBeLessThan(0);
    expect(metrics.exact_log_likelihood).toBeGreaterThan(-320 * Math.LN2);
  });
});
