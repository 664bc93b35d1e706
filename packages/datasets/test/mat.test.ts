import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataFileError, parseMatFile, resolveAlphaDigitsPath, UserError, type MatValue } from '../src/index.js';
import { concat, doubles, element, header, matrix } from './helpers/mat-writer.js';

function sample(le: boolean): Uint8Array {
  // x = [1 2 3; 4 5 6] (stored column-major), s = 'hi', c = {[7], 'ok'}
  const x = matrix(6, [2, 3], 'x', [element(9, doubles([1, 4, 2, 5, 3, 6], le), le)], le);
  const s = matrix(4, [1, 2], 's', [element(16, new TextEncoder().encode('hi'), le)], le);
  const c = matrix(
    1,
    [1, 2],
    'c',
    [
      matrix(6, [1, 1], '', [element(9, doubles([7], le), le)], le),
      matrix(4, [1, 2], '', [element(16, new TextEncoder().encode('ok'), le)], le),
    ],
    le,
  );
  return concat([header(le), x, s, c]);
}

function numeric(value: MatValue | undefined): number[] {
  if (value?.kind !== 'numeric') throw new Error(`expected numeric, got ${value?.kind}`);
  return Array.from(value.data);
}

describe('parseMatFile', () => {
  for (const le of [true, false]) {
    it(`reads numeric, char and cell arrays (${le ? 'little' : 'big'}-endian)`, () => {
      const mat = parseMatFile(sample(le), 'sample.mat');
      expect(mat.littleEndian).toBe(le);
      expect([...mat.variables.keys()]).toEqual(['x', 's', 'c']);
      const x = mat.variables.get('x');
      expect(x?.kind === 'numeric' && x.dims).toEqual([2, 3]);
      expect(numeric(x)).toEqual([1, 4, 2, 5, 3, 6]);
      const s = mat.variables.get('s');
      expect(s?.kind === 'char' && s.rows).toEqual(['hi']);
      const c = mat.variables.get('c');
      if (c?.kind !== 'cell') throw new Error('c is not a cell');
      expect(numeric(c.cells[0])).toEqual([7]);
      expect(c.cells[1].kind === 'char' && c.cells[1].rows).toEqual(['ok']);
    });
  }

  it('reads compressed (miCOMPRESSED) elements the same as plain ones', () => {
    const plain = sample(true);
    // Re-wrap every top-level element as a deflated miCOMPRESSED element (no padding).
    const parts: Uint8Array[] = [plain.subarray(0, 128)];
    const view = new DataView(plain.buffer, plain.byteOffset);
    for (let offset = 128; offset < plain.byteLength; ) {
      const size = 8 + Math.ceil(view.getUint32(offset + 4, true) / 8) * 8;
      const deflated = deflateSync(plain.subarray(offset, offset + size));
      const tag = new Uint8Array(8);
      new DataView(tag.buffer).setUint32(0, 15, true);
      new DataView(tag.buffer).setUint32(4, deflated.byteLength, true);
      parts.push(tag, deflated);
      offset += size;
    }
    const compressed = parseMatFile(concat(parts), 'compressed.mat');
    expect(compressed.variables).toEqual(parseMatFile(plain, 'plain.mat').variables);
  });

  it('reads numeric data stored in every MAT data type, in both byte orders', () => {
    // [data type, bytes per value, values, writer]: MATLAB stores a double array in the smallest
    // type that holds its values, so any of them can back a numeric array.
    type Write = (view: DataView, at: number, x: number, le: boolean) => void;
    const stored: [number, number, number[], Write][] = [
      [1, 1, [-5, 7], (v, p, x) => v.setInt8(p, x)],
      [2, 1, [200, 3], (v, p, x) => v.setUint8(p, x)],
      [3, 2, [-300, 12], (v, p, x, le) => v.setInt16(p, x, le)],
      [4, 2, [60000, 1], (v, p, x, le) => v.setUint16(p, x, le)],
      [5, 4, [-70000, 5], (v, p, x, le) => v.setInt32(p, x, le)],
      [6, 4, [4000000000, 2], (v, p, x, le) => v.setUint32(p, x, le)],
      [7, 4, [0.5, -1.25], (v, p, x, le) => v.setFloat32(p, x, le)],
      [9, 8, [0.1, -2], (v, p, x, le) => v.setFloat64(p, x, le)],
      [12, 8, [-(2 ** 53) + 1, 3], (v, p, x, le) => v.setBigInt64(p, BigInt(x), le)],
      [13, 8, [2 ** 53 - 1, 4], (v, p, x, le) => v.setBigUint64(p, BigInt(x), le)],
    ];
    for (const le of [true, false]) {
      for (const [type, size, values, write] of stored) {
        const payload = new Uint8Array(values.length * size);
        values.forEach((x, i) => write(new DataView(payload.buffer), i * size, x, le));
        const file = concat([header(le), matrix(6, [1, 2], 'x', [element(type, payload, le)], le)]);
        expect(numeric(parseMatFile(file, 'types.mat').variables.get('x')), `type ${type} ${le}`).toEqual(values);
      }
    }
  });

  it('reads the real Binary AlphaDigits file: dat is a 36x39 cell of 20x16 uint8', async () => {
    const file = await resolveAlphaDigitsPath();
    const mat = parseMatFile(readFileSync(file), file);
    const dat = mat.variables.get('dat');
    if (dat?.kind !== 'cell') throw new Error('dat is not a cell');
    expect(dat.dims).toEqual([36, 39]);
    expect(dat.cells[0].kind === 'numeric' && dat.cells[0].className).toBe('uint8');
    expect(dat.cells[0].kind === 'numeric' && dat.cells[0].dims).toEqual([20, 16]);
    const labels = mat.variables.get('classlabels');
    if (labels?.kind !== 'cell') throw new Error('classlabels is not a cell');
    expect(labels.cells.map((c) => (c.kind === 'char' ? c.rows[0] : '?')).join('')).toBe(
      '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    );
  });

  it('rejects a file too short for the header', () => {
    expect(() => parseMatFile(new Uint8Array(50), 'short.mat')).toThrow(DataFileError);
    expect(() => parseMatFile(new Uint8Array(50), 'short.mat')).toThrow(/short\.mat: .*shorter than the 128-byte/);
  });

  it('rejects a file without the endian indicator', () => {
    const bytes = sample(true);
    bytes.set([0x41, 0x42], 126);
    expect(() => parseMatFile(bytes, 'x.mat')).toThrow(
      /x\.mat: not a level-5 MAT-file: expected the endian indicator "IM" or "MI"/,
    );
  });

  it('rejects a v7.3 (HDF5) file with an explanation', () => {
    const bytes = concat([header(true, 'MATLAB 7.3 MAT-file, Platform: GLNXA64')]);
    new DataView(bytes.buffer).setUint16(124, 0x0200, true);
    expect(() => parseMatFile(bytes, 'v73.mat')).toThrow(/v73\.mat: MAT-file version 7\.3 \(HDF5\) is not supported/);
  });

  it('rejects a truncated file, naming it and the byte where data ran out', () => {
    const bytes = sample(true);
    const truncated = bytes.subarray(0, bytes.byteLength - 20);
    let error: unknown;
    try {
      parseMatFile(truncated, 'cut.mat');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataFileError);
    expect(error).toBeInstanceOf(UserError);
    expect((error as DataFileError).fileName).toBe('cut.mat');
    expect((error as Error).message).toMatch(
      /^cut\.mat: not a valid MAT-file: truncated: data element of type 14 claims \d+ bytes, only \d+ remain/,
    );
  });

  it('rejects an array whose data does not match its dimensions', () => {
    const le = true;
    const bad = matrix(6, [2, 3], 'x', [element(9, doubles([1, 2, 3, 4, 5], le), le)], le);
    expect(() => parseMatFile(concat([header(le), bad]), 'bad.mat')).toThrow(
      /bad\.mat: .*array "x" has dimensions \[2, 3\] \(6 values\) but 5 values/,
    );
  });

  it('rejects a compressed element that does not inflate', () => {
    const garbage = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const tag = new Uint8Array(8);
    new DataView(tag.buffer).setUint32(0, 15, true);
    new DataView(tag.buffer).setUint32(4, garbage.byteLength, true);
    expect(() => parseMatFile(concat([header(true), tag, garbage]), 'z.mat')).toThrow(
      /z\.mat: .*compressed element does not inflate/,
    );
  });

  it('rejects a corrupt element inside a cell (wrong data type where a matrix belongs)', () => {
    const le = true;
    const cell = matrix(1, [1, 1], 'c', [element(9, doubles([1], le), le)], le);
    expect(() => parseMatFile(concat([header(le), cell]), 'cell.mat')).toThrow(
      /cell\.mat: .*expected cell 1 of 1 \(data type 14\), found data type 9/,
    );
  });
});
