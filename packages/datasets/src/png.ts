import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { checkImageShape, gridShape } from './grid.js';
import type { Matrix } from './types.js';

export interface PngGridOptions {
  /** Pixel rows per image. */
  height: number;
  /** Pixel columns per image. */
  width: number;
  /** Grid rows; default enough for all images given cols. */
  rows?: number;
  /** Grid columns; default a near-square grid. */
  cols?: number;
  /** Screen pixels per image pixel (default 4). */
  scale?: number;
  /** Screen pixels between tiles and around the grid (default 2). */
  padding?: number;
  /**
   * 'dark' (default): value 1 is black ink on white, like the printed characters;
   * 'light': value 1 is white on black, like matplotlib's gray colormap.
   */
  ink?: 'dark' | 'light';
}

const PADDING_GRAY = 150;

/**
 * A grayscale PNG of `images` (one image per row, values in [0, 1], row-major
 * height x width) laid out in a grid; values between 0 and 1 become grays.
 */
export function encodePngGrid(images: Matrix, options: PngGridOptions): Buffer {
  const { height, width } = options;
  checkImageShape(images, height, width);
  const scale = options.scale ?? 4;
  const padding = options.padding ?? 2;
  if (!(Number.isInteger(scale) && scale > 0)) throw new RangeError(`scale ${scale}: expected a positive integer`);
  if (!(Number.isInteger(padding) && padding >= 0))
    throw new RangeError(`padding ${padding}: expected a non-negative integer`);
  const grid = gridShape(images.rows, options);
  const tileW = width * scale;
  const tileH = height * scale;
  const pngW = grid.cols * tileW + (grid.cols + 1) * padding;
  const pngH = grid.rows * tileH + (grid.rows + 1) * padding;
  const png = new PNG({ width: pngW, height: pngH });
  png.data.fill(PADDING_GRAY);
  const darkInk = (options.ink ?? 'dark') === 'dark';

  for (let k = 0; k < grid.count; k++) {
    const x0 = padding + (k % grid.cols) * (tileW + padding);
    const y0 = padding + Math.floor(k / grid.cols) * (tileH + padding);
    const base = k * images.cols;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const v = Math.min(1, Math.max(0, images.data[base + r * width + c]));
        const gray = Math.round(255 * (darkInk ? 1 - v : v));
        for (let dy = 0; dy < scale; dy++) {
          let p = ((y0 + r * scale + dy) * pngW + x0 + c * scale) * 4;
          for (let dx = 0; dx < scale; dx++, p += 4) {
            png.data[p] = gray;
            png.data[p + 1] = gray;
            png.data[p + 2] = gray;
          }
        }
      }
    }
  }
  // Alpha is 255 everywhere from fill(); written as 8-bit grayscale without alpha.
  for (let p = 3; p < png.data.length; p += 4) png.data[p] = 255;
  return PNG.sync.write(png, { colorType: 0 });
}

/** Writes encodePngGrid's PNG to `file`, creating its folder. */
export function writePngGrid(file: string, images: Matrix, options: PngGridOptions): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, encodePngGrid(images, options));
}
