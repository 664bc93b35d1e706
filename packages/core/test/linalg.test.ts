import { describe, expect, it } from 'vitest';
import { availableComputePaths, createGemm } from '../src/backend.js';
import {
  fastSigmoid,
  fastSoftplus,
  rowDots,
  sigmoid,
  sigmoidAddBias,
  softplus,
  softplusSums,
  transpose,
} from '../src/linalg/elementwise.js';
import { Xoshiro128 } from '@rbm-lab/datasets';
import { referenceSgemm } from '../src/linalg/gemm.js';
import { perturbedGemm } from '../src/linalg/perturbed.js';
import { SimdWorkspace, simdAvailable } from '../src/linalg/simd.js';
import type { ComputePath } from '../src/model.js';

/** Every provider that loads here; the others are reported as skipped. */
const available = await availableComputePaths();
const ALL_PATHS: readonly ComputePath[] = ['tensorflow', 'native-blas', 'wasm-sgemm', 'wasm', 'cpu'];

function randomArray(n: number, rng: Xoshiro128): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.nextFloat() * 2 - 1;
  return a;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/**
 * Random shapes: tiny, odd, and past every block edge of the wasm kernel
 * (4 x 8 register tiles, KC = 256, MC = 128, NC = 1024) and of BLAS.
 */
const SHAPES: readonly [number, number, number][] = [
  [1, 1, 1],
  [13, 9, 21],
  [3, 5, 7],
  [4, 8, 256],
  [129, 17, 257],
  [7, 1030, 3],
  [130, 33, 513],
  [2, 1, 600],
];

describe.each(ALL_PATHS)('%s sgemm', (path) => {
  const missing = !available.includes(path);

  it.skipIf(missing)(
    'matches the reference product on random shapes, transposes, alpha and beta, on views',
    async () => {
      const gemm = await createGemm(path);
      expect(gemm.path).toBe(path);
      const rng = new Xoshiro128(7);
      for (const [m, n, k] of SHAPES) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const [alpha, beta] of [
              [0.7, 0.3],
              [1, 0],
              [-2, 1],
            ]) {
              // Operands live at an offset inside larger buffers (the training loop passes such views).
              const a = randomArray(m * k + 5, rng).subarray(5);
              const b = randomArray(k * n + 3, rng).subarray(3);
              const cInit = randomArray(m * n, rng);
              // beta = 0 must ignore C's previous contents, even NaN.
              if (beta === 0) cInit.fill(Number.NaN);
              const cBig = new Float32Array(m * n + 4);
              cBig.set(cInit, 4);
              const c = cBig.subarray(4);
              const expected = cInit.slice();
              referenceSgemm(transA, transB, m, n, k, alpha, a, b, beta, expected);
              gemm.sgemm(transA, transB, m, n, k, alpha, a, b, beta, c);
              expect(maxAbsDiff(c, expected), `${m}x${n}x${k} ${transA} ${transB} ${alpha} ${beta}`).toBeLessThan(
                2e-6 * Math.sqrt(k) * Math.abs(alpha) + 1e-6,
              );
              expect(Array.from(cBig.subarray(0, 4))).toEqual([0, 0, 0, 0]);
            }
          }
        }
      }
      const y = new Float32Array([1, 2, 3]);
      gemm.saxpy(3, 2, new Float32Array([1, 1, 1]), y);
      expect(Array.from(y)).toEqual([3, 4, 5]);
      gemm.dispose();
    },
  );

  it.skipIf(missing)('multiplies in its own workspace memory when it has one, with the same result', async () => {
    const gemm = await createGemm(path);
    const [m, n, k] = [37, 45, 300];
    const ws = new SimdWorkspace(m * k + k * n + 2 * m * n + 2 * n, 4, gemm);
    const [a, b, c, y] = [ws.allocate(m * k), ws.allocate(k * n), ws.allocate(m * n), ws.allocate(2 * n)];
    const rng = new Xoshiro128(9);
    a.set(randomArray(m * k, rng));
    b.set(randomArray(k * n, rng));
    c.set(randomArray(m * n, rng));
    y.set(randomArray(2 * n, rng));
    const expected = c.slice();
    referenceSgemm(true, false, m, n, k, 0.5, a, b, 0.9, expected);
    gemm.sgemm(true, false, m, n, k, 0.5, a, b, 0.9, c);
    expect(maxAbsDiff(c, expected)).toBeLessThan(1e-4);
    const yExpected = y.slice();
    for (let i = 0; i < n; i++) yExpected[n + i] += -0.25 * y[i];
    gemm.saxpy(n, -0.25, y.subarray(0, n), y.subarray(n));
    expect(maxAbsDiff(y, yExpected)).toBeLessThan(1e-6);
    gemm.dispose();
  });

  it.skipIf(missing)('rejects arrays shorter than the sizes say instead of reading past them', async () => {
    const gemm = await createGemm(path);
    expect(() =>
      gemm.sgemm(false, false, 4, 4, 4, 1, new Float32Array(15), new Float32Array(16), 0, new Float32Array(16)),
    ).toThrow(RangeError);
    gemm.dispose();
  });
});

