import { describe, expect, it } from 'vitest';
import {
  distinctParamValues,
  finalMetricNames,
  formatParamValue,
  independentParams,
  metricAxisTitle,
  prefersLogScale,
  summariseMetricByParam,
  type ReportRun,
} from '../src/report/data.js';
import { samplesGridPng } from '../src/report/montage.js';
import { trainingCurvesSpec } from '../src/report/curve-figure.js';
import { metricsVsParamSpec } from '../src/report/figures.js';
import { emaSmooth, meanCurve, negativeLog, summarize } from '../src/index.js';
import { PNG } from 'pngjs';

function run(index: number, params: Record<string, unknown>, seed: number, metrics: Record<string, number>): ReportRun {
  return { id: `r${index}`, index, status: 'finished', params, seed, metrics, curves: {} };
}

describe('report data shaping', () => {
  const runs = [
    run(0, { h: 100, lr: 0.1 }, 1, { err: 0.3 }),
    run(1, { h: 100, lr: 0.1 }, 2, { err: 0.5 }),
    run(2, { h: 10, lr: 0.1 }, 1, { err: 0.9 }),
    run(3, { h: 10, lr: 0.01 }, 1, { err: 0.7, extra: 2 }),
    run(4, { h: 100, lr: 0.01 }, 1, { err: Number.NaN }),
  ];

  it('summarises a metric per parameter value over seeds and other parameters', () => {
    const rows = summariseMetricByParam(runs, 'h', 'err');
    expect(rows.map((row) => row.x)).toEqual([10, 100]);
    const [ten, hundred] = rows;
    expect(ten.mean).toBeCloseTo(0.8, 10);
    expect([ten.min, ten.max, ten.n]).toEqual([0.7, 0.9, 2]);
    expect(hundred.mean).toBeCloseTo(0.4, 10); // the NaN run is left out, not averaged in
    expect(hundred.n).toBe(2);
    expect(hundred.std).toBeCloseTo(Math.sqrt(0.02), 10);
  });

  it('splits by a colour parameter and drops empty cells', () => {
    const rows = summariseMetricByParam(runs, 'h', 'err', 'lr');
    expect(rows.map((row) => [row.x, row.group, row.n])).toEqual([
      [10, '0.01', 1],
      [10, '0.1', 1],
      [100, '0.1', 2],
    ]);
  });

  it('orders numeric values ascending and other values as the grid lists them', () => {
    expect(distinctParamValues(runs, 'h')).toEqual([10, 100]);
    const lists = [run(0, { c: ['B'] }, 1, {}), run(1, { c: ['A', 'B'] }, 1, {}), run(2, { c: ['B'] }, 2, {})];
    expect(distinctParamValues(lists, 'c')).toEqual([['B'], ['A', 'B']]);
  });

  it('lists final metrics with the main one first', () => {
    expect(finalMetricNames(runs, 'err')).toEqual(['err', 'extra']);
    expect(finalMetricNames(runs, 'extra')).toEqual(['extra', 'err']);
  });

  it('labels values and axes readably', () => {
    expect(formatParamValue(0.1 + 0.2)).toBe('0.3');
    expect(formatParamValue(['A', 'B'])).toBe('[A,B]');
    expect(formatParamValue('0123456789'.split(''))).toBe('[0,1,2,3,…,9] (10)');
    expect(metricAxisTitle('reconstruction_error')).toBe('reconstruction_error (mean squared error per pixel)');
    expect(metricAxisTitle('ais_log_likelihood')).toBe('ais_log_likelihood (nats)');
    expect(metricAxisTitle('mystery')).toBe('mystery');
    expect(prefersLogScale([0.001, 0.01, 0.1])).toBe(true);
    expect(prefersLogScale([10, 20, 40])).toBe(false);
  });
});

describe('samples grid', () => {
  it('draws each sample pixel-exactly, scaled, white for ink', () => {
    // two 2x3 images: the first all ink, the second ink only at its top-left pixel
    const data = new Float32Array(12);
    data.fill(1, 0, 6);
    data[6] = 1;
    const grid = samplesGridPng({ data, n: 2, height: 2, width: 3 }, { columns: 2, scale: 4 });
    const png = PNG.sync.read(grid.png);
    expect([png.width, png.height]).toEqual([2 * 12 + 3 * 2, 8 + 2 * 2]);
    const grey = (x: number, y: number) => png.data[(y * png.width + x) * 4];
    expect(grey(2 + 11, 2 + 7)).toBe(255); // last pixel of the first image
    const second = 2 + 12 + 2;
    expect(grey(second + 3, 2 + 3)).toBe(255); // inside the scaled top-left pixel
    expect(grey(second + 4, 2)).toBe(0); // the pixel to its right
    expect(grey(0, 0)).not.toBe(0); // gap between images
  });
});

