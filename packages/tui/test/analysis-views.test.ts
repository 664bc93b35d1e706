/** Grouping, columns, best-epoch values, curves and scales as the screens compute them (no Ink). */
import { describe, expect, it } from 'vitest';
import { formatNumber, type RunRecord, type SweepSummary } from '@rbm-lab/experiments';
import { plotChart } from '../src/chart.js';
import { logAxis } from '../src/chart-scale.js';
import type { EpochMetrics } from '../src/data/hooks.js';
import { layoutColumns, maxScroll } from '../src/view-model/column-layout.js';
import { heatmapModel, runsTable, subjectSeries } from '../src/view-model/index.js';
import { heatmapScreenModel } from '../src/view-model/screens.js';
import { run } from './records.js';

const sweep = {
  id: 's',
  name: 'seeds',
  sweptParams: ['model.hidden_units', 'seed'],
  mainMetric: { name: 'll', lowerIsBetter: false },
} as SweepSummary;

// hidden 10: seeds 0, 1 finished, seed 2 failed; hidden 50: seed 0 finished (NaN recon), seed 1 running, seed 2 pending
const runs: RunRecord[] = [
  run(0, { 'model.hidden_units': 10, seed: 0 }, { ll: -150, recon_error: 0.3, ais_log_z: 5 }),
  run(1, { 'model.hidden_units': 10, seed: 1 }, { ll: -140, recon_error: 0.2, ais_log_z: 6 }),
  run(2, { 'model.hidden_units': 10, seed: 2 }, {}, 'failed'),
  run(3, { 'model.hidden_units': 50, seed: 0 }, { ll: -120, recon_error: Number.NaN, ais_log_z: 7 }),
  run(4, { 'model.hidden_units': 50, seed: 1 }, {}, 'running'),
  run(5, { 'model.hidden_units': 50, seed: 2 }, {}, 'pending'),
];
const query = { sortKey: 'index', descending: false, filter: '' };

describe('runs table grouped over seeds', () => {
  const table = runsTable(sweep, runs, { ...query, grouped: true, now: 0 });

  it('has one row per group with n, mean±std, and failed or unfinished runs counted apart', () => {
    expect(table.rows.map((r) => r.cells['param:model.hidden_units'])).toEqual(['10', '50']);
    expect(table.columns.map((c) => c.title)).not.toContain('seed');
    const [a, b] = table.rows;
    expect(a.cells.count).toBe('2');
    // mean -145, sample std sqrt(50)
    expect(a.cells['metric:ll']).toBe(`-145±${formatNumber(Math.sqrt(50), 3)}`);
    expect(a.cells.status).toBe('2 finished 1 failed');
    expect(a.status).toBe('failed');
    // one finished run: a mean and no spread, not ±0
    expect(b.cells['metric:ll']).toBe('-120');
    expect(b.cells.status).toBe('1 finished 1 running 1 pending');
    // the NaN does not count: no value at all for that group
    expect(b.cells['metric:recon_error']).toBe('-');
  });

  it('marks the best group by its mean and keeps group numbers when filtered', () => {
    expect([...table.best['metric:ll']]).toEqual([table.rows[1].key]);
    const filtered = runsTable(sweep, runs, { ...query, grouped: true, filter: 'hidden_units=50' });
    expect(filtered.rows.map((r) => r.cells.index)).toEqual(['2']);
    expect(filtered.shownRuns).toBe(3);
  });

  it('says what is wrong with a filter, keeps every run, and does not throw', () => {
    const bad = runsTable(sweep, runs, { ...query, filter: 'hidden_units >= ' });
    // the value is missing at the end: the column just after the text
    expect(bad.filterError?.column).toBe(17);
    expect(bad.rows).toHaveLength(6);
  });
});

