/**
 * A run database written through the real RunStore write API, as a worker
 * writes it (submitSweep, then claimRun and lease-guarded writes): a finished
 * two-parameter sweep with samples, a failed run, and a sweep still running.
 * Metric values follow a smooth made-up response surface so tests can derive
 * the expected best run from the same formula instead of hard-coding it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** The seeded sweep: hidden units x learning rate, 3 seeds each, with every metric an RBM reports. */
export const SEEDS_HIDDEN = [8, 32];
export const SEEDS_LR = [0.01, 0.1];
export const SEEDS = [0, 1, 2];
export const SEEDS_EPOCHS = 12;

/** Final AIS log-likelihood of the seeded sweep: more units and the larger rate are better; seeds spread it. */
export function seedsLikelihood(hidden: number, lr: number, seed: number): number {
  return -200 + hidden + 100 * lr + 2 * (seed - 1);
}

/** A noisy, falling reconstruction error whose best epoch is not the last one. */
export function seedsCurve(hidden: number, seed: number, epoch: number): number {
  const wiggle = epoch % 2 === 0 ? 0.02 : -0.02;
  const rebound = epoch > 9 ? 0.02 * (epoch - 9) : 0;
  return 0.3 - 0.01 * epoch + wiggle + rebound + hidden / 1000 + seed / 100;
}

/** The 13 final metrics of an RBM with the quality scale, derived from the likelihood. */
function rbmMetrics(ll: number): Record<string, number> {
  return {
    ais_log_likelihood: ll,
    ais_log_z: 400 - ll,
    ais_log_z_std: 0.1,
    class_coverage: 0.5,
    classifier_confidence: 0.9,
    frechet_distance: -ll,
    free_energy: ll * 2,
    free_energy_gap: 10,
    nn_distance: 25,
    parzen_log_likelihood: ll - 50,
    parzen_sigma: 0.5,
    pseudo_log_likelihood: ll / 2,
    recon_error: -ll / 1000,
  };
}

/** The failed and the pending run of the seeded sweep. */
export const SEEDS_FAILED = { hidden: 8, lr: 0.1, seed: 2 };
export const SEEDS_PENDING = { hidden: 32, lr: 0.01, seed: 2 };

const WORKER = { host: 'fixture', pid: process.pid };

/** Claims the next queued run of `sweepId`, which must be `runId` (runs are claimed in grid order). */
async function claim(store: RunStore, sweepId: string, runId: string, gitCommit: string | null): Promise<RunLease> {
  const lease = await store.claimRun(WORKER, { sweepIds: [sweepId], gitCommit });
  if (lease?.runId !== runId) throw new Error(`fixture: expected to claim ${runId}, got ${lease?.runId}`);
  return lease;
}

async function writeSeededSweep(store: RunStore): Promise<string> {
  const sweepId = 'seeds0000000000';
  const grid = SEEDS_HIDDEN.flatMap((hidden) => SEEDS_LR.flatMap((lr) => SEEDS.map((seed) => ({ hidden, lr, seed }))));
  const runs = grid.map(({ hidden, lr, seed }, index) => ({
    id: `seedrun${index}x${hidden}`.padEnd(16, '0'),
    index,
    config: { model: { type: 'rbm', hidden_units: hidden }, train: { learning_rate: lr, epochs: SEEDS_EPOCHS } },
    params: { 'model.hidden_units': hidden, 'train.learning_rate': lr, seed },
    seed,
    epochs: SEEDS_EPOCHS,
  }));
  const sweep = {
    id: sweepId,
    name: 'seeds',
    configPath: 'configs/seeds.yaml',
    config: { name: 'seeds' },
    sweptParams: ['model.hidden_units', 'train.learning_rate', 'seed'],
    mainMetric: { name: 'ais_log_likelihood', lowerIsBetter: false },
    totalRuns: runs.length,
  };
  const is = (p: { hidden: number; lr: number; seed: number }, r: (typeof grid)[number]) =>
    p.hidden === r.hidden && p.lr === r.lr && p.seed === r.seed;
  // Workers claim queued runs in grid order: the pending run joins the queue
  // only after the others ran (a widened grid adds just the new point).
  await store.submitSweep(
    sweep,
    runs.filter((_, i) => !is(SEEDS_PENDING, grid[i])),
  );
  for (const [i, run] of runs.entries()) {
    const { hidden, lr, seed } = grid[i];
    if (is(SEEDS_PENDING, grid[i])) continue;
    const lease = await claim(store, sweepId, run.id, null);
    if (is(SEEDS_FAILED, grid[i])) {
      await store.failRun(lease, 'Error: diverged');
      continue;
    }
    for (let e = 1; e <= SEEDS_EPOCHS; e++)
      await store.recordEpoch(lease, e, { recon_error: seedsCurve(hidden, seed, e) });
    const metrics = rbmMetrics(seedsLikelihood(hidden, lr, seed));
    await store.finishRun(lease, { metrics, artifacts: [], durationMs: 1000 + hidden * 10 });
  }
  await store.submitSweep(sweep, runs);
  return sweepId;
}

