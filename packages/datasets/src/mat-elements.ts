// The element layer of level-5 MAT-files: data types, array classes, and a
// bounds-checked reader over one element stream (see mat.ts for the arrays).
import { DataFileError } from './errors.js';

export const HEADER_BYTES = 128;

// Data types of level-5 data elements.
export const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

type NumberReader = (view: DataView, at: number, littleEndian: boolean) => number;

/** Per numeric data type: bytes per value, and how one value is read (uint8 and utf8 are copied in bulk). */
const NUMERIC_TYPES: Record<number, { bytes: number; read: NumberReader }> = {
  [MI.INT8]: { bytes: 1, read: (v, p) => v.getInt8(p) },
  [MI.UINT8]: { bytes: 1, read: (v, p) => v.getUint8(p) },
  [MI.UTF8]: { bytes: 1, read: (v, p) => v.getUint8(p) },
  [MI.INT16]: { bytes: 2, read: (v, p, le) => v.getInt16(p, le) },
  [MI.UINT16]: { bytes: 2, read: (v, p, le) => v.getUint16(p, le) },
  [MI.UTF16]: { bytes: 2, read: (v, p, le) => v.getUint16(p, le) },
  [MI.INT32]: { bytes: 4, read: (v, p, le) => v.getInt32(p, le) },
  [MI.UINT32]: { bytes: 4, read: (v, p, le) => v.getUint32(p, le) },
  [MI.UTF32]: { bytes: 4, read: (v, p, le) => v.getUint32(p, le) },
  [MI.SINGLE]: { bytes: 4, read: (v, p, le) => v.getFloat32(p, le) },
  [MI.DOUBLE]: { bytes: 8, read: (v, p, le) => v.getFloat64(p, le) },
  [MI.INT64]: { bytes: 8, read: (v, p, le) => Number(v.getBigInt64(p, le)) },
  [MI.UINT64]: { bytes: 8, read: (v, p, le) => Number(v.getBigUint64(p, le)) },
};

// Array classes (low byte of the array-flags word).
export const MX_CLASS_NAMES: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
  16: 'function_handle',
  17: 'opaque',
};
export const NUMERIC_CLASSES = new Set([
  'double',
  'single',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
]);
export const FLAG_COMPLEX = 0x0800;
export const FLAG_LOGICAL = 0x0200;

export interface Element {
  type: number;
  /** Offset of the element's data within `view`. */
  offset: number;
  bytes: number;
  /** Offset just past the element (including padding). */
  next: number;
}

/** The bytes of one element stream plus where they came from, for error messages. */
export class Reader {
  readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    readonly fileName: string,
    /** Describes the stream within the file, e.g. "compressed element at byte 128". */
    readonly where: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(offset: number, problem: string): never {
    throw new DataFileError(this.fileName, `not a valid MAT-file: ${problem} (${this.where}, byte ${offset})`);
  }

  u32(offset: number): number {
    return this.view.getUint32(offset, this.littleEndian);
  }

  /** Reads the data-element tag at `offset`, either the full 8-byte form or the small 4-byte form. */
  element(offset: number, end: number): Element {
    if (offset + 8 > end) this.fail(offset, `truncated: a data element tag needs 8 bytes, only ${end - offset} remain`);
    const first = this.u32(offset);
    const smallBytes = first >>> 16;
    if (smallBytes !== 0) {
      // Small data element: type and size share the first word; data sits in the next 4 bytes.
      if (smallBytes > 4) this.fail(offset, `small data element claims ${smallBytes} bytes (at most 4 fit)`);
      return { type: first & 0xffff, offset: offset + 4, bytes: smallBytes, next: offset + 8 };
    }
    const bytes = this.u32(offset + 4);
    const dataStart = offset + 8;
    if (bytes > end - dataStart) {
      this.fail(
        offset,
        `truncated: data element of type ${first} claims ${bytes} bytes, only ${end - dataStart} remain`,
      );
    }
    // Compressed elements are not padded; everything else is padded to 8 bytes.
    const padded = first === MI.COMPRESSED ? bytes : Math.ceil(bytes / 8) * 8;
    return { type: first, offset: dataStart, bytes, next: Math.min(dataStart + padded, end) };
  }

  expectElement(offset: number, end: number, what: string, types: number[]): Element {
    const el = this.element(offset, end);
    if (!types.includes(el.type))
      this.fail(offset, `expected ${what} (data type ${types.join(' or ')}), found data type ${el.type}`);
    return el;
  }

  /** Reads the numbers of a numeric element, converting them to float64. */
  numbers(el: Element): Float64Array {
    const type = NUMERIC_TYPES[el.type];
    if (type === undefined) this.fail(el.offset - 8, `expected numeric data, found data type ${el.type}`);
    const size = type.bytes;
    if (el.bytes % size !== 0) this.fail(el.offset, `${el.bytes} bytes is not a whole number of ${size}-byte values`);
    const n = el.bytes / size;
    const out = new Float64Array(n);
    const at = el.offset;
    // Bytes need no DataView: copied in bulk (the Binary AlphaDigits images are uint8).
    if (el.type === MI.UINT8 || el.type === MI.UTF8) out.set(this.bytes.subarray(at, at + n));
    else for (let i = 0; i < n; i++) out[i] = type.read(this.view, at + i * size, this.littleEndian);
    return out;
  }

  ascii(el: Element): string {
    let s = '';
    for (let i = 0; i < el.bytes; i++) {
      const c = this.bytes[el.offset + i];
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }
}
