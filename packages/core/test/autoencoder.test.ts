import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Autoencoder } from '../src/generators/index.js';
import { alphaDigitsSplits, sampleQuality, useTestBackend, type Splits } from './generators-fixtures.js';

let data: Splits;
let cacheDir: string;
beforeAll(async () => {
  await useTestBackend();
  data = await alphaDigitsSplits('0123456789');
  cacheDir = mkdtempSync(join(tmpdir(), 'rbm-lab-ae-'));
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

it('trains in seconds on ten characters and beats its untrained self on the quality scale', async () => {
  const hyperparameters = { hidden_units: [128], latent_dim: 8, epochs: 30, batch_size: 32, learning_rate: 0.002 };
  const untrained = new Autoencoder(hyperparameters, { nVisible: 320, seed: 4 });
  const trained = new Autoencoder(hyperparameters, { nVisible: 320, seed: 4 });
  const fit = await trained.fit(data.train, { validation: data.validation });
  expect(fit.history).toHaveLength(30);
  expect(fit.history[29].reconstruction_cross_entropy).toBeLessThan(fit.history[0].reconstruction_cross_entropy * 0.6);

  const before = await untrained.evaluate(data.test);
  const after = await trained.evaluate(data.test);
  expect(after.reconstruction_error).toBeLessThan(before.reconstruction_error * 0.7);
  expect(after.reconstruction_cross_entropy).toBeLessThan(before.reconstruction_cross_entropy * 0.7);

  // Generation uses a full-covariance Gaussian fitted to the codes: correlations between code units are kept.
  const { dim, choleskyFactor } = trained.codeGaussian;
  let offDiagonal = 0;
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) offDiagonal += Math.abs(choleskyFactor[i * dim + j]);
  expect(offDiagonal).toBeGreaterThan(0);

  const qualityBefore = await sampleQuality(untrained, data, cacheDir);
  const qualityAfter = await sampleQuality(trained, data, cacheDir);
  expect(qualityAfter.frechet_distance).toBeLessThan(qualityBefore.frechet_distance * 0.5);
  expect(qualityAfter.parzen_log_likelihood).toBeGreaterThan(qualityBefore.parzen_log_likelihood + 20);
  expect(qualityAfter.nn_distance).toBeLessThan(qualityBefore.nn_distance);
  untrained.dispose();
  trained.dispose();
});
