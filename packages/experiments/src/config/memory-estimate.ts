/**
 * How much memory one run needs, from its resolved config alone (no data is
 * loaded): a sweep refuses, before it starts, a run that cannot fit in the
 * machine's free memory divided by --jobs. Calibrated against the peak RSS of
 * real runs (bench/run-memory.ts, figures in bench/RESULTS.md): within a
 * factor of 2 of every measured run.
 */
import { ALPHADIGITS_TEST_PER_CHARACTER, parseCharacterSelection, validationCount } from '@rbm-lab/datasets';
import type { DatasetConfig, RunConfig, RunPlan } from './types.js';

const MIB = 2 ** 20;
const FLOAT = 4;

/** Node, tsx, tfjs, OpenBLAS and the models' code, before any data (measured: 276-295 MiB for small runs). */
export const RUNTIME_BYTES = 270 * MIB;

/** Rows and pixels of a run's data, from its dataset section. */
export interface DataShape {
  trainRows: number;
  testRows: number;
  pixels: number;
}

const MNIST = { train: 60_000, test: 10_000, pixels: 784 };
const ALPHADIGITS = { perCharacter: 39, characters: 36, pixels: 320 };

export function dataShape(dataset: DatasetConfig): DataShape {
  if (dataset.name === 'mnist') {
    // A digit filter keeps about a tenth of the images per digit.
    const share = (dataset.digits?.length ?? 10) / 10;
    const train = Math.min(dataset.limit ?? MNIST.train, Math.ceil(MNIST.train * share));
    const test = Math.min(dataset.test_limit ?? MNIST.test, Math.ceil(MNIST.test * share));
    return { trainRows: train, testRows: test, pixels: MNIST.pixels };
  }
  const selected =
    dataset.characters === undefined ? ALPHADIGITS.characters : parseCharacterSelection(dataset.characters).length;
  const characters = Math.min(dataset.n_characters ?? selected, selected);
  const rows = characters * ALPHADIGITS.perCharacter;
  return { trainRows: rows, testRows: rows, pixels: ALPHADIGITS.pixels };
}

/**
 * The images a run trains on, from its dataset section alone: exact on
 * AlphaDigits (the split rule of splitAlphaDigits per character), within a few
 * images on MNIST (the stratified split rounds per digit).
 */
export function plannedTrainRows(dataset: DatasetConfig): number {
  const fraction = dataset.validation_fraction ?? 0.1;
  if (dataset.name === 'mnist') return Math.round(dataShape(dataset).trainRows * (1 - fraction));
  const characters = dataShape(dataset).trainRows / ALPHADIGITS.perCharacter;
  const nonTest = ALPHADIGITS.perCharacter - ALPHADIGITS_TEST_PER_CHARACTER;
  return characters * (nonTest - validationCount(nonTest, fraction));
}

export interface MemoryEstimate {
  /** Peak resident memory of the run's process, bytes. */
  bytes: number;
  /** The parts it adds up: runtime, data, model, quality. */
  parts: Record<string, number>;
}

const numberOf = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
const listOf = (value: unknown): number[] => (Array.isArray(value) ? value.filter((v) => typeof v === 'number') : []);

/** The model's own arrays and whole-dataset intermediates beyond the data, per model type. */
function modelBytes(config: RunConfig, shape: DataShape): number {
  const { model, train } = config;
  const n = shape.trainRows;
  const p = shape.pixels;
  const samples = config.eval.n_samples;
  switch (model.type) {
    case 'rbm': {
      const h = numberOf(model.hidden_units, 100);
      const chains = numberOf(train.ais_runs, 100);
      // Weights with their velocity and gradient; AIS chains; sampling chains; held-out copies for the metrics.
      return FLOAT * (3 * p * h + 5 * chains * (p + h) + 4 * samples * (p + h) + 2 * shape.testRows * p);
    }
    case 'dbn': {
      const layers = listOf(model.layers);
      let bytes = 0;
      let width = p;
      for (const units of layers) {
        // Each layer trains on the layer below's activations of the whole training set.
        bytes += FLOAT * (3 * width * units + n * units);
        width = units;
      }
      return bytes + FLOAT * 4 * samples * (p + Math.max(...layers, 0));
    }
    default: {
      // Network models: a copy of the training set, weights with optimiser state, pretraining activations.
      const layers = [...listOf(model.layers), ...listOf(model.hidden_units), ...listOf(model.generator_hidden_units)];
      const widths = [p, ...layers, numberOf(model.latent_dim, 0)];
      let weights = 0;
      for (let i = 1; i < widths.length; i++) weights += widths[i - 1] * widths[i];
      return FLOAT * (n * p + 4 * weights + (model.pretrain === true ? n * Math.max(...layers, 0) : 0));
    }
  }
}

/**
 * The peak memory of one run: the runtime, the data (the float copies of the
 * loaded set and of its splits), the model, and the quality scale's
 * classifier (its activations over the training set) when the run scores
 * generated images.
 */
export function estimateRunMemory(config: RunConfig, shape: DataShape = dataShape(config.dataset)): MemoryEstimate {
  const floats = FLOAT * shape.pixels;
  const data = floats * (2 * shape.trainRows + shape.testRows);
  const model = modelBytes(config, shape);
  const scored = config.model.type !== 'dnn' && config.eval.quality && config.eval.n_samples > 0;
  const quality = scored ? (floats * shape.trainRows) / 4 : 0;
  const parts = { runtime: RUNTIME_BYTES, data, model, quality };
  return { bytes: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

const inMiB = (bytes: number) => `${Math.round(bytes / MIB)} MiB`;

/**
 * Why a sweep must not start, or undefined: a run whose estimated peak
 * memory exceeds the free memory divided among the runs that share it
 * (`jobs`). Names the largest run, what its estimate is made of, and how many
 * runs are over.
 */
export function memoryRefusal(
  plans: ReadonlyArray<Pick<RunPlan, 'index' | 'params' | 'config'>>,
  freeBytes: number,
  jobs: number,
): string | undefined {
  const share = freeBytes / jobs;
  const over = plans
    .map((plan) => ({ plan, estimate: estimateRunMemory(plan.config) }))
    .filter(({ estimate }) => estimate.bytes > share)
    .sort((a, b) => b.estimate.bytes - a.estimate.bytes);
  if (over.length === 0) return undefined;
  const { plan, estimate } = over[0];
  const params = Object.entries(plan.params).map(([path, value]) => `${path}=${JSON.stringify(value)}`);
  const parts = Object.entries(estimate.parts)
    .filter(([, bytes]) => Math.round(bytes / MIB) > 0)
    .map(([part, bytes]) => `${part} ${inMiB(bytes)}`);
  const others = over.length > 1 ? ` (and ${over.length - 1} other run(s))` : '';
  const shared = jobs > 1 ? `, shared by ${jobs} jobs: ${inMiB(share)} each` : '';
  return (
    `run #${plan.index}${params.length > 0 ? ` (${params.join(', ')})` : ''}${others} needs about ` +
    `${inMiB(estimate.bytes)} (${parts.join(', ')}), more than this machine's free memory allows: ` +
    `${inMiB(freeBytes)} free${shared}; run fewer jobs, or use less data or a smaller model`
  );
}
