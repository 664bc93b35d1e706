import { UserError, type Matrix } from '@rbm-lab/datasets';
import type { NamedArray } from '../persistence.js';
import type { DenseNetwork } from './network.js';

/** A saved array that does not fit the network it is loaded into (missing, or another shape). */
export class WeightsMismatchError extends UserError {}

/** Names a layer's saved kernel or bias; models choose names that keep their saved files readable. */
export type ParameterName = (layer: number, part: 'kernel' | 'bias') => string;

/** The network's parameters as named arrays (copies), for saveModelFiles. */
export function networkArrays(network: DenseNetwork, name: ParameterName): Record<string, NamedArray> {
  const arrays: Record<string, NamedArray> = {};
  network.layers.forEach((layer, i) => {
    arrays[name(i, 'kernel')] = { shape: [layer.nIn, layer.nOut], data: Float32Array.from(layer.kernel) };
    arrays[name(i, 'bias')] = { shape: [layer.nOut], data: Float32Array.from(layer.bias) };
  });
  return arrays;
}

/** Overwrites the network's parameters from named arrays; `source` names the file in errors. */
export function setNetworkArrays(
  network: DenseNetwork,
  arrays: Record<string, NamedArray>,
  name: ParameterName,
  source: string,
): void {
  network.layers.forEach((layer, i) => {
    for (const [part, target, shape] of [
      ['kernel', layer.kernel, [layer.nIn, layer.nOut]],
      ['bias', layer.bias, [layer.nOut]],
    ] as const) {
      const key = name(i, part);
      const array = arrays[key];
      if (array === undefined || array.shape.join('x') !== shape.join('x')) {
        throw new WeightsMismatchError(
          `${source}: array '${key}' ${array === undefined ? 'is missing' : `has shape [${array.shape}]`}, expected shape [${shape}]`,
        );
      }
      target.set(array.data);
    }
  });
}

/** Copies rows order[start..end) of matrix into out (a preallocated mini-batch buffer). */
export function gatherRowsInto(
  matrix: Matrix,
  order: ArrayLike<number>,
  start: number,
  end: number,
  out: Float32Array,
): void {
  const cols = matrix.cols;
  for (let i = start; i < end; i++) {
    const row = order[i];
    out.set(matrix.data.subarray(row * cols, (row + 1) * cols), (i - start) * cols);
  }
}

/** Calls fn on consecutive blocks of at most blockRows rows of x (views, no copy). */
export function forEachRowBlock(
  x: Matrix,
  blockRows: number,
  fn: (block: Float32Array, start: number, rows: number) => void,
): void {
  for (let start = 0; start < x.rows; start += blockRows) {
    const rows = Math.min(blockRows, x.rows - start);
    fn(x.data.subarray(start * x.cols, (start + rows) * x.cols), start, rows);
  }
}
