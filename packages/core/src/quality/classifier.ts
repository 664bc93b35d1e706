import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng, type Matrix, permutation, UserError } from '@rbm-lab/datasets';
import { initializedGemm } from '../backend.js';
import type { Gemm } from '../linalg/gemm.js';
import type { TrainingData } from '../model.js';
import { gatherRowsInto, networkArrays, setNetworkArrays } from '../nn/arrays.js';
import { classProbabilities, mapNetworkRows, trainClassifierBatch } from '../nn/classification.js';
import { runEpochs } from '../nn/epochs.js';
import { DenseNetwork } from '../nn/network.js';
import { Adam } from '../nn/optimizers.js';
import { loadModelFiles, saveModelFiles } from '../persistence.js';

export type QualityDataset = 'alphadigits' | 'mnist';

/**
 * Outputs of each dataset's classifier: its characters plus one last class,
 * REJECT_CLASS, for "not a character" (noise and blobs, see classifier-data.ts),
 * so generated noise is not counted as any character.
 */
export const DATASET_CLASSES: Readonly<Record<QualityDataset, number>> = { mnist: 11, alphadigits: 37 };
/** Index of the "not a character" output. */
export const REJECT_CLASS: Readonly<Record<QualityDataset, number>> = { mnist: 10, alphadigits: 36 };

const CLASSIFIER_TYPE = 'feature-classifier';
/**
 * Bumped when the architecture or training recipe changes, so stale caches are not reused.
 * 2: trained on the nn engine (Glorot init from the project's generator, not tfjs's).
 * 3: one more output, the "not a character" class (REJECT_CLASS).
 */
const CLASSIFIER_RECIPE = 3;
const HIDDEN_UNITS = [256, 64];
const LEARNING_RATE = 0.001;
const BATCH_SIZE = 64;
/** Optimisation steps aimed for, whatever the data size (bounded below and above in epochs). */
const TARGET_STEPS = 2000;
const MIN_EPOCHS = 2;
const MAX_EPOCHS = 60;
const SEED = 1_000_003;
const HELD_OUT_FRACTION = 0.1;

const parameterName = (layer: number, part: 'kernel' | 'bias'): string => `classifier.${layer}.${part}`;

export class ClassifierDataError extends UserError {}

/**
 * A small MLP classifier (ReLU hidden layers, linear class logits) whose
 * penultimate-layer activations serve as the feature space of the Fréchet
 * distance (the role Inception plays for FID).
 */
export class FeatureClassifier {
  private constructor(
    readonly dataset: QualityDataset,
    readonly nVisible: number,
    readonly nClasses: number,
    /** Accuracy on the slice of the training data held out from its training. */
    readonly heldOutAccuracy: number,
    private readonly network: DenseNetwork,
    private readonly gemm: Gemm,
  ) {}

  get featureDim(): number {
    return HIDDEN_UNITS[HIDDEN_UNITS.length - 1];
  }

  private checkWidth(x: Matrix): void {
    if (x.cols !== this.nVisible) {
      throw new ClassifierDataError(
        `${this.dataset} classifier expects images of ${this.nVisible} pixels, got ${x.cols}`,
      );
    }
  }

  /** Penultimate-layer activations, rows x featureDim. */
  features(x: Matrix): Matrix {
    this.checkWidth(x);
    return mapNetworkRows(this.gemm, this.network, x, { layer: this.network.layers.length - 2 });
  }

  /** Softmax class probabilities, rows x nClasses. */
  classProbabilities(x: Matrix): Matrix {
    this.checkWidth(x);
    return classProbabilities(this.gemm, this.network, x);
  }

  /** The network holds plain arrays; kept so callers release classifiers uniformly. */
  dispose(): void {}

  static build(dataset: QualityDataset, nVisible: number): DenseNetwork {
    const network = new DenseNetwork(nVisible, [
      ...HIDDEN_UNITS.map((units) => ({ units, activation: 'relu' as const })),
      { units: DATASET_CLASSES[dataset], activation: 'linear' },
    ]);
    const rng = createRng(SEED);
    network.initialize(rng.next);
    return network;
  }

  /** Trains on all but a held-out tenth of trainData (seeded split), which measures its accuracy. */
  static async train(dataset: QualityDataset, trainData: TrainingData): Promise<FeatureClassifier> {
    const labels = checkLabels(dataset, trainData);
    const gemm = await initializedGemm();
    const rng = createRng(SEED);
    const order = permutation(rng, trainData.x.rows);
    const nHeldOut = trainData.x.rows >= 20 ? Math.round(trainData.x.rows * HELD_OUT_FRACTION) : 0;
    const fitRows = order.subarray(nHeldOut);
    const heldOutRows = order.subarray(0, nHeldOut);
    const network = FeatureClassifier.build(dataset, trainData.x.cols);
    const optimizer = new Adam(network.parameters.length, { learningRate: LEARNING_RATE });
    const epochs = Math.min(MAX_EPOCHS, Math.max(MIN_EPOCHS, Math.ceil((TARGET_STEPS * BATCH_SIZE) / fitRows.length)));
    const batchX = new Float32Array(BATCH_SIZE * trainData.x.cols);
    const batchLabels = new Int32Array(BATCH_SIZE);
    await runEpochs({
      rows: fitRows.length,
      epochs,
      batchSize: BATCH_SIZE,
      // Each epoch visits the fitting rows in a fresh seeded order.
      nextOrder: () => Int32Array.from(permutation(rng, fitRows.length), (i) => fitRows[i]),
      options: {},
      step: (rows, start, end) => {
        gatherRowsInto(trainData.x, rows, start, end, batchX);
        for (let i = start; i < end; i++) batchLabels[i - start] = labels[rows[i]];
        return { cross_entropy: trainClassifierBatch(gemm, network, optimizer, batchX, batchLabels, end - start).loss };
      },
    });
    let accuracy = Number.NaN;
    if (nHeldOut > 0) {
      const heldOutX: Matrix = {
        data: new Float32Array(nHeldOut * trainData.x.cols),
        rows: nHeldOut,
        cols: trainData.x.cols,
      };
      gatherRowsInto(trainData.x, heldOutRows, 0, nHeldOut, heldOutX.data);
      const predicted = argmaxRows(classProbabilities(gemm, network, heldOutX));
      let correct = 0;
      heldOutRows.forEach((row, i) => {
        if (predicted[i] === labels[row]) correct++;
      });
      accuracy = correct / nHeldOut;
    }
    return new FeatureClassifier(dataset, trainData.x.cols, DATASET_CLASSES[dataset], accuracy, network, gemm);
  }

