import type { Matrix } from '@rbm-lab/datasets';
import type { Gemm } from '../linalg/gemm.js';
import { forEachSquaredDistanceBlock } from './distances.js';

/** For each sample, the squared Euclidean distance to its nearest training image. */
export function nearestNeighbourDistances(samples: Matrix, train: Matrix, gemm?: Gemm): Float64Array {
  if (train.rows === 0) throw new RangeError('nearest-neighbour distance needs training images');
  const nearest = new Float64Array(samples.rows);
  const m = train.rows;
  forEachSquaredDistanceBlock(
    samples,
    train,
    (start, rows, distances) => {
      for (let i = 0; i < rows; i++) {
        let best = Infinity;
        const offset = i * m;
        for (let j = 0; j < m; j++) if (distances[offset + j] < best) best = distances[offset + j];
        nearest[start + i] = best;
      }
    },
    gemm,
  );
  return nearest;
}

/**
 * Mean over samples of the squared Euclidean distance to the nearest training
 * image; for binary samples this is the Hamming distance (pixels that differ).
 * Near 0 means the model copies its training images.
 */
export function nearestNeighbourDistance(samples: Matrix, train: Matrix, gemm?: Gemm): number {
  const distances = nearestNeighbourDistances(samples, train, gemm);
  let sum = 0;
  for (const d of distances) sum += d;
  return sum / distances.length;
}
