// Seeded train/validation splits of image sets.
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

/**
 * A seeded train/validation split. Both parts keep the original row order (training
 * code shuffles batches itself), so the split depends only on the seed and the data.
 */
export function splitTrainValidation(set: ImageSet, options: SplitOptions): { train: ImageSet; validation: ImageSet } {
  const { validationFraction, seed } = options;
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new UserError(
      `invalid validation fraction ${validationFraction}: expected a number strictly between 0 and 1`,
    );
  }
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
      const take =
        rows.length < 2 ? 0 : Math.min(rows.length - 1, Math.max(1, Math.round(rows.length * validationFraction)));
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
