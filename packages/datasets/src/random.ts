// Seeded randomness that gives the same numbers on every machine and Node version:
// sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, PractRand-clean) seeded
// through splitmix32, in 32-bit integer arithmetic only (Math.imul, |0, >>>0).
import { UserError, type ImageSet } from './types.js';

export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform integer in [0, n), without modulo bias. */
  nextInt(n: number): number;
  /** Standard normal (mean 0, variance 1), Box-Muller. */
  normal(): number;
}

/** splitmix32 step: turns a 32-bit state into a well-mixed 32-bit output. */
export function splitmix32(state: number): { value: number; state: number } {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  z ^= z >>> 15;
  return { value: z >>> 0, state: next };
}

const TWO_POW_32 = 4294967296;

/**
 * A deterministic PRNG for `seed` (any safe integer; negative and > 2^32 seeds are
 * folded into 32 bits through both halves, so nearby seeds give unrelated streams).
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new UserError(`invalid seed ${seed}: expected an integer`);
  let mix = (seed >>> 0) ^ splitmix32(Math.floor(seed / TWO_POW_32) | 0).value;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const step = splitmix32(mix);
    mix = step.state;
    words.push(step.value);
  }
  let [a, b, c, d] = words;

  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs, as sfc32's author recommends, to leave the seeding transient.
  for (let i = 0; i < 12; i++) nextUint32();

  const next = (): number => nextUint32() / TWO_POW_32;
  let spareNormal: number | undefined;
  return {
    next,
    nextUint32,
    nextInt(n: number): number {
      if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32)
        throw new RangeError(`nextInt(${n}): expected an integer in 1..2^32`);
      // Reject the top partial block of 2^32 so every residue is equally likely.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const x = nextUint32();
        if (x < limit) return x % n;
      }
    },
    normal(): number {
      if (spareNormal !== undefined) {
        const z = spareNormal;
        spareNormal = undefined;
        return z;
      }
      const u1 = 1 - next(); // (0, 1]: log stays finite
      const u2 = next();
      const radius = Math.sqrt(-2 * Math.log(u1));
      spareNormal = radius * Math.sin(2 * Math.PI * u2);
      return radius * Math.cos(2 * Math.PI * u2);
    },
  };
}

/** In-place Fisher-Yates shuffle driven by `rng`. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(array: T, rng: Rng): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/** A permutation of 0..n-1 determined by `seed`. */
export function shuffledIndices(n: number, seed: number): Uint32Array {
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  return shuffleInPlace(indices, createRng(seed));
}

/** A new ImageSet holding rows `indices` of `set`, in that order. */
export function selectRows(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const cols = set.images.cols;
  const data = new Float32Array(indices.length * cols);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= set.images.rows)
      throw new RangeError(`row index ${i} is outside 0..${set.images.rows - 1}`);
    data.set(set.images.data.subarray(i * cols, (i + 1) * cols), k * cols);
    labels[k] = set.labels[i];
  }
  return { ...set, images: { data, rows: indices.length, cols }, labels };
}
