// IDX files (LeCun's MNIST format): magic 0x00 0x00 <type> <ndims>, ndims big-endian
// uint32 sizes, then the values big-endian in row-major order. Optionally gzipped.
import { gunzipSync } from 'node:zlib';
import { DataFileError } from './errors.js';

export type IdxDataType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export interface IdxArray {
  type: IdxDataType;
  dims: number[];
  /** Row-major values. For uint8 this is a view of the input bytes (no copy). */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const IDX_TYPES: Record<number, { type: IdxDataType; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

function isGzip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an IDX file (plain or gzip-compressed, detected by content). Throws
 * DataFileError naming `fileName` on a bad magic number or a size that does not
 * match the dimensions in the header.
 */
export function parseIdx(bytes: Uint8Array, fileName: string): IdxArray {
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (cause) {
      throw new DataFileError(fileName, `not a valid gzip-compressed IDX file (${(cause as Error).message})`, {
        cause,
      });
    }
  }
  if (bytes.byteLength < 4)
    throw new DataFileError(
      fileName,
      `not an IDX file: ${bytes.byteLength} bytes is shorter than the 4-byte magic number`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const info = IDX_TYPES[bytes[2]];
  const ndims = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || info === undefined || ndims === 0) {
    throw new DataFileError(
      fileName,
      `not an IDX file: magic number 0x${magic.toString(16).padStart(8, '0')}, expected 0x0000TTDD ` +
        '(TT a data type 08, 09, 0b, 0c, 0d or 0e; DD the number of dimensions, e.g. 0x00000803 for images, 0x00000801 for labels)',
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.byteLength < headerBytes) {
    throw new DataFileError(
      fileName,
      `truncated IDX header: ${ndims} dimensions need ${headerBytes} bytes, file has ${bytes.byteLength}`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expectedBytes = headerBytes + count * info.bytes;
  if (bytes.byteLength !== expectedBytes) {
    const problem = bytes.byteLength < expectedBytes ? 'truncated' : 'has trailing bytes';
    throw new DataFileError(
      fileName,
      `${problem}: dimensions ${dims.join('x')} of ${info.type} need ${expectedBytes} bytes, file has ${bytes.byteLength}`,
    );
  }
  const body = bytes.subarray(headerBytes);
  if (info.type === 'uint8') return { type: info.type, dims, data: body };
  if (info.type === 'int8') return { type: info.type, dims, data: new Int8Array(body.buffer, body.byteOffset, count) };
  const out =
    info.type === 'int16'
      ? new Int16Array(count)
      : info.type === 'int32'
        ? new Int32Array(count)
        : info.type === 'float32'
          ? new Float32Array(count)
          : new Float64Array(count);
  for (let i = 0, p = headerBytes; i < count; i++, p += info.bytes) {
    out[i] =
      info.type === 'int16'
        ? view.getInt16(p, false)
        : info.type === 'int32'
          ? view.getInt32(p, false)
          : info.type === 'float32'
            ? view.getFloat32(p, false)
            : view.getFloat64(p, false);
  }
  return { type: info.type, dims, data: out };
}
