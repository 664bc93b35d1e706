import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Vae } from '../src/generators/index.js';
import { alphaDigitsSplits, sampleQuality, useTestBackend, type Splits } from './generators-fixtures.js';

let data: Splits;
let cacheDir: string;
beforeAll(async () => {
  await useTestBackend();
  data = await alphaDigitsSplits('0123456789');
  cacheDir = mkdtempSync(join(tmpdir(), 'rbm-lab-vae-'));
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

it('raises the ELBO each run of epochs and beats its untrained self on the quality scale', async () => {
  const hyperparameters = { hidden_units: [128], latent_dim: 8, epochs: 40, batch_size: 32, learning_rate: 0.002 };
  const untrained = new Vae(hyperparameters, { nVisible: 320, seed: 4 });
  const trained = new Vae(hyperparameters, { nVisible: 320, seed: 4 });
  const fit = await trained.fit(data.train, { validation: data.validation });
  const elbos = fit.history.map((m) => m.elbo);
  expect(elbos).toHaveLength(40);
  // ELBO = -(reconstruction + KL), in nats per image.
  for (const m of fit.history) expect(m.elbo).toBeCloseTo(-(m.reconstruction_cross_entropy + m.kl), 3);
  expect(elbos[39]).toBeGreaterThan(elbos[0] + 50);
  expect(fit.history[39].validation_elbo).toBeGreaterThan(fit.history[0].validation_elbo + 30);

  const before = await untrained.evaluate(data.test);
  const after = await trained.evaluate(data.test);
  expect(after.elbo).toBeGreaterThan(before.elbo + 30);
  // The importance-weighted bound is at least as tight as the ELBO (up to Monte Carlo noise).
  expect(after.importance_weighted_log_likelihood).toBeGreaterThan(after.elbo - 1);
  expect(after.importance_weighted_log_likelihood).toBeLessThan(0);

  const qualityBefore = await sampleQuality(untrained, data, cacheDir);
  const qualityAfter = await sampleQuality(trained, data, cacheDir);
  expect(qualityAfter.frechet_distance).toBeLessThan(qualityBefore.frechet_distance * 0.7);
  expect(qualityAfter.parzen_log_likelihood).toBeGreaterThan(qualityBefore.parzen_log_likelihood + 10);
  expect(qualityAfter.nn_distance).toBeLessThan(qualityBefore.nn_distance);
  untrained.dispose();
  trained.dispose();
});
