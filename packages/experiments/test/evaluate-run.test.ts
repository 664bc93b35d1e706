import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, getModelSpec, initBackend, listModelSpecs, type BackendInfo } from '@rbm-lab/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandGrid, type Study } from '../src/index.js';
import { evaluateRun } from '../src/runner/evaluate-run.js';
import { loadRunData, type RunData } from '../src/runner/run-data.js';

let backend: BackendInfo;
let data: RunData;
let cacheDir: string;

beforeAll(async () => {
  backend = await initBackend();
  data = await loadRunData({ name: 'alphadigits', characters: 'A,B', validation_fraction: 0.1, seed: 0 });
  cacheDir = mkdtempSync(join(tmpdir(), 'rbm-evaluate-'));
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** The resolved config of a one-run study. */
function configOf(model: Study['model'], train: Study['train']) {
  const study: Study = {
    name: 'evaluate',
    dataset: { name: 'alphadigits', characters: 'A,B' },
    model,
    train,
    eval: { n_samples: 4, n_score_samples: 0, gibbs_steps: 2, metrics: ['exact_log_likelihood', 'recon_error'] },
  };
  return expandGrid(study, listModelSpecs())[0].config;
}

describe('evaluateRun', () => {
  it('warns when an RBM scores below the base-rate model, and says what each number used', async () => {
    // Zero visible biases and a negligible step: close to the uniform model, far below independent pixels.
    const config = configOf(
      { type: 'rbm', hidden_units: 8, visible_bias_init: 'zero' },
      { epochs: 1, learning_rate: 0.000001 },
    );
    const { type, ...modelParams } = config.model;
    const model = createModel(type, modelParams, config.train, { nVisible: 320, seed: 0, backend });
    const fit = await model.fit(data.train, { validation: data.validation });
    const evaluation = await evaluateRun({
      model,
      spec: getModelSpec(type),
      data,
      config,
      history: fit.history,
      cacheDir,
      backend,
    });
    expect(evaluation.metrics.exact_log_likelihood).toBeLessThan(-200);
    expect(evaluation.warnings.map((w) => w.code)).toContain('below_base_rate');
    expect(evaluation.metrics).toMatchObject({ n_train: 56, n_validation: 6, n_test: 16 });
    expect(evaluation.points.exact_log_likelihood).toEqual({ split: 'test', points: 16 });
    expect(evaluation.display?.rows).toBe(4);
    for (const phase of ['evaluate_seconds', 'sample_seconds']) expect(evaluation.metrics[phase]).toBeGreaterThan(0);
  });

  it('never compares a baseline with itself', async () => {
    const config = configOf({ type: 'base_rate' }, {});
    const model = createModel('base_rate', {}, config.train, { nVisible: 320, seed: 0, backend });
    await model.fit(data.train, { validation: data.validation });
    const evaluation = await evaluateRun({
      model,
      spec: getModelSpec('base_rate'),
      data,
      config,
      history: [],
      cacheDir,
      backend,
    });
    expect(evaluation.metrics.exact_log_likelihood).toBeGreaterThan(-220);
    expect(evaluation.warnings).toEqual([]);
  });
});
