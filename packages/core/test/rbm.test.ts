import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '@rbm-lab/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGemm, initBackend } from '../src/backend.js';
import { InvalidParameterError } from '../src/hyperparameters.js';
import { rbmSpec, Rbm } from '../src/rbm/rbm.js';
import { RbmDataError } from '../src/rbm/inference.js';
import { loadModel } from '../src/registry.js';
import { alphaDigitsSubset, makeRbm } from './rbm-fixtures.js';

const quick = { epochs: 15, learning_rate: 0.1, batch_size: 20, ais_betas: 500, ais_runs: 20 };
let dir: string;

beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'rbm-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Rbm training on AlphaDigits', () => {
  it('CD-1 lowers reconstruction error and raises pseudo-log-likelihood well beyond the untrained RBM', async () => {
    const x = await alphaDigitsSubset();
    const rbm = makeRbm({ hidden_units: 64 }, quick, 11);
    const metrics = ['recon_error', 'pseudo_log_likelihood'];
    const before = await rbm.evaluate({ x }, { metrics });
    const epochs: number[] = [];
    const result = await rbm.fit({ x }, { onEpoch: (epoch) => void epochs.push(epoch) });
    const after = await rbm.evaluate({ x }, { metrics });
    expect(result).toMatchObject({ epochsCompleted: 15, aborted: false });
    expect(epochs).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    // Untrained: recon ~0.25 (all probabilities near 0.5); trained: far lower.
    expect(after.recon_error).toBeLessThan(0.5 * before.recon_error);
    expect(after.pseudo_log_likelihood).toBeGreaterThan(before.pseudo_log_likelihood + 50);
    // Per-epoch metrics are finite and the reconstruction error falls over training.
    const first = result.history[0];
    const last = result.history[result.history.length - 1];
    for (const key of ['recon_error', 'free_energy_train', 'pseudo_log_likelihood', 'seconds']) {
      expect(Number.isFinite(last[key]), key).toBe(true);
    }
    expect(last.recon_error).toBeLessThan(first.recon_error);
    expect(last.free_energy_valid).toBeUndefined();
    // One Gibbs sweep from data stays closer to those images than chains started from noise.
    const init = { data: x.data.subarray(0, 5 * 320), rows: 5, cols: 320 };
    const fromData = await rbm.sample(5, { seed: 1, gibbsSteps: 1, init });
    const fromNoise = await rbm.sample(5, { seed: 1, gibbsSteps: 1 });
    const distance = (s: Float32Array) => s.reduce((sum, value, i) => sum + Math.abs(value - x.data[i]), 0) / s.length;
    expect(distance(fromData.probabilities.data)).toBeLessThan(0.5 * distance(fromNoise.probabilities.data));
  });

  it('PCD-1 trains too', async () => {
    const x = await alphaDigitsSubset();
    // PCD needs a smaller effective step than CD: no switch to momentum 0.9.
    const rbm = makeRbm({ hidden_units: 64 }, { ...quick, method: 'pcd', final_momentum: 0.5 }, 12);
    const before = await rbm.evaluate({ x }, { metrics: ['recon_error', 'pseudo_log_likelihood'] });
    await rbm.fit({ x });
    const after = await rbm.evaluate({ x }, { metrics: ['recon_error', 'pseudo_log_likelihood'] });
    expect(after.recon_error).toBeLessThan(0.7 * before.recon_error);
    expect(after.pseudo_log_likelihood).toBeGreaterThan(before.pseudo_log_likelihood + 30);
  });

  it('reports the free-energy gap against validation data', async () => {
    const x = await alphaDigitsSubset();
    const train = { data: x.data.subarray(0, 150 * 320), rows: 150, cols: 320 };
    const valid = { data: x.data.slice(150 * 320), rows: 45, cols: 320 };
    const rbm = makeRbm({ hidden_units: 32 }, { ...quick, epochs: 3, k: 2 }, 13);
    const result = await rbm.fit({ x: train }, { validation: { x: valid } });
    const last = result.history[2];
    expect(last.free_energy_gap).toBeCloseTo(last.free_energy_valid - last.free_energy_train, 9);
  });

  it('same seed and path give identical parameters; another seed does not', async () => {
    const x = await alphaDigitsSubset();
    const run = async (seed: number) => {
      const rbm = makeRbm({ hidden_units: 16 }, { ...quick, epochs: 3 }, seed);
      await rbm.fit({ x });
      return rbm.getParameters().weights;
    };
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it('stops at a batch boundary when aborted', async () => {
    const x = await alphaDigitsSubset();
    const rbm = makeRbm({ hidden_units: 16 }, { ...quick, epochs: 50 }, 7);
    const controller = new AbortController();
    const result = await rbm.fit(
      { x },
      {
        signal: controller.signal,
        onEpoch: (epoch) => {
          if (epoch === 2) controller.abort();
        },
      },
    );
    expect(result).toMatchObject({ aborted: true, epochsCompleted: 2 });
    expect(result.history).toHaveLength(2);
    expect(rbm.epochs).toBe(2);
    const already = new AbortController();
    already.abort();
    const none = await makeRbm({ hidden_units: 16 }, quick, 7).fit({ x }, { signal: already.signal });
    expect(none).toMatchObject({ aborted: true, epochsCompleted: 0 });
  });

  it('saves and reloads: same parameters and identical seeded samples', async () => {
    const x = await alphaDigitsSubset();
    const rbm = makeRbm({ hidden_units: 32, visible_bias_init: 'zero' }, { ...quick, epochs: 5 }, 9);
    await rbm.fit({ x });
    const path = join(dir, 'rbm');
    await rbm.save(path);
    const loaded = await loadModel(path);
    expect(loaded).toBeInstanceOf(Rbm);
    const reloaded = loaded as Rbm;
    expect(reloaded.hyperparameters).toEqual(rbm.hyperparameters);
    expect(reloaded.epochs).toBe(5);
    const a = await rbm.sample(6, { seed: 3, gibbsSteps: 50 });
    const b = await reloaded.sample(6, { seed: 3, gibbsSteps: 50 });
    expect(Array.from(b.binary.data)).toEqual(Array.from(a.binary.data));
    expect(Array.from(b.probabilities.data)).toEqual(Array.from(a.probabilities.data));
    expect(a.probabilities.rows).toBe(6);
    expect(a.probabilities.cols).toBe(320);
    for (const value of a.binary.data) expect(value === 0 || value === 1).toBe(true);
    for (const value of a.probabilities.data) expect(value >= 0 && value <= 1).toBe(true);
  });

  it('transform and visibleProbabilities have the right shapes and range', async () => {
    const x = await alphaDigitsSubset();
    const rbm = makeRbm({ hidden_units: 24 }, { ...quick, epochs: 2 }, 4, getGemm());
    await rbm.fit({ x });
    const h = rbm.transform(x);
    expect([h.rows, h.cols]).toEqual([195, 24]);
    const v = rbm.visibleProbabilities(h);
    expect([v.rows, v.cols]).toEqual([195, 320]);
    for (const value of h.data) expect(value > 0 && value < 1).toBe(true);
    const p = rbm.getParameters();
    expect([p.nVisible, p.nHidden, p.weights.length]).toEqual([320, 24, 320 * 24]);
  });
});

describe('rbmSpec', () => {
  it('creates RBMs with schema defaults and rejects bad hyperparameters with UserErrors', () => {
    const backend = { path: 'native-blas' as const, tfjsBackend: 'wasm', detail: '' };
    const rbm = rbmSpec.create({}, {}, { nVisible: 320, seed: 1, backend }) as Rbm;
    expect(rbm.modelParams).toEqual({ hidden_units: 100, visible_bias_init: 'data', weight_init_std: 0.01 });
    expect(rbm.trainParams.k).toBe(1);
    expect(rbm.trainParams.method).toBe('cd');
    expect(() => rbmSpec.create({ hidden_units: 0 }, {}, { nVisible: 320, seed: 1, backend })).toThrow(
      InvalidParameterError,
    );
    expect(() => rbmSpec.create({}, { method: 'gibbs' }, { nVisible: 320, seed: 1, backend })).toThrow(/method/);
    expect(() => rbmSpec.create({}, { learning_rte: 0.1 }, { nVisible: 320, seed: 1, backend })).toThrow(UserError);
    expect(rbmSpec.mainMetric).toEqual({ name: 'ais_log_likelihood', lowerIsBetter: false });
  });

  it('rejects data of the wrong width with a UserError naming the shapes', async () => {
    const rbm = makeRbm({ hidden_units: 4 }, quick, 1);
    await expect(rbm.fit({ x: { data: new Float32Array(10 * 784), rows: 10, cols: 784 } })).rejects.toThrow(
      RbmDataError,
    );
    await expect(rbm.evaluate({ x: { data: new Float32Array(784), rows: 1, cols: 784 } })).rejects.toThrow(
      /320 visible units/,
    );
  });
});
