// Reader for MATLAB level-5 MAT-files (the format of `save -v6` / `-v7`).
// No maintained npm library reads them with types and precise errors, so this is a
// small parser covering what data files use: numeric, logical, char, cell and struct
// arrays, both byte orders, and zlib-compressed (miCOMPRESSED) elements.
// Reference: MathWorks, "MAT-File Format", level-5 chapter.
import { inflateSync } from 'node:zlib';
import { DataFileError } from './errors.js';
import {
  type Element,
  FLAG_COMPLEX,
  FLAG_LOGICAL,
  HEADER_BYTES,
  MI,
  MX_CLASS_NAMES,
  NUMERIC_CLASSES,
  Reader,
} from './mat-elements.js';

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

/** What every array starts with: its flags, dimensions and name, and where its data begins. */
interface ArrayHeader {
  name: string;
  flags: number;
  dims: number[];
  count: number;
  /** Offset of the first class-specific element. */
  offset: number;
  end: number;
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
  const header: ArrayHeader = { name: r.ascii(nameEl), flags, dims, count, offset: nameEl.next, end };
  if (NUMERIC_CLASSES.has(className)) return { name: header.name, value: readNumeric(r, header, className) };
  switch (className) {
    case 'char':
      return { name: header.name, value: readChar(r, header) };
    case 'cell':
      return { name: header.name, value: readCell(r, header) };
    case 'struct':
      return { name: header.name, value: readStruct(r, header) };
    default:
      // sparse and object arrays: skipped, but their name and shape are still reported.
      return { name: header.name, value: { kind: 'unsupported', className, dims } };
  }
}

function readNumeric(r: Reader, h: ArrayHeader, className: string): MatNumericArray {
  const realEl = r.element(h.offset, h.end);
  const data = r.numbers(realEl);
  if (data.length !== h.count) {
    r.fail(
      realEl.offset,
      `array ${JSON.stringify(h.name)} has dimensions [${h.dims.join(', ')}] (${h.count} values) but ${data.length} values`,
    );
  }
  const value: MatNumericArray = {
    kind: 'numeric',
    className: className as MatNumericClass,
    logical: (h.flags & FLAG_LOGICAL) !== 0,
    dims: h.dims,
    data,
  };
  if (h.flags & FLAG_COMPLEX) {
    const imagEl = r.element(realEl.next, h.end);
    const imag = r.numbers(imagEl);
    if (imag.length !== h.count)
      r.fail(
        imagEl.offset,
        `imaginary part of ${JSON.stringify(h.name)} has ${imag.length} values, expected ${h.count}`,
      );
    value.imag = imag;
  }
  return value;
}

/** Char arrays are stored column-major like every MATLAB array: row i is text[i], text[i + nRows], ... */
function readChar(r: Reader, h: ArrayHeader): MatCharArray {
  const dataEl = r.element(h.offset, h.end);
  const codes = r.numbers(dataEl);
  if (codes.length !== h.count)
    r.fail(dataEl.offset, `char array ${JSON.stringify(h.name)} has ${codes.length} characters, expected ${h.count}`);
  const text =
    dataEl.type === MI.UTF8
      ? Array.from(new TextDecoder('utf-8').decode(r.bytes.subarray(dataEl.offset, dataEl.offset + dataEl.bytes)))
      : Array.from(codes, (c) => String.fromCodePoint(c));
  const nRows = h.dims[0];
  const nCols = h.count / Math.max(nRows, 1);
  const rows: string[] = [];
  for (let i = 0; i < nRows; i++) {
    let row = '';
    for (let j = 0; j < nCols; j++) row += text[i + j * nRows] ?? '';
    rows.push(row);
  }
  return { kind: 'char', dims: h.dims, rows };
}

function readCell(r: Reader, h: ArrayHeader): MatCellArray {
  const cells: MatValue[] = [];
  let offset = h.offset;
  for (let i = 0; i < h.count; i++) {
    const cellEl = r.expectElement(offset, h.end, `cell ${i + 1} of ${h.count}`, [MI.MATRIX]);
    cells.push(readMatrix(r, cellEl).value);
    offset = cellEl.next;
  }
  return { kind: 'cell', dims: h.dims, cells };
}

function readStruct(r: Reader, h: ArrayHeader): MatStructArray {
  const lengthEl = r.expectElement(h.offset, h.end, 'field name length', [MI.INT32]);
  const fieldNameLength = r.numbers(lengthEl)[0];
  const namesEl = r.expectElement(lengthEl.next, h.end, 'field names', [MI.INT8, MI.UINT8]);
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
  let offset = namesEl.next;
  const elements: Array<Record<string, MatValue>> = [];
  for (let i = 0; i < h.count; i++) {
    const record: Record<string, MatValue> = {};
    for (const field of fieldNames) {
      const fieldEl = r.expectElement(offset, h.end, `field ${JSON.stringify(field)}`, [MI.MATRIX]);
      record[field] = readMatrix(r, fieldEl).value;
      offset = fieldEl.next;
    }
    elements.push(record);
  }
  return { kind: 'struct', dims: h.dims, fieldNames, elements };
}
