import { loadAlphaDigits, splitAlphaDigits, type Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { getGemm, initBackend } from '../src/backend.js';
import { learningRateAt, validationLogLikelihood } from '../src/rbm/fit.js';
import { annealedSample, gibbsSample } from '../src/rbm/sampling.js';
import { makeRbm, tinyRbm, totalVariation } from './rbm-fixtures.js';

let data: { train: Matrix; validation: Matrix };

beforeAll(async () => {
  await initBackend();
  const split = splitAlphaDigits(await loadAlphaDigits(), [0, 1, 2, 3, 4, 5], { validationFraction: 0.1, seed: 0 });
  data = { train: split.train.images, validation: split.validation.images };
});

describe('learning-rate schedules', () => {
  it('go from the initial to the final rate over the budget, linearly or geometrically', () => {
    expect(learningRateAt('constant', 0.1, 0.001, 50, 101)).toBe(0.1);
    expect(learningRateAt('linear', 0.1, 0.001, 0, 101)).toBe(0.1);
    expect(learningRateAt('linear', 0.1, 0.001, 50, 101)).toBeCloseTo(0.0505, 12);
    expect(learningRateAt('linear', 0.1, 0.001, 100, 101)).toBeCloseTo(0.001, 12);
    expect(learningRateAt('exponential', 0.1, 0.001, 50, 101)).toBeCloseTo(0.01, 12);
    expect(learningRateAt('exponential', 0.1, 0.001, 100, 101)).toBeCloseTo(0.001, 12);
  });
});

describe('RBM training budget and early stopping', () => {
  it('trains for exactly `updates` mini-batches when given, whatever the epochs', async () => {
    // 6 characters x 28 training images = 168 rows, batches of 20: 9 updates per epoch.
    const rbm = makeRbm({ hidden_units: 16 }, { updates: 25, epochs: 1, batch_size: 20 }, 3);
    const fit = await rbm.fit({ x: data.train });
    expect(fit.epochsCompleted).toBe(3);
    const metrics = await rbm.evaluate({ x: data.validation }, { metrics: ['recon_error'] });
    expect(metrics).toMatchObject({ parameter_updates: 25, epochs_trained: 3, best_epoch: 3 });
  });

  it('keeps and restores the parameters of the epoch with the best validation estimate', async () => {
    // A large CD-1 step on few images: the validation likelihood peaks early, then falls as the RBM overfits.
    const train = { epochs: 24, learning_rate: 0.1, final_momentum: 0.9, batch_size: 10, early_stopping: 'ais' };
    const rbm = makeRbm({ hidden_units: 48 }, { ...train, early_stopping_every: 2, early_stopping_patience: 0 }, 5);
    const fit = await rbm.fit({ x: data.train }, { validation: { x: data.validation } });
    const checks = fit.history
      .map((metrics, i) => ({ epoch: i + 1, value: metrics.validation_ais_log_likelihood }))
      .filter((check) => check.value !== undefined);
    expect(checks.map((c) => c.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => 2 * (i + 1)));
    const best = checks.reduce((a, b) => (b.value > a.value ? b : a));
    expect(best.epoch).toBeLessThan(24);
    expect(best.value).toBeGreaterThan(checks[checks.length - 1].value + 1);
    const metrics = await rbm.evaluate({ x: data.validation }, { metrics: ['recon_error'] });
    expect(metrics).toMatchObject({ best_epoch: best.epoch, epochs_trained: 24 });
    // The model now holds exactly the checkpoint: the same seeded estimate gives the same number.
    const again = validationLogLikelihood(getGemm(), rbm.getParameters(), data.validation, data.train, 5);
    expect(again).toBe(best.value);

    // With patience, training stops after that many checks without improvement.
    const patient = makeRbm(
      { hidden_units: 100 },
      { ...train, early_stopping_every: 2, early_stopping_patience: 3 },
      5,
    );
    const stopped = await patient.fit({ x: data.train }, { validation: { x: data.validation } });
    // Its own best check (not the 48-unit model's: where each peaks depends on the BLAS kernel's rounding).
    const patientChecks = stopped.history
      .map((metrics, i) => ({ epoch: i + 1, value: metrics.validation_ais_log_likelihood }))
      .filter((check) => check.value !== undefined);
    const patientBest = patientChecks.reduce((a, b) => (b.value > a.value ? b : a));
    // Three checks (6 epochs) without improvement after the best one, and it stopped before the budget.
    expect(stopped.epochsCompleted).toBe(patientBest.epoch + 6);
    expect(stopped.epochsCompleted).toBeLessThan(24);
    expect(patientChecks.at(-1)?.epoch).toBe(stopped.epochsCompleted);
    expect((await patient.evaluate({ x: data.validation }, { metrics: [] })).best_epoch).toBe(patientBest.epoch);
  });

  it('PCD with many persistent chains (independent of the batch) trains: exact held-out likelihood rises', async () => {
    const settings = { epochs: 20, learning_rate: 0.05, batch_size: 10, method: 'pcd', final_momentum: 0.5 };
    const rbm = makeRbm({ hidden_units: 12 }, { ...settings, persistent_chains: 200 }, 7);
    const metrics = ['exact_log_likelihood'];
    // Untrained with data biases, the RBM is the base-rate model.
    const before = await rbm.evaluate({ x: data.validation }, { metrics });
    await rbm.fit({ x: data.train });
    const after = await rbm.evaluate({ x: data.validation }, { metrics });
    expect(after.exact_log_likelihood).toBeGreaterThan(before.exact_log_likelihood + 10);
    const classic = makeRbm({ hidden_units: 12 }, settings, 7);
    await classic.fit({ x: data.train });
    expect(Array.from(classic.getParameters().weights.subarray(0, 8))).not.toEqual(
      Array.from(rbm.getParameters().weights.subarray(0, 8)),
    );
  });
});

describe('annealed sampling', () => {
  it('draws from the RBM: the empirical distribution matches the exact p(v) of a tiny RBM', () => {
    const p = tinyRbm(6, 3, 2.5, 9);
    const annealed = annealedSample(getGemm(), p, { n: 20000, steps: 1, annealingSteps: 200, rng: new Xoshiro128(1) });
    const gibbs = gibbsSample(getGemm(), p, { n: 20000, steps: 200, rng: new Xoshiro128(2) });
    expect(totalVariation(p, annealed.binary)).toBeLessThan(0.03);
    expect(totalVariation(p, gibbs.binary)).toBeLessThan(0.03);
    // A single sweep from noise is far from p(v): the check can fail.
    const oneSweep = gibbsSample(getGemm(), p, { n: 20000, steps: 1, rng: new Xoshiro128(3) });
    expect(totalVariation(p, oneSweep.binary)).toBeGreaterThan(0.05);
  });
});
