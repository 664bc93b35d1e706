// The seeded random-number generators of RBM Lab, all in 32-bit integer arithmetic only
// (Math.imul, |0, >>>0), so a seed gives the same numbers on every machine, Node version
// and compute path:
// - createRng: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, PractRand-clean)
//   seeded through splitmix32; data splits, batch order, tfjs initialiser seeds, latent codes.
// - Xoshiro128: xoshiro128** (Blackman & Vigna) with bulk fills whose state lives in locals,
//   for the hot loops of Gibbs sampling (RBM, DBN, AIS).
// Both streams are pinned by tests; changing either changes every seeded result.
import { UserError } from './errors.js';

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
      const [z, spare] = boxMuller(u1, next());
      spareNormal = spare;
      return z;
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

/** n standard normals (latent codes, noise) as float32, drawn in order from `rng`. */
export function normalArray(rng: Rng, length: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.normal();
  return out;
}

/** A uniformly random permutation of 0..n-1 (batch order). */
export function permutation(rng: Rng, n: number): Int32Array {
  return shuffleInPlace(
    Int32Array.from({ length: n }, (_, i) => i),
    rng,
  );
}

/**
 * Box-Muller: two independent standard normals from u in (0, 1] and v in [0, 1):
 * r = sqrt(-2 ln u), (r cos 2 pi v, r sin 2 pi v).
 */
function boxMuller(u: number, v: number): [number, number] {
  const radius = Math.sqrt(-2 * Math.log(u));
  return [radius * Math.cos(2 * Math.PI * v), radius * Math.sin(2 * Math.PI * v)];
}

/**
 * A small, fast, seeded pseudo-random generator (xoshiro128**, Blackman & Vigna)
 * for the training loops. Math.random cannot be seeded, and tfjs random ops
 * allocate tensors per call; this one fills preallocated Float32Arrays with
 * 32-bit integer arithmetic only, so the same seed gives the same stream on
 * every compute path.
 */
export class Xoshiro128 {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    // splitmix32 expands one seed into four well-mixed, not-all-zero state words.
    let x = (seed >>> 0) ^ Math.floor(seed / 4294967296);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r >>> 0;
  }

  /** Uniform in [0, 1) with 24 random bits (exactly representable in float32). */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) * 5.9604644775390625e-8;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** Standard normal (Box-Muller, in float64). */
  nextNormal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const [z, spare] = boxMuller(u, this.nextFloat());
    this.spareNormal = spare;
    return z;
  }

  /**
   * out[offset + i] = 1 if u_i < probabilities[i] else 0, for i < n.
   * The generator state lives in locals inside the loop: this is the hot path
   * of Gibbs sampling.
   */
  sampleBernoulli(probabilities: Float32Array, out: Float32Array, n: number, outOffset = 0): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < n; i++) {
      const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      // Branch-free: the comparison is a coin flip, so a branch would mispredict half the time (3x slower).
      out[outOffset + i] = +((r >>> 8) * 5.9604644775390625e-8 < probabilities[i]);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /**
   * Fills out[0..n) with uniforms in [0, 1). The loop repeats sampleBernoulli's on purpose: one shared
   * loop that tests which output to write ran 13-25% slower in a micro-benchmark (Node 20, 32000 coins
   * per call), and sampleBernoulli is the hot path of Gibbs sampling.
   */
  fillUniform(out: Float32Array, n = out.length): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < n; i++) {
      const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = (r >>> 8) * 5.9604644775390625e-8;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle(values: Int32Array): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
