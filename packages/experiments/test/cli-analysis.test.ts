/**
 * The analysis commands through the CLI, on a database written as workers
 * write it: list --where / --group, tag, note, show, compare --group, export
 * as CSV, Markdown and LaTeX.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNumber, roundMeanStd, summarize } from '../src/index.js';
import { cliInProcess } from './helpers.js';
import { FAILED, HIDDEN, likelihood, reconError, RUNNING, SEEDS, writeSeededStore } from './seeded-store.js';
import { SAMPLE_EPOCH, SAMPLE_SHAPE } from './seeded-store.js';

let dir: string;
let db: string;
let ids: string[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-cli-analysis-'));
  db = join(dir, 'rbm-lab.db');
  ids = await writeSeededStore(db);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => cliInProcess([...args, '--db', db], dir);
/** The seeds of a hidden-unit count that finished. */
const finishedSeeds = (hidden: number) =>
  SEEDS.filter(
    (s) => !(hidden === FAILED.hidden && s === FAILED.seed) && !(hidden === RUNNING.hidden && s === RUNNING.seed),
  );
const idOf = (hidden: number, seed: number) => ids[HIDDEN.indexOf(hidden) * SEEDS.length + SEEDS.indexOf(seed)];

describe('list --where', () => {
  it('keeps the runs the expression matches', async () => {
    const result = await cli('list', 'seeded', '--where', 'hidden_units>=50 and status=finished and seed!=0');
    expect(result.code).toBe(0);
    const listed = ids.filter((id) => result.stdout.includes(id));
    expect(listed).toEqual([idOf(50, 1), idOf(200, 1)]);
    expect(result.stdout).toContain('2 of 9 runs match --where');
  });

  it('points at the column of a mistake and exits 2', async () => {
    const result = await cli('list', 'seeded', '--where', 'status=finished and hidden_units>=abc');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("filter, column 35: '>=' compares numbers, and 'abc' is not a number");
    // the expression, then a caret under column 35
    const [, expression, caret] = result.stderr.split('\n');
    expect(expression.trim()).toBe('status=finished and hidden_units>=abc');
    expect(caret.indexOf('^') - expression.indexOf('s')).toBe(34);
    const unknown = await cli('list', 'seeded', '--where', 'hiden_units>3');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/column 1: unknown name 'hiden_units'/);
  });
});

describe('list --group', () => {
  it('shows mean ± std over finished seeds with n, the failed and running runs apart', async () => {
    const result = await cli('list', 'seeded', '--group');
    expect(result.code).toBe(0);
    const rows = result.stdout.split('\n').filter((l) => /^│ \d/.test(l));
    expect(rows).toHaveLength(HIDDEN.length);
    HIDDEN.forEach((hidden, i) => {
      const cells = rows[i].split('│').map((c) => c.trim());
      const s = summarize(finishedSeeds(hidden).map((seed) => likelihood(hidden, seed)))!;
      expect(cells[2]).toBe(String(hidden));
      expect(cells[3]).toBe(String(finishedSeeds(hidden).length));
      expect(cells[6]).toBe(`${formatNumber(s.mean)} ± ${formatNumber(s.std!, 3)}`);
    });
    const failedRow = rows[HIDDEN.indexOf(FAILED.hidden)];
    expect(failedRow).toContain('2 finished 1 failed');
    const runningRow = rows[HIDDEN.indexOf(RUNNING.hidden)];
    expect(runningRow).toContain('2 finished 1 running');
    // per-run progress: finished/total runs and the running run's epoch, not summed epochs
    expect(runningRow).toContain('2/3 runs ep 2/4');
    expect(rows[0]).toContain('3/3 runs');
  });
});

