// Reader for MATLAB level-5 MAT-files (the format of `save -v6` / `-v7`).
// No maintained npm library reads them with types and precise errors, so this is a
// small parser covering what data files use: numeric, logical, char, cell and struct
// arrays, both byte orders, and zlib-compressed (miCOMPRESSED) elements.
// Reference: MathWorks, "MAT-File Format", level-5 chapter.
import { inflateSync } from 'node:zlib';
import { DataFileError } from './errors.js';

export type MatNumericClass =
  | 'double'
  | 'single'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64';

/** A numeric or logical array. `data` is column-major, like MATLAB's memory layout. */
export interface MatNumericArray {
  kind: 'numeric';
  className: MatNumericClass;
  logical: boolean;
  dims: number[];
  data: Float64Array;
  /** Imaginary part, for complex arrays. */
  imag?: Float64Array;
}

/** A char array; `rows` holds one string per row (a 1xN char array is one string). */
export interface MatCharArray {
  kind: 'char';
  dims: number[];
  rows: string[];
}

/** A cell array; `cells` is column-major. */
export interface MatCellArray {
  kind: 'cell';
  dims: number[];
  cells: MatValue[];
}

/** A struct array; `elements` is column-major, one record of fields per element. */
export interface MatStructArray {
  kind: 'struct';
  dims: number[];
  fieldNames: string[];
  elements: Array<Record<string, MatValue>>;
}

/** A class this reader skips (sparse, object, function handle, opaque). */
export interface MatUnsupportedArray {
  kind: 'unsupported';
  className: string;
  dims: number[];
}

export type MatValue = MatNumericArray | MatCharArray | MatCellArray | MatStructArray | MatUnsupportedArray;

export interface MatFile {
  /** The descriptive text at the start of the header ("MATLAB 5.0 MAT-file, ..."). */
  description: string;
  littleEndian: boolean;
  /** Top-level variables by name, in file order. */
  variables: Map<string, MatValue>;
}

const HEADER_BYTES = 128;