describe('zipped and section-valued parameters', () => {
  const models = [
    { type: 'rbm', hidden_units: 200 },
    { type: 'vae', latent_dim: 16 },
  ];
  const trains = [{ epochs: 100 }, { epochs: 200 }];
  const runs = [0, 1, 2, 3].map((i) =>
    run(i, { model: models[i % 2], train: trains[i % 2], h: i < 2 ? 10 : 20 }, i, { err: i }),
  );

  it('keeps one figure per group of parameters that move together', () => {
    const { kept, movesWith } = independentParams(runs, ['model', 'train', 'h']);
    expect(kept).toEqual(['model', 'h']);
    expect(movesWith.get('train')).toBe('model');
  });

  it('drops a parameter fixed by an earlier one even when two of its values coincide', () => {
    // Three model types, two sharing the same training settings: train is a function of model.
    const three = [0, 1, 2].map((i) =>
      run(i, { model: { type: `m${i}` }, train: { epochs: i === 2 ? 5 : 9 } }, 0, { err: i }),
    );
    expect(independentParams(three, ['model', 'train']).kept).toEqual(['model']);
    // The other way round, train does not fix model: both stay when train comes first.
    expect(independentParams(three, ['train', 'model']).kept).toEqual(['train', 'model']);
  });

  it('labels a swept section by its type, then its settings', () => {
    expect(formatParamValue(models[0])).toBe('rbm hidden_units=200');
    expect(formatParamValue({ epochs: 100, batch_size: 32 })).toBe('epochs=100 batch_size=32');
  });
});

describe('report figures: grouping, smoothing, log scale', () => {
  const curve = (values: number[]) => values.map((value, i) => ({ step: i + 1, value }));
  const seeded = (index: number, h: number, seed: number, values: number[], ll: number): ReportRun => ({
    id: `r${index}`,
    index,
    status: 'finished',
    params: { h, seed },
    seed,
    metrics: { ll },
    curves: { ll: curve(values) },
  });
  const runs = [
    seeded(0, 10, 0, [-200, -150, -120], -120),
    seeded(1, 10, 1, [-210, -170, -130], -130),
    seeded(2, 50, 0, [-190, -140, -100], -100),
  ];
  type Layer = { data?: { values: Array<Record<string, number>> }; mark: { type: string } };
  const layersOf = (spec: unknown) => (spec as { concat: Array<{ layer: Layer[] }> }).concat[0].layer;

  it('draws mean ± std error bars over seeds when grouped, and only the runs when not', () => {
    const grouped = layersOf(metricsVsParamSpec(runs, 'h', ['ll'], ['h'], true));
    const bars = grouped.find((l) => l.mark.type === 'rule')!.data!.values;
    const s = summarize([-120, -130])!;
    // the group of one run (h = 50) has no spread, so no bar
    expect(bars).toHaveLength(1);
    expect(bars[0].low).toBeCloseTo(s.mean - s.std!, 12);
    expect(bars[0].high).toBeCloseTo(s.mean + s.std!, 12);
    const plain = layersOf(metricsVsParamSpec(runs, 'h', ['ll'], ['h'], false));
    expect(plain.map((l) => l.mark.type)).toEqual(['circle']);
  });

  it('smooths the mean curve of each group with the EMA, keeps the raw one, and maps negative values to -log10(-y)', () => {
    const spec = trainingCurvesSpec(runs, 'll', ['h'], {
      groupBy: ['h', 'seed'],
      smooth: 0.6,
      log: true,
    }) as unknown as {
      data: {
        values: Array<{ series: string; step: number; raw: number; value: number; low?: number; high?: number }>;
      };
      layer: Layer[];
      title: { subtitle: string };
    };
    const mean = meanCurve([runs[0].curves.ll, runs[1].curves.ll]);
    const smoothed = emaSmooth(
      mean.map((p) => ({ step: p.step, value: p.mean })),
      0.6,
    );
    const group = spec.data.values.filter((row) => row.low !== undefined);
    expect(group.map((row) => row.step)).toEqual([1, 2, 3]);
    group.forEach((row, i) => {
      expect(row.raw).toBeCloseTo(negativeLog(mean[i].mean), 12);
      expect(row.value).toBeCloseTo(negativeLog(smoothed[i].value), 12);
      expect(row.low).toBeCloseTo(negativeLog(mean[i].min), 12);
    });
    // band, faint raw line, smoothed line
    expect(spec.layer.map((l) => l.mark.type)).toEqual(['area', 'line', 'line']);
    expect(spec.title.subtitle).toContain('EMA 0.6 (raw faint); y on -log10(-y)');
    const crossing = trainingCurvesSpec([seeded(0, 10, 0, [-1, 1, 2], 0)], 'll', ['h'], { smooth: 0, log: true });
    expect((crossing as unknown as { title: { subtitle: string } }).title.subtitle).toContain(
      'log scale not used: the curve crosses zero',
    );
  });
});
