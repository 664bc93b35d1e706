import { expect } from 'vitest';

type Numeric = Float32Array | Int32Array | Uint8Array | Uint32Array;

/** Fast exact equality of two typed arrays (vitest's deep equality is slow on 10^5+ elements). */
export function expectSameArray(actual: Numeric, expected: Numeric): void {
  expect(actual.constructor.name).toBe(expected.constructor.name);
  expect(actual.length).toBe(expected.length);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (!a.equals(b)) {
    const i = actual.findIndex((v: number, k: number) => v !== expected[k]);
    expect.fail(`arrays differ first at index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}
