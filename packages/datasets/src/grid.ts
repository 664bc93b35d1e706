import type { Matrix } from './types.js';

export interface GridShape {
  rows: number;
  cols: number;
  /** Images shown: min(n, rows * cols). */
  count: number;
}

/**
 * Lays out `n` images: given cols (and maybe rows) it fills row by row; given neither,
 * a near-square grid. Images beyond rows * cols are left out.
 */
export function gridShape(n: number, options: { rows?: number; cols?: number } = {}): GridShape {
  for (const key of ['rows', 'cols'] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isInteger(v) && v > 0))
      throw new RangeError(`grid ${key} ${v}: expected a positive integer`);
  }
  const cols =
    options.cols ??
    (options.rows !== undefined ? Math.max(1, Math.ceil(n / options.rows)) : Math.max(1, Math.ceil(Math.sqrt(n))));
  const rows = options.rows ?? Math.max(1, Math.ceil(n / cols));
  return { rows, cols, count: Math.min(n, rows * cols) };
}

export function checkImageShape(images: Matrix, height: number, width: number): void {
  if (
    !(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0) ||
    height * width !== images.cols
  ) {
    throw new RangeError(`image shape ${height}x${width} does not match ${images.cols} pixels per row`);
  }
}
