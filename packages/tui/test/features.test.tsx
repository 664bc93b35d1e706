/**
 * The analysis features driven through the real dashboard on a real database:
 * grouping over seeds, columns that fit, best-epoch values, smoothing and log
 * scale, the filter language, the generated help.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestPoint, formatNumber, type RunStoreReader, summarize } from '@rbm-lab/experiments';
import { KEY, openDashboard, tableRows } from './dashboard.js';
import {
  type Fixture,
  SEEDS,
  SEEDS_EPOCHS,
  SEEDS_FAILED,
  seedsCurve,
  seedsLikelihood,
  writeFixture,
} from './fixture.js';

let fixture: Fixture;
beforeAll(async () => {
  fixture = await writeFixture();
});
afterAll(() => {
  if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
});

/** The seeded sweep is the least recently updated: third in the sweeps list. */
async function openSeeds(columns: number, rows = 44) {
  const dashboard = openDashboard(fixture.dbPath, { size: { columns, rows } });
  await dashboard.waitForText('Sweeps (3)');
  await dashboard.press(KEY.down, KEY.down, KEY.enter);
  await dashboard.waitFor((f) => tableRows(f).length === 12);
  return dashboard;
}

const groupText = (values: number[]) => {
  const s = summarize(values)!;
  return `${formatNumber(s.mean)}${s.std === undefined ? '' : `±${formatNumber(s.std, 3)}`}`;
};
const header = (frame: string) => frame.split('\n').find((l) => /^ {4}\s*#/.test(l)) ?? '';

describe('grouping over seeds', () => {
  for (const columns of [120, 160]) {
    it(`shows mean±std and n per group, failed and unfinished apart, at ${columns} columns`, async () => {
      const { press, waitFor, app } = await openSeeds(columns);
      await press('a');
      const f = await waitFor((s) => s.includes('grouped over seeds') && tableRows(s).length === 4);
      for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(columns);
      const rows = tableRows(f);
      // group 1: hidden 8, rate 0.01, three finished seeds
      expect(rows[0]).toMatch(/^›\s+1\s+8\s+0\.01\s+3\s/);
      expect(rows[0]).toContain(groupText(SEEDS.map((s) => seedsLikelihood(8, 0.01, s))));
      // group 2: the failed seed is counted apart and not in the mean
      const failedGroup = SEEDS.filter((s) => s !== SEEDS_FAILED.seed).map((s) => seedsLikelihood(8, 0.1, s));
      expect(rows[1]).toMatch(/^\s+2\s+8\s+0\.1\s+2\s/);
      expect(rows[1]).toContain(groupText(failedGroup));
      expect(header(f)).toContain('ais_log_likelihood');
      expect(header(f)).not.toContain('seed');
      expect(f).toContain('4 groups of 12 runs');
      // the status column is further right: scroll to it
      for (let i = 0; i < 15; i++) await press(']');
      const scrolled = await waitFor((s) => header(s).includes('status'));
      expect(tableRows(scrolled)[1]).toContain('2 finished 1 failed');
      expect(tableRows(scrolled)[2]).toContain('2 finished 1 pending');
      app.unmount();
    });
  }

  it('compares groups: labels with the seed count, mean±std, the best marked', async () => {
    const { press, waitFor, waitForText, app } = await openSeeds(160);
    await press('a');
    await waitFor((s) => tableRows(s).length === 4);
    await press(KEY.space, 'G', KEY.space, 'c');
    const f = await waitForText('compare 2 groups');
    expect(f).toContain('#1 (3 seeds)');
    expect(f).toContain('#4 (3 seeds)');
    const ll = f.split('\n').find((l) => l.startsWith('ais_log_likelihood'))!;
    expect(ll).toContain(`★${groupText(SEEDS.map((s) => seedsLikelihood(32, 0.1, s)))}`);
    expect(f).toContain('mean over seeds, faint band min..max');
    app.unmount();
  });
});

describe('columns that fit', () => {
  it('scrolls the columns right of the parameters with [ and ]', async () => {
    const { press, waitFor, frame, app } = await openSeeds(100);
    expect(header(frame())).toContain('ais_log_likelihood');
    expect(header(frame())).not.toContain('status');
    expect(frame()).toMatch(/\d+ columns ▸/);
    for (let i = 0; i < 12; i++) await press(']');
    const f = await waitFor((s) => header(s).includes('status'));
    expect(header(f)).toMatch(/#.*hidden_units.*learning_rate.*seed/);
    expect(f).toMatch(/◂ \d+ columns/);
    await press('[', '[', '[', '[', '[', '[', '[', '[', '[', '[', '[', '[');
    await waitFor((s) => header(s).includes('ais_log_likelihood') && !s.includes('◂'));
    app.unmount();
  });

  it('chooses the columns: diagnostics are hidden by default, space shows or hides one', async () => {
    const { press, waitFor, waitForText, app } = await openSeeds(220);
    expect(header(await waitForText('time'))).not.toContain('ais_log_z');
    await press('v');
    const chooser = await waitForText('Columns of the runs table');
    expect(chooser).toMatch(/\[ \] ais_log_z\s/);
    expect(chooser).toMatch(/\[x\] recon_error\s/);
    // params (3), then the main metric, then ais_log_z
    // time is the last column but the tags
    await press('j', 'j', 'j', 'j', KEY.space, 'G', 'k', KEY.space);
    await waitFor((s) => /\[x\] ais_log_z\s/.test(s) && /\[ \] time\s/.test(s));
    await press(KEY.esc);
    const f = await waitFor((s) => tableRows(s).length === 12);
    expect(header(f)).toContain('ais_log_z');
    expect(header(f)).not.toMatch(/ time\b/);
    app.unmount();
  });
});

describe('best epoch instead of the final value', () => {
  it('shows the best epoch of recon_error with the epoch it came from', async () => {
    const { press, waitForText, app } = await openSeeds(220);
    await press('b');
    const f = await waitForText('values: best epoch');
    const best = bestPoint(
      Array.from({ length: SEEDS_EPOCHS }, (_, i) => ({ step: i + 1, value: seedsCurve(8, 0, i + 1) })),
      'lower',
    )!;
    expect(best.step).toBeLessThan(SEEDS_EPOCHS);
    expect(tableRows(f)[0]).toContain(`${formatNumber(best.value)} @${best.step}`);
    app.unmount();
  });
});

describe('curves that read well', () => {
  it("smooths a group's mean curve and puts the axis on a log scale", async () => {
    const { press, waitFor, waitForText, app } = await openSeeds(160);
    await press('a');
    await waitFor((s) => tableRows(s).length === 4);
    await press(KEY.enter);
    const raw = SEEDS.flatMap((s) => Array.from({ length: SEEDS_EPOCHS }, (_, i) => seedsCurve(8, s, i + 1)));
    const [lo, hi] = [Math.min(...raw), Math.max(...raw)];
    const linear = await waitForText('curve: recon_error');
    expect(linear).toContain('mean over seeds, faint band min..max');
    const labelRows = (f: string) => f.split('\n').filter((l) => /\d ┤/.test(l));
    const labels = (f: string) => labelRows(f).map((l) => l.match(/(-?[\d.e+-]+) ┤/)?.[1]);
    expect(labels(linear)).toEqual([formatNumber(hi, 3), formatNumber((lo + hi) / 2, 3), formatNumber(lo, 3)]);
    await press('e');
    await waitForText('mean over seeds (EMA 0.6)');
    await press('l');
    const log = await waitForText('log scale');
    // the middle label is the geometric mean of the ends on a log axis
    expect(labels(log)).toEqual([formatNumber(hi, 3), formatNumber(Math.sqrt(lo * hi), 3), formatNumber(lo, 3)]);
    app.unmount();
  });
});

describe('the filter language', () => {
  it('filters with comparisons and points at a mistake in the status line', async () => {
    const { press, waitFor, waitForText, frame, app } = await openSeeds(160);
    await press('/', ...'hidden_units>=');
    const wrong = await waitForText("filter, column 15: expected a value after '>='");
    expect(wrong).toContain('(not applied)');
    expect(tableRows(wrong)).toHaveLength(12);
    await press(...'32 and status=finished', KEY.enter);
    const f = await waitFor((s) => s.includes('5 of 12 runs'));
    expect(tableRows(f).every((r) => /^.\s+\d+\s+32\s/.test(r))).toBe(true);
    // ctrl+u erases the filter; the store has no tags yet: nothing matches, and nothing breaks
    await press('/', '\u0015', ...'tag=keep', KEY.enter);
    await waitForText('no run matches the filter');
    expect(frame()).toContain('0 of 12 runs');
    app.unmount();
  });

  it('lists the keys from the same tables the reducers use', async () => {
    const { press, waitForText, app } = await openSeeds(160);
    await press('?');
    const help = await waitForText('Keys (any key closes this help)');
    for (const text of [
      'group runs that differ only by seed',
      "best epoch's value / final value of each metric",
      'choose the visible columns',
      'scroll the columns left',
      'erase the whole filter',
      'smoothing (EMA)',
      'log scale on the y axis',
    ])
      expect(help).toContain(text);
    app.unmount();
  });
});

describe('a slow load does not hold up the keys that need no data', () => {
  it('answers help, back and the toggles while the curves of the sweep are still being read', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The real reader, with its bulk curve read held until the test lets it go.
    const hold = (reader: RunStoreReader): RunStoreReader =>
      new Proxy(reader, {
        get(target, property, receiver) {
          if (property === 'getEpochMetricsOfRuns')
            return async (ids: readonly string[]) => {
              await held;
              return target.getEpochMetricsOfRuns(ids);
            };
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const { press, waitFor, waitForText, frame, app } = openDashboard(fixture.dbPath, {
      size: { columns: 160, rows: 44 },
      wrapReader: hold,
    });
    await waitForText('Sweeps (3)');
    await press(KEY.down, KEY.down, KEY.enter);
    await waitFor((s) => tableRows(s).length === 12);
    // best-epoch values need every run's curves: the read is held
    await press('b', '?');
    await waitForText('Keys (any key closes this help)');
    await press(KEY.esc);
    // grouping toggles at once too; moving the cursor waits for the data
    await waitFor((s) => s.includes('loading…') && !s.includes('Keys ('));
    await press('a', 'j');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(frame()).toContain('loading…');
    expect(tableRows(frame())).toHaveLength(0);
    release();
    // the cursor key typed during the load acts once the rows are there: on the second group
    const loaded = await waitFor((s) => tableRows(s).length === 4 && tableRows(s)[1].startsWith('›'));
    expect(loaded).toContain('grouped over seeds');
    expect(loaded).toContain('values: best epoch');
    app.unmount();
  });
});
