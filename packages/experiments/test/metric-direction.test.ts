import { listModelSpecs } from '@rbm-lab/core';
import { describe, expect, it } from 'vitest';
import { ConflictingMetricError, metricDefinitionsFor } from '../src/checks/metric-definitions.js';
import { metricDirection } from '../src/metric-direction.js';

describe('metricDirection', () => {
  it('reads the direction each model spec declares', () => {
    expect(metricDirection('recon_error')).toBe('lower');
    expect(metricDirection('frechet_distance')).toBe('lower');
    expect(metricDirection('kid')).toBe('lower');
    expect(metricDirection('ais_log_likelihood')).toBe('higher');
    expect(metricDirection('exact_log_likelihood')).toBe('higher');
    expect(metricDirection('class_coverage')).toBe('higher');
    expect(metricDirection('elbo')).toBe('higher');
    expect(metricDirection('layer3_recon_error')).toBe('lower');
  });

  it('marks no best for diagnostics, and none for names nobody declared (no guessing from the name)', () => {
    for (const name of [
      'nn_distance',
      'ais_log_z',
      'exact_log_z',
      'free_energy',
      'free_energy_gap',
      'parzen_sigma',
      'ais_log_z_std',
      'seconds',
      'train_seconds',
      'n_test',
      'components',
      'some_new_error',
      'unknown_likelihood',
    ]) {
      expect(metricDirection(name), name).toBeNull();
    }
  });

  it("lets the sweep's main metric carry its own direction, and a sweep's stored definitions win", () => {
    expect(metricDirection('nn_distance', { name: 'nn_distance', lowerIsBetter: false })).toBe('higher');
    expect(metricDirection('custom_thing', { name: 'custom_thing', lowerIsBetter: true })).toBe('lower');
    const stored = [
      { name: 'custom_thing', direction: 'higher' as const, split: 'test' as const, description: 'x', modelTypes: [] },
    ];
    expect(metricDirection('custom_thing', undefined, stored)).toBe('higher');
    expect(metricDirection('recon_error', undefined, stored)).toBeNull();
  });
});

describe('metricDefinitionsFor', () => {
  it("lists a sweep's metrics once each, with the model types recording them and the run bookkeeping", () => {
    const definitions = metricDefinitionsFor(['rbm', 'base_rate', 'bernoulli_mixture']);
    const names = definitions.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    const exact = definitions.find((d) => d.name === 'exact_log_likelihood');
    expect(exact).toMatchObject({
      direction: 'higher',
      split: 'test',
      modelTypes: ['rbm', 'base_rate', 'bernoulli_mixture'],
    });
    expect(definitions.find((d) => d.name === 'ais_log_likelihood')?.modelTypes).toEqual(['rbm']);
    expect(definitions.find((d) => d.name === 'train_seconds')).toMatchObject({ direction: 'none', split: 'run' });
    expect(definitions.find((d) => d.name === 'kid')?.split).toBe('test');
    expect(definitions.find((d) => d.name === 'parzen_sigma')?.split).toBe('validation');
  });

  it('every registered type agrees with every other on shared names', () => {
    expect(() => metricDefinitionsFor(listModelSpecs().map((s) => s.type))).not.toThrow();
    const [rbm] = listModelSpecs();
    const clash = { ...rbm, type: 'clash', metrics: [{ ...rbm.metrics[0], direction: 'higher' as const }] };
    expect(() => metricDefinitionsFor(['rbm', 'clash'], [rbm, clash])).toThrow(ConflictingMetricError);
    expect(() => metricDefinitionsFor(['nope'])).toThrow(/no model spec/);
  });
});
