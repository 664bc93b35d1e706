import { stripVTControlCharacters } from 'node:util';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { renderHalfBlocks } from '@rbm-lab/datasets';
import { openRunStore, openRunStoreReader, type RunStoreReader } from '@rbm-lab/experiments';
import { App } from '../src/app.js';
import { START_COMMAND } from '../src/screens/empty.js';
import { CROSS_CHARS, CROSS_HIDDEN, crossError, crossLikelihood, writeFixture, type Fixture } from './fixture.js';

const KEY = { down: '\u001B[B', up: '\u001B[A', enter: '\r', esc: '\u001B', space: ' ', backspace: '\u007F' };
const SIZE = { columns: 140, rows: 44 };

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

let fixture: Fixture;
beforeAll(async () => {
  fixture = await writeFixture();
});
afterAll(() => {
  if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
});

function openDashboard(dbPath = fixture.dbPath, size = SIZE, pollMs = 50) {
  const readers: RunStoreReader[] = [];
  const app = render(
    <App
      dbPath={dbPath}
      openReader={() => {
        if (!existsSync(dbPath)) return null;
        return openRunStoreReader(dbPath).then((reader) => {
          readers.push(reader);
          return reader;
        });
      }}
      pollMs={pollMs}
      size={size}
    />,
  );
  // Frames without colour codes: under Nx (FORCE_COLOR) Ink colours its output.
  const frame = () => stripVTControlCharacters(app.lastFrame() ?? '');
  /** Waits until the frame stops changing: the store is read asynchronously after a key or on opening. */
  const settle = async () => {
    for (let i = 0; i < 50; i++) {
      const before = frame();
      await delay(30);
      if (frame() === before && before.trim() !== '') return;
    }
  };
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      await settle();
    }
  };
  /** Waits until the frame satisfies `test` (live refresh is asynchronous). */
  const waitFor = async (test: (f: string) => boolean, timeoutMs = 3000) => {
    const until = Date.now() + timeoutMs;
    while (!test(frame())) {
      if (Date.now() > until) throw new Error(`timed out; last frame:\n${frame()}`);
      await delay(20);
    }
  };
  return { app, frame, press, waitFor, readers, settle };
}

/** Data rows of the runs table: cursor mark, selection mark, run number. */
function tableRows(frame: string): string[] {
  return frame.split('\n').filter((l) => /^[ ›][ ◉] +\d+ /.test(l));
}

