import { describe, expect, it } from 'vitest';
import {
  createRng,
  loadAlphaDigits,
  normalArray,
  permutation,
  Xoshiro128,
  selectRows,
  shuffledIndices,
  splitmix32,
  splitTrainValidation,
  UserError,
  type ImageSet,
} from '../src/index.js';
import { expectSameArray } from './helpers/same.js';

// An independent BigInt implementation of splitmix32 + sfc32 (as published by
// Doty-Humphrey / bryc), to pin createRng to the algorithm rather than to itself.
const M32 = 0xffffffffn;
function referenceStream(seed: number, count: number): number[] {
  let state = BigInt.asUintN(32, BigInt(seed >>> 0) ^ BigInt(splitmix32(Math.floor(seed / 2 ** 32) | 0).value));
  const mix = (): bigint => {
    state = (state + 0x9e3779b9n) & M32;
    let z = state;
    z = ((z ^ (z >> 16n)) * 0x21f0aaadn) & M32;
    z = ((z ^ (z >> 15n)) * 0x735a2d97n) & M32;
    return z ^ (z >> 15n);
  };
  let [a, b, c, d] = [mix(), mix(), mix(), mix()];
  const out: number[] = [];
  for (let i = 0; i < 12 + count; i++) {
    const t = (a + b + d) & M32;
    d = (d + 1n) & M32;
    a = b ^ (b >> 9n);
    b = (c + (c << 3n)) & M32;
    c = ((c << 21n) | (c >> 11n)) & M32;
    c = (c + t) & M32;
    if (i >= 12) out.push(Number(t));
  }
  return out;
}

function imageSet(labels: number[]): ImageSet {
  const n = labels.length;
  return {
    images: { data: Float32Array.from({ length: n * 2 }, (_, i) => i), rows: n, cols: 2 },
    height: 1,
    width: 2,
    labels: Int32Array.from(labels),
    classNames: ['a', 'b', 'c'],
  };
}

describe('createRng', () => {
  it('is sfc32 seeded by splitmix32, bit for bit (so every machine gets the same numbers)', () => {
    for (const seed of [0, 1, 42, -5, 2 ** 40 + 3]) {
      const rng = createRng(seed);
      expect(Array.from({ length: 50 }, () => rng.nextUint32())).toEqual(referenceStream(seed, 50));
    }
  });

  it('reproduces a stream from the same seed and differs between seeds', () => {
    const draw = (seed: number): number[] => {
      const rng = createRng(seed);
      return Array.from({ length: 20 }, () => rng.next());
    };
    expect(draw(123)).toEqual(draw(123));
    expect(draw(123)).not.toEqual(draw(124));
    expect(draw(0)).not.toEqual(draw(2 ** 32)); // high bits of the seed count
  });

  it('next() is uniform in [0, 1) and normal() has mean 0, variance 1', () => {
    const rng = createRng(9);
    const n = 100_000;
    let sum = 0;
    let min = 1;
    let max = 0;
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
      buckets[Math.floor(u * 10)]++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
    for (const b of buckets) expect(Math.abs(b - n / 10)).toBeLessThan(500); // ~5 sigma
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s1 += z;
      s2 += z * z;
    }
    expect(Math.abs(s1 / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
  });

  it('nextInt covers 0..n-1 evenly', () => {
    const rng = createRng(3);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.nextInt(7)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => rng.nextInt(0)).toThrow(RangeError);
  });

  it('rejects a non-integer seed', () => {
    expect(() => createRng(1.5)).toThrow(UserError);
    expect(() => createRng(Number.NaN)).toThrow(/invalid seed NaN: expected an integer/);
  });
});