describe('element-wise kernels', () => {
  it('fastSigmoid is within 2e-7 of the exact sigmoid over a wide range', () => {
    let max = 0;
    for (let x = -40; x <= 40; x += 0.001) max = Math.max(max, Math.abs(fastSigmoid(x) - sigmoid(x)));
    expect(max).toBeLessThan(2e-7);
  });

  it('fastSoftplus is within 5e-7 of the exact softplus, including far tails and between table points', () => {
    let max = 0;
    for (let x = -60; x <= 60; x += 0.000731) max = Math.max(max, Math.abs(fastSoftplus(x) - softplus(x)));
    expect(max).toBeLessThan(5e-7);
    expect(max).toBeGreaterThan(0); // interpolated, not exact: the bound is the one that matters
    expect(fastSoftplus(1000)).toBe(1000);
    expect(fastSoftplus(-1000)).toBe(0);
  });

  it('sigmoidAddBias adds the column bias, applies the sign and writes at the offset', () => {
    const pre = new Float32Array([0, 1, -1, 2]);
    const out = new Float32Array(6);
    sigmoidAddBias(pre, new Float32Array([0.5, -0.5]), 2, 2, out, 2, -1);
    const expected = [0, 0, -sigmoid(0.5), -sigmoid(0.5), -sigmoid(-0.5), -sigmoid(1.5)];
    for (let i = 0; i < 6; i++) expect(out[i]).toBeCloseTo(expected[i], 6);
  });

  it('transpose swaps rows and columns', () => {
    const out = new Float32Array(6);
    transpose(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3, out);
    expect(Array.from(out)).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('SimdWorkspace', () => {
  it('runs the wasm SIMD sigmoid in place, matching the TypeScript kernel to float32 precision', () => {
    expect(simdAvailable()).toBe(true);
    const [rows, cols] = [7, 24];
    const ws = new SimdWorkspace(3 * rows * cols, cols);
    expect(ws.simd).toBe(true);
    const pre = ws.allocate(rows * cols);
    const out = ws.allocate(2 * rows * cols);
    const rng = new Xoshiro128(2);
    for (let i = 0; i < pre.length; i++) pre[i] = 40 * rng.nextFloat() - 20;
    const bias = randomArray(cols, rng);
    const expected = new Float32Array(2 * rows * cols);
    sigmoidAddBias(pre, bias, rows, cols, expected, rows * cols, -1);
    ws.sigmoidAddBias(pre, bias, rows, cols, out, rows * cols, -1);
    expect(maxAbsDiff(out, expected)).toBeLessThan(5e-7);
    expect(out[0]).toBe(0);
    // Widths that are not a multiple of 4, or plain arrays, take the TypeScript path with the same result.
    const plainOut = new Float32Array(rows * 5);
    ws.sigmoidAddBias(pre, bias, rows, 5, plainOut);
    const plainExpected = new Float32Array(rows * 5);
    sigmoidAddBias(pre, bias, rows, 5, plainExpected);
    expect(Array.from(plainOut)).toEqual(Array.from(plainExpected));
    expect(() => ws.allocate(10 * rows * cols)).toThrow(RangeError);
  });

  it('sums softplus along rows at two temperatures and takes row dot products, as the float64 definitions', () => {
    const [rows, cols] = [9, 200];
    const ws = new SimdWorkspace(2 * rows * cols + 2 * cols + 8 * rows, cols);
    const rng = new Xoshiro128(4);
    const pre = ws.allocate(rows * cols);
    // Pre-activations across the range parallel tempering meets, far tails included (exp underflows there).
    for (let i = 0; i < pre.length; i++) pre[i] = (rng.nextFloat() < 0.05 ? 400 : 30) * (rng.nextFloat() - 0.5);
    const bias = ws.allocate(cols);
    bias.set(randomArray(cols, rng));
    const [beta0, beta1] = [0.25, 1];
    const sums = ws.allocateFloat64(2 * rows);
    ws.softplusSums(pre, bias, rows, cols, beta0, beta1, sums);
    const fallback = new Float64Array(2 * rows);
    softplusSums(pre, bias, rows, cols, beta0, beta1, fallback);
    for (let r = 0; r < rows; r++) {
      for (const [t, beta] of [beta0, beta1].entries()) {
        let exact = 0;
        for (let c = 0; c < cols; c++) exact += softplus(beta * (pre[r * cols + c] + bias[c]));
        // A few float32 ulps per term: 1e-6 of the sum (the swaps compare differences of such sums).
        expect(Math.abs(sums[2 * r + t] - exact)).toBeLessThan(1e-6 * exact);
        expect(Math.abs(fallback[2 * r + t] - exact)).toBeLessThan(5e-7 * cols);
      }
    }
    expect(sums[0]).not.toBe(sums[1]);

    const x = ws.allocate(rows * cols);
    for (let i = 0; i < x.length; i++) x[i] = rng.nextFloat() < 0.3 ? 1 : 0;
    const b = ws.allocate(cols);
    b.set(randomArray(cols, rng));
    const dots = ws.allocateFloat64(2 * rows);
    ws.rowDots(x, bias, b, rows, cols, dots);
    const expected = new Float64Array(2 * rows);
    rowDots(x, bias, b, rows, cols, expected);
    for (let i = 0; i < dots.length; i++) expect(dots[i]).toBeCloseTo(expected[i], 10);
    expect(Math.abs(expected[0])).toBeGreaterThan(0.1);
  });
});

describe('perturbedGemm (RBM_LAB_PERTURB_GEMM: the suite on other rounding)', () => {
  it('moves non-integer results by at most one ulp, the same way every time, and leaves integer ones alone', async () => {
    const inner = await createGemm('cpu');
    const rng = new Xoshiro128(3);
    const [m, n, k] = [17, 23, 31];
    const a = randomArray(m * k, rng);
    const b = randomArray(k * n, rng);
    const plain = new Float32Array(m * n);
    inner.sgemm(false, false, m, n, k, 1, a, b, 0, plain);
    const perturbed = perturbedGemm(inner, 7);
    const once = new Float32Array(m * n);
    const again = new Float32Array(m * n);
    perturbed.sgemm(false, false, m, n, k, 1, a, b, 0, once);
    perturbed.sgemm(false, false, m, n, k, 1, a, b, 0, again);
    expect(again).toEqual(once);
    let moved = 0;
    for (let i = 0; i < m * n; i++) {
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(plain[i]))) - 23);
      expect(Math.abs(once[i] - plain[i])).toBeLessThanOrEqual(ulp);
      if (once[i] !== plain[i]) moved++;
    }
    // Each result moves up or down with probability 1/4 each.
    expect(moved / (m * n)).toBeGreaterThan(0.3);
    expect(moved / (m * n)).toBeLessThan(0.7);
    const other = new Float32Array(m * n);
    perturbedGemm(inner, 8).sgemm(false, false, m, n, k, 1, a, b, 0, other);
    expect(other).not.toEqual(once);

    // Binary operands: integer results, exact in any summation order, stay exact.
    const ones = Float32Array.from(a, (x) => (x > 0 ? 1 : 0));
    const counts = new Float32Array(m * m);
    perturbed.sgemm(false, true, m, m, k, 1, ones, ones, 0, counts);
    const exact = new Float32Array(m * m);
    inner.sgemm(false, true, m, m, k, 1, ones, ones, 0, exact);
    expect(counts).toEqual(exact);
    expect(perturbed.path).toBe('cpu');
    expect(perturbed.detail).toContain('RBM_LAB_PERTURB_GEMM=7');
  });
});