describe('columns', () => {
  it('shows the swept params and headline metrics by default, diagnostics on request', () => {
    const table = runsTable(sweep, runs, query);
    const titles = table.columns.map((c) => c.title);
    expect(titles).toEqual(['#', 'hidden_units', 'seed', 'll', 'recon_error', 'status', 'epoch', 'time']);
    expect(table.choosable.map((c) => c.title)).toContain('ais_log_z');
    expect(table.frozen).toBe(3);
    const chosen = runsTable(sweep, runs, { ...query, visible: ['metric:ais_log_z', 'param:model.hidden_units'] });
    expect(chosen.columns.map((c) => c.title)).toEqual(['#', 'hidden_units', 'ais_log_z']);
  });

  it('scrolls the columns right of the frozen ones, as many as fit', () => {
    const table = runsTable(sweep, runs, query);
    const all = layoutColumns(table, 500, 0);
    expect(all.hiddenRight).toBe(0);
    const narrow = layoutColumns(table, 40, 0);
    expect(narrow.cols.slice(0, 3).map((c) => c.col.title)).toEqual(['#', 'hidden_units', 'seed']);
    expect(narrow.hiddenRight).toBeGreaterThan(0);
    const scrolled = layoutColumns(table, 40, 2);
    expect(scrolled.hiddenLeft).toBe(2);
    expect(scrolled.cols[3].col.title).toBe('status');
    const used = 4 + scrolled.cols.reduce((s, c) => s + c.width + 1, 0);
    expect(used).toBeLessThanOrEqual(40);
    // scrolling stops where the last columns fill the width: no page with one column and blank space
    const last = maxScroll(table, 40);
    expect(layoutColumns(table, 40, 99).hiddenLeft).toBe(last);
    expect(layoutColumns(table, 40, last).hiddenRight).toBe(0);
    expect(layoutColumns(table, 40, last - 1).hiddenRight).toBeGreaterThan(0);
    expect(maxScroll(table, 500)).toBe(0);
  });
});

describe('best-epoch values', () => {
  const curve = (values: number[]) => values.map((value, i) => ({ step: i + 1, value }));
  const curves = new Map<string, EpochMetrics>([
    ['r0', { recon_error: curve([0.5, 0.1, 0.3]) }],
    ['r1', { recon_error: curve([0.4, 0.35, 0.2]) }],
  ]);

  it('shows the best epoch of a logged metric with its epoch, and the final value (faint) otherwise', () => {
    const table = runsTable(sweep, runs, { ...query, values: 'best', curves });
    const r0 = table.rows.find((r) => r.key === 'r0')!;
    expect(r0.cells['metric:recon_error']).toBe('0.1 @2');
    expect(r0.faint.has('metric:recon_error')).toBe(false);
    expect(r0.cells['metric:ll']).toBe('-150');
    expect(r0.faint.has('metric:ll')).toBe(true);
    expect([...table.best['metric:recon_error']]).toEqual(['r0']);
    const grouped = runsTable(sweep, runs, { ...query, values: 'best', curves, grouped: true });
    // mean of the best epochs 0.1 and 0.2
    expect(grouped.rows[0].cells['metric:recon_error']).toBe(`0.15±${formatNumber(Math.sqrt(0.005), 3)}`);
  });
});

describe('heatmap cells', () => {
  it('summarise finished runs and count failed and unfinished runs apart', () => {
    const h = heatmapModel(runs, 'model.hidden_units', 'seed', 'll');
    expect(h.stats[0].map((c) => [c.summary?.n ?? 0, c.failed, c.unfinished])).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(h.stats[1].map((c) => c.unfinished)).toEqual([0, 1, 1]);
  });
});

describe('curves', () => {
  const curve = (values: number[]) => values.map((value, i) => ({ step: i + 1, value }));

  it("draws a group's mean with its min..max band faint, and a smoothed run over its faint raw curve", () => {
    const group = subjectSeries('g', [{ e: curve([1, 3]) }, { e: curve([3, 5]) }], 'e', 'cyan', 0);
    expect(group.map((s) => [s.label, s.faint === true, s.points.map((p) => p.y)])).toEqual([
      ['g min', true, [1, 3]],
      ['g max', true, [3, 5]],
      ['g', false, [2, 4]],
    ]);
    const smoothed = subjectSeries('r', [{ e: curve([1, 3]) }], 'e', 'cyan', 0.5);
    expect(smoothed.map((s) => s.faint === true)).toEqual([true, false]);
    expect(smoothed[0].points.map((p) => p.y)).toEqual([1, 3]);
    // EMA 0.5, bias-corrected: (0.25 + 1.5) / 0.75
    expect(smoothed[1].points[1].y).toBeCloseTo(1.75 / 0.75, 12);
  });

  it('lets no faint series take the colour of a cell a bright one went through', () => {
    const points = curve([1, 2, 3, 4]).map((p) => ({ x: p.step, y: p.value }));
    const chart = plotChart(
      [
        { label: 'bright', color: 'cyan', points },
        { label: 'faint', color: 'red', points, faint: true },
      ],
      30,
      6,
    )!;
    const cells = chart.lines.slice(0, -1).flatMap((l) => l.slice(1));
    const inked = cells.filter((s) => /[^\s\u2800]/.test(s.text));
    expect(inked.length).toBeGreaterThan(0);
    expect(inked.every((s) => s.color === 'cyan' && !s.dim)).toBe(true);
    const alone = plotChart([{ label: 'faint', color: 'red', points, faint: true }], 30, 6)!;
    expect(
      alone.lines
        .slice(0, -1)
        .flatMap((l) => l.slice(1))
        .some((s) => s.dim && s.color === 'red'),
    ).toBe(true);
  });
});