describe('tag and note', () => {
  it('tags and notes runs; list, show and the filter see them', async () => {
    const target = idOf(200, 1);
    const tagged = await cli('tag', target.slice(0, 12), 'keep', 'paper:fig3');
    expect(tagged.code).toBe(0);
    expect(tagged.stdout).toBe(`run ${target}: tags keep, paper:fig3\n`);
    expect((await cli('note', target, 'best seed so far')).stdout).toBe(`run ${target}: note: best seed so far\n`);
    const show = await cli('show', target);
    expect(show.stdout).toContain('tags:     keep, paper:fig3');
    expect(show.stdout).toContain('note:     best seed so far');
    const kept = await cli('list', 'seeded', '--where', 'tag=keep');
    expect(ids.filter((id) => kept.stdout.includes(id))).toEqual([target]);
    expect(kept.stdout).toMatch(/keep,paper:fig3 ✎/);
    const noted = await cli('list', 'seeded', '--where', 'note~"SEED so"');
    expect(ids.filter((id) => noted.stdout.includes(id))).toEqual([target]);

    const removed = await cli('tag', target, 'paper:fig3', '--remove');
    expect(removed.stdout).toBe(`run ${target}: tags keep\n`);
    expect((await cli('note', target, '--clear')).stdout).toBe(`run ${target}: no note\n`);
    expect((await cli('show', target)).stdout).not.toContain('note:');
    expect((await cli('tag', target, 'keep')).code).toBe(0);
  });

  it('refuses bad tags, empty notes and unknown runs with exit 2, and never creates a database', async () => {
    const bad = await cli('tag', ids[0], 'two words');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'two words' is not a tag");
    expect((await cli('note', ids[0], '  ')).code).toBe(2);
    expect((await cli('tag', 'nosuchrun', 'keep')).stderr).toMatch(/no run 'nosuchrun'/);
    const missing = await cliInProcess(['tag', ids[0], 'keep', '--db', join(dir, 'none.db')], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no run database at');
  });
});

describe('show --samples', () => {
  /** Grid geometry of encodePngGrid's defaults: scale 4, padding 2, near-square grid of 4 images = 2x2. */
  const expectedSide = (pixels: number) => 2 * (pixels * 4) + 3 * 2;

  it('writes the final samples, or those of one epoch, as a PNG grid', async () => {
    const run = idOf(HIDDEN[0], finishedSeeds(HIDDEN[0])[0]);
    const final = join(dir, 'final.png');
    const early = join(dir, 'early.png');
    const shown = await cli('show', run, '--samples', final);
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain(`wrote ${SAMPLE_SHAPE.n} samples (${SAMPLE_SHAPE.height}x${SAMPLE_SHAPE.width})`);
    expect((await cli('show', run, '--samples', early, '--epoch', String(SAMPLE_EPOCH))).code).toBe(0);
    const [a, b] = [final, early].map((f) => PNG.sync.read(readFileSync(f)));
    expect([a.width, a.height]).toEqual([expectedSide(SAMPLE_SHAPE.width), expectedSide(SAMPLE_SHAPE.height)]);
    // Both grids have the same shape but not the same pixels: the background ink is 1/epoch.
    expect(b.width).toBe(a.width);
    expect(Buffer.compare(a.data, b.data)).not.toBe(0);
  });

  it('names the epochs that have samples when asked for another, and writes nothing', async () => {
    const run = idOf(HIDDEN[0], finishedSeeds(HIDDEN[0])[0]);
    const out = join(dir, 'missing.png');
    const result = await cli('show', run, '--samples', out, '--epoch', String(SAMPLE_EPOCH + 1));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `no samples at epoch ${SAMPLE_EPOCH + 1} (samples exist at epochs ${SAMPLE_EPOCH})`,
    );
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('compare --group', () => {
  it('compares the grid points of the given runs: mean ± std (n), failed counted apart, best marked', async () => {
    const result = await cli('compare', '--group', idOf(50, 0), idOf(200, 0), idOf(200, 1));
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    // two runs of one group make one column
    expect(lines[1].match(/\(3 seeds\)/g)).toHaveLength(2);
    const ll = lines.find((l) => l.includes('ais_log_likelihood'))!;
    const cells = ll
      .split('│')
      .slice(2, 4)
      .map((c) => c.trim());
    const [s50, s200] = [50, 200].map((h) => summarize(finishedSeeds(h).map((seed) => likelihood(h, seed)))!);
    expect(cells[0]).toBe(`${formatNumber(s50.mean)} ± ${formatNumber(s50.std!, 3)} (n=2)`);
    expect(cells[1]).toBe(`${formatNumber(s200.mean)} ± ${formatNumber(s200.std!, 3)} (n=2) *`);
    expect(lines.find((l) => l.includes(' status'))).toContain('2 finished 1 failed');
  });
});

describe('export', () => {
  const groupCell = (hidden: number, metric: (h: number, s: number) => number) => {
    const s = summarize(finishedSeeds(hidden).map((seed) => metric(hidden, seed)))!;
    return roundMeanStd(s.mean, s.std);
  };

  it('writes a Markdown table of grouped mean ± std with n and the best in bold', async () => {
    const result = await cli('export', 'seeded', '--format', 'markdown');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('| model.hidden_units | n | runs | ais_log_likelihood ↑ | recon_error ↓ |');
    expect(lines[1]).toBe('| --- | ---: | ---: | ---: | ---: |');
    const [m10, s10] = groupCell(10, likelihood);
    const [r10, rs10] = groupCell(10, reconError);
    expect(lines[2]).toBe(`| 10 | 3 | 3 finished | ${m10} ± ${s10} | ${r10} ± ${rs10} |`);
    const [m200, s200] = groupCell(200, likelihood);
    expect(lines[4]).toContain(`| **${m200} ± ${s200}** |`);
    expect(lines[3]).toContain('2 finished 1 failed');
    expect(result.stdout).toContain('mean ± sample std over the finished runs of each grid point');
  });

  it('writes a booktabs LaTeX table with $mean \\pm std$ and escaped names', async () => {
    const result = await cli('export', 'seeded', '--format', 'latex', '--metrics', 'ais_log_likelihood');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const body = lines.slice(lines.indexOf('\\begin{tabular}{lrrr}'));
    expect(body.slice(0, 4)).toEqual([
      '\\begin{tabular}{lrrr}',
      '\\toprule',
      'model.hidden\\_units & n & runs & ais\\_log\\_likelihood $\\uparrow$ \\\\',
      '\\midrule',
    ]);
    const [m50, s50] = groupCell(50, likelihood);
    expect(body[5]).toBe(`50 & 2 & 2 finished 1 failed & $${m50} \\pm ${s50}$ \\\\`);
    const [m200, s200] = groupCell(200, likelihood);
    expect(body[6]).toBe(`200 & 2 & 2 finished 1 running & $\\mathbf{${m200} \\pm ${s200}}$ \\\\`);
    expect(body.slice(7, 9)).toEqual(['\\bottomrule', '\\end{tabular}']);
  });

  it('keeps --csv per run, and --group gives mean, std and n per metric', async () => {
    const perRun = await cli('export', 'seeded', '--csv');
    expect(perRun.stdout.trim().split('\n')).toHaveLength(1 + ids.length);
    const grouped = await cli('export', 'seeded', '--format', 'csv', '--group');
    const [head, ...rows] = grouped.stdout.trim().split('\n');
    expect(head).toBe(
      'model.hidden_units,runs,n_finished,n_failed,n_running,n_pending,n_interrupted,' +
        'ais_log_likelihood_mean,ais_log_likelihood_std,ais_log_likelihood_n,recon_error_mean,recon_error_std,recon_error_n',
    );
    const s = summarize(finishedSeeds(50).map((seed) => likelihood(50, seed)))!;
    expect(rows[1].split(',')).toEqual(
      ['50', '3', '2', '1', '0', '0', '0', String(s.mean), String(s.std), '2'].concat(rows[1].split(',').slice(10)),
    );
  });

  it('refuses an unknown format or metric with exit 2', async () => {
    expect((await cli('export', 'seeded', '--format', 'xlsx')).stderr).toContain(
      'expected one of csv, markdown, latex',
    );
    expect((await cli('export', 'seeded', '--format', 'latex', '--metrics', 'nope')).code).toBe(2);
    expect((await cli('export', 'seeded')).code).toBe(2);
  });
});

describe('roundMeanStd (the rounding of paper tables)', () => {
  it('rounds the std to one significant digit (two from a leading 1) and the mean to the same place', () => {
    expect(roundMeanStd(0.1234, 0.0042)).toEqual(['0.123', '0.004']);
    expect(roundMeanStd(-148.83, 14.2)).toEqual(['-149', '14']);
    expect(roundMeanStd(-148.83, 4.25)).toEqual(['-149', '4']);
    expect(roundMeanStd(0.5, 0.14)).toEqual(['0.50', '0.14']);
    expect(roundMeanStd(12345, 250)).toEqual(['12300', '300']);
    expect(roundMeanStd(3.2, undefined)).toEqual(['3.2', undefined]);
    expect(roundMeanStd(0.2, 0)).toEqual(['0.2', '0']);
  });
});
