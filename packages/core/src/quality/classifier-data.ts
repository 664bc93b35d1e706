import { createRng, type Rng } from '@rbm-lab/datasets';
import type { TrainingData } from '../model.js';
import { DATASET_CLASSES, REJECT_CLASS, type QualityDataset } from './classifier.js';

/** One-pixel shifts (and none) that AlphaDigits images are augmented with: 39 images per character are few. */
const ALPHADIGITS_SHIFTS: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [0, 1],
  [0, -1],
  [1, 0],
  [-1, 0],
  [1, 1],
  [-1, -1],
  [1, -1],
  [-1, 1],
];
/** "Not a character" images, as a multiple of one character's share of the training images. */
const REJECT_SHARE = 2;
const REJECT_SEED = 0x0e_7ec7;

function shiftImage(
  source: Float32Array,
  from: number,
  target: Float32Array,
  to: number,
  height: number,
  width: number,
  [dy, dx]: readonly [number, number],
): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sy = y - dy;
      const sx = x - dx;
      const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
      target[to + y * width + x] = inside ? source[from + sy * width + sx] : 0;
    }
  }
}

/** Uniform noise of a random density, or 1-3 filled ellipses with a few flipped pixels (ink blobs). */
function drawRejectImage(out: Float32Array, offset: number, height: number, width: number, rng: Rng): void {
  const pixels = height * width;
  if (rng.next() < 0.6) {
    const density = 0.02 + 0.88 * rng.next();
    for (let p = 0; p < pixels; p++) out[offset + p] = rng.next() < density ? 1 : 0;
    return;
  }
  out.fill(0, offset, offset + pixels);
  const blobs = 1 + rng.nextInt(3);
  for (let b = 0; b < blobs; b++) {
    const cy = rng.next() * height;
    const cx = rng.next() * width;
    const ry = 2 + rng.next() * (height / 2);
    const rx = 2 + rng.next() * (width / 2);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1) out[offset + y * width + x] = 1;
      }
    }
  }
  const flip = 0.1 * rng.next();
  for (let p = 0; p < pixels; p++) if (rng.next() < flip) out[offset + p] = 1 - out[offset + p];
}

/**
 * What the quality classifier learns from: the given labelled images (which
 * must hold no test image of any run), AlphaDigits ones also shifted by one
 * pixel in the 8 directions, plus seeded "not a character" images (noise,
 * blobs) labelled REJECT_CLASS, so noise and ink blobs are counted as no character.
 */
export function classifierTrainingData(dataset: QualityDataset, data: TrainingData): TrainingData {
  const { x, labels } = data;
  const height = data.height ?? 0;
  const width = data.width ?? 0;
  if (!labels || height * width !== x.cols) {
    throw new RangeError('classifierTrainingData needs labelled images with their height and width');
  }
  const shifts = dataset === 'alphadigits' ? ALPHADIGITS_SHIFTS : ALPHADIGITS_SHIFTS.slice(0, 1);
  const characters = x.rows * shifts.length;
  const nCharacters = DATASET_CLASSES[dataset] - 1;
  const rejects = Math.round((REJECT_SHARE * characters) / nCharacters);
  const rows = characters + rejects;
  const out = new Float32Array(rows * x.cols);
  const outLabels = new Int32Array(rows);
  let row = 0;
  for (const shift of shifts) {
    for (let r = 0; r < x.rows; r++, row++) {
      shiftImage(x.data, r * x.cols, out, row * x.cols, height, width, shift);
      outLabels[row] = labels[r];
    }
  }
  const rng = createRng(REJECT_SEED);
  for (; row < rows; row++) {
    drawRejectImage(out, row * x.cols, height, width, rng);
    outLabels[row] = REJECT_CLASS[dataset];
  }
  return { x: { data: out, rows, cols: x.cols }, labels: outLabels, nClasses: DATASET_CLASSES[dataset], height, width };
}
