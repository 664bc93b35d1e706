/**
 * A run database written through the real RunStore write API: a finished
 * two-parameter sweep with samples, a failed run, and a sweep still running.
 * Metric values follow a smooth made-up response surface so tests can derive
 * the expected best run from the same formula instead of hard-coding it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAlphaDigits, loadMnist } from '@rbm-lab/datasets';
import { openRunStore, type RunLease, type RunStore } from '@rbm-lab/experiments';

export const CROSS_HIDDEN = [16, 64];
export const CROSS_CHARS = [2, 6];
export const EPOCHS = 5;

/** Reconstruction error of the fake surface: more hidden units and fewer characters is better. */
export function crossError(hidden: number, chars: number, epoch = EPOCHS): number {
  return 0.05 + chars / 100 + 4 / hidden + 0.2 / epoch;
}

export function crossLikelihood(hidden: number, chars: number): number {
  return -100 + hidden / 4 - chars * 3;
}

export interface Fixture {
  dir: string;
  dbPath: string;
  crossSweepId: string;
  runIds: string[];
  /** The samples written for each finished run (real dataset images standing in for generated ones). */
  samples: Map<string, { data: Float32Array; n: number; height: number; width: number }>;
  /** The run of the running sweep that is in progress; tests extend it live. */
  liveRunId: string;
  /** The claim on the live run: tests write through it as a worker would. */
  liveLease: RunLease;
  liveSweepId: string;
}

const WORKER = { host: 'fixture', pid: process.pid };

/** Claims the next queued run of `sweepId`, which must be `runId` (runs are claimed in grid order). */
async function claim(store: RunStore, sweepId: string, runId: string): Promise<RunLease> {
  const lease = await store.claimRun(WORKER, { sweepIds: [sweepId], gitCommit: 'abc1234' });
  if (lease?.runId !== runId) throw new Error(`fixture: expected to claim ${runId}, got ${lease?.runId}`);
  return lease;
}

export async function writeFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'rbm-tui-'));
  const dbPath = join(dir, 'rbm-lab.db');
  const store = await openRunStore(dbPath);
  const alpha = await loadAlphaDigits({ chars: ['A', 'B', 'C', 'D', 'E', 'F'] });
  const mnist = await loadMnist({ split: 'test', limit: 8 });
  const samples = new Map<string, { data: Float32Array; n: number; height: number; width: number }>();

  // ---- cross: hidden units x number of characters, one run fails
  const crossSweepId = 'cross0000000000';
  const grid = CROSS_HIDDEN.flatMap((h) => CROSS_CHARS.map((c) => ({ h, c })));
  const runs = grid.map(({ h, c }, index) => ({
    id: `run${index}${h}x${c}`.padEnd(16, '0'),
    index,
    config: {
      dataset: { name: 'alphadigits', characters: c, seed: 1 },
      model: { type: 'rbm', hidden_units: h },
      train: { epochs: EPOCHS, learning_rate: 0.1, batch_size: 10, k: 1 },
    },
    params: { 'model.hidden_units': h, 'dataset.characters': c },
    seed: 1,
    epochs: EPOCHS,
  }));
  await store.submitSweep(
    {
      id: crossSweepId,
      name: 'cross',
      configPath: 'configs/cross.yaml',
      config: { name: 'cross' },
      sweptParams: ['model.hidden_units', 'dataset.characters'],
      mainMetric: { name: 'reconstruction_error', lowerIsBetter: true },
      totalRuns: runs.length,
    },
    runs,
  );
  const failing = runs[1].id;
  for (const run of runs) {
    const { 'model.hidden_units': h, 'dataset.characters': c } = run.params;
    const lease = await claim(store, crossSweepId, run.id);
    await store.recordBackend(lease, 'native-blas', 'openblas');
    if (run.id === failing) {
      await store.recordEpoch(lease, 1, { reconstruction_error: crossError(h, c, 1) });
      await store.failRun(
        lease,
        'RangeError: learning rate diverged at epoch 2\n    at trainRbm (core/src/rbm/train.ts:88)',
      );
      continue;
    }
    for (let e = 1; e <= EPOCHS; e++) {
      await store.recordEpoch(lease, e, {
        reconstruction_error: crossError(h, c, e),
        pseudo_likelihood: crossLikelihood(h, c) - 10 / e,
      });
    }
    // 6 images of the run's first characters, 20x16
    const n = 6;
    const data = alpha.images.data.slice(run.index * 39 * 320, run.index * 39 * 320 + n * 320);
    samples.set(run.id, { data, n, height: 20, width: 16 });
    await store.finishRun(lease, {
      metrics: { reconstruction_error: crossError(h, c), pseudo_likelihood: crossLikelihood(h, c) },
      artifacts: [],
      samples: { data, n, height: 20, width: 16 },
      durationMs: 1000 * h,
    });
  }

  // ---- mnist: one parameter, one run finished with MNIST samples, one running
  const liveSweepId = 'mnist0000000000';
  const mnistRuns = [0.05, 0.1].map((lr, index) => ({
    id: `mnistrun${index}`.padEnd(16, '0'),
    index,
    config: {
      dataset: { name: 'mnist', limit: 1000 },
      model: { type: 'rbm', hidden_units: 64 },
      train: { learning_rate: lr, epochs: 3 },
    },
    params: { 'train.learning_rate': lr },
    seed: 7,
    epochs: 3,
  }));
  await store.submitSweep(
    {
      id: liveSweepId,
      name: 'mnist',
      configPath: 'configs/mnist.yaml',
      config: { name: 'mnist' },
      sweptParams: ['train.learning_rate'],
      mainMetric: { name: 'reconstruction_error', lowerIsBetter: true },
      totalRuns: 2,
    },
    mnistRuns,
  );
  const mnistLease = await claim(store, liveSweepId, mnistRuns[0].id);
  for (let e = 1; e <= 3; e++) await store.recordEpoch(mnistLease, e, { reconstruction_error: 0.2 / e });
  samples.set(mnistRuns[0].id, { data: mnist.images.data, n: 8, height: 28, width: 28 });
  await store.finishRun(mnistLease, {
    metrics: { reconstruction_error: 0.2 / 3 },
    artifacts: [],
    samples: { data: mnist.images.data, n: 8, height: 28, width: 28 },
    durationMs: 3000,
  });
  const liveLease = await claim(store, liveSweepId, mnistRuns[1].id);
  await store.recordEpoch(liveLease, 1, { reconstruction_error: 0.3 });
  await store.close();
  return {
    dir,
    dbPath,
    crossSweepId,
    runIds: runs.map((r) => r.id),
    samples,
    liveRunId: mnistRuns[1].id,
    liveLease,
    liveSweepId,
  };
}
