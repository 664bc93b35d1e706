import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { Dbn, dbnSpec } from '../src/dbn.js';
import type { Metrics } from '../src/model.js';
import { loadModel } from '../src/registry.js';
import { alphaDigitsSubset } from './rbm-fixtures.js';

const backend = { path: 'native-blas' as const, tfjsBackend: 'wasm', detail: '' };
let dir: string;

beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'dbn-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Dbn', () => {
  it('trains greedily, reports numbered layer epochs, generates images in [0,1] and survives save/load', async () => {
    const x = await alphaDigitsSubset();
    const dbn = dbnSpec.create(
      { layers: [64, 32] },
      { epochs: 8, learning_rate: 0.1, batch_size: 20 },
      { nVisible: 320, seed: 3, backend },
    ) as Dbn;
    const untrained = await dbn.evaluate({ x });
    const steps: Array<[number, Metrics]> = [];
    const result = await dbn.fit({ x }, { onEpoch: (step, metrics) => void steps.push([step, metrics]) });
    expect(result).toMatchObject({ epochsCompleted: 16, aborted: false });
    expect(steps.map(([step]) => step)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(steps[0][1]).toMatchObject({ layer: 1, layer_epoch: 1 });
    expect(steps[15][1]).toMatchObject({ layer: 2, layer_epoch: 8 });
    // Mean squared errors of probabilities: in (0, 1), which NaN is not.
    expect(steps[0][1].layer1_recon_error).toBeGreaterThan(0);
    expect(steps[0][1].layer1_recon_error).toBeLessThan(1);
    expect(steps[15][1].layer2_recon_error).toBeGreaterThan(0);
    expect(steps[15][1].layer2_recon_error).toBeLessThan(1);
    // Layer 1's own data-space error falls during its training.
    expect(steps[7][1].recon_error).toBeLessThan(steps[0][1].recon_error);

    const trained = await dbn.evaluate({ x });
    expect(trained.recon_error).toBeLessThan(0.8 * untrained.recon_error);
    expect(trained.layer1_recon_error).toBeGreaterThan(0);
    expect(trained.layer1_recon_error).toBeLessThan(1);
    expect(trained.layer2_recon_error).toBeGreaterThan(0);
    expect(trained.layer2_recon_error).toBeLessThan(1);

    const samples = await dbn.sample(12, { seed: 5, gibbsSteps: 100 });
    expect([samples.probabilities.rows, samples.probabilities.cols]).toEqual([12, 320]);
    expect([samples.binary.rows, samples.binary.cols]).toEqual([12, 320]);
    for (const value of samples.probabilities.data) expect(value >= 0 && value <= 1).toBe(true);
    for (const value of samples.binary.data) expect(value === 0 || value === 1).toBe(true);
    // The top RBM's tempered sampler, its base-rate model taken from the training images propagated up.
    const tempered = { seed: 5, gibbsSteps: 50, sampler: 'tempered' as const, baseRateData: x };
    const temperedSamples = await dbn.sample(20, tempered);
    expect([temperedSamples.binary.rows, temperedSamples.binary.cols]).toEqual([20, 320]);
    expect(Array.from((await dbn.sample(20, tempered)).binary.data)).toEqual(Array.from(temperedSamples.binary.data));
    const ink = (m: { data: Float32Array }) => m.data.reduce((sum, v) => sum + v, 0) / m.data.length;
    expect(Math.abs(ink(temperedSamples.probabilities) - ink(x))).toBeLessThan(0.1);

    expect(dbn.layers.map((rbm) => [rbm.getParameters().nVisible, rbm.getParameters().nHidden])).toEqual([
      [320, 64],
      [64, 32],
    ]);
    const path = join(dir, 'dbn');
    await dbn.save(path);
    const loaded = await loadModel(path);
    expect(loaded).toBeInstanceOf(Dbn);
    const again = await (loaded as Dbn).sample(12, { seed: 5, gibbsSteps: 100 });
    expect(Array.from(again.binary.data)).toEqual(Array.from(samples.binary.data));
    expect((await loaded.evaluate({ x })).recon_error).toBeCloseTo(trained.recon_error, 9);
  });

  it('stops between layers and epochs when aborted', async () => {
    const x = await alphaDigitsSubset();
    const dbn = dbnSpec.create(
      { layers: [16, 8] },
      { epochs: 3, batch_size: 20 },
      { nVisible: 320, seed: 1, backend },
    ) as Dbn;
    const controller = new AbortController();
    const result = await dbn.fit(
      { x },
      {
        signal: controller.signal,
        onEpoch: (step) => {
          if (step === 4) controller.abort();
        },
      },
    );
    expect(result).toMatchObject({ aborted: true, epochsCompleted: 4 });
  });
});
