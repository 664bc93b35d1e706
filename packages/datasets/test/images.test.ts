import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodePngGrid,
  gridShape,
  loadAlphaDigits,
  renderHalfBlocks,
  writePngGrid,
  type Matrix,
} from '../src/index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'rbm-images-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function matrix(rows: number[][]): Matrix {
  return { data: Float32Array.from(rows.flat()), rows: rows.length, cols: rows[0].length };
}

/** Gray value at (x, y) of a decoded PNG. */
function grayAt(png: PNG, x: number, y: number): number {
  return png.data[(y * png.width + x) * 4];
}

describe('gridShape', () => {
  it('lays out near-square by default, or by the given rows/cols', () => {
    expect(gridShape(10)).toEqual({ rows: 3, cols: 4, count: 10 });
    expect(gridShape(10, { cols: 5 })).toEqual({ rows: 2, cols: 5, count: 10 });
    expect(gridShape(10, { rows: 2, cols: 3 })).toEqual({ rows: 2, cols: 3, count: 6 });
    expect(gridShape(10, { rows: 4 })).toEqual({ rows: 4, cols: 3, count: 10 });
  });
});

describe('encodePngGrid', () => {
  it('decodes back with the grid size and the pixel values (dark ink by default)', () => {
    // Two 2x3 images: the first has ink in its top-left pixel, the second is all ink.
    const images = matrix([
      [1, 0, 0, 0, 0, 0],
      [1, 1, 1, 1, 1, 1],
    ]);
    const png = PNG.sync.read(encodePngGrid(images, { height: 2, width: 3, cols: 2, scale: 3, padding: 1 }));
    expect([png.width, png.height]).toEqual([2 * 3 * 3 + 3, 2 * 3 + 2]);
    expect(grayAt(png, 1, 1)).toBe(0); // ink of image 0, pixel (0,0)
    expect(grayAt(png, 3, 1)).toBe(0); // same pixel, scaled
    expect(grayAt(png, 4, 1)).toBe(255); // image 0, pixel (0,1): paper
    expect(grayAt(png, 1 + 9 + 1, 1)).toBe(0); // image 1 starts after a 1-pixel gap
    expect(grayAt(png, 10, 1)).not.toBe(0); // the gap itself is padding gray
    expect(grayAt(png, 10, 1)).not.toBe(255);
  });

  it('light ink and gray levels', () => {
    const png = PNG.sync.read(
      encodePngGrid(matrix([[1, 0.5]]), { height: 1, width: 2, scale: 1, padding: 0, ink: 'light' }),
    );
    expect([png.width, png.height]).toEqual([2, 1]);
    expect([grayAt(png, 0, 0), grayAt(png, 1, 0)]).toEqual([255, 128]);
  });

  it('rejects a shape that does not match the row length', () => {
    expect(() => encodePngGrid(matrix([[1, 0, 1]]), { height: 2, width: 2 })).toThrow(
      /image shape 2x2 does not match 3 pixels per row/,
    );
  });

  it('writePngGrid creates the folder and writes real AlphaDigits characters', async () => {
    const set = await loadAlphaDigits({ chars: 'A,B' });
    const file = path.join(tmp, 'nested', 'deeper', 'ab.png');
    writePngGrid(file, set.images, { height: 20, width: 16, cols: 39, scale: 2 });
    expect(existsSync(file)).toBe(true);
    const png = PNG.sync.read(readFileSync(file));
    expect([png.width, png.height]).toEqual([39 * 32 + 40 * 2, 2 * 40 + 3 * 2]);
  });
});

describe('renderHalfBlocks', () => {
  it('renders a known tiny image with upper, lower and full blocks', () => {
    // 4x3 image: row0 = 1 0 1, row1 = 1 1 0, row2 = 0 0 0, row3 = 0 1 0
    const image = matrix([[1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0]]);
    expect(renderHalfBlocks(image, { height: 4, width: 3 })).toBe('█▄▀\n ▄ ');
  });

  it('lays out a grid with gaps, pads to a rectangle, and handles odd heights', () => {
    const a = [1, 1, 1]; // 3x1 image: all ink
    const b = [0, 0, 1]; // ink only in the last row
    const images = matrix([a, b, a]);
    const text = renderHalfBlocks(images, { height: 3, width: 1, cols: 2, gap: 1 });
    expect(text.split('\n')).toEqual(['█  ', '▀ ▀', '   ', '█  ', '▀  ']);
  });

  it('maxImages limits the images shown, and thresholds at 0.5', () => {
    const images = matrix([[0.6], [0.4], [1]]);
    expect(renderHalfBlocks(images, { height: 1, width: 1, maxImages: 2, gap: 0 })).toBe('▀ ');
  });

  it('renders 8 real images in a 4-column grid as one rectangle of text', async () => {
    const set = await loadAlphaDigits({ chars: '1' });
    const text = renderHalfBlocks(set.images, { height: 20, width: 16, cols: 4, maxImages: 8 });
    const lines = text.split('\n');
    expect(lines).toHaveLength(2 * 10 + 1);
    expect(new Set(lines.map((l) => l.length))).toEqual(new Set([4 * 16 + 3]));
  });
});
