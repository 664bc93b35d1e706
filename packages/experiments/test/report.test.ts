import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { reportCommand, writeSweepReport } from '../src/report/index.js';
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
      expect(runs.map((run) => run.status)).toEqual(Array(8).fill('finished'));
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
    expect(names.filter((name) => name.startsWith('metrics-vs-'))).toHaveLength(2); // seeds are averaged over, not plotted
    expect(names.filter((name) => name.startsWith('heatmap-'))).toHaveLength(1);

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
    expect(markdown.match(/\| finished \|/g)).toHaveLength(8);
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