export interface Fixture {
  dir: string;
  dbPath: string;
  seedsSweepId: string;
  crossSweepId: string;
  runIds: string[];
  /** The samples written for each finished run (real dataset images standing in for generated ones). */
  samples: Map<string, { data: Float32Array; n: number; height: number; width: number }>;
  /** The samples written during training, by `<run id>@<epoch>` (cross sweep, even epochs). */
  epochSamples: Map<string, { data: Float32Array; n: number; height: number; width: number }>;
  /** The run of the running sweep that is in progress; tests extend it live. */
  liveRunId: string;
  /** The claim on the live run: tests write through it as a worker would. */
  liveLease: RunLease;
  liveSweepId: string;
}

/** 4 images of character 5 + epoch: different images at every sampled epoch, and from the final ones. */
function epochSamplesOf(images: Float32Array, runIndex: number, epoch: number) {
  const start = ((5 + epoch) % 6) * 39 * 320 + runIndex * 320;
  return { data: images.slice(start, start + 4 * 320), n: 4, height: 20, width: 16 };
}

export async function writeFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'rbm-tui-'));
  const dbPath = join(dir, 'rbm-lab.db');
  const store = await openRunStore(dbPath);
  const alpha = await loadAlphaDigits({ chars: ['A', 'B', 'C', 'D', 'E', 'F'] });
  const mnist = await loadMnist({ split: 'test', limit: 8 });
  const samples = new Map<string, { data: Float32Array; n: number; height: number; width: number }>();
  const epochSamples = new Map<string, { data: Float32Array; n: number; height: number; width: number }>();
  // written first, so it is the least recently updated sweep: last in the sweeps list
  const seedsSweepId = await writeSeededSweep(store);

  // Update times have millisecond resolution: keep the sweeps' apart so the list order is defined.
  await sleep(3);

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
    const lease = await claim(store, crossSweepId, run.id, 'abc1234');
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
      // samples during training at the even epochs: images of a later character, one per epoch
      const sampled = e % 2 === 0 ? epochSamplesOf(alpha.images.data, run.index, e) : undefined;
      if (sampled) epochSamples.set(`${run.id}@${e}`, sampled);
      await store.recordEpoch(
        lease,
        e,
        { reconstruction_error: crossError(h, c, e), pseudo_log_likelihood: crossLikelihood(h, c) - 10 / e },
        sampled,
      );
    }
    // 6 images of the run's first characters, 20x16
    const n = 6;
    const data = alpha.images.data.slice(run.index * 39 * 320, run.index * 39 * 320 + n * 320);
    samples.set(run.id, { data, n, height: 20, width: 16 });
    await store.finishRun(lease, {
      metrics: { reconstruction_error: crossError(h, c), pseudo_log_likelihood: crossLikelihood(h, c) },
      artifacts: [],
      samples: { data, n, height: 20, width: 16 },
      durationMs: 1000 * h,
    });
  }

  await sleep(3);

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
  const mnistLease = await claim(store, liveSweepId, mnistRuns[0].id, null);
  for (let e = 1; e <= 3; e++) await store.recordEpoch(mnistLease, e, { reconstruction_error: 0.2 / e });
  samples.set(mnistRuns[0].id, { data: mnist.images.data, n: 8, height: 28, width: 28 });
  await store.finishRun(mnistLease, {
    metrics: { reconstruction_error: 0.2 / 3 },
    artifacts: [],
    samples: { data: mnist.images.data, n: 8, height: 28, width: 28 },
    durationMs: 3000,
  });
  const liveLease = await claim(store, liveSweepId, mnistRuns[1].id, null);
  await store.recordEpoch(liveLease, 1, { reconstruction_error: 0.3 });
  await store.close();
  return {
    dir,
    dbPath,
    seedsSweepId,
    crossSweepId,
    runIds: runs.map((r) => r.id),
    samples,
    epochSamples,
    liveRunId: mnistRuns[1].id,
    liveLease,
    liveSweepId,
  };
}
