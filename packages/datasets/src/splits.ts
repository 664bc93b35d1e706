// Train / validation / test splits: computed once from (dataset, selection, seed),
// the three parts disjoint, and described by a record a run stores with its results.
import { createHash } from 'node:crypto';
import { ALPHADIGITS_CLASSES, ALPHADIGITS_IMAGES_PER_CLASS } from './alphadigits.js';
import { UserError } from './errors.js';
import { createRng, shuffleInPlace } from './random.js';
import type { ImageSet } from './types.js';

/** A new ImageSet holding rows `indices` of `set`, in that order. */
export function selectRows(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const cols = set.images.cols;
  const data = new Float32Array(indices.length * cols);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= set.images.rows)
      throw new RangeError(`row index ${i} is outside 0..${set.images.rows - 1}`);
    data.set(set.images.data.subarray(i * cols, (i + 1) * cols), k * cols);
    labels[k] = set.labels[i];
  }
  return { ...set, images: { data, rows: indices.length, cols }, labels };
}

export interface SplitOptions {
  /** Share of images for validation, strictly between 0 and 1. */
  validationFraction: number;
  seed: number;
  /**
   * Split each label separately (default true), so every class appears in both parts
   * whenever it has at least two images.
   */
  stratified?: boolean;
}

function checkFraction(validationFraction: number): void {
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new UserError(
      `invalid validation fraction ${validationFraction}: expected a number strictly between 0 and 1`,
    );
  }
}

/** How many of a class's `n` images go to validation: about n * fraction, at least 1, never all. */
export function validationCount(n: number, validationFraction: number): number {
  return n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * validationFraction)));
}

/**
 * A seeded train/validation split. Both parts keep the original row order (training
 * code shuffles batches itself), so the split depends only on the seed and the data.
 */
export function splitTrainValidation(set: ImageSet, options: SplitOptions): { train: ImageSet; validation: ImageSet } {
  const { validationFraction, seed } = options;
  checkFraction(validationFraction);
  const rng = createRng(seed);
  const n = set.images.rows;
  const isValidation = new Uint8Array(n);
  if (options.stratified ?? true) {
    const byLabel = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const list = byLabel.get(set.labels[i]);
      if (list) list.push(i);
      else byLabel.set(set.labels[i], [i]);
    }
    for (const label of [...byLabel.keys()].sort((x, y) => x - y)) {
      const rows = byLabel.get(label)!;
      const take = validationCount(rows.length, validationFraction);
      shuffleInPlace(rows, rng);
      for (let k = 0; k < take; k++) isValidation[rows[k]] = 1;
    }
  } else {
    const order = shuffleInPlace(
      Uint32Array.from({ length: n }, (_, i) => i),
      rng,
    );
    const take = Math.round(n * validationFraction);
    for (let k = 0; k < take; k++) isValidation[order[k]] = 1;
  }
  const trainRows: number[] = [];
  const validationRows: number[] = [];
  for (let i = 0; i < n; i++) (isValidation[i] ? validationRows : trainRows).push(i);
  return { train: selectRows(set, trainRows), validation: selectRows(set, validationRows) };
}

export type SplitPart = 'train' | 'validation' | 'test';
export const SPLIT_PARTS: readonly SplitPart[] = ['train', 'validation', 'test'];

/** What a run stores about its data: enough to tell whether two runs saw the same images. */
export interface SplitRecord {
  dataset: 'alphadigits' | 'mnist';
  /** How the test part is chosen (it never depends on the run's seed or selection beyond its classes). */
  testRule: string;
  validationFraction: number;
  /** Seed of the train/validation split. */
  seed: number;
  counts: Record<SplitPart, number>;
  /** sha256 (hex) of each part's pixels and labels, in row order. */
  hashes: Record<SplitPart, string>;
  /** AlphaDigits: the rows (0-1403, class-major as in the file) of each part. */
  rows?: Record<SplitPart, number[]>;
}

export interface DatasetSplit {
  train: ImageSet;
  validation: ImageSet;
  test: ImageSet;
  record: SplitRecord;
}

/** sha256 of an image set's pixels (float32 bytes) and labels: equal hashes mean the same images in the same order. */
export function imageSetHash(set: ImageSet): string {
  const { data, rows, cols } = set.images;
  const hash = createHash('sha256');
  hash.update(`${rows}x${cols}/`);
  hash.update(new Uint8Array(data.buffer, data.byteOffset, rows * cols * 4));
  hash.update(new Uint8Array(set.labels.buffer, set.labels.byteOffset, set.labels.byteLength));
  return hash.digest('hex');
}

/**
 * AlphaDigits test images per character: a fixed fifth of each character's 39
 * images, the same for every run whatever its characters or seeds, so no run
 * (and not the quality classifier) ever trains on another run's test images.
 */