describe('log scale', () => {
  it('maps positive values by log10 and negative ones by -log10(-y), and refuses mixed signs', () => {
    const positive = logAxis([0.01, 1, 100])!;
    expect(positive.kind).toBe('log');
    expect(positive.forward(100)).toBeCloseTo(2, 12);
    expect(positive.inverse(positive.forward(0.37))).toBeCloseTo(0.37, 12);
    const negative = logAxis([-1000, -10])!;
    expect(negative.kind).toBe('negative-log');
    // larger values stay higher: -10 above -1000
    expect(negative.forward(-10)).toBeGreaterThan(negative.forward(-1000));
    expect(negative.inverse(negative.forward(-250))).toBeCloseTo(-250, 9);
    expect(logAxis([-1, 0, 1])).toBeNull();
    expect(logAxis([0, 1])).toBeNull();
  });

  it('labels the axis in the data units, with the geometric middle, or says why it stays linear', () => {
    const points = [1, 10, 100].map((y, i) => ({ x: i, y }));
    const chart = plotChart([{ label: 'a', color: 'cyan', points }], 40, 8, { logScale: true })!;
    expect(chart.scale).toBe('log');
    const labels = chart.lines.map((l) => l[0].text.trim().replace(' ┤', '').trim()).filter((t) => /\d/.test(t));
    expect(labels.slice(0, 3)).toEqual(['100', '10', '1']);
    const mixed = plotChart(
      [
        {
          label: 'a',
          color: 'cyan',
          points: [
            { x: 0, y: -1 },
            { x: 1, y: 1 },
          ],
        },
      ],
      40,
      8,
      {
        logScale: true,
      },
    )!;
    expect(mixed.scale).toBe('linear');
    expect(mixed.note).toMatch(/one sign/);
  });
});

describe('heatmap axes', () => {
  it("start on the study's own grid when baseline runs add model.type to the swept parameters", () => {
    const crossSweep = {
      ...sweep,
      sweptParams: ['model.type', 'model.hidden_units', 'dataset.n_characters'],
      mainMetric: { name: 'll', lowerIsBetter: false },
    } as SweepSummary;
    const grid = [50, 100].flatMap((hidden, i) =>
      [2, 6].map((n, j) =>
        run(2 * i + j, { 'model.type': 'rbm', 'model.hidden_units': hidden, 'dataset.n_characters': n }, { ll: -100 }),
      ),
    );
    const baselines = [2, 6].map((n, j) => run(4 + j, { 'model.type': 'base_rate', 'dataset.n_characters': n }, {}));
    const settings = { grouped: true, values: 'final', smoothing: 0, logScale: false, columns: {} } as const;
    const screen = { kind: 'heatmap', sweepId: 's', pair: 0, transpose: false, metric: 0 } as const;
    const data = { sweep: crossSweep, runs: [...grid, ...baselines], curves: null };
    const model = heatmapScreenModel(data, screen, settings).model;
    expect([model?.rowParam, model?.colParam]).toEqual(['model.hidden_units', 'dataset.n_characters']);
    expect(model?.rowValues).toEqual([50, 100]); // the baselines, without hidden units, get no row
    // p still reaches the other pairs.
    const next = heatmapScreenModel(data, { ...screen, pair: 1 }, settings).model;
    expect([next?.rowParam, next?.colParam]).not.toEqual(['model.hidden_units', 'dataset.n_characters']);
  });
});
