import { describe, expect, it } from 'vitest';
import { listModelSpecs } from '@rbm-lab/core';
import { canonicalJson, expandGrid, studySeeds, sweepIdOf, sweptParams, type Study } from '../src/index.js';

const specs = listModelSpecs();

const base: Study = {
  name: 'grid-test',
  dataset: { name: 'alphadigits', characters: ['A', 'B'] },
  model: { type: 'rbm', hidden_units: 20 },
  train: { epochs: 2, learning_rate: 0.1 },
};

describe('expandGrid', () => {
  it('without a sweep gives one run with the study config and defaults filled in', () => {
    const runs = expandGrid(base, specs);
    expect(runs).toHaveLength(1);
    expect(runs[0].params).toEqual({});
    expect(runs[0].config.model.hidden_units).toBe(20);
    expect(runs[0].config.train.learning_rate).toBe(0.1);
    // Defaults from the rbm spec and the eval section are explicit in the resolved config.
    const rbm = specs.find((spec) => spec.type === 'rbm')!;
    expect(runs[0].config.train.batch_size).toBe(rbm.trainSchema.properties.batch_size.default);
    expect(runs[0].config.eval.n_samples).toBe(64);
    expect(runs[0].epochs).toBe(2);
  });

  it('crosses grid axes as a cartesian product, first axis outermost', () => {
    const study: Study = {
      ...base,
      sweep: { grid: { 'model.hidden_units': [10, 20, 30], 'train.learning_rate': [0.01, 0.1] } },
    };
    const runs = expandGrid(study, specs);
    expect(runs.map((r) => [r.params['model.hidden_units'], r.params['train.learning_rate']])).toEqual([
      [10, 0.01],
      [10, 0.1],
      [20, 0.01],
      [20, 0.1],
      [30, 0.01],
      [30, 0.1],
    ]);
    expect(runs.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const run of runs) {
      expect(run.config.model.hidden_units).toBe(run.params['model.hidden_units']);
      expect(run.config.train.learning_rate).toBe(run.params['train.learning_rate']);
    }
    expect(new Set(runs.map((r) => r.id)).size).toBe(6);
    expect(sweptParams(study)).toEqual(['model.hidden_units', 'train.learning_rate']);
  });

  it('moves zip lists together and crosses them with the grid', () => {
    const study: Study = {
      ...base,
      sweep: {
        grid: { 'model.hidden_units': [10, 20] },
        zip: { 'train.learning_rate': [0.01, 0.1, 0.5], 'train.batch_size': [5, 10, 50] },
      },
    };
    const runs = expandGrid(study, specs);
    expect(runs).toHaveLength(6);
    for (const run of runs) {
      const pairs: Record<number, number> = { 0.01: 5, 0.1: 10, 0.5: 50 };
      expect(run.config.train.batch_size).toBe(pairs[run.config.train.learning_rate as number]);
    }
  });

  it('repeats every grid point per seed (count from the study seed, or a list)', () => {
    expect(studySeeds({ seed: 7, sweep: { seeds: 3 } })).toEqual([7, 8, 9]);
    expect(studySeeds({ sweep: { seeds: [4, 2] } })).toEqual([4, 2]);
    expect(studySeeds({})).toEqual([0]);
    const study: Study = { ...base, sweep: { grid: { 'model.hidden_units': [10, 20] }, seeds: [1, 2, 3] } };
    const runs = expandGrid(study, specs);
    expect(runs).toHaveLength(6);
    expect(runs.map((r) => r.seed)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(runs.map((r) => r.config.seed)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(runs[0].params).toEqual({ 'model.hidden_units': 10, seed: 1 });
    expect(sweptParams(study)).toEqual(['model.hidden_units', 'seed']);
  });

  it('gives stable ids: same study, same ids; key order irrelevant; a changed value changes the id', () => {
    const study: Study = { ...base, sweep: { grid: { 'model.hidden_units': [10, 20] } } };
    const first = expandGrid(study, specs).map((r) => r.id);
    const again = expandGrid(structuredClone(study), specs).map((r) => r.id);
    expect(again).toEqual(first);
    expect(first.every((id) => /^[0-9a-f]{12}$/.test(id))).toBe(true);

    const reordered: Study = {
      sweep: { grid: { 'model.hidden_units': [10, 20] } },
      train: { learning_rate: 0.1, epochs: 2 },
      model: { hidden_units: 20, type: 'rbm' },
      dataset: { characters: ['A', 'B'], name: 'alphadigits' },
      name: 'grid-test',
    };
    expect(expandGrid(reordered, specs).map((r) => r.id)).toEqual(first);
    expect(sweepIdOf(reordered)).toBe(sweepIdOf(study));

    // The description is documentation: editing it keeps the sweep.
    expect(sweepIdOf({ ...study, description: 'changed' })).toBe(sweepIdOf(study));
    const changed = expandGrid({ ...study, train: { epochs: 3, learning_rate: 0.1 } }, specs).map((r) => r.id);
    expect(changed.some((id) => first.includes(id))).toBe(false);
  });

  it('sweeps whole sections (model type and its parameters together) through zip', () => {
    const types = specs.map((s) => s.type);
    expect(types).toContain('rbm');
    const other = specs.find((s) => s.type !== 'rbm' && s.generative)?.type ?? 'dnn';
    const study: Study = {
      ...base,
      model: { type: 'rbm' },
      train: {},
      sweep: { zip: { model: [{ type: 'rbm', hidden_units: 10 }, { type: other }], 'train.epochs': [2, 3] } },
    };
    const runs = expandGrid(study, specs);
    expect(runs.map((r) => r.config.model.type)).toEqual(['rbm', other]);
    expect(runs[0].epochs).toBe(2);
    // Progress counts what the model reports: a DBN one epoch per layer epoch.
    const layers = runs[1].config.model.layers;
    expect(runs[1].epochs).toBe(Array.isArray(layers) ? 3 * layers.length : 3);
  });

  it('canonicalJson sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('baselines', () => {
  const study: Study = {
    ...base,
    sweep: { grid: { 'model.hidden_units': [10, 20], 'dataset.n_characters': [1, 2] } },
    baselines: ['base_rate', { type: 'bernoulli_mixture', components: [2, 5] }],
  };

  it('run once per distinct dataset section and seed, not once per hidden-unit count', () => {
    const runs = expandGrid(study, specs);
    expect(runs).toHaveLength(4 + 2 * 2);
    const baselines = runs.slice(4);
    expect(baselines.map((r) => [r.params['model.type'], r.params['dataset.n_characters']])).toEqual([
      ['base_rate', 1],
      ['bernoulli_mixture', 1],
      ['base_rate', 2],
      ['bernoulli_mixture', 2],
    ]);
    expect(baselines.map((r) => r.index)).toEqual([4, 5, 6, 7]);
    expect(baselines[1].config.model).toEqual({ type: 'bernoulli_mixture', components: [2, 5] });
    expect(baselines[1].config.train).toMatchObject({ max_iterations: expect.any(Number), pseudocount: 1 });
    expect(baselines[0].config.dataset).toEqual(runs[0].config.dataset);
    expect(runs[0].params['model.type']).toBe('rbm');
    expect(sweptParams(study)).toEqual(['model.type', 'model.hidden_units', 'dataset.n_characters']);
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    // Same study, same ids: a rerun finds the finished baselines.
    expect(expandGrid(study, specs).map((r) => r.id)).toEqual(runs.map((r) => r.id));
  });

  it('repeat per seed', () => {
    const runs = expandGrid({ ...study, sweep: { seeds: 2 } }, specs);
    expect(runs.map((r) => [r.params['model.type'], r.seed])).toEqual([
      ['rbm', 0],
      ['rbm', 1],
      ['base_rate', 0],
      ['bernoulli_mixture', 0],
      ['base_rate', 1],
      ['bernoulli_mixture', 1],
    ]);
  });
});
