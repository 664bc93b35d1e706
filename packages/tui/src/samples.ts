/**
 * Generated samples as terminal text: two pixel rows per character using
 * half blocks, images laid out in a grid that fits the space given.
 */
import { renderHalfBlocks, type Matrix } from '@rbm-lab/datasets';

export interface Samples {
  data: Float32Array;
  n: number;
  height: number;
  width: number;
}

export interface GridSize {
  cols: number;
  rows: number;
  count: number;
}

/** How many images fit in maxWidth x maxHeight cells (1 column and 1 line between images). */
export function fitGrid(samples: Samples, maxWidth: number, maxHeight: number, maxImages = Infinity): GridSize {
  const cellH = Math.ceil(samples.height / 2);
  const cols = Math.max(0, Math.floor((maxWidth + 1) / (samples.width + 1)));
  const rows = Math.max(0, Math.floor((maxHeight + 1) / (cellH + 1)));
  const count = Math.min(samples.n, cols * rows, maxImages);
  return { cols: Math.min(cols, count), rows: count > 0 ? Math.ceil(count / Math.max(1, cols)) : 0, count };
}

/** Lines of a sample grid that fits the given box; empty if not even one image fits. */
export function sampleGridLines(samples: Samples, maxWidth: number, maxHeight: number, maxImages = Infinity): string[] {
  const grid = fitGrid(samples, maxWidth, maxHeight, maxImages);
  if (grid.count === 0) return [];
  const images: Matrix = { data: samples.data, rows: samples.n, cols: samples.height * samples.width };
  const text = renderHalfBlocks(images, {
    height: samples.height,
    width: samples.width,
    cols: grid.cols,
    maxImages: grid.count,
    gap: 1,
  });
  return text
    .split('\n')
    .slice(0, maxHeight)
    .map((l) => (l.length > maxWidth ? l.slice(0, maxWidth) : l));
}