export const ALPHADIGITS_TEST_PER_CHARACTER = 8;
/** Seed of the fixed AlphaDigits test set; changing it changes every AlphaDigits test metric. */
const ALPHADIGITS_TEST_SEED = 20_080_101;

/** Rows (0-1403, class-major) of the fixed AlphaDigits test set, sorted. */
export function alphaDigitsTestRows(): number[] {
  const rng = createRng(ALPHADIGITS_TEST_SEED);
  const rows: number[] = [];
  for (let cls = 0; cls < ALPHADIGITS_CLASSES.length; cls++) {
    const order = Array.from({ length: ALPHADIGITS_IMAGES_PER_CLASS }, (_, j) => j);
    shuffleInPlace(order, rng);
    const picked = order.slice(0, ALPHADIGITS_TEST_PER_CHARACTER).sort((a, b) => a - b);
    for (const j of picked) rows.push(cls * ALPHADIGITS_IMAGES_PER_CLASS + j);
  }
  return rows;
}

function checkFullAlphaDigits(all: ImageSet): void {
  const expected = ALPHADIGITS_CLASSES.length * ALPHADIGITS_IMAGES_PER_CLASS;
  if (all.images.rows !== expected) {
    throw new RangeError(`the AlphaDigits split needs all ${expected} images, got ${all.images.rows}`);
  }
}

/** Every AlphaDigits image outside the fixed test set (all 36 characters): what the quality classifier learns from. */
export function alphaDigitsNonTest(all: ImageSet): ImageSet {
  checkFullAlphaDigits(all);
  const test = new Set(alphaDigitsTestRows());
  return selectRows(
    all,
    Array.from({ length: all.images.rows }, (_, row) => row).filter((row) => !test.has(row)),
  );
}

function recordOf(
  dataset: SplitRecord['dataset'],
  testRule: string,
  parts: Record<SplitPart, ImageSet>,
  options: SplitOptions,
): SplitRecord {
  const counts = { train: 0, validation: 0, test: 0 };
  const hashes = { train: '', validation: '', test: '' };
  for (const part of SPLIT_PARTS) {
    counts[part] = parts[part].images.rows;
    hashes[part] = imageSetHash(parts[part]);
  }
  return { dataset, testRule, validationFraction: options.validationFraction, seed: options.seed, counts, hashes };
}

/**
 * The split of a run on AlphaDigits characters `classes` (default all 36):
 * test = the fixed test images of those characters; of each character's other
 * images, round(31 * validationFraction) (at least 1) go to validation, drawn
 * with a stream of (seed, character) so a character's split does not depend on
 * which other characters are selected; the rest train.
 */
export function splitAlphaDigits(
  all: ImageSet,
  classes: readonly number[] | undefined,
  options: SplitOptions,
): DatasetSplit {
  checkFullAlphaDigits(all);
  checkFraction(options.validationFraction);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new UserError(`invalid split seed ${options.seed}: expected an integer >= 0`);
  }
  const selected = classes ?? ALPHADIGITS_CLASSES.map((_, c) => c);
  const testRows = new Set(alphaDigitsTestRows());
  const rows: Record<SplitPart, number[]> = { train: [], validation: [], test: [] };
  for (const cls of [...selected].sort((a, b) => a - b)) {
    const first = cls * ALPHADIGITS_IMAGES_PER_CLASS;
    const own = Array.from({ length: ALPHADIGITS_IMAGES_PER_CLASS }, (_, j) => first + j);
    const rest = own.filter((row) => !testRows.has(row));
    rows.test.push(...own.filter((row) => testRows.has(row)));
    // One stream per (seed, character): seed * 36 + character never repeats across pairs.
    shuffleInPlace(rest, createRng(options.seed * ALPHADIGITS_CLASSES.length + cls));
    const take = validationCount(rest.length, options.validationFraction);
    rows.validation.push(...rest.slice(0, take).sort((a, b) => a - b));
    rows.train.push(...rest.slice(take).sort((a, b) => a - b));
  }
  const parts = {
    train: selectRows(all, rows.train),
    validation: selectRows(all, rows.validation),
    test: selectRows(all, rows.test),
  };
  const rule = `fixed ${ALPHADIGITS_TEST_PER_CHARACTER} of 39 images per character (seed ${ALPHADIGITS_TEST_SEED})`;
  return { ...parts, record: { ...recordOf('alphadigits', rule, parts, options), rows } };
}

/** MNIST: train/validation from the official training images (stratified, seeded); test = the official test images. */
export function splitMnist(trainSet: ImageSet, testSet: ImageSet, options: SplitOptions): DatasetSplit {
  const { train, validation } = splitTrainValidation(trainSet, options);
  const parts = { train, validation, test: testSet };
  return { ...parts, record: recordOf('mnist', 'the official MNIST test set', parts, options) };
}
