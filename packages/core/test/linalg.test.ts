import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, createGemm } from '../src/backend.js';
import { fastSigmoid, sigmoid, sigmoidAddBias, transpose } from '../src/linalg/elementwise.js';
import { referenceSgemm, type Gemm } from '../src/linalg/gemm.js';
import { Xoshiro128 } from '@rbm-lab/datasets';
import { SimdWorkspace, simdAvailable } from '../src/linalg/simd.js';

async function tryGemm(path: 'native-blas' | 'cpu' | 'wasm'): Promise<Gemm | undefined> {
  try {
    return await createGemm(path);
  } catch (error) {
    if (error instanceof BackendUnavailableError) return undefined;
    throw error;
  }
}

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

describe.each(['native-blas', 'cpu', 'wasm'] as const)('%s sgemm', (path) => {
  it('matches the reference product for every transpose combination, alpha and beta, on views', async () => {
    const gemm = await tryGemm(path);
    if (gemm === undefined) {
      console.warn(`${path} not available here; skipped`);
      return;
    }
    expect(gemm.path).toBe(path);
    const rng = new Xoshiro128(7);
    const [m, n, k] = [13, 9, 21];
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        // Operands live at an offset inside larger buffers (the training loop passes such views).
        const aBig = randomArray(m * k + 5, rng);
        const bBig = randomArray(k * n + 3, rng);
        const a = aBig.subarray(5);
        const b = bBig.subarray(3);
        const cInit = randomArray(m * n, rng);
        const cBig = new Float32Array(m * n + 4);
        cBig.set(cInit, 4);
        const c = cBig.subarray(4);
        const expected = cInit.slice();
        referenceSgemm(transA, transB, m, n, k, 0.7, a, b, 0.3, expected);
        gemm.sgemm(transA, transB, m, n, k, 0.7, a, b, 0.3, c);
        expect(maxAbsDiff(c, expected)).toBeLessThan(1e-5);
        expect(Array.from(cBig.subarray(0, 4))).toEqual(Array.from(cBig.subarray(0, 4)).fill(0));
      }
    }
    const y = new Float32Array([1, 2, 3]);
    gemm.saxpy(3, 2, new Float32Array([1, 1, 1]), y);
    expect(Array.from(y)).toEqual([3, 4, 5]);
  });

  it('rejects arrays shorter than the sizes say instead of reading past them', async () => {
    const gemm = await tryGemm(path);
    if (gemm === undefined) return;
    expect(() =>
      gemm.sgemm(false, false, 4, 4, 4, 1, new Float32Array(15), new Float32Array(16), 0, new Float32Array(16)),
    ).toThrow(RangeError);
  });
});

describe('element-wise kernels', () => {
  it('fastSigmoid is within 2e-7 of the exact sigmoid over a wide range', () => {
    let max = 0;
    for (let x = -40; x <= 40; x += 0.001) max = Math.max(max, Math.abs(fastSigmoid(x) - sigmoid(x)));
    expect(max).toBeLessThan(2e-7);
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
});
