import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHalfBlocks } from '@rbm-lab/datasets';
import { openRunStore } from '@rbm-lab/experiments';
import { START_COMMAND } from '../src/screens/empty.js';
import { KEY, openDashboard, tableRows } from './dashboard.js';
import { CROSS_CHARS, CROSS_HIDDEN, crossError, crossLikelihood, type Fixture, writeFixture } from './fixture.js';

let fixture: Fixture;
beforeAll(async () => {
  fixture = await writeFixture();
});
afterAll(() => {
  if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
});

const fmt = (v: number) => String(Number(v.toPrecision(4)));
const open = (size?: { columns: number; rows: number }) => openDashboard(fixture.dbPath, { size });

describe('dashboard over a real run database', () => {
  it('lists sweeps with finished/total, running and failed counts and the best main metric', async () => {
    const { waitFor, app } = open();
    const f = await waitFor((s) => s.includes('cross') && s.includes('mnist'));
    const cross = f.split('\n').find((l) => l.includes('cross'))!;
    const mnist = f.split('\n').find((l) => l.includes('mnist'))!;
    const bestCross = Math.min(...CROSS_HIDDEN.flatMap((h) => CROSS_CHARS.map((c) => crossError(h, c))));
    // 4 runs, one failed: finished 3/4, running 0, failed 1
    expect(cross).toMatch(/cross\s+3\/4\s+0\s+1\s+reconstruction_error/);
    expect(cross).toContain(fmt(bestCross));
    expect(mnist).toMatch(/mnist\s+1\/2\s+1\s+0/);
    expect(f).toContain('enter runs');
    app.unmount();
  });

  it('opens the runs of a sweep with swept params as columns, sorts and filters', async () => {
    const { frame, press, app, waitFor, waitForText } = open();
    await waitForText('Sweeps (');
    // sweeps are listed most recently updated first: mnist, then cross
    await press(KEY.down, KEY.enter);
    const f = await waitFor((s) => tableRows(s).length === 4);
    expect(f).toContain('cross');
    const header = f.split('\n').find((l) => l.includes('hidden_units'))!;
    for (const title of ['#', 'hidden_units', 'characters', 'reconstruction_error', 'status', 'time'])
      expect(header).toContain(title);
    expect(f).toMatch(/failed/);

    // s cycles: # -> hidden_units -> characters -> reconstruction_error
    await press('s', 's', 's');
    let rows = tableRows(await waitForText('sort: reconstruction_error ↑'));
    const errors = rows
      .map((l) => l.match(/\d+\.\d+/g)?.[0])
      .filter(Boolean)
      .map(Number);
    // finished runs by increasing error, the failed run (no value) last
    expect(errors.length).toBe(3);
    expect([...errors].sort((a, b) => a - b)).toEqual(errors);
    expect(rows[rows.length - 1]).toContain('failed');
    await press('S');
    rows = tableRows(await waitForText('sort: reconstruction_error ↓'));
    const reversed = rows
      .map((l) => l.match(/\d+\.\d+/g)?.[0])
      .filter(Boolean)
      .map(Number);
    expect(reversed).toEqual([...errors].reverse());

    // filter by text
    await press('/', 'f', 'a', 'i', 'l');
    await waitForText('filter: fail');
    await press(KEY.enter);
    rows = tableRows(await waitForText('1 of 4 runs'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('failed');
    // a typed q while filtering is text, not quit; esc clears the filter
    await press('/', 'q');
    await waitForText('filter: failq');
    await press(KEY.esc);
    rows = tableRows(await waitFor((s) => !s.includes('filter:') && tableRows(s).length === 4));
    expect(frame()).toContain('4 runs');
    app.unmount();
  });

  it('compares selected runs: marks differing params and the best metric', async () => {
    const { frame, press, app, waitFor, waitForText } = open();
    await waitForText('Sweeps (');
    await press(KEY.down, KEY.enter);
    await waitFor((s) => tableRows(s).length === 4);
    // c with nothing selected explains what to do
    await press('c');
    await waitForText('select 2 to 4');
    // runs #1 (16 x 2) and #4 (64 x 6) differ in both swept params
    await press(KEY.space, KEY.down, KEY.down, KEY.down, KEY.space);
    await waitForText('selected: 2');
    await press('c');
    const f = await waitFor((s) => s.includes('compare 2 runs') && s.includes('━━ #4'));
    const hiddenRow = f.split('\n').find((l) => l.includes('model.hidden_units'))!;
    expect(hiddenRow).toMatch(/≠ model\.hidden_units\s+16\s+64/);
    const lrRow = f.split('\n').find((l) => l.includes('train.learning_rate'))!;
    expect(lrRow).not.toContain('≠');
    const [e1, e4] = [crossError(16, 2), crossError(64, 6)];
    const [l1, l4] = [crossLikelihood(16, 2), crossLikelihood(64, 6)];
    const errRow = f.split('\n').find((l) => l.includes('reconstruction_error') && !l.includes('curves'))!;
    // lower error is better, higher likelihood is better
    expect(errRow).toContain(`★${fmt(Math.min(e1, e4))}`);
    expect(errRow).not.toContain(`★${fmt(Math.max(e1, e4))}`);
    const llRow = f.split('\n').find((l) => l.includes('pseudo_log_likelihood'))!;
    expect(llRow).toContain(`★${fmt(Math.max(l1, l4))}`);
    // overlaid curves with a legend of both runs, and both sample grids
    expect(f).toMatch(/━━ #1 .*━━ #4 /);
    expect(f).toMatch(/[⠁-⣿]/);
    expect((f.match(/█/g) ?? []).length).toBeGreaterThan(50);
    // esc goes back to the table with the selection kept
    await press(KEY.esc);
    await waitFor((s) => tableRows(s).length === 4);
    expect(frame()).toContain('selected: 2');
    app.unmount();
  });

  it('shows run detail with config, curve, and recognisable half-block samples', async () => {
    const { press, app, waitForText } = open();
    await waitForText('Sweeps (');
    await press(KEY.down, KEY.enter, KEY.enter);
    const runId = fixture.runIds[0];
    const f = await waitForText('generated samples (6, 20x16)');
    expect(f).toContain(`run ${runId.slice(0, 12)}`);
    expect(f).toContain('model.hidden_units');
    expect(f).toContain('native-blas');
    // the screen holds the exact half-block rendering of the first images, line for line
    const s = fixture.samples.get(runId)!;
    const expected = renderHalfBlocks(
      { data: s.data, rows: s.n, cols: 320 },
      { height: 20, width: 16, cols: 1, maxImages: 1 },
    ).split('\n');
    const lines = f.split('\n');
    const start = lines.findIndex((l) => l.includes(expected[0]));
    expect(start).toBeGreaterThan(0);
    for (let i = 0; i < expected.length; i++) expect(lines[start + i]).toContain(expected[i]);

    // → is the next run of the sweep: the failed one, with its error
    await press(KEY.right);
    const failed = await waitForText('learning rate diverged at epoch 2');
    expect(failed).toContain('status failed');
    app.unmount();
  });

  it('scrubs through the samples drawn during training with , and ., back to the final ones', async () => {
    const { press, app, waitForText, frame } = open();
    await waitForText('Sweeps (');
    await press(KEY.down, KEY.enter, KEY.enter);
    const runId = fixture.runIds[0];
    await waitForText('generated samples (6, 20x16): final (3 of 3)  , . scrub');
    const shows = (grid: { data: Float32Array; n: number }) => {
      const expected = renderHalfBlocks(
        { data: grid.data, rows: grid.n, cols: 320 },
        { height: 20, width: 16, cols: 1, maxImages: 1 },
      ).split('\n');
      const lines = frame().split('\n');
      const start = lines.findIndex((l) => l.includes(expected[0]) && l.includes(expected[0]));
      return start > 0 && expected.every((line, i) => lines[start + i]?.includes(line));
    };
    expect(shows(fixture.samples.get(runId)!)).toBe(true);
    await press(',');
    await waitForText('generated samples (4, 20x16): epoch 4 (2 of 3)');
    expect(shows(fixture.epochSamples.get(`${runId}@4`)!)).toBe(true);
    await press(',', ',');
    await waitForText('epoch 2 (1 of 3)');
    expect(shows(fixture.epochSamples.get(`${runId}@2`)!)).toBe(true);
    expect(shows(fixture.samples.get(runId)!)).toBe(false);
    // the epoch stays when stepping to the next finished run
    await press(KEY.right, KEY.right);
    await waitForText(`run ${fixture.runIds[2].slice(0, 12)}`);
    await waitForText('epoch 2 (1 of 3)');
    expect(shows(fixture.epochSamples.get(`${fixture.runIds[2]}@2`)!)).toBe(true);
    await press('.', '.');
    await waitForText('final (3 of 3)');
    // the help lists the keys
    await press('?');
    const help = await waitForText('Keys (any key closes this help)');
    expect(help).toMatch(/^\s+,\s+samples of an earlier epoch/m);
    expect(help).toMatch(/^\s+\.\s+samples of a later epoch/m);
    app.unmount();
  });

  it('renders MNIST 28x28 samples', async () => {
    const { press, app, waitForText } = open();
    await waitForText('Sweeps (');
    await press(KEY.enter, KEY.enter);
    const f = await waitForText('generated samples (8, 28x28)');
    const s = fixture.samples.get('mnistrun0'.padEnd(16, '0'))!;
    const expected = renderHalfBlocks(
      { data: s.data, rows: s.n, cols: 784 },
      { height: 28, width: 28, cols: 1, maxImages: 1 },
    )
      .split('\n')
      .filter((l) => l.trim());
    for (const line of expected) expect(f).toContain(line.trimEnd());
    app.unmount();
  });

  it('draws a heatmap of a metric over the two swept params, and cycles metric', async () => {
    const { press, app, waitForText } = open();
    await waitForText('Sweeps (');
    await press(KEY.down, 'h');
    const f = await waitForText('reconstruction_error (lower is better)');
    expect(f).toContain('rows: model.hidden_units');
    expect(f).toContain('columns: dataset.characters');
    const row64 = f.split('\n').find((l) => /^\s*64 /.test(l))!;
    // row 64: both cells finished; the best cell (64 hidden, 2 characters) is starred
    expect(row64).toContain(`★${fmt(crossError(64, 2))}`);
    expect(row64).toContain(fmt(crossError(64, 6)));
    // row 16: (16, 6) failed, so no value there
    const row16 = f.split('\n').find((l) => /^\s*16 /.test(l))!;
    expect(row16).toContain(fmt(crossError(16, 2)));
    expect(row16).toContain('·');
    await press('m');
    await waitForText('pseudo_log_likelihood (higher is better)');
    await press('t');
    await waitForText('rows: dataset.characters');
    app.unmount();
  });

  it('shows how to start a sweep when the database is missing, then picks it up live', async () => {
    const dbPath = join(fixture.dir, 'later', 'rbm-lab.db');
    const { frame, app, waitForText } = openDashboard(dbPath);
    await waitForText('No database yet.');
    expect(frame()).toContain(START_COMMAND);
    const writer = await openRunStore(dbPath);
    await waitForText('The database has no sweeps yet.');
    await writer.submitSweep(
      {
        id: 'late00000000',
        name: 'late-sweep',
        configPath: 'configs/hidden.yaml',
        config: {},
        sweptParams: ['model.hidden_units'],
        mainMetric: { name: 'reconstruction_error', lowerIsBetter: true },
        totalRuns: 1,
      },
      [{ id: 'laterun00000000', index: 0, config: {}, params: { 'model.hidden_units': 8 }, seed: 1, epochs: 2 }],
    );
    await waitForText(/late-sweep\s+0\/1/);
    await writer.close();
    app.unmount();
  });

  it('refreshes while a sweep writes, and never writes itself', async () => {
    const { press, app, waitForText } = open();
    await waitForText('Sweeps (');
    await press(KEY.enter);
    await waitForText(/running\s+1\/3/);
    // the sweep's worker goes on writing under its claim
    const writer = await openRunStore(fixture.dbPath);
    const before = await writer.getEpochMetrics(fixture.liveRunId);
    await writer.recordEpoch(fixture.liveLease, 2, { reconstruction_error: 0.25 });
    await waitForText(/running\s+2\/3/);
    await writer.finishRun(fixture.liveLease, {
      metrics: { reconstruction_error: 0.05 },
      artifacts: [],
      durationMs: 2500,
    });
    await waitForText('2/2 finished');
    // only the writer's own rows were added: one epoch metric and one final metric
    const after = await writer.getEpochMetrics(fixture.liveRunId);
    expect(after.reconstruction_error.length - before.reconstruction_error.length).toBe(1);
    expect((await writer.getRun(fixture.liveRunId))?.metrics).toEqual({ reconstruction_error: 0.05 });
    await writer.close();
    app.unmount();
  });

  it('shows help on ?, goes back on esc, and quits on q releasing the database', async () => {
    const { press, readers, waitForText } = open();
    await waitForText('Sweeps (');
    await press('?');
    await waitForText('Keys (any key closes this help)');
    await press('x');
    await waitForText('Sweeps (');
    await press(KEY.enter);
    await waitForText('enter detail');
    await press(KEY.esc);
    await waitForText('Sweeps (');
    expect((await readers[0].listSweeps()).length).toBeGreaterThan(0);
    await press('q');
    // the app unmounted and closed its read-only connection
    const closed = () =>
      readers[0].listSweeps().then(
        () => false,
        (error: unknown) => /not open/.test(String(error)),
      );
    await expect.poll(closed).toBe(true);
  });

  it('fits small terminals without crashing', async () => {
    const { frame, press, app, waitForText } = open({ columns: 50, rows: 12 });
    await waitForText('Sweeps (');
    await press(KEY.down, KEY.enter, KEY.enter);
    await waitForText('run run0');
    const lines = frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(11);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(50);
    await press(KEY.esc, KEY.space, KEY.down, KEY.space, 'c');
    await waitForText('compare 2 runs');
    for (const l of frame().split('\n')) expect(l.length).toBeLessThanOrEqual(50);
    app.unmount();
    const tiny = openDashboard(fixture.dbPath, { size: { columns: 20, rows: 5 } });
    await tiny.waitForText('terminal too small');
    tiny.app.unmount();
  });
});
