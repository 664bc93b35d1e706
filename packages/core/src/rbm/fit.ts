import { type Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import type { Gemm } from '../linalg/gemm.js';
import type { FitOptions, FitResult, Metrics } from '../model.js';
import { averageLogProbability, estimateLogPartition } from './ais.js';
import type { ChainStart, LearningRateSchedule, RbmTrainParams } from './hyperparameters.js';
import { freeEnergies, mean, pseudoLogLikelihoodAndFreeEnergy, reconstructionError, selectRows } from './inference.js';
import { columnMeans, copyParameters, type RbmParameters } from './parameters.js';
import { ContrastiveDivergence } from './train.js';

/**
 * Per-epoch metrics are computed on at most this many rows (a fixed random
 * subset chosen at the start of fit), so monitoring stays a small fraction of
 * an MNIST epoch (60000 rows) while curves remain comparable across epochs.
 */
export const MONITOR_ROWS = 2000;
/** Let timers and signal handlers run at least this often (ms) during an epoch. */
const YIELD_INTERVAL_MS = 50;
/** Size of the AIS estimate behind early stopping: small, since it runs every few epochs. */
export const EARLY_STOPPING_AIS = { runs: 32, betas: 1000 } as const;

/** Seeds of the independent random streams derived from the model seed. */
export const STREAM_MONITOR = 0x6d6f6e;
const STREAM_CHAINS = 0x636861;
const STREAM_EARLY_STOPPING = 0x657374;

/**
 * Learning rate of update t (0-based) of a budget of `total` updates:
 * constant: lr0; linear: lr0 + (lrT - lr0) t / (T - 1); exponential: lr0 (lrT / lr0)^(t / (T - 1)).
 */
export function learningRateAt(
  schedule: LearningRateSchedule,
  initial: number,
  final: number,
  update: number,
  total: number,
): number {
  if (schedule === 'constant' || total <= 1) return initial;
  const progress = Math.min(1, update / (total - 1));
  return schedule === 'linear' ? initial + (final - initial) * progress : initial * (final / initial) ** progress;
}

export function monitorSubset(x: Matrix, rng: Xoshiro128): Matrix {
  if (x.rows <= MONITOR_ROWS) return x;
  const indices = new Int32Array(x.rows);
  for (let i = 0; i < indices.length; i++) indices[i] = i;
  rng.shuffle(indices);
  return selectRows(x, indices.subarray(0, MONITOR_ROWS).sort());
}

/** Per-epoch monitors: reconstruction error, PLL and free energies of the subsets, and the free-energy gap. */
function monitorMetrics(
  gemm: Gemm,
  p: RbmParameters,
  train: Matrix,
  valid: Matrix | undefined,
  rng: Xoshiro128,
): Metrics {
  const { pseudoLogLikelihood: pll, meanFreeEnergy: trainEnergy } = pseudoLogLikelihoodAndFreeEnergy(
    gemm,
    p,
    train,
    rng,
  );
  const metrics: Metrics = {
    recon_error: reconstructionError(gemm, p, train),
    pseudo_log_likelihood: pll,
    free_energy_train: trainEnergy,
  };
  if (valid !== undefined && valid.rows > 0) {
    const validEnergy = mean(freeEnergies(gemm, p, valid));
    metrics.free_energy_valid = validEnergy;
    // Positive and growing = overfitting (Hinton's guide, section 6).
    metrics.free_energy_gap = validEnergy - trainEnergy;
  }
  return metrics;
}

/** Mean validation log-likelihood with log Z from a small AIS (same seed every check: comparable across epochs). */
export function validationLogLikelihood(
  gemm: Gemm,
  p: RbmParameters,
  validation: Matrix,
  train: Matrix,
  seed: number,
): number {
  const { logZ } = estimateLogPartition(gemm, p, {
    ...EARLY_STOPPING_AIS,
    seed: seed ^ STREAM_EARLY_STOPPING,
    baseRateData: train,
  });
  return averageLogProbability(gemm, p, validation, logZ);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface RbmFitState {
  gemm: Gemm;
  /** Trained in place; replaced by the best checkpoint under early stopping. */
  params: RbmParameters;
  trainParams: RbmTrainParams;
  seed: number;
  /** Epochs trained by earlier fit calls (momentum switches on the global epoch). */
  epochsBefore: number;
  /** The shared training stream (it already drew the initial weights). */
  rng: Xoshiro128;
}

export interface RbmFitOutcome extends FitResult {
  /** Parameters to keep: the best checkpoint under early stopping, else the trained ones. */
  params: RbmParameters;
  /** Epoch whose parameters are kept. */
  bestEpoch: number;
  updates: number;
}

/** Starting states of decoupled persistent chains: random training images, or draws of the base-rate model (means). */
function startChains(
  trainer: ContrastiveDivergence,
  x: Matrix,
  pixelMeans: () => Float64Array,
  chains: number,
  start: ChainStart,
  seed: number,
): void {
  const rng = new Xoshiro128(seed ^ STREAM_CHAINS);
  if (start === 'base_rates') {
    const means = pixelMeans();
    const probabilities = new Float32Array(chains * x.cols);
    for (let r = 0; r < chains; r++) for (let i = 0; i < x.cols; i++) probabilities[r * x.cols + i] = means[i];
    const states = new Float32Array(chains * x.cols);
    rng.sampleBernoulli(probabilities, states, chains * x.cols);
    trainer.startChains(states, chains);
    return;
  }
  const rows = Int32Array.from({ length: Math.max(chains, x.rows) }, (_, i) => i % x.rows);
  rng.shuffle(rows);
  trainer.startChains(selectRows(x, rows.subarray(0, chains)).data, chains);
}

/**
 * The trainer of one fit, its persistent chains started. The training pixel means (one pass) are computed only
 * when a setting needs them, since on MNIST the pass costs as much as 5% of a CD-1 epoch: centering's offsets,
 * the base-rate end of tempered ladders, base-rate chain starts.
 */
function createTrainer(state: RbmFitState, train: Matrix, batchSize: number): ContrastiveDivergence {
  const { gemm, params, seed } = state;
  const tp = state.trainParams;
  const persistentChains = tp.method === 'pcd' ? tp.persistent_chains : 0;
  let means: Float64Array | undefined;
  const pixelMeans = () => {
    means ??= columnMeans(train);
    return means;
  };
  const trainer = new ContrastiveDivergence(
    gemm,
    params,
    {
      learningRate: tp.learning_rate,
      batchSize,
      k: tp.k,
      method: tp.method,
      weightDecay: tp.weight_decay,
      persistentChains,
      persistentTemperatures: tp.persistent_temperatures,
      visibleOffsets: tp.centering ? pixelMeans() : undefined,
    },
    state.rng,
  );
  if (persistentChains > 0 && tp.persistent_temperatures > 1) {
    trainer.startTemperedChains(pixelMeans(), new Xoshiro128(seed ^ STREAM_CHAINS));
  } else if (persistentChains > 0) {
    startChains(trainer, train, pixelMeans, persistentChains, tp.persistent_chains_start, seed);
  }
  return trainer;
}

/**
 * CD-k / PCD-k training over the budget (`updates`, else `epochs` passes),
 * with the learning-rate schedule per update, momentum switched by epoch, and
 * per-epoch monitors. Under early stopping, every `early_stopping_every` epochs
 * the validation log-likelihood is estimated by a small AIS; the best parameters
 * are kept and restored, and training stops after `early_stopping_patience`
 * checks without improvement.
 */
export async function fitRbm(state: RbmFitState, train: Matrix, options: FitOptions = {}): Promise<RbmFitOutcome> {
  const { gemm, params, seed } = state;
  const tp = state.trainParams;
  const monitorRng = new Xoshiro128(seed ^ STREAM_MONITOR);
  const monitorTrain = monitorSubset(train, monitorRng);
  const validation = options.validation?.x;
  const monitorValid = validation ? monitorSubset(validation, monitorRng) : undefined;
  const batchSize = Math.min(tp.batch_size, Math.max(1, train.rows));
  const trainer = createTrainer(state, train, batchSize);
  const batchesPerEpoch = Math.ceil(train.rows / batchSize);
  const budget = tp.updates > 0 ? tp.updates : tp.epochs * batchesPerEpoch;
  const epochs = Math.ceil(budget / batchesPerEpoch);
  const stopping = tp.early_stopping === 'ais' && validation !== undefined && validation.rows > 0;
  const best = { value: -Infinity, epoch: 0, params: copyParameters(params), stale: 0 };
  const order = Int32Array.from({ length: train.rows }, (_, i) => i);
  const history: Metrics[] = [];
  let updates = 0;
  let lastYield = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const started = performance.now();
    const globalEpoch = state.epochsBefore + epoch;
    const momentum = globalEpoch >= tp.momentum_switch_epoch ? tp.final_momentum : tp.momentum;
    state.rng.shuffle(order);
    for (let start = 0; start < train.rows && updates < budget; start += batchSize) {
      if (performance.now() - lastYield > YIELD_INTERVAL_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (options.signal?.aborted)
        return { epochsCompleted: epoch - 1, history, aborted: true, params, bestEpoch: epoch - 1, updates };
      trainer.learningRate = learningRateAt(
        tp.learning_rate_schedule,
        tp.learning_rate,
        tp.final_learning_rate,
        updates,
        budget,
      );
      trainer.trainBatch(train.data, order, start, Math.min(batchSize, train.rows - start), momentum);
      updates++;
    }
    const metrics = monitorMetrics(
      gemm,
      params,
      monitorTrain,
      monitorValid,
      new Xoshiro128((seed ^ STREAM_MONITOR) + epoch),
    );
    if (tp.learning_rate_schedule !== 'constant') metrics.learning_rate = trainer.learningRate;
    let stop = false;
    if (stopping && (epoch % tp.early_stopping_every === 0 || epoch === epochs)) {
      const value = validationLogLikelihood(gemm, params, validation, train, seed);
      metrics.validation_ais_log_likelihood = value;
      if (value > best.value) Object.assign(best, { value, epoch, params: copyParameters(params), stale: 0 });
      else best.stale++;
      stop = tp.early_stopping_patience > 0 && best.stale >= tp.early_stopping_patience;
    }
    metrics.seconds = (performance.now() - started) / 1000;
    history.push(metrics);
    await options.onEpoch?.(epoch, metrics);
    if (stop)
      return { epochsCompleted: epoch, history, aborted: false, params: best.params, bestEpoch: best.epoch, updates };
  }
  const kept = stopping && best.epoch > 0 ? best : { params, epoch: epochs };
  return { epochsCompleted: epochs, history, aborted: false, params: kept.params, bestEpoch: kept.epoch, updates };
}
