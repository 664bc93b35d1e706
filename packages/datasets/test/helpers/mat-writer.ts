// A minimal level-5 MAT-file writer for tests, written from the format description
// independently of the parser, so parser tests are not the parser checking itself.

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

function u32(value: number, le: boolean): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value, le);
  return b;
}

/** A data element: 8-byte tag, payload, zero padding to a multiple of 8. */
export function element(type: number, payload: Uint8Array, le: boolean): Uint8Array {
  const pad = (8 - (payload.byteLength % 8)) % 8;
  return concat([u32(type, le), u32(payload.byteLength, le), payload, new Uint8Array(pad)]);
}

export function int32s(values: number[], le: boolean): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setInt32(i * 4, x, le));
  return b;
}

export function doubles(values: number[], le: boolean): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat64(i * 8, x, le));
  return b;
}

/** A miMATRIX element of class `classId` with the given (already encoded) body elements. */
export function matrix(classId: number, dims: number[], name: string, body: Uint8Array[], le: boolean): Uint8Array {
  const flags = element(6, concat([u32(classId, le), u32(0, le)]), le);
  const dimsEl = element(5, int32s(dims, le), le);
  const nameEl = element(1, new TextEncoder().encode(name), le);
  return element(14, concat([flags, dimsEl, nameEl, ...body]), le);
}

export function header(le: boolean, text = 'MATLAB 5.0 MAT-file, written by the RBM Lab tests'): Uint8Array {
  const h = new Uint8Array(128).fill(0x20);
  h.set(new TextEncoder().encode(text));
  h.fill(0, 116, 124);
  new DataView(h.buffer).setUint16(124, 0x0100, le);
  h.set(new TextEncoder().encode(le ? 'IM' : 'MI'), 126);
  return h;
}
