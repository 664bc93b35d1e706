// A tiny real sweep (the experiments runner, RBMs trained in worker processes)
// writes the database while the dashboard watches it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHalfBlocks } from '@rbm-lab/datasets';
import { openRunStoreReader, runCli } from '@rbm-lab/experiments';
import { openDashboard } from './dashboard.js';

const dir = mkdtempSync(join(tmpdir(), 'rbm-tui-sweep-'));
const dbPath = join(dir, 'rbm-lab.db');
const configPath = join(dir, 'tiny.yaml');
writeFileSync(
  configPath,
  `name: tui-tiny
seed: 0
dataset: { name: alphadigits, characters: [A, B, C], validation_fraction: 0.1, seed: 0 }
model: { type: rbm, hidden_units: 20 }
train: { epochs: 3, learning_rate: 0.1, batch_size: 10, k: 1, ais_runs: 10, ais_betas: 100 }
eval: { n_samples: 6, gibbs_steps: 50, quality: false }
sweep:
  grid:
    model.hidden_units: [10, 30]
    train.learning_rate: [0.05, 0.2]
`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sink = () => new Writable({ write: (_chunk, _enc, done) => done() });

describe('dashboard during and after a real sweep', () => {
  it('follows the sweep live, then shows its runs, samples and heatmap', async () => {
    const { app, frame, press, waitForText } = openDashboard(dbPath, {
      size: { columns: 150, rows: 44 },
      pollMs: 100,
    });
    const frames = new Set<string>();
    const sweep = runCli(['sweep', configPath, '--db', dbPath, '--jobs', '1'], {
      io: { stdout: sink(), stderr: sink() },
    });
    // sample what the dashboard shows while the sweep writes
    let done = false;
    void sweep.finally(() => (done = true));
    // sample what the dashboard shows while the sweep writes
    while (!done) {
      frames.add(frame());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await sweep).toBe(0);
    const f = await waitForText(/tui-tiny\s+4\/4\s+0\s+0\s+ais_log_likelihood/);
    // it showed the sweep in progress, not only the end state
    expect([...frames].some((s) => /tui-tiny\s+[0-3]\/4\s+1\s/.test(s))).toBe(true);

    const store = await openRunStoreReader(dbPath);
    const summary = (await store.listSweeps())[0];
    const runs = await store.listRuns(summary.id);
    const best = Math.max(...runs.map((r) => r.metrics.ais_log_likelihood));
    expect(summary.mainMetric).toEqual({ name: 'ais_log_likelihood', lowerIsBetter: false });
    expect(f).toContain(String(Number(best.toPrecision(4))));

    await press('\r');
    const header = (await waitForText('hidden_units')).split('\n').find((l) => l.includes('hidden_units'))!;
    expect(header).toContain('learning_rate');
    await press('\r');
    await waitForText('generated samples (6, 20x16)');
    const first = [...runs].sort((a, b) => a.index - b.index)[0];
    const samples = (await store.getSamples(first.id))!;
    expect(samples.height).toBe(20);
    expect(samples.width).toBe(16);
    const expected = renderHalfBlocks(
      { data: samples.data, rows: samples.n, cols: 320 },
      { height: 20, width: 16, cols: 1, maxImages: 1 },
    )
      .split('\n')
      .filter((l) => l.trim());
    for (const line of expected) expect(frame()).toContain(line.trimEnd());

    await press('\u001B', 'h');
    const heat = await waitForText('rows: model.hidden_units');
    expect(heat).toContain('rows: model.hidden_units');
    expect(heat).toContain(`★${String(Number(best.toPrecision(4)))}`);
    app.unmount();
    await store.close();
  });
});
