import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listModelSpecs } from '@rbm-lab/core';
import { dataShape, estimateRunMemory, expandGrid, loadStudy, memoryRefusal, type RunPlan } from '../src/index.js';

const specs = listModelSpecs();
const CONFIGS = fileURLToPath(new URL('../../../configs/', import.meta.url));
const MIB = 2 ** 20;

function firstPlan(file: string, overrides: string[]): RunPlan {
  return expandGrid(loadStudy(file, specs, CONFIGS, { overrides }).study, specs)[0];
}

/**
 * Peak RSS of single runs, measured with bench/run-memory.ts (each run in its
 * own process, as a worker runs it; 2 cores, 24 GiB, Node 20, after the nn merge;
 * the cases and overrides are the bench's). See bench/RESULTS.md.
 */
const MEASURED_MIB: Array<[string, string, string[]]> = [
  ['286', 'rbm-alphadigits.yaml', ['train.epochs=5']],
  ['295', 'cross.yaml', ['train.epochs=5', 'sweep.grid={model.hidden_units: [800], dataset.n_characters: [36]}']],
  [
    '513',
    'rbm-alphadigits.yaml',
    ['train.epochs=2', 'model.hidden_units=2000', 'train.ais_runs=10000', 'train.ais_betas=100'],
  ],
  ['627', 'mnist.yaml', ['train.epochs=1']],
  [
    '367',
    'dnn-pretraining.yaml',
    [
      'train.epochs=1',
      'train.pretrain_epochs=1',
      'sweep.grid={model.pretrain: [true], dataset.limit: [10000], model.layers: [[500, 500]]}',
    ],
  ],
  [
    '809',
    'dnn-pretraining.yaml',
    [
      'train.epochs=1',
      'train.pretrain_epochs=1',
      'dataset.limit=60000',
      'sweep.grid={model.pretrain: [true], model.layers: [[500, 500]]}',
    ],
  ],
  ['286', 'alternative-models.yaml', ['sweep.zip={model: [{type: vae}], train: [{epochs: 3}]}', 'sweep.seeds=1']],
  [
    '666',
    'alternative-models.yaml',
    [
      'dataset={name: mnist, validation_fraction: 0.1}',
      'sweep.zip={model: [{type: vae, hidden_units: [512], latent_dim: 32}], train: [{epochs: 1}]}',
      'sweep.seeds=1',
    ],
  ],
  ['276', 'alternative-models.yaml', ['sweep.zip={model: [{type: gan}], train: [{epochs: 3}]}', 'sweep.seeds=1']],
  [
    '294',
    'alternative-models.yaml',
    ['sweep.zip={model: [{type: dbn, layers: [500, 200]}], train: [{epochs: 3}]}', 'sweep.seeds=1'],
  ],
];

describe('estimateRunMemory', () => {
  it.each(MEASURED_MIB)(
    'is within a factor of 2 of the measured peak (%s MiB) of %s %j',
    (measured, file, overrides) => {
      const ratio = estimateRunMemory(firstPlan(file, overrides).config).bytes / (Number(measured) * MIB);
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
    },
  );

  it('reads the data size from the dataset section, without loading it', () => {
    expect(dataShape({ name: 'alphadigits', characters: 'A,B,C', n_characters: 2 })).toEqual({
      trainRows: 78,
      testRows: 78,
      pixels: 320,
    });
    expect(dataShape({ name: 'alphadigits' }).trainRows).toBe(36 * 39);
    expect(dataShape({ name: 'mnist', limit: 1000 })).toEqual({ trainRows: 1000, testRows: 10000, pixels: 784 });
    expect(dataShape({ name: 'mnist', digits: [3, 5], test_limit: 500 })).toEqual({
      trainRows: 12000,
      testRows: 500,
      pixels: 784,
    });
  });

  it('grows with the data, the hidden units and the AIS chains, and adds up its parts', () => {
    const base = firstPlan('rbm-alphadigits.yaml', []).config;
    const estimate = estimateRunMemory(base);
    expect(estimate.bytes).toBe(Object.values(estimate.parts).reduce((a, b) => a + b, 0));
    const bigger = (overrides: string[]) => estimateRunMemory(firstPlan('rbm-alphadigits.yaml', overrides).config);
    expect(bigger(['model.hidden_units=5000']).parts.model).toBeGreaterThan(estimate.parts.model);
    expect(bigger(['train.ais_runs=10000']).parts.model).toBeGreaterThan(estimate.parts.model);
    expect(bigger(['dataset={name: mnist}']).parts.data).toBeGreaterThan(100 * estimate.parts.data);
    expect(bigger(['eval.quality=false']).parts.quality).toBe(0);
  });
});

describe('memoryRefusal', () => {
  const plans = expandGrid(
    loadStudy('hidden.yaml', specs, CONFIGS, { overrides: ['sweep.grid.model.hidden_units=[10, 5000]'] }).study,
    specs,
  );
  const largest = estimateRunMemory(plans[2].config).bytes;
  const smallest = estimateRunMemory(plans[0].config).bytes;

  it('lets runs through that fit in the free memory divided by the jobs', () => {
    expect(memoryRefusal(plans, 2 * largest, 2)).toBeUndefined();
    expect(memoryRefusal(plans, largest, 1)).toBeUndefined();
  });

  it('names the largest run that does not fit, what its estimate is made of, and how many others', () => {
    // Two jobs share enough for the 10-unit runs, not for the 5000-unit ones.
    const message = memoryRefusal(plans, smallest + largest, 2);
    expect(message).toMatch(
      /^run #2 \(model\.type="rbm", model\.hidden_units=5000, seed=0\) \(and 1 other run\(s\)\) needs about \d+ MiB \(runtime \d+ MiB, data \d+ MiB, model \d+ MiB(, quality \d+ MiB)?\), more than this machine's free memory allows: \d+ MiB free, shared by 2 jobs: \d+ MiB each; run fewer jobs/,
    );
    // Every run (the 10-unit ones and the study's baselines too) needs more than 100 MiB.
    expect(memoryRefusal(plans, 100 * MIB, 1)).toMatch(
      new RegExp(`^run #2 .*\\(and ${plans.length - 1} other run\\(s\\)\\).* 100 MiB free; run fewer`),
    );
  });
});
