import { describe, expect, it } from 'vitest';
import { metricDirection } from '../src/metric-direction.js';

describe('metricDirection', () => {
  it('follows the naming conventions of the metrics the models report', () => {
    expect(metricDirection('recon_error')).toBe('lower');
    expect(metricDirection('frechet_distance')).toBe('lower');
    expect(metricDirection('free_energy_gap')).toBe('lower');
    expect(metricDirection('ais_log_likelihood')).toBe('higher');
    expect(metricDirection('class_coverage')).toBe('higher');
    expect(metricDirection('elbo')).toBe('higher');
  });

  it('marks no best for diagnostics that have no better direction', () => {
    for (const name of [
      'nn_distance',
      'ais_log_z',
      'exact_log_z',
      'free_energy',
      'parzen_sigma',
      'ais_log_z_std',
      'seconds',
    ]) {
      expect(metricDirection(name), name).toBeNull();
    }
  });

  it("lets the sweep's main metric carry its own direction", () => {
    expect(metricDirection('nn_distance', { name: 'nn_distance', lowerIsBetter: false })).toBe('higher');
    expect(metricDirection('custom_thing', { name: 'custom_thing', lowerIsBetter: true })).toBe('lower');
    expect(metricDirection('custom_thing')).toBeNull();
  });
});