// Data types of level-5 data elements.
const MI = {
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

const NUMERIC_ELEMENT_BYTES: Record<number, number> = {
  [MI.INT8]: 1,
  [MI.UINT8]: 1,
  [MI.INT16]: 2,
  [MI.UINT16]: 2,
  [MI.INT32]: 4,
  [MI.UINT32]: 4,
  [MI.SINGLE]: 4,
  [MI.DOUBLE]: 8,
  [MI.INT64]: 8,
  [MI.UINT64]: 8,
  [MI.UTF8]: 1,
  [MI.UTF16]: 2,
  [MI.UTF32]: 4,
};

// Array classes (low byte of the array-flags word).
const MX_CLASS_NAMES: Record<number, string> = {
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
const NUMERIC_CLASSES = new Set([
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
const FLAG_COMPLEX = 0x0800;
const FLAG_LOGICAL = 0x0200;

interface Element {
  type: number;
  /** Offset of the element's data within `view`. */
  offset: number;
  bytes: number;
  /** Offset just past the element (including padding). */
  next: number;
}

/** The bytes of one element stream plus where they came from, for error messages. */
class Reader {
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
    const size = NUMERIC_ELEMENT_BYTES[el.type];
    if (size === undefined) this.fail(el.offset - 8, `expected numeric data, found data type ${el.type}`);
    if (el.bytes % size !== 0) this.fail(el.offset, `${el.bytes} bytes is not a whole number of ${size}-byte values`);
    const n = el.bytes / size;
    const out = new Float64Array(n);
    const v = this.view;
    const le = this.littleEndian;
    let p = el.offset;
    switch (el.type) {
      case MI.INT8:
        for (let i = 0; i < n; i++) out[i] = v.getInt8(p + i);
        break;
      case MI.UINT8:
      case MI.UTF8:
        out.set(this.bytes.subarray(p, p + n));
        break;
      case MI.INT16:
        for (let i = 0; i < n; i++, p += 2) out[i] = v.getInt16(p, le);
        break;
      case MI.UINT16:
      case MI.UTF16:
        for (let i = 0; i < n; i++, p += 2) out[i] = v.getUint16(p, le);
        break;
      case MI.INT32:
        for (let i = 0; i < n; i++, p += 4) out[i] = v.getInt32(p, le);
        break;
      case MI.UINT32:
      case MI.UTF32:
        for (let i = 0; i < n; i++, p += 4) out[i] = v.getUint32(p, le);
        break;
      case MI.SINGLE:
        for (let i = 0; i < n; i++, p += 4) out[i] = v.getFloat32(p, le);
        break;
      case MI.DOUBLE:
        for (let i = 0; i < n; i++, p += 8) out[i] = v.getFloat64(p, le);
        break;
      case MI.INT64:
        for (let i = 0; i < n; i++, p += 8) out[i] = Number(v.getBigInt64(p, le));
        break;
      case MI.UINT64:
        for (let i = 0; i < n; i++, p += 8) out[i] = Number(v.getBigUint64(p, le));
        break;
    }
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

/**
 * Parses a level-5 MAT-file. Throws DataFileError naming `fileName` when the bytes
 * are not a MAT-file, are truncated, or hold malformed elements.
 */
export function parseMatFile(bytes: Uint8Array, fileName: string): MatFile {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new DataFileError(
      fileName,
      `not a valid MAT-file: ${bytes.byteLength} bytes is shorter than the 128-byte level-5 header`,
    );
  }
  const description = new TextDecoder('latin1').decode(bytes.subarray(0, 116)).replace(/[\s\0]+$/, '');
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (endian !== 'IM' && endian !== 'MI') {
    throw new DataFileError(
      fileName,
      `not a level-5 MAT-file: expected the endian indicator "IM" or "MI" at bytes 126-127 of the header, found ${JSON.stringify(endian)}`,
    );
  }
  const littleEndian = endian === 'IM';
  const version = new DataView(bytes.buffer, bytes.byteOffset + 124, 2).getUint16(0, littleEndian);
  if (/^MATLAB 7\.3/.test(description) || version === 0x0200) {
    throw new DataFileError(
      fileName,
      'MAT-file version 7.3 (HDF5) is not supported: expected a level-5 MAT-file (save with -v7 or -v6)',
    );
  }
  if (version !== 0x0100) {
    throw new DataFileError(
      fileName,
      `not a level-5 MAT-file: expected version 0x0100 in the header, found 0x${version.toString(16)}`,
    );
  }

  const reader = new Reader(bytes, littleEndian, fileName, 'top level');
  const variables = new Map<string, MatValue>();
  let offset = HEADER_BYTES;
  while (offset < bytes.byteLength) {
    const el = reader.element(offset, bytes.byteLength);
    const variable = readTopLevelElement(reader, el, offset);
    if (variable) variables.set(variable.name, variable.value);
    offset = el.next;
  }
  return { description, littleEndian, variables };
}

function readTopLevelElement(
  reader: Reader,
  el: Element,
  tagOffset: number,
): { name: string; value: MatValue } | undefined {
  if (el.type === MI.MATRIX) return readMatrix(reader, el);
  if (el.type === MI.COMPRESSED) {
    let inflated: Uint8Array;
    try {
      inflated = inflateSync(reader.bytes.subarray(el.offset, el.offset + el.bytes));
    } catch (cause) {
      reader.fail(tagOffset, `compressed element does not inflate (${(cause as Error).message})`);
    }
    const inner = new Reader(
      inflated,
      reader.littleEndian,
      reader.fileName,
      `compressed element at byte ${tagOffset}, inflated`,
    );
    const innerEl = inner.element(0, inflated.byteLength);
    if (innerEl.type !== MI.MATRIX)
      inner.fail(0, `expected a matrix inside the compressed element, found data type ${innerEl.type}`);
    return readMatrix(inner, innerEl);
  }
  // Other top-level element types carry no variable; skipping them is what MATLAB does.
  return undefined;
}

function product(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Reads a miMATRIX element's contents: flags, dimensions, name, then class-specific data. */
function readMatrix(r: Reader, matrix: Element): { name: string; value: MatValue } {
  const end = matrix.offset + matrix.bytes;
  if (matrix.bytes === 0)
    return {
      name: '',
      value: { kind: 'numeric', className: 'double', logical: false, dims: [0, 0], data: new Float64Array(0) },
    };

  const flagsEl = r.expectElement(matrix.offset, end, 'array flags', [MI.UINT32]);
  if (flagsEl.bytes < 8) r.fail(flagsEl.offset, `array flags need 8 bytes, found ${flagsEl.bytes}`);
  const flags = r.u32(flagsEl.offset);
  const classId = flags & 0xff;
  const className = MX_CLASS_NAMES[classId];
  if (className === undefined) r.fail(flagsEl.offset, `unknown array class ${classId}`);

  const dimsEl = r.expectElement(flagsEl.next, end, 'dimensions', [MI.INT32]);
  const dims = Array.from(r.numbers(dimsEl));
  if (dims.length < 2 || dims.some((d) => d < 0)) r.fail(dimsEl.offset, `invalid dimensions [${dims.join(', ')}]`);
  const count = product(dims);

  // Function handles and opaque objects have no name element in a layout this reader needs.
  if (className === 'function_handle' || className === 'opaque') {
    return { name: '', value: { kind: 'unsupported', className, dims } };
  }
  const nameEl = r.expectElement(dimsEl.next, end, 'array name', [MI.INT8, MI.UINT8]);
  const name = r.ascii(nameEl);
  let offset = nameEl.next;

  if (NUMERIC_CLASSES.has(className)) {
    const realEl = r.element(offset, end);
    const data = r.numbers(realEl);
    if (data.length !== count) {
      r.fail(
        realEl.offset,
        `array ${JSON.stringify(name)} has dimensions [${dims.join(', ')}] (${count} values) but ${data.length} values`,
      );
    }
    const value: MatNumericArray = {
      kind: 'numeric',
      className: className as MatNumericClass,
      logical: (flags & FLAG_LOGICAL) !== 0,
      dims,
      data,
    };
    if (flags & FLAG_COMPLEX) {
      const imagEl = r.element(realEl.next, end);
      const imag = r.numbers(imagEl);
      if (imag.length !== count)
        r.fail(imagEl.offset, `imaginary part of ${JSON.stringify(name)} has ${imag.length} values, expected ${count}`);
      value.imag = imag;
    }
    return { name, value };
  }

  switch (className) {
    case 'char': {
      const dataEl = r.element(offset, end);
      const codes = r.numbers(dataEl);
      if (codes.length !== count)
        r.fail(dataEl.offset, `char array ${JSON.stringify(name)} has ${codes.length} characters, expected ${count}`);
      const text =
        dataEl.type === MI.UTF8
          ? Array.from(new TextDecoder('utf-8').decode(r.bytes.subarray(dataEl.offset, dataEl.offset + dataEl.bytes)))
          : Array.from(codes, (c) => String.fromCodePoint(c));
      const nRows = dims[0];
      const nCols = count / Math.max(nRows, 1);
      const rows: string[] = [];
      for (let i = 0; i < nRows; i++) {
        let row = '';
        for (let j = 0; j < nCols; j++) row += text[i + j * nRows] ?? '';
        rows.push(row);
      }
      return { name, value: { kind: 'char', dims, rows } };
    }
    case 'cell': {
      const cells: MatValue[] = [];
      for (let i = 0; i < count; i++) {
        const cellEl = r.expectElement(offset, end, `cell ${i + 1} of ${count}`, [MI.MATRIX]);
        cells.push(readMatrix(r, cellEl).value);
        offset = cellEl.next;
      }
      return { name, value: { kind: 'cell', dims, cells } };
    }
    case 'struct': {
      const lengthEl = r.expectElement(offset, end, 'field name length', [MI.INT32]);
      const fieldNameLength = r.numbers(lengthEl)[0];
      const namesEl = r.expectElement(lengthEl.next, end, 'field names', [MI.INT8, MI.UINT8]);
      if (!(fieldNameLength > 0) || namesEl.bytes % fieldNameLength !== 0) {
        r.fail(
          namesEl.offset,
          `field names of ${namesEl.bytes} bytes do not divide into names of ${fieldNameLength} bytes`,
        );
      }
      const fieldNames: string[] = [];
      for (let p = 0; p < namesEl.bytes; p += fieldNameLength) {
        fieldNames.push(r.ascii({ type: namesEl.type, offset: namesEl.offset + p, bytes: fieldNameLength, next: 0 }));
      }
      offset = namesEl.next;
      const elements: Array<Record<string, MatValue>> = [];
      for (let i = 0; i < count; i++) {
        const record: Record<string, MatValue> = {};
        for (const field of fieldNames) {
          const fieldEl = r.expectElement(offset, end, `field ${JSON.stringify(field)}`, [MI.MATRIX]);
          record[field] = readMatrix(r, fieldEl).value;
          offset = fieldEl.next;
        }
        elements.push(record);
      }
      return { name, value: { kind: 'struct', dims, fieldNames, elements } };
    }
    default:
      // sparse and object arrays: skipped, but their name and shape are still reported.
      return { name, value: { kind: 'unsupported', className, dims } };
  }
}
