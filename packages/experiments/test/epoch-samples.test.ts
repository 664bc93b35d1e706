/**
 * Samples over training (`eval.sample_every`): drawn through the epoch
 * callback without moving any training stream, so a run's numbers are the
 * same with and without them; sent with the epoch messages by the same
 * executeRun a worker process runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModel, getModelSpec, initBackend, type Metrics } from '@rbm-lab/core';
import { loadAlphaDigits } from '@rbm-lab/datasets';
import { EPOCH_SAMPLE_CHAINS, epochSampler } from '../src/runner/epoch-samples.js';
import { executeRun } from '../src/runner/execute-run.js';
import type { WorkerMessage } from '../src/runner/messages.js';
import type { RunConfig } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rbm-epoch-samples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODELS: Array<{ type: string; model: Record<string, unknown>; train: Record<string, unknown> }> = [
  { type: 'rbm', model: { hidden_units: 24 }, train: { epochs: 4, batch_size: 10 } },
  { type: 'dbn', model: { layers: [24, 12] }, train: { epochs: 2, batch_size: 10 } },
  { type: 'autoencoder', model: { hidden_units: [32], latent_dim: 4 }, train: { epochs: 4, batch_size: 10 } },
  { type: 'vae', model: { hidden_units: [32], latent_dim: 4 }, train: { epochs: 4, batch_size: 10 } },
  {
    type: 'gan',
    model: { generator_hidden_units: [32], discriminator_hidden_units: [32], latent_dim: 8 },
    train: { epochs: 4, batch_size: 10 },
  },
];

const withoutTimes = (history: Metrics[]) => history.map(({ seconds: _seconds, ...rest }) => rest);

describe('samples over training', () => {
  it.each(MODELS)('$type: sampling every epoch leaves training and the model bit for bit the same', async (m) => {
    const backend = await initBackend();
    const data = await loadAlphaDigits({ chars: ['A', 'B'] });
    const train = { x: data.images };
    const spec = getModelSpec(m.type);
    const fitOnce = async (sampleEvery: number) => {
      const model = createModel(m.type, m.model, m.train, { nVisible: 320, seed: 3, backend });
      const sampler = epochSampler(
        model,
        spec,
        { seed: 3, eval: { sample_every: sampleEvery } as RunConfig['eval'] },
        data,
      );
      const drawn: number[] = [];
      const fit = await model.fit(train, {
        onEpoch: async (epoch) => {
          const samples = await sampler(epoch);
          if (samples) {
            expect([samples.n, samples.height, samples.width]).toEqual([EPOCH_SAMPLE_CHAINS, 20, 16]);
            drawn.push(epoch);
          }
        },
      });
      const after = await model.sample!(4, { gibbsSteps: 5, seed: 11 });
      return { history: withoutTimes(fit.history), after: Array.from(after.probabilities.data), drawn };
    };
    const plain = await fitOnce(0);
    const sampled = await fitOnce(1);
    expect(plain.drawn).toEqual([]);
    expect(sampled.drawn.length).toBe(plain.history.length);
    expect(sampled.history).toEqual(plain.history);
    expect(sampled.after).toEqual(plain.after);
  });

  it('executeRun sends samples with every Nth epoch message and reports their cost', async () => {
    const config = {
      seed: 0,
      dataset: { name: 'alphadigits', characters: ['A', 'B'], validation_fraction: 0.1, seed: 0 },
      model: { type: 'rbm', hidden_units: 16 },
      train: { epochs: 5, learning_rate: 0.1, batch_size: 10, k: 1, ais_runs: 4, ais_betas: 50 },
      eval: { n_samples: 4, gibbs_steps: 10, quality: false, sample_every: 2 },
    } as unknown as RunConfig;
    const messages: WorkerMessage[] = [];
    const result = await executeRun(
      { runId: 'r', config, artifactDir: join(dir, 'run'), cacheDir: join(dir, 'cache') },
      (message) => messages.push(message),
    );
    const epochs = messages.filter((m) => m.type === 'epoch');
    expect(epochs.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(epochs.filter((m) => m.samples !== undefined).map((m) => m.epoch)).toEqual([2, 4]);
    const samples = epochs[1].samples!;
    expect([samples.n, samples.height, samples.width, samples.data.length]).toEqual([16, 20, 16, 16 * 320]);
    expect(samples.data.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(result.cost?.epoch_samples).toBeGreaterThan(0);
  });
});
