import { describe, expect, it } from 'vitest';
import { formatNumber, type SweepSummary } from '@rbm-lab/experiments';
import { plotChart } from '../src/chart.js';
import { fitGrid } from '../src/samples.js';
import {
  bestIndices,
  compareModel,
  heatmapModel,
  lowerIsBetter,
  paramTitles,
  runsTable,
} from '../src/view-model/index.js';
import { formatDuration, truncate } from '../src/format.js';
import { run } from './records.js';

const sweep = {
  id: 's',
  name: 'n',
  sweptParams: ['model.hidden_units', 'dataset.n_characters'],
  mainMetric: { name: 'ais_log_likelihood', lowerIsBetter: false },
} as SweepSummary;

describe('metric direction', () => {
  it("follows the sweep main metric, then the model specs' metric declarations", () => {
    expect(lowerIsBetter('recon_error')).toBe(true);
    expect(lowerIsBetter('frechet_distance')).toBe(true);
    // A diagnostic (declared 'none'): never ranked.
    expect(lowerIsBetter('free_energy_gap')).toBeNull();
    expect(lowerIsBetter('undeclared_metric')).toBeNull();
    expect(lowerIsBetter('ais_log_likelihood')).toBe(false);
    expect(lowerIsBetter('class_coverage')).toBe(false);
    expect(lowerIsBetter('classifier_confidence')).toBe(false);
    expect(lowerIsBetter('free_energy')).toBeNull();
    expect(lowerIsBetter('custom', { name: 'custom', lowerIsBetter: true })).toBe(true);
  });

  it('marks every tied best and nothing when the direction is unknown', () => {
    expect(bestIndices([3, 1, null, 1], true)).toEqual([1, 3]);
    expect(bestIndices([3, 1, 5], false)).toEqual([2]);
    expect(bestIndices([3, 1], null)).toEqual([]);
    expect(bestIndices([null, undefined], true)).toEqual([]);
  });
});

describe('runs table', () => {
  const runs = [
    run(0, { 'model.hidden_units': 50, 'dataset.n_characters': 2 }, { ais_log_likelihood: -150, recon_error: 0.2 }),
    run(1, { 'model.hidden_units': 100, 'dataset.n_characters': 2 }, { ais_log_likelihood: -120, recon_error: 0.3 }),
    run(2, { 'model.hidden_units': 50, 'dataset.n_characters': 6 }, {}, 'running'),
  ];

  it('sorts numerically with unfinished runs last in both directions', () => {
    const asc = runsTable(sweep, runs, { sortKey: 'metric:recon_error', descending: false, filter: '' });
    expect(asc.rows.map((r) => r.runs[0].index)).toEqual([0, 1, 2]);
    const desc = runsTable(sweep, runs, { sortKey: 'metric:recon_error', descending: true, filter: '' });
    expect(desc.rows.map((r) => r.runs[0].index)).toEqual([1, 0, 2]);
    expect(desc.best['metric:recon_error']).toEqual(new Set(['r0']));
    expect(desc.best['metric:ais_log_likelihood']).toEqual(new Set(['r1']));
    // main metric is the first metric column
    expect(asc.columns.filter((c) => c.kind === 'metric').map((c) => c.title)).toEqual([
      'ais_log_likelihood',
      'recon_error',
    ]);
  });

  it('filters on all terms, matching cells and param=value', () => {
    const t = runsTable(sweep, runs, { sortKey: 'index', descending: false, filter: 'hidden_units=50 finished' });
    expect(t.rows.map((r) => r.runs[0].index)).toEqual([0]);
    expect(runsTable(sweep, runs, { sortKey: 'index', descending: false, filter: 'RUNNING' }).rows).toHaveLength(1);
  });

  it('titles params by their last segment unless ambiguous', () => {
    expect(paramTitles(['model.hidden_units', 'a.k', 'b.k'])).toEqual({
      'model.hidden_units': 'hidden_units',
      'a.k': 'a.k',
      'b.k': 'b.k',
    });
  });
});

describe('compare and heatmap models', () => {
  it('puts differing params first and marks the best metric per direction', () => {
    const m = compareModel(
      [
        run(0, { 'model.hidden_units': 50 }, { recon_error: 0.2, ais_log_likelihood: -150 }),
        run(1, { 'model.hidden_units': 100 }, { recon_error: 0.3, ais_log_likelihood: -120 }),
      ].map((r) => ({ label: r.id, runs: [r] })),
      sweep.mainMetric,
    );
    expect(m.params[0]).toMatchObject({ differs: true });
    expect(
      m.params
        .filter((p) => p.differs)
        .map((p) => p.path)
        .sort(),
    ).toEqual(['model.hidden_units', 'seed']);
    expect(m.params.find((p) => p.path === 'train.learning_rate')).toMatchObject({
      differs: false,
      values: ['0.1', '0.1'],
    });
    expect(m.metrics.find((x) => x.name === 'recon_error')!.best).toEqual([0]);
    expect(m.metrics.find((x) => x.name === 'ais_log_likelihood')!.best).toEqual([1]);
  });

  it('averages finished runs per cell (seeds) and leaves empty cells null', () => {
    const runs = [
      run(0, { 'model.hidden_units': 100, 'dataset.n_characters': 2 }, { recon_error: 0.2 }),
      run(1, { 'model.hidden_units': 100, 'dataset.n_characters': 2 }, { recon_error: 0.4 }),
      run(2, { 'model.hidden_units': 50, 'dataset.n_characters': 2 }, { recon_error: 0.5 }),
      run(3, { 'model.hidden_units': 50, 'dataset.n_characters': 6 }, { recon_error: 0.1 }, 'failed'),
    ];
    const h = heatmapModel(runs, 'model.hidden_units', 'dataset.n_characters', 'recon_error');
    expect(h.rowValues).toEqual([50, 100]); // numeric order, not appearance order
    expect(h.colValues).toEqual([2, 6]);
    expect(h.cells[1][0]).toBeCloseTo(0.3, 10);
    expect(h.counts[1][0]).toBe(2);
    expect(h.cells[0][1]).toBeNull(); // the failed run does not count
    expect(h.best).toEqual({ row: 1, col: 0 });
  });
});

