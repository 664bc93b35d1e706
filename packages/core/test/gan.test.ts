import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Gan } from '../src/generators/index.js';
import { alphaDigitsSplits, sampleQuality, useTestBackend, type Splits } from './generators-fixtures.js';

let data: Splits;
let cacheDir: string;
beforeAll(async () => {
  await useTestBackend();
  data = await alphaDigitsSplits('0123456789');
  cacheDir = mkdtempSync(join(tmpdir(), 'rbm-lab-gan-'));
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

it('reports both losses per epoch and beats its untrained self on the quality scale', async () => {
  const hyperparameters = {
    generator_hidden_units: [128],
    discriminator_hidden_units: [128],
    latent_dim: 16,
    epochs: 80,
    batch_size: 32,
    learning_rate: 0.001,
  };
  const untrained = new Gan(hyperparameters, { nVisible: 320, seed: 4 });
  const trained = new Gan(hyperparameters, { nVisible: 320, seed: 4 });
  const fit = await trained.fit(data.train);
  expect(fit.history).toHaveLength(80);
  for (const m of fit.history) {
    expect(m.generator_loss).toBeGreaterThan(0);
    expect(m.discriminator_loss).toBeGreaterThan(0);
  }
  // An untrained discriminator cannot tell real from generated; a trained one can (on held-out images).
  const untrainedStats = await untrained.evaluate(data.test);
  expect(
    Math.abs(untrainedStats.discriminator_real_probability - untrainedStats.discriminator_fake_probability),
  ).toBeLessThan(0.1);
  const stats = await trained.evaluate(data.test);
  expect(stats.discriminator_real_probability).toBeGreaterThan(stats.discriminator_fake_probability);
  expect(stats.discriminator_accuracy).toBeGreaterThan(0.5);
  expect(stats.discriminator_accuracy).toBeLessThanOrEqual(1);

  const qualityBefore = await sampleQuality(untrained, data, cacheDir);
  const qualityAfter = await sampleQuality(trained, data, cacheDir);
  expect(qualityAfter.frechet_distance).toBeLessThan(qualityBefore.frechet_distance * 0.75);
  expect(qualityAfter.parzen_log_likelihood).toBeGreaterThan(qualityBefore.parzen_log_likelihood + 10);
  expect(qualityAfter.nn_distance).toBeLessThan(qualityBefore.nn_distance);
  untrained.dispose();
  trained.dispose();
});
