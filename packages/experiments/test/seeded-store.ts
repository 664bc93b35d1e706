/**
 * A run database written through the real store API as workers write it: a
 * sweep of hidden units x 3 seeds, where one run failed and one is still
 * running. Metric values follow formulas, so tests derive expected numbers
 * from the same formulas instead of hard-coding them.
 */
import { openRunStore, type PlannedRunRow, type SampleGrid, type SweepDefinition } from '../src/index.js';

export const HIDDEN = [10, 50, 200];
export const SEEDS = [0, 1, 2];
export const EPOCHS = 4;
/** The run that failed and the one still running (hidden units, seed). */
export const FAILED = { hidden: 50, seed: 2 };
export const RUNNING = { hidden: 200, seed: 2 };

/** Final AIS log-likelihood: more hidden units are better; seeds spread it. */
export function likelihood(hidden: number, seed: number): number {
  return -200 + hidden / 4 + 3 * seed;
}
export function reconError(hidden: number, seed: number): number {
  return 0.3 - hidden / 1000 + seed / 100;
}
export function curve(hidden: number, seed: number, epoch: number): number {
  return reconError(hidden, seed) + 0.1 / epoch;
}

export const SWEEP: SweepDefinition = {
  id: 'seeded000000000',
  name: 'seeded',
  configPath: 'configs/seeded.yaml',
  config: { name: 'seeded' },
  sweptParams: ['model.hidden_units', 'seed'],
  mainMetric: { name: 'ais_log_likelihood', lowerIsBetter: false },
  totalRuns: HIDDEN.length * SEEDS.length,
};

export const RUNS: PlannedRunRow[] = HIDDEN.flatMap((hidden, h) =>
  SEEDS.map((seed, s) => ({
    id: `seeded${hidden}s${seed}`.padEnd(16, 'x'),
    index: h * SEEDS.length + s,
    config: { model: { type: 'rbm', hidden_units: hidden }, train: { epochs: EPOCHS } },
    params: { 'model.hidden_units': hidden, seed },
    seed,
    epochs: EPOCHS,
  })),
);

const is = (run: PlannedRunRow, which: { hidden: number; seed: number }) =>
  run.params['model.hidden_units'] === which.hidden && run.seed === which.seed;

/** The epoch at which every run also stores samples drawn during training (as eval.sample_every would). */
export const SAMPLE_EPOCH = 2;
/** Samples of 3x2 images: image i has pixel (i mod 6) inked, the rest 1/epoch, so each grid is recognisable. */
export const SAMPLE_SHAPE = { n: 4, height: 3, width: 2 } as const;
function sampleGrid(epoch: number): SampleGrid {
  const { n, height, width } = SAMPLE_SHAPE;
  const data = new Float32Array(n * height * width).fill(1 / epoch);
  for (let i = 0; i < n; i++) data[i * height * width + (i % (height * width))] = 1;
  return { data, n, height, width };
}

/** Writes the seeded sweep into a new SQLite database at `path`; returns the runs' ids in grid order. */
export async function writeSeededStore(path: string): Promise<string[]> {
  const store = await openRunStore(path);
  try {
    await store.submitSweep(SWEEP, RUNS);
    for (const planned of RUNS) {
      const lease = await store.claimRun({ host: 'fixture', pid: process.pid }, { sweepIds: [SWEEP.id] });
      if (lease?.runId !== planned.id) throw new Error(`fixture: claimed ${lease?.runId}, expected ${planned.id}`);
      const hidden = planned.params['model.hidden_units'] as number;
      const epochs = is(planned, RUNNING) ? 2 : EPOCHS;
      for (let e = 1; e <= epochs; e++) {
        const samples = e === SAMPLE_EPOCH ? sampleGrid(e) : undefined;
        await store.recordEpoch(lease, e, { recon_error: curve(hidden, planned.seed, e) }, samples);
      }
      if (is(planned, RUNNING)) continue;
      if (is(planned, FAILED)) {
        await store.failRun(lease, 'RangeError: diverged');
        continue;
      }
      await store.finishRun(lease, {
        metrics: {
          ais_log_likelihood: likelihood(hidden, planned.seed),
          recon_error: reconError(hidden, planned.seed),
        },
        artifacts: [],
        durationMs: 1000,
        samples: sampleGrid(EPOCHS),
      });
    }
  } finally {
    await store.close();
  }
  return RUNS.map((r) => r.id);
}