describe('chart and layout helpers', () => {
  it('draws a rising series from bottom-left to top-right within the box', () => {
    const chart = plotChart(
      [{ label: 'a', color: 'cyan', points: [1, 2, 3, 4].map((x) => ({ x, y: x * x })) }],
      30,
      8,
    )!;
    expect(chart.lines).toHaveLength(8);
    const text = chart.lines.map((l) => l.map((s) => s.text).join(''));
    for (const l of text) expect(l.length).toBeLessThanOrEqual(30);
    const plotRows = text.slice(0, -1).map((l) => l.slice(l.indexOf('┤') + 1));
    const firstInk = (l: string) => l.search(/[^ \u2800]/);
    // ink in the top row is to the right of ink in the bottom row
    expect(firstInk(plotRows[0])).toBeGreaterThan(firstInk(plotRows[plotRows.length - 1]));
    expect(chart.yMax).toBe(16);
    expect(plotChart([], 30, 8)).toBeNull();
    expect(plotChart([{ label: 'a', color: 'red', points: [{ x: 1, y: 1 }] }], 5, 2)).toBeNull();
  });

  it('fits as many images as the box holds', () => {
    const s = { data: new Float32Array(10 * 320), n: 10, height: 20, width: 16 };
    // images 16 wide with 1 blank column between: 3 need 50 columns, 49 hold 2
    expect(fitGrid(s, 50, 10)).toEqual({ cols: 3, rows: 1, count: 3 });
    expect(fitGrid(s, 49, 10)).toEqual({ cols: 2, rows: 1, count: 2 });
    // 10 lines per image and 1 between rows: 21 lines hold 2 rows
    expect(fitGrid(s, 49, 21)).toEqual({ cols: 2, rows: 2, count: 4 });
    expect(fitGrid(s, 49, 20)).toEqual({ cols: 2, rows: 1, count: 2 });
    expect(fitGrid(s, 15, 30).count).toBe(0);
  });

  it('formats numbers, durations and cut text', () => {
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(0.0002)).toBe('2e-4');
    expect(formatNumber(42)).toBe('42');
    expect(formatDuration(61_000)).toBe('1m01s');
    expect(formatDuration(3_723_000)).toBe('1h02m');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});

describe('grouped progress and tags in the runs table', () => {
  const seeded = { ...sweep, sweptParams: ['model.hidden_units', 'seed'] } as SweepSummary;
  const member = (index: number, seed: number, status: 'finished' | 'running' | 'pending', epoch: number) => ({
    ...run(
      index,
      { 'model.hidden_units': 10, seed },
      status === 'finished' ? { ais_log_likelihood: -100 - seed } : {},
      status,
    ),
    seed,
    epoch,
    epochs: 40,
  });

  it('shows finished/total runs of a group and the mean epoch of its running runs, not summed epochs', () => {
    const runs = [
      member(0, 0, 'finished', 40),
      member(1, 1, 'running', 10),
      member(2, 2, 'running', 21),
      member(3, 3, 'pending', 0),
    ];
    const table = runsTable(seeded, runs, { sortKey: 'index', descending: false, filter: '', grouped: true });
    expect(table.columns.find((c) => c.key === 'progress')?.title).toBe('progress');
    // 1 of 4 finished; running at epochs 10 and 21: mean 15.5 -> 16
    expect(table.rows[0].cells.progress).toBe('1/4 runs ep 16/40');
    expect(table.rows[0].sortValues.progress).toBe((40 + 10 + 21) / 160);
    const done = runsTable(seeded, [member(0, 0, 'finished', 40), member(1, 1, 'finished', 40)], {
      sortKey: 'index',
      descending: false,
      filter: '',
      grouped: true,
    });
    expect(done.rows[0].cells.progress).toBe('2/2 runs');
  });

  it('adds a tags column (✎ for a note) once a run is annotated, and filters on tags', () => {
    const plain = [member(0, 0, 'finished', 40), member(1, 1, 'finished', 40)];
    const query = { sortKey: 'index', descending: false, filter: '' };
    expect(runsTable(seeded, plain, query).columns.map((c) => c.key)).not.toContain('tags');
    const annotated = [
      { ...plain[0], tags: ['keep', 'fig3'] },
      { ...plain[1], note: 'lr too high' },
    ];
    const table = runsTable(seeded, annotated, query);
    expect(table.rows.map((r) => r.cells.tags)).toEqual(['keep,fig3', '✎']);
    expect(runsTable(seeded, annotated, { ...query, grouped: true }).rows[0].cells.tags).toBe('keep,fig3 ✎');
    expect(runsTable(seeded, annotated, { ...query, filter: 'tag=keep' }).rows.map((r) => r.key)).toEqual([
      plain[0].id,
    ]);
    expect(runsTable(seeded, annotated, { ...query, filter: 'note~"too high"' }).rows.map((r) => r.key)).toEqual([
      plain[1].id,
    ]);
  });
});