describe('shuffledIndices and selectRows', () => {
  it('is a seeded permutation', () => {
    const p = shuffledIndices(1000, 5);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expectSameArray(p, shuffledIndices(1000, 5));
    expect(Array.from(p)).not.toEqual(Array.from(shuffledIndices(1000, 6)));
    expect(Array.from(p.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('selectRows copies rows and labels in the given order', () => {
    const set = imageSet([0, 1, 2, 0]);
    const picked = selectRows(set, [3, 1]);
    expect(Array.from(picked.images.data)).toEqual([6, 7, 2, 3]);
    expect(Array.from(picked.labels)).toEqual([0, 1]);
    expect(picked.images.rows).toBe(2);
    expect(() => selectRows(set, [4])).toThrow(RangeError);
  });
});

describe('splitTrainValidation', () => {
  it('stratified: every AlphaDigits character lands in both parts; same seed, same split', async () => {
    const set = await loadAlphaDigits();
    const { train, validation } = splitTrainValidation(set, { validationFraction: 0.2, seed: 11, stratified: true });
    expect(train.images.rows + validation.images.rows).toBe(1404);
    const count = (labels: Int32Array, cls: number): number => labels.filter((l) => l === cls).length;
    for (let cls = 0; cls < 36; cls++) {
      expect(count(validation.labels, cls)).toBe(8); // round(39 * 0.2)
      expect(count(train.labels, cls)).toBe(31);
    }
    const again = splitTrainValidation(set, { validationFraction: 0.2, seed: 11, stratified: true });
    expectSameArray(again.validation.images.data, validation.images.data);
    const other = splitTrainValidation(set, { validationFraction: 0.2, seed: 12, stratified: true });
    expect(Buffer.from(other.validation.images.data.buffer).equals(Buffer.from(validation.images.data.buffer))).toBe(
      false,
    );
  });

  it('the two parts partition the rows (no image in both, none lost)', () => {
    const set = imageSet([0, 0, 0, 1, 1, 1, 1, 2, 2, 2]);
    for (const stratified of [true, false]) {
      const { train, validation } = splitTrainValidation(set, { validationFraction: 0.3, seed: 1, stratified });
      const firsts = [
        ...train.images.data.filter((_, i) => i % 2 === 0),
        ...validation.images.data.filter((_, i) => i % 2 === 0),
      ];
      expect(firsts.sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
      expect(validation.images.rows).toBe(3);
    }
  });

  it('keeps a class with a single image in train, and rejects fractions outside (0, 1)', () => {
    const { train, validation } = splitTrainValidation(imageSet([0, 1, 1, 1]), { validationFraction: 0.5, seed: 2 });
    expect(Array.from(train.labels)).toContain(0);
    expect(Array.from(validation.labels)).not.toContain(0);
    expect(() => splitTrainValidation(imageSet([0, 1]), { validationFraction: 1, seed: 1 })).toThrow(
      /invalid validation fraction 1/,
    );
  });
});

describe('Xoshiro128', () => {
  it('repeats its stream for a seed and differs between seeds', () => {
    const a = new Xoshiro128(42);
    const b = new Xoshiro128(42);
    const c = new Xoshiro128(43);
    const sa = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('bulk Bernoulli sampling continues the same stream and has the right frequencies', () => {
    const n = 200_000;
    const probabilities = new Float32Array(n);
    for (let i = 0; i < n; i++) probabilities[i] = (i % 4) / 4 + 0.1;
    const out = new Float32Array(n);
    const rng = new Xoshiro128(3);
    rng.sampleBernoulli(probabilities, out, n);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[i % 4] += out[i];
    counts.forEach((count, bucket) => expect(count / (n / 4)).toBeCloseTo(bucket / 4 + 0.1, 2));
    // The same draws one at a time.
    const single = new Xoshiro128(3);
    for (let i = 0; i < 100; i++) expect(single.nextFloat() < probabilities[i] ? 1 : 0).toBe(out[i]);
    const uniforms = new Float32Array(n);
    rng.fillUniform(uniforms);
    let sum = 0;
    for (const u of uniforms) sum += u;
    expect(sum / n).toBeCloseTo(0.5, 2);
    let normalSum = 0;
    let normalSquares = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.nextNormal();
      normalSum += z;
      normalSquares += z * z;
    }
    expect(normalSum / n).toBeCloseTo(0, 1);
    expect(normalSquares / n).toBeCloseTo(1, 1);
  });
});

describe('seeded streams', () => {
  // Pinned: every seeded result of RBM Lab (splits, initial weights, Gibbs chains, batch orders,
  // latent codes) follows from these streams. Update only with an intended algorithm change.
  it('xoshiro128** gives the same numbers as ever for seed 42', () => {
    const x = new Xoshiro128(42);
    expect(Array.from({ length: 4 }, () => x.nextUint32())).toEqual([2837322924, 544945897, 479756282, 3500138142]);
    expect(Array.from({ length: 3 }, () => x.nextNormal())).toEqual([
      2.2217394732623146, 0.37123649961532995, -0.1629644457175578,
    ]);
    const out = new Float32Array(8);
    x.sampleBernoulli(new Float32Array([0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.6]), out, 8);
    expect(Array.from(out)).toEqual([0, 1, 1, 0, 0, 0, 1, 0]);
    const uniforms = new Float32Array(3);
    x.fillUniform(uniforms);
    expect(Array.from(uniforms)).toEqual([0.49653029441833496, 0.7192011475563049, 0.5346049070358276]);
    const order = Int32Array.from({ length: 8 }, (_, i) => i);
    x.shuffle(order);
    expect(Array.from(order)).toEqual([4, 2, 3, 5, 6, 7, 1, 0]);
    expect(x.nextInt(1000)).toBe(522);
  });

  it('sfc32 and its helpers give the same numbers as ever for seed 42', () => {
    const r = createRng(42);
    expect(Array.from({ length: 3 }, () => r.nextUint32())).toEqual([3300534121, 822028988, 4281277178]);
    expect(Array.from({ length: 3 }, () => r.normal())).toEqual([
      2.385055883977318, 1.7385225069847625, -0.674969498320315,
    ]);
    expect(Array.from(normalArray(r, 3))).toEqual([0.22247667610645294, 0.6526928544044495, -0.2460460662841797]);
    expect(Array.from(permutation(r, 8))).toEqual([0, 1, 7, 2, 3, 5, 4, 6]);
    expect(r.next()).toBe(0.5040596316102892);
    expect(r.nextInt(1000)).toBe(942);
  });
});
