import { describe, expect, it } from 'vitest';
import {
  bestPoint,
  emaSmooth,
  groupRuns,
  headlineMetrics,
  meanCurve,
  summarize,
  type RunRecord,
} from '../src/index.js';
import { runRecord } from './run-record.js';

function run(
  index: number,
  params: Record<string, unknown>,
  metrics: Record<string, number>,
  status: RunRecord['status'] = 'finished',
): RunRecord {
  return runRecord({ index, params, metrics, status, seed: typeof params.seed === 'number' ? params.seed : 0 });
}

describe('summarize', () => {
  it('gives the mean and the sample standard deviation (n - 1)', () => {
    const s = summarize([2, 4, 4, 4, 5, 5, 7, 9])!;
    expect(s.n).toBe(8);
    expect(s.mean).toBe(5);
    // sum of squared deviations 32, over n - 1 = 7
    expect(s.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect([s.min, s.max]).toEqual([2, 9]);
  });

  it('leaves the spread of one value undefined, not 0, and skips NaN and infinities', () => {
    const one = summarize([NaN, 3, Number.POSITIVE_INFINITY, undefined, null])!;
    expect(one.n).toBe(1);
    expect(one.mean).toBe(3);
    expect(one.std).toBeUndefined();
    expect(summarize([NaN, undefined])).toBeUndefined();
    // equal values: exactly no spread, not the rounding error of the mean
    expect(summarize([0.2, 0.2, 0.2])!.std).toBe(0);
    expect(summarize([])).toBeUndefined();
  });
});

describe('groupRuns', () => {
  const swept = ['model.hidden_units', 'train.learning_rate', 'seed'];
  const runs = [
    run(0, { 'model.hidden_units': 10, 'train.learning_rate': 0.1, seed: 0 }, { ll: -150, err: 0.3 }),
    run(1, { 'model.hidden_units': 10, 'train.learning_rate': 0.1, seed: 1 }, { ll: -140, err: Number.NaN }),
    run(2, { 'model.hidden_units': 10, 'train.learning_rate': 0.1, seed: 2 }, {}, 'failed'),
    run(3, { 'model.hidden_units': 50, 'train.learning_rate': 0.1, seed: 0 }, { ll: -120 }),
    run(4, { 'model.hidden_units': 50, 'train.learning_rate': 0.1, seed: 1 }, {}, 'running'),
    run(5, { 'model.hidden_units': 10, 'train.learning_rate': 0.01, seed: 0 }, {}, 'pending'),
  ];

  it('groups runs that differ only by seed, in the order of their first run', () => {
    const groups = groupRuns(runs, swept);
    expect(groups.map((g) => g.runs.map((r) => r.index))).toEqual([[0, 1, 2], [3, 4], [5]]);
    expect(groups[0].params).toEqual({ 'model.hidden_units': 10, 'train.learning_rate': 0.1 });
  });

  it('summarises finished runs only and counts failed and unfinished runs apart', () => {
    const [a, b, c] = groupRuns(runs, swept);
    expect(a.metrics.ll.n).toBe(2);
    expect(a.metrics.ll.mean).toBe(-145);
    expect(a.metrics.ll.std).toBeCloseTo(Math.sqrt(50), 12);
    // the NaN of run 1 does not count: one value, no spread
    expect(a.metrics.err).toMatchObject({ n: 1, mean: 0.3, std: undefined });
    expect(a.counts).toMatchObject({ finished: 2, failed: 1, running: 0 });
    expect(b.metrics.ll).toMatchObject({ n: 1, mean: -120, std: undefined });
    expect(b.counts).toMatchObject({ finished: 1, running: 1 });
    expect(c.metrics).toEqual({});
    expect(c.counts.pending).toBe(1);
  });

  it('keeps every run apart when no seed is swept', () => {
    const noSeeds = [run(0, { x: 1 }, { ll: 1 }), run(1, { x: 1 }, { ll: 2 })];
    expect(groupRuns(noSeeds, ['x']).map((g) => g.runs.length)).toEqual([1, 1]);
  });

  it('summarises another value per run when asked (e.g. the best epoch)', () => {
    const best: Record<string, number> = { run0: -100, run1: -90 };
    const [a] = groupRuns(runs, swept, { metricValue: (r) => best[r.id], metrics: ['ll'] });
    expect(Object.keys(a.metrics)).toEqual(['ll']);
    expect(a.metrics.ll.mean).toBe(-95);
  });
});

describe('curves', () => {
  const curve = [1, 2, 3, 4].map((v, i) => ({ step: i + 1, value: v }));

  it('smooths with a bias-corrected EMA', () => {
    expect(emaSmooth(curve, 0)).toEqual(curve);
    const smoothed = emaSmooth(curve, 0.5).map((p) => p.value);
    // m1 = 0.5, m2 = 0.25 + 1 = 1.25, m3 = 0.625 + 1.5 = 2.125; divided by 1 - 0.5^i
    expect(smoothed[0]).toBeCloseTo(1, 12);
    expect(smoothed[1]).toBeCloseTo(1.25 / 0.75, 12);
    expect(smoothed[2]).toBeCloseTo(2.125 / 0.875, 12);
    // a constant curve stays constant (no pull towards 0 at the start)
    expect(
      emaSmooth(
        [5, 5, 5].map((v, i) => ({ step: i, value: v })),
        0.9,
      ).map((p) => p.value),
    ).toEqual([5, 5, 5]);
    expect(() => emaSmooth(curve, 1)).toThrow(RangeError);
  });

  it('passes NaN points through without letting them into the average', () => {
    const withGap = [
      { step: 1, value: 2 },
      { step: 2, value: Number.NaN },
      { step: 3, value: 2 },
    ];
    const out = emaSmooth(withGap, 0.6);
    expect(out[1].value).toBeNaN();
    expect(out[2].value).toBeCloseTo(2, 12);
  });

  it('averages curves step by step with the spread, counting runs that logged each step', () => {
    const mean = meanCurve([
      [
        { step: 1, value: 1 },
        { step: 2, value: 3 },
      ],
      [
        { step: 1, value: 3 },
        { step: 2, value: Number.NaN },
        { step: 3, value: 5 },
      ],
    ]);
    expect(mean.map((p) => [p.step, p.n, p.mean, p.min, p.max])).toEqual([
      [1, 2, 2, 1, 3],
      [2, 1, 3, 3, 3],
      [3, 1, 5, 5, 5],
    ]);
    expect(mean[0].std).toBeCloseTo(Math.SQRT2, 12);
    expect(mean[1].std).toBeUndefined();
  });

  it('finds the best epoch in the metric direction, the earliest on ties', () => {
    const points = [0.5, 0.2, 0.2, 0.4].map((v, i) => ({ step: i + 1, value: v }));
    expect(bestPoint(points, 'lower')).toEqual({ step: 2, value: 0.2 });
    expect(bestPoint(points, 'higher')).toEqual({ step: 1, value: 0.5 });
    expect(bestPoint(points, null)).toBeUndefined();
    expect(bestPoint([{ step: 1, value: Number.NaN }], 'lower')).toBeUndefined();
  });
});

describe('headlineMetrics', () => {
  it('puts the main metric first and leaves out diagnostics', () => {
    const names = ['recon_error', 'ais_log_z', 'ais_log_likelihood', 'nn_distance', 'class_coverage', 'seconds'];
    expect(headlineMetrics(names, { name: 'ais_log_likelihood', lowerIsBetter: false })).toEqual([
      'ais_log_likelihood',
      'class_coverage',
      'recon_error',
    ]);
    expect(headlineMetrics(names, { name: 'ais_log_likelihood', lowerIsBetter: false }, 2)).toHaveLength(2);
  });
});
