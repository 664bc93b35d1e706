import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { reportCommand, writeSweepReport } from '../src/report/index.js';
import { samplesGridPng } from '../src/report/montage.js';
import { samplesStripRows } from '../src/report/strips.js';
import { openRunStoreReader } from '../src/store/run-store.js';

/**
 * A real (tiny) two-parameter sweep with two seeds, run by the CLI's sweep
 * command: RBMs on three AlphaDigits characters, a few epochs each.
 */
const STUDY = `name: report-test
description: Tiny cross of hidden units and learning rate for the report test.
dataset:
  name: alphadigits
  characters: [A, B, C]
model:
  type: rbm
  hidden_units: 8
train:
  epochs: 3
  batch_size: 16
  ais_runs: 8
  ais_betas: 300
eval:
  metrics: [recon_error, pseudo_log_likelihood, free_energy_gap, ais_log_likelihood]
  n_samples: 8
  gibbs_steps: 20
  quality: false
  sample_every: 1
baselines: [base_rate] # adds model.type to the swept parameters; the heatmap must stay on the grid's two axes
sweep:
  grid:
    model.hidden_units: [8, 24]
    train.learning_rate: [0.02, 0.1]
  seeds: 2
`;

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { text: () => string };
  stream.text = () => chunks.join('');
  return stream;
}

let dir: string;
let dbPath: string;
let sweepLog = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-report-'));
  dbPath = join(dir, 'runs', 'rbm-lab.db');
  writeFileSync(join(dir, 'study.yaml'), STUDY);
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(['sweep', 'study.yaml', '--db', dbPath, '--jobs', '2'], {
    io: { stdout, stderr, cwd: dir, env: { ...process.env, CI: 'true' } },
  });
  sweepLog = stdout.text() + stderr.text();
  expect(code, sweepLog).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function linkedFiles(markdown: string): string[] {
  return [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => decodeURI(match[1]));
}

describe('sweep report', () => {
  it('writes every expected figure as a sensible PNG, all linked from report.md', async () => {
    const reader = await openRunStoreReader(dbPath);
    let report;
    const curveNames = new Set<string>();
    try {
      const runs = await reader.listRuns((await reader.getSweep('report-test'))!.id);
      expect(runs.map((run) => run.status)).toEqual(Array(10).fill('finished'));
      for (const run of runs)
        for (const name of Object.keys(await reader.getEpochMetrics(run.id))) curveNames.add(name);
      report = await writeSweepReport(reader, 'report-test');
    } finally {
      await reader.close();
    }

    // Default location: beside the run artifacts, <artifact root>/<sweep>/report.
    expect(report.markdownPath).toBe(join(dir, 'runs', 'rbm-lab.artifacts', 'report-test', 'report', 'report.md'));
    const names = report.figures.map((figure) => figure.slice(dirname(report.markdownPath).length + 1));
    expect(names).toEqual(
      expect.arrayContaining([
        'metrics-vs-model.hidden_units.png',
        'metrics-vs-train.learning_rate.png',
        'heatmap-ais_log_likelihood.png',
        'samples.png',
      ]),
    );
    expect([...curveNames]).toContain('recon_error');
    expect(names.filter((name) => name.startsWith('curves-')).sort()).toEqual(
      [...curveNames].map((name) => `curves-${name}.png`).sort(),
    );
    // One figure per swept parameter (model.type from the baseline); seeds are averaged over, not plotted.
    expect(names.filter((name) => name.startsWith('metrics-vs-')).sort()).toEqual([
      'metrics-vs-model.hidden_units.png',
      'metrics-vs-model.type.png',
      'metrics-vs-train.learning_rate.png',
    ]);
    expect(names.filter((name) => name.startsWith('heatmap-'))).toHaveLength(1);
    expect(readFileSync(report.markdownPath, 'utf8')).toContain(
      '## ais_log_likelihood over model.hidden_units x train.learning_rate',
    );

    for (const figure of report.figures) {
      const png = PNG.sync.read(readFileSync(figure));
      expect(png.width, figure).toBeGreaterThanOrEqual(400);
      expect(png.height, figure).toBeGreaterThanOrEqual(200);
      expect(png.width * png.height, figure).toBeLessThan(40_000_000);
      // Something is drawn: a real share of the pixels is not background white.
      let inked = 0;
      for (let i = 0; i < png.data.length; i += 4)
        if (png.data[i] < 200 || png.data[i + 1] < 200 || png.data[i + 2] < 200) inked++;
      expect(inked / (png.width * png.height), figure).toBeGreaterThan(0.01);
    }

    const markdown = readFileSync(report.markdownPath, 'utf8');
    const links = linkedFiles(markdown);
    for (const link of links) expect(existsSync(resolve(dirname(report.markdownPath), link)), link).toBe(true);
    expect(links.map((link) => resolve(dirname(report.markdownPath), link)).sort()).toEqual([...report.figures].sort());
    expect(markdown).toContain('| seed |');
    expect(markdown.match(/\| finished \|/g)).toHaveLength(10);
  });

  it('runs as `rbm-lab report` with --out, and names the sweeps it knows when given an unknown one', async () => {
    const out = join(dir, 'elsewhere');
    const stdout = sink();
    const stderr = sink();
    const io = { stdout, stderr, cwd: dir, env: process.env };
    expect(
      await runCli(['report', 'report-test', '--db', dbPath, '--out', 'elsewhere'], {
        io,
        extraCommands: { report: reportCommand },
      }),
    ).toBe(0);
    expect(stdout.text()).toContain(join(out, 'report.md'));
    expect(existsSync(join(out, 'samples.png'))).toBe(true);

    expect(
      await runCli(['report', 'no-such-sweep', '--db', dbPath], { io, extraCommands: { report: reportCommand } }),
    ).toBe(2);
    expect(stderr.text()).toMatch(/no sweep .*no-such-sweep.*known sweeps: report-test/);
    expect(
      await runCli(['report', 'report-test', '--db', join(dir, 'missing.db')], {
        io,
        extraCommands: { report: reportCommand },
      }),
    ).toBe(2);
    expect(stderr.text()).toMatch(/no run database at .*missing\.db/);
  });
});