describe('dashboard over a real run database', () => {
  it('lists sweeps with finished/total, running and failed counts and the best main metric', async () => {
    const { frame, app, waitFor: waitForFrame } = openDashboard();
    await waitForFrame((f) => f.includes('cross'));
    const f = frame();
    const cross = f.split('\n').find((l) => l.includes('cross'))!;
    const mnist = f.split('\n').find((l) => l.includes('mnist'))!;
    const bestCross = Math.min(...CROSS_HIDDEN.flatMap((h) => CROSS_CHARS.map((c) => crossError(h, c))));
    // 4 runs, one failed: finished 3/4, running 0, failed 1
    expect(cross).toMatch(/cross\s+3\/4\s+0\s+1\s+reconstruction_error/);
    expect(cross).toContain(String(Number(bestCross.toPrecision(4))));
    expect(mnist).toMatch(/mnist\s+1\/2\s+1\s+0/);
    expect(f).toContain('enter runs');
    app.unmount();
  });

  it('opens the runs of a sweep with swept params as columns, sorts and filters', async () => {
    const { frame, press, app, waitFor: waitForFrame } = openDashboard();
    await waitForFrame((f) => f.includes('cross'));
    // sweeps are listed most recently updated first: mnist, then cross
    await press(KEY.down, KEY.enter);
    const f = frame();
    expect(f).toContain('cross');
    const header = f.split('\n').find((l) => l.includes('hidden_units'))!;
    for (const title of ['#', 'hidden_units', 'characters', 'reconstruction_error', 'status', 'time'])
      expect(header).toContain(title);
    expect(f).toMatch(/failed/);

    // s cycles: # -> hidden_units -> characters -> reconstruction_error
    await press('s', 's', 's');
    let rows = tableRows(frame());
    const errors = rows
      .map((l) => l.match(/\d+\.\d+/g)?.[0])
      .filter(Boolean)
      .map(Number);
    // finished runs by increasing error, the failed run (no value) last
    expect(errors.length).toBe(3);
    expect([...errors].sort((a, b) => a - b)).toEqual(errors);
    expect(rows[rows.length - 1]).toContain('failed');
    expect(frame()).toContain('sort: reconstruction_error ↑');
    await press('S');
    rows = tableRows(frame());
    const reversed = rows
      .map((l) => l.match(/\d+\.\d+/g)?.[0])
      .filter(Boolean)
      .map(Number);
    expect(reversed).toEqual([...errors].reverse());

    // filter by text
    await press('/', 'f', 'a', 'i', 'l');
    expect(frame()).toContain('filter: fail');
    await press(KEY.enter);
    rows = tableRows(frame());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('failed');
    expect(frame()).toContain('1 of 4 runs');
    // a typed q while filtering is text, not quit; esc clears the filter
    await press('/', 'q');
    expect(frame()).toContain('filter: failq');
    await press(KEY.esc);
    rows = tableRows(frame());
    expect(rows).toHaveLength(4);
    app.unmount();
  });

  it('compares selected runs: marks differing params and the best metric', async () => {
    const { frame, press, app, waitFor: waitForFrame } = openDashboard();
    await waitForFrame((f) => f.includes('cross'));
    await press(KEY.down, KEY.enter);
    // c with nothing selected explains what to do
    await press('c');
    expect(frame()).toContain('select 2 to 4 runs');
    // runs #1 (16 x 2) and #4 (64 x 6) differ in both swept params
    await press(KEY.space, KEY.down, KEY.down, KEY.down, KEY.space);
    expect(frame()).toContain('selected: 2');
    await press('c');
    const f = frame();
    expect(f).toContain('compare 2 runs');
    const hiddenRow = f.split('\n').find((l) => l.includes('model.hidden_units'))!;
    expect(hiddenRow).toMatch(/≠ model\.hidden_units\s+16\s+64/);
    const lrRow = f.split('\n').find((l) => l.includes('train.learning_rate'))!;
    expect(lrRow).not.toContain('≠');
    const [e1, e4] = [crossError(16, 2), crossError(64, 6)];
    const [l1, l4] = [crossLikelihood(16, 2), crossLikelihood(64, 6)];
    const errRow = f.split('\n').find((l) => l.includes('reconstruction_error') && !l.includes('curves'))!;
    const fmt = (v: number) => String(Number(v.toPrecision(4)));
    // lower error is better, higher likelihood is better
    expect(errRow).toContain(`★${fmt(Math.min(e1, e4))}`);
    expect(errRow).not.toContain(`★${fmt(Math.max(e1, e4))}`);
    const llRow = f.split('\n').find((l) => l.includes('pseudo_likelihood'))!;
    expect(llRow).toContain(`★${fmt(Math.max(l1, l4))}`);
    // overlaid curves with a legend of both runs, and both sample grids
    expect(f).toMatch(/━━ #1 .*━━ #4 /);
    expect(f).toMatch(/[⠁-⣿]/);
    expect((f.match(/█/g) ?? []).length).toBeGreaterThan(50);
    // esc goes back to the table with the selection kept
    await press(KEY.esc);
    expect(frame()).toContain('selected: 2');
    app.unmount();
  });

  it('shows run detail with config, curve, and recognisable half-block samples', async () => {
    const { frame, press, app, waitFor: waitForFrame } = openDashboard();
    await waitForFrame((f) => f.includes('cross'));
    await press(KEY.down, KEY.enter, KEY.enter);
    const f = frame();
    const runId = fixture.runIds[0];
    expect(f).toContain(`run ${runId.slice(0, 12)}`);
    expect(f).toContain('model.hidden_units');
    expect(f).toContain('native-blas');
    expect(f).toContain('generated samples (6, 20x16)');
    // the screen holds the exact half-block rendering of the first images, line for line
    const s = fixture.samples.get(runId)!;
    const expected = renderHalfBlocks(
      { data: s.data, rows: s.n, cols: 320 },
      { height: 20, width: 16, cols: 1, maxImages: 1 },
    ).split('\n');
    const lines = f.split('\n');
    const start = lines.findIndex(
      (l) => l.includes(expected[0]) && l.includes(expected[1] === expected[0] ? expected[0] : ''),
    );
    expect(start).toBeGreaterThan(0);
    for (let i = 0; i < expected.length; i++) expect(lines[start + i]).toContain(expected[i]);

    // the failed run shows its error
    await press('\u001B[C');
    expect(frame()).toContain('learning rate diverged at epoch 2');
    expect(frame()).toContain('status failed');
    app.unmount();
  });

  it('renders MNIST 28x28 samples', async () => {
    const { frame, press, app, waitFor: waitForFrame } = openDashboard();
    await waitForFrame((f) => f.includes('cross'));
    await press(KEY.enter, KEY.enter);
    const f = frame();
    expect(f).toContain('generated samples (8, 28x28)');
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
    const { frame, press, app, waitFor: waitForFrame } = openDashboard();
    await waitForFrame((f) => f.includes('cross'));
    await press(KEY.down, 'h');
    let f = frame();
    expect(f).toContain('reconstruction_error (lower is better)');
    expect(f).toContain('rows: model.hidden_units');
    expect(f).toContain('columns: dataset.characters');
    const fmt = (v: number) => String(Number(v.toPrecision(4)));
    const row64 = f.split('\n').find((l) => /^\s*64 /.test(l))!;
    // row 64: both cells finished; the best cell (64 hidden, 2 characters) is starred
    expect(row64).toContain(`★${fmt(crossError(64, 2))}`);
    expect(row64).toContain(fmt(crossError(64, 6)));
    // row 16: (16, 6) failed, so no value there
    const row16 = f.split('\n').find((l) => /^\s*16 /.test(l))!;
    expect(row16).toContain(fmt(crossError(16, 2)));
    expect(row16).toContain('·');
    await press('m');
    f = frame();
    expect(f).toContain('pseudo_likelihood (higher is better)');
    await press('t');
    expect(frame()).toContain('rows: dataset.characters');
    app.unmount();
  });

  it('shows how to start a sweep when the database is missing, then picks it up live', async () => {
    const dbPath = join(fixture.dir, 'later', 'rbm-lab.db');
    const { frame, app, waitFor } = openDashboard(dbPath);
    await delay(30);
    expect(frame()).toContain('No database yet.');
    expect(frame()).toContain(START_COMMAND);
    const writer = await openRunStore(dbPath);
    await waitFor((f) => f.includes('The database has no sweeps yet.'));
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
    await waitFor((f) => /late-sweep\s+0\/1/.test(f));
    await writer.close();
    app.unmount();
  });

  it('refreshes while a sweep writes, and never writes itself', async () => {
    const { frame, press, app, waitFor } = openDashboard();
    await waitFor((f) => f.includes('cross'));
    await press(KEY.enter);
    expect(frame()).toMatch(/running\s+1\/3/);
    const writer = await openRunStore(fixture.dbPath);
    const before = await writer.getEpochMetrics(fixture.liveRunId);
    await writer.recordEpoch(fixture.liveLease, 2, { reconstruction_error: 0.25 });
    await waitFor((f) => /running\s+2\/3/.test(f));
    await writer.finishRun(fixture.liveLease, {
      metrics: { reconstruction_error: 0.05 },
      artifacts: [],
      durationMs: 2500,
    });
    await waitFor((f) => f.includes('2/2 finished'));
    // only the writer's own rows were added: one epoch metric and one final metric
    const after = await writer.getEpochMetrics(fixture.liveRunId);
    expect(after.reconstruction_error.length - before.reconstruction_error.length).toBe(1);
    expect((await writer.getRun(fixture.liveRunId))!.metrics).toEqual({ reconstruction_error: 0.05 });
    await writer.close();
    app.unmount();
  });

  it('shows help on ?, goes back on esc, and quits on q releasing the database', async () => {
    const { frame, press, readers, waitFor: waitForFrame } = openDashboard();
    await waitForFrame((f) => f.includes('cross'));
    await press('?');
    expect(frame()).toContain('Keys (any key closes this help)');
    await press('x');
    expect(frame()).toContain('Sweeps (');
    await press(KEY.enter);
    expect(frame()).toContain('enter detail');
    await press(KEY.esc);
    expect(frame()).toContain('Sweeps (');
    expect((await readers[0].listSweeps()).length).toBeGreaterThan(0);
    await press('q');
    await delay(30);
    // the app unmounted and closed its read-only connection
    await expect(readers[0].listSweeps()).rejects.toThrow(/not open/);
  });

  it('fits small terminals without crashing', async () => {
    const { frame, press, app, settle } = openDashboard(fixture.dbPath, { columns: 50, rows: 12 });
    await settle();
    await press(KEY.down, KEY.enter, KEY.enter);
    const lines = frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(11);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(50);
    await press(KEY.esc, KEY.space, KEY.down, KEY.space, 'c');
    for (const l of frame().split('\n')) expect(l.length).toBeLessThanOrEqual(50);
    app.unmount();
    const tiny = openDashboard(fixture.dbPath, { columns: 20, rows: 5 });
    await delay(30);
    expect(tiny.frame()).toContain('terminal too small');
    tiny.app.unmount();
  });
});