  async save(dir: string, fingerprint: string): Promise<void> {
    await saveModelFiles(dir, {
      type: CLASSIFIER_TYPE,
      hyperparameters: {
        hidden_units: HIDDEN_UNITS,
        learning_rate: LEARNING_RATE,
        batch_size: BATCH_SIZE,
        recipe: CLASSIFIER_RECIPE,
      },
      extra: {
        dataset: this.dataset,
        nVisible: this.nVisible,
        nClasses: this.nClasses,
        heldOutAccuracy: this.heldOutAccuracy,
        fingerprint,
      },
      arrays: networkArrays(this.network, parameterName),
    });
  }

  static async load(
    dir: string,
    expected: { dataset: QualityDataset; fingerprint?: string },
  ): Promise<FeatureClassifier> {
    const saved = await loadModelFiles(dir, CLASSIFIER_TYPE);
    const extra = saved.extra;
    if (
      extra.dataset !== expected.dataset ||
      (expected.fingerprint !== undefined && extra.fingerprint !== expected.fingerprint)
    ) {
      throw new ClassifierDataError(
        `${dir}: holds a classifier for other data (${String(extra.dataset)}), expected ${expected.dataset}`,
      );
    }
    const nVisible = Number(extra.nVisible);
    const network = FeatureClassifier.build(expected.dataset, nVisible);
    setNetworkArrays(network, saved.arrays, parameterName, dir);
    // JSON turns NaN into null.
    const accuracy = typeof extra.heldOutAccuracy === 'number' ? extra.heldOutAccuracy : Number.NaN;
    const gemm = await initializedGemm();
    return new FeatureClassifier(
      expected.dataset,
      nVisible,
      DATASET_CLASSES[expected.dataset],
      accuracy,
      network,
      gemm,
    );
  }
}

function checkLabels(dataset: QualityDataset, data: TrainingData): Int32Array {
  const nClasses = DATASET_CLASSES[dataset];
  if (!data.labels || data.labels.length !== data.x.rows) {
    throw new ClassifierDataError(`the ${dataset} feature classifier needs one label per training image`);
  }
  for (const label of data.labels) {
    if (!(label >= 0 && label < nClasses)) {
      throw new ClassifierDataError(`the ${dataset} feature classifier expects labels 0-${nClasses - 1}, got ${label}`);
    }
  }
  return data.labels;
}

/** Identifies the training data and recipe, so a cached classifier is reused only for the same inputs. */
export function classifierFingerprint(dataset: QualityDataset, data: TrainingData): string {
  const hash = createHash('sha256');
  hash.update(`${CLASSIFIER_TYPE}/${CLASSIFIER_RECIPE}/${dataset}/${data.x.rows}x${data.x.cols}/`);
  hash.update(new Uint8Array(data.x.data.buffer, data.x.data.byteOffset, data.x.data.byteLength));
  if (data.labels) hash.update(new Uint8Array(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength));
  return hash.digest('hex');
}

/**
 * The dataset's feature classifier, loaded from `cacheDir` when one trained on
 * exactly this data is there, else trained (seeded: a few seconds on AlphaDigits,
 * tens of seconds on MNIST) and saved there for every later run.
 */
export async function loadOrTrainFeatureClassifier(
  dataset: QualityDataset,
  trainData: TrainingData,
  cacheDir: string,
): Promise<FeatureClassifier> {
  const fingerprint = classifierFingerprint(dataset, trainData);
  const dir = join(cacheDir, `${dataset}-${fingerprint.slice(0, 16)}`);
  const present = await access(join(dir, 'model.json')).then(
    () => true,
    () => false,
  );
  if (present) return FeatureClassifier.load(dir, { dataset, fingerprint });
  const classifier = await FeatureClassifier.train(dataset, trainData);
  await classifier.save(dir, fingerprint);
  return classifier;
}

export function argmaxRows(probabilities: Matrix): Int32Array {
  const { rows, cols, data } = probabilities;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (data[r * cols + c] > data[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}

/** Mean over rows of the largest class probability: how sure the classifier is that samples are characters. */
export function classifierConfidence(probabilities: Matrix): number {
  const { rows, cols, data } = probabilities;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 0; c < cols; c++) best = Math.max(best, data[r * cols + c]);
    sum += best;
  }
  return sum / rows;
}