describe('report options and samples over training', () => {
  it('writes one strip per group of samples over the epochs, then the final ones', async () => {
    const reader = await openRunStoreReader(dbPath);
    try {
      const sweep = (await reader.getSweep('report-test'))!;
      const runs = await reader.listRuns(sweep.id);
      const first = runs.find((run) => run.params['model.hidden_units'] === 24)!;
      const rows = await samplesStripRows(reader, [{ label: 'h=24', runIds: [first.id] }]);
      expect(rows).toHaveLength(1);
      expect(rows[0].cells.map((cell) => cell.caption)).toEqual(['epoch 1', 'epoch 2', 'epoch 3', 'final']);
      // each cell is the first 4 images the store holds for that epoch, drawn as a 2 x 2 grid
      const epoch2 = (await reader.getSamples(first.id, { epoch: 2 }))!;
      expect(epoch2.n).toBe(16);
      const expected = samplesGridPng(epoch2, { maxImages: 4, columns: 2, scale: 2 });
      expect(rows[0].cells[1].image.png.equals(expected.png)).toBe(true);
      expect(rows[0].cells[1].image.png.equals(rows[0].cells[2].image.png)).toBe(false);
    } finally {
      await reader.close();
    }
  });

  it('takes --no-group, --smooth and --log, and refuses a smoothing weight outside [0, 1)', async () => {
    const out = join(dir, 'options-report');
    const run = async (...args: string[]) => {
      const stdout = sink();
      const stderr = sink();
      const code = await reportCommand.run(['report-test', '--db', dbPath, ...args], {
        stdout,
        stderr,
        cwd: dir,
        env: process.env,
      });
      return { code, stderr: stderr.text() };
    };
    expect((await run('--out', out, '--no-group', '--smooth', '0.6', '--log')).code).toBe(0);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain(
      '- Figures: one point or line per run; curves smoothed (EMA 0.6, raw faint); curves on a log axis',
    );
    expect(markdown).toContain('One dot per run (not grouped over seeds).');
    expect(existsSync(join(out, 'samples-over-epochs.png'))).toBe(true);
    const grouped = join(dir, 'grouped-report');
    expect((await run('--out', grouped)).code).toBe(0);
    expect(readFileSync(join(grouped, 'report.md'), 'utf8')).toContain('- Figures: grouped over seeds (mean ± std, n)');
    await expect(run('--smooth', '1')).rejects.toThrow(/--smooth expects an EMA weight in \[0, 1\)/);
  });
});
