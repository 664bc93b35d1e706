// A tiny real sweep (the experiments runner, RBMs trained in worker processes)
// writes the database while the dashboard watches it.
import { stripVTControlCharacters } from 'node:util';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { renderHalfBlocks } from '@rbm-lab/datasets';
import { openRunStoreReader, runCli } from '@rbm-lab/experiments';
import { App } from '../src/app.js';

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

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sink = () => new Writable({ write: (_chunk, _enc, done) => done() });

describe('dashboard during and after a real sweep', () => {
  it('follows the sweep live, then shows its runs, samples and heatmap', async () => {
    const app = render(
      <App
        dbPath={dbPath}
        openReader={() => (existsSync(dbPath) ? openRunStoreReader(dbPath) : null)}
        pollMs={100}
        size={{ columns: 150, rows: 44 }}
      />,
    );
    const frame = () => stripVTControlCharacters(app.lastFrame() ?? '');
    const frames = new Set<string>();
    const sweep = runCli(['sweep', configPath, '--db', dbPath, '--jobs', '1'], {
      io: { stdout: sink(), stderr: sink() },
    });
    // sample what the dashboard shows while the sweep writes
    let done = false;
    void sweep.finally(() => (done = true));
    while (!done) {
      frames.add(frame());
      await delay(50);
    }
    expect(await sweep).toBe(0);
    await delay(300);
    const f = frame();
    expect(f).toMatch(/tui-tiny\s+4\/4\s+0\s+0\s+ais_log_likelihood/);
    // it showed the sweep in progress, not only the end state
    expect([...frames].some((s) => /tui-tiny\s+[0-3]\/4\s+1\s/.test(s))).toBe(true);

    const store = await openRunStoreReader(dbPath);
    const summary = (await store.listSweeps())[0];
    const runs = await store.listRuns(summary.id);
    const best = Math.max(...runs.map((r) => r.metrics.ais_log_likelihood));
    expect(summary.mainMetric).toEqual({ name: 'ais_log_likelihood', lowerIsBetter: false });
    expect(f).toContain(String(Number(best.toPrecision(4))));

    const press = async (k: string) => {
      app.stdin.write(k);
      await delay(40);
    };
    await press('\r');
    const header = frame()
      .split('\n')
      .find((l) => l.includes('hidden_units'))!;
    expect(header).toContain('learning_rate');
    await press('\r');
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

    await press('\u001B');
    await press('h');
    const heat = frame();
    expect(heat).toContain('rows: model.hidden_units');
    expect(heat).toContain(`★${String(Number(best.toPrecision(4)))}`);
    app.unmount();
    await store.close();
  });
});
