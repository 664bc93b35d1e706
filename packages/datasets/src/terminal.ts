import { checkImageShape, gridShape } from './grid.js';
import type { Matrix } from './types.js';

export interface HalfBlockOptions {
  height: number;
  width: number;
  /** Images per grid row; default as many as fit in 80 columns. */
  cols?: number;
  /** Show at most this many images (default all). */
  maxImages?: number;
  /** Blank columns between images, and blank lines between grid rows (default 1). */
  gap?: number;
  /** Pixels >= threshold are ink (default 0.5). */
  threshold?: number;
}

const UPPER = '\u2580'; // ▀
const LOWER = '\u2584'; // ▄
const FULL = '\u2588'; // █

/**
 * Renders images as text: each character cell shows two pixel rows with Unicode
 * half blocks (ink = block, no colour), images laid out in a grid. Every line has
 * the same width (a rectangle, easy to place beside other text); lines are joined
 * by '\n' with no trailing newline.
 */
export function renderHalfBlocks(images: Matrix, options: HalfBlockOptions): string {
  const { height, width } = options;
  checkImageShape(images, height, width);
  const gap = options.gap ?? 1;
  const threshold = options.threshold ?? 0.5;
  if (!(Number.isInteger(gap) && gap >= 0)) throw new RangeError(`gap ${gap}: expected a non-negative integer`);
  const n = Math.min(images.rows, options.maxImages ?? images.rows);
  if (n === 0) return '';
  const cols = Math.min(n, options.cols ?? Math.max(1, Math.floor((80 + gap) / (width + gap))));
  const grid = gridShape(n, { cols });
  const linesPerImage = Math.ceil(height / 2);
  const ink = (k: number, r: number, c: number): boolean =>
    r < height && images.data[k * images.cols + r * width + c] >= threshold;

  const lineWidth = grid.cols * width + (grid.cols - 1) * gap;
  const lines: string[] = [];
  for (let gridRow = 0; gridRow * grid.cols < grid.count; gridRow++) {
    if (gridRow > 0) for (let g = 0; g < gap; g++) lines.push(' '.repeat(lineWidth));
    const first = gridRow * grid.cols;
    const last = Math.min(first + grid.cols, grid.count);
    for (let line = 0; line < linesPerImage; line++) {
      const parts: string[] = [];
      for (let k = first; k < last; k++) {
        let text = '';
        for (let c = 0; c < width; c++) {
          const top = ink(k, 2 * line, c);
          const bottom = ink(k, 2 * line + 1, c);
          text += top ? (bottom ? FULL : UPPER) : bottom ? LOWER : ' ';
        }
        parts.push(text);
      }
      lines.push(parts.join(' '.repeat(gap)).padEnd(lineWidth));
    }
  }
  return lines.join('\n');
}
