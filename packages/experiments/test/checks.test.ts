import { getModelSpec, type Metrics } from '@rbm-lab/core';
import { describe, expect, it } from 'vitest';
import { baselineFlags, baselineLogLikelihoods, type FlaggableRun } from '../src/checks/baseline-flags.js';
import { runLogLikelihood, runWarnings, WARNING_THRESHOLDS, type RunWarningInput } from '../src/checks/run-warnings.js';

const rbm = getModelSpec('rbm').metrics;

function input(overrides: Partial<RunWarningInput>): RunWarningInput {
  return { metrics: {}, history: [], declarations: rbm, points: {}, classes: 5, ...overrides };
}

const codes = (warnings: { code: string }[]): string[] => warnings.map((w) => w.code);

describe('runWarnings', () => {
  it('flags a log-likelihood below the base-rate model on the same test images, preferring exact over AIS', () => {
    const warnings = runWarnings(input({ metrics: { ais_log_likelihood: -240 }, baseRateLogLikelihood: -180 }));
    expect(codes(warnings)).toEqual(['below_base_rate']);
    expect(warnings[0].message).toMatch(/ais_log_likelihood -240.0 nats is below the base-rate model's -180.0 nats/);
    expect(runWarnings(input({ metrics: { ais_log_likelihood: -150 }, baseRateLogLikelihood: -180 }))).toEqual([]);
    const exact = { ais_log_likelihood: -150, exact_log_likelihood: -190, exact_log_z: 10, ais_log_z: 10.2 };
    expect(runLogLikelihood(exact, rbm)?.name).toBe('exact_log_likelihood');
    expect(codes(runWarnings(input({ metrics: exact, baseRateLogLikelihood: -180 })))).toEqual(['below_base_rate']);
  });

  it('flags AIS off the exact log Z, and an AIS spread above the threshold', () => {
    const off = runWarnings(input({ metrics: { ais_log_z: 50, exact_log_z: 52.5, ais_log_z_std: 0.1 } }));
    expect(codes(off)).toEqual(['ais_off_exact']);
    expect(off[0].message).toMatch(/differs from the exact 52.50 by 2.50 nats \(reported spread 0.10\)/);
    const wide = { ais_log_z: 50, ais_log_z_std: WARNING_THRESHOLDS.aisLogZStd + 0.1 };
    expect(codes(runWarnings(input({ metrics: wide })))).toEqual(['ais_spread']);
    expect(runWarnings(input({ metrics: { ais_log_z: 50, ais_log_z_std: 0.05 } }))).toEqual([]);
  });

  it('flags AIS below the certain lower bound on log Z by more than the threshold, not within it', () => {
    const below = runWarnings(input({ metrics: { ais_log_z: 50, log_z_lower_bound: 54.2, ais_log_z_std: 0.1 } }));
    expect(codes(below)).toEqual(['ais_below_bound']);
    expect(below[0].message).toMatch(/AIS log Z 50.00 is 4.20 nats below a certain lower bound \(54.20/);
    const within = { ais_log_z: 50, log_z_lower_bound: 50 + WARNING_THRESHOLDS.aisBelowBound - 0.01 };
    expect(runWarnings(input({ metrics: within }))).toEqual([]);
    // The bound is far below log Z on large RBMs: AIS above it says nothing.
    expect(runWarnings(input({ metrics: { ais_log_z: 300, log_z_lower_bound: 120 } }))).toEqual([]);
  });

  it('flags a free-energy gap still growing in the last quarter up to the kept epoch, not a plateau', () => {
    const growing = [2, 1, 3, 8, 15, 30, 45, 60].map((gap): Metrics => ({ free_energy_gap: gap }));
    const warnings = runWarnings(input({ history: growing }));
    expect(codes(warnings)).toEqual(['free_energy_gap_growing']);
    expect(warnings[0].message).toMatch(/30.0 nats at epoch 6, 60.0 nats at epoch 8/);
    // Early stopping kept epoch 4: up to there the gap rose 5 nats over the last quarter (3 -> 8): at the threshold.
    expect(runWarnings(input({ history: growing, metrics: { best_epoch: 4 } }))).toEqual([]);
    const plateau = [2, 20, 40, 55, 60, 61, 61.5, 62].map((gap): Metrics => ({ free_energy_gap: gap }));
    expect(runWarnings(input({ history: plateau }))).toEqual([]);
  });

  it('flags a Fréchet distance from fewer points than feature dimensions, and mode collapse', () => {
    const warnings = runWarnings(
      input({
        metrics: { frechet_distance: 300, class_coverage: 0.4 },
        points: { frechet_distance: { split: 'test', points: 40, samples: 1000 } },
        featureDim: 64,
      }),
    );
    expect(codes(warnings)).toEqual(['frechet_rank_deficient', 'mode_collapse']);
    expect(warnings[0].message).toMatch(/64-dimensional features using 40 test images and 1000 samples/);
    expect(warnings[1].message).toMatch(/reach 2 of 5 classes \(class_coverage 0.40 < 0.75\)/);
    const withSpread = runWarnings(input({ metrics: { class_coverage: 0.6, class_coverage_std: 0.087 } }));
    expect(withSpread[0].message).toMatch(/reach 3 of 5 classes \(class_coverage 0.60 ± 0.09 < 0.75\)/);
    const healthy = input({
      metrics: { frechet_distance: 30, class_coverage: 1 },
      points: { frechet_distance: { split: 'test', points: 1000, samples: 1000 } },
      featureDim: 64,
    });
    expect(runWarnings(healthy)).toEqual([]);
    expect(runWarnings(input({ metrics: { class_coverage: 0 }, classes: 1 }))).toEqual([]);
  });
});

function run(id: string, type: string, metrics: Record<string, number>, characters = 'A,B'): FlaggableRun {
  return { id, status: 'finished', config: { model: { type }, dataset: { name: 'alphadigits', characters } }, metrics };
}

describe('baselineFlags', () => {
  it('compares each run with the baselines trained on the same data only', () => {
    const runs = [
      run('rbm-good', 'rbm', { ais_log_likelihood: -120 }),
      run('rbm-bad', 'rbm', { ais_log_likelihood: -200, exact_log_likelihood: -210 }),
      run('rbm-other-data', 'rbm', { ais_log_likelihood: -300 }, 'A,B,C'),
      run('base', 'base_rate', { exact_log_likelihood: -190 }),
      run('mixture', 'bernoulli_mixture', { exact_log_likelihood: -140, components: 5 }),
      { ...run('failed', 'rbm', {}), status: 'failed' },
    ];
    const flags = baselineFlags(runs);
    expect(flags.map((f) => f.runId)).toEqual(['rbm-good', 'rbm-bad']);
    expect([...baselineLogLikelihoods(runs)]).toEqual([
      ['base', -190],
      ['mixture', -140],
    ]);
    const [good, bad] = flags;
    expect(good).toMatchObject({ metric: 'ais_log_likelihood', value: -120, belowAny: false, belowBaseRate: false });
    expect(bad).toMatchObject({ metric: 'exact_log_likelihood', value: -210, belowAny: true, belowBaseRate: true });
    expect(bad.baselines).toEqual([
      { runId: 'base', modelType: 'base_rate', metric: 'exact_log_likelihood', value: -190, below: true },
      { runId: 'mixture', modelType: 'bernoulli_mixture', metric: 'exact_log_likelihood', value: -140, below: true },
    ]);
  });
});
