import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { referenceSgemm } from '../src/linalg/gemm.js';
import { Xoshiro128 } from '@rbm-lab/datasets';
import { SimdWorkspace } from '../src/linalg/simd.js';
import { kernelModule } from '../src/linalg/wasm-kernels.js';
import { splitProduct, WasmSgemm } from '../src/linalg/wasm-sgemm.js';
import { WASM_SGEMM_BASE64 } from '../src/linalg/wasm-sgemm-binary.js';
import { runWithBackend } from './backend-fixtures.js';

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL('../scripts/build-wasm-sgemm.sh', import.meta.url));
const hasClang = ['/usr/bin/clang-19', '/usr/bin/wasm-ld-19'].every((file) => existsSync(file));
const hasProcTasks = existsSync('/proc/self/task');

/** OS threads of this process (Linux). */
const osThreads = (): number => readdirSync('/proc/self/task').length;

function randomArray(n: number, rng: Xoshiro128): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.nextFloat() * 2 - 1;
  return a;
}

describe('splitProduct', () => {
  it('partitions C into at most `threads` shares of whole register tiles along its longer side', () => {
    const rng = new Xoshiro128(5);
    for (let trial = 0; trial < 200; trial++) {
      const threads = 1 + (rng.nextUint32() % 6);
      const m = 1 + (rng.nextUint32() % 300);
      const n = 1 + (rng.nextUint32() % 300);
      const lda = 1 + (rng.nextUint32() % 400);
      const transA = rng.nextFloat() < 0.5;
      const shares = splitProduct(threads, transA, m, n, 1000, lda, 5000, n);
      expect(shares.length).toBeGreaterThanOrEqual(1);
      expect(shares.length).toBeLessThanOrEqual(threads);
      const covered = new Uint8Array(m * n);
      for (const share of shares) {
        // Byte offsets back to the first row of the share.
        const i0 = (share.c - 5000) / (4 * n);
        expect(share.a).toBe(1000 + 4 * (transA ? i0 : i0 * lda));
        if (share.m < m) expect(i0 % 4).toBe(0);
        if (share.j1 - share.j0 < n) expect(share.j0 % 8).toBe(0);
        for (let i = i0; i < i0 + share.m; i++) for (let j = share.j0; j < share.j1; j++) covered[i * n + j]++;
      }
      expect(covered.every((count) => count === 1)).toBe(true);
    }
  });
});

describe('WasmSgemm', () => {
  it('compiles here (Node has wasm SIMD and shared memory)', () => {
    expect(kernelModule()).not.toBeNull();
  });

  it.each([1, 2, 3])('gives the same products on %i thread(s), in place and staged', async (threads) => {
    const gemm = new WasmSgemm(threads);
    expect(gemm.workerCount).toBe(threads - 1);
    const rng = new Xoshiro128(threads);
    // Large enough to be split among the threads, with ragged edges.
    const [m, n, k] = [203, 157, 301];
    const ws = new SimdWorkspace(m * k + k * n + m * n, 4, gemm);
    const [a, b, c] = [ws.allocate(m * k), ws.allocate(k * n), ws.allocate(m * n)];
    a.set(randomArray(m * k, rng));
    b.set(randomArray(k * n, rng));
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      const expected = new Float32Array(m * n);
      referenceSgemm(transA, transB, m, n, k, 1.5, a, b, 0, expected);
      gemm.sgemm(transA, transB, m, n, k, 1.5, a, b, 0, c);
      const staged = new Float32Array(m * n);
      gemm.sgemm(transA, transB, m, n, k, 1.5, a.slice(), b.slice(), 0, staged);
      for (let i = 0; i < m * n; i++) {
        expect(Math.abs(c[i] - expected[i])).toBeLessThan(1e-4);
        expect(staged[i]).toBe(c[i]);
      }
    }
    await gemm.terminate();
    expect(() => gemm.sgemm(false, false, 1, 1, 1, 1, a, b, 0, c)).toThrow(/after dispose/);
  });

  it('keeps a workspace on the SIMD sigmoid after another shared memory grew (V8 then renews buffer objects)', async () => {
    // V8 may hand out a new buffer object for a shared memory that has not grown: views made before
    // must still count as the workspace's (else the TypeScript sigmoid runs, with other rounding, and
    // the first fit of a process differed from later ones in the last digits).
    const [rows, cols] = [16, 64];
    const rng = new Xoshiro128(21);
    const input = randomArray(rows * cols, rng).map((x) => 8 * x);
    const bias = randomArray(cols, rng);
    const reference = new SimdWorkspace(2 * rows * cols, cols);
    const [refPre, refOut] = [reference.allocate(rows * cols), reference.allocate(rows * cols)];
    refPre.set(input);
    reference.sigmoidAddBias(refPre, bias, rows, cols, refOut);

    const gemm = new WasmSgemm(2);
    const ws = new SimdWorkspace(2 * rows * cols + 3 * 128 * 128, cols, gemm);
    const [pre, out] = [ws.allocate(rows * cols), ws.allocate(rows * cols)];
    const [a, b, c] = [ws.allocate(128 * 128), ws.allocate(128 * 128), ws.allocate(128 * 128)];
    a.set(randomArray(128 * 128, rng));
    b.set(randomArray(128 * 128, rng));
    gemm.sgemm(false, false, 128, 128, 128, 1, a, b, 0, c);
    // A product of foreign arrays grows the staging memory: V8 then refreshes the buffer objects
    // of every shared memory the worker threads hold, this workspace's among them.
    const big = randomArray(600 * 600, rng);
    gemm.sgemm(false, false, 600, 600, 600, 1, big, big, 0, new Float32Array(600 * 600));
    gemm.sgemm(false, false, 128, 128, 128, 1, a, b, 0, c);
    pre.set(input);
    ws.sigmoidAddBias(pre, bias, rows, cols, out);
    expect(Array.from(out)).toEqual(Array.from(refOut));
    await gemm.terminate();
  });

  it('stays correct over many back-to-back products, whichever thread computes each share', async () => {
    // Workers that wake late find their share computed by the calling thread; every product must still be exact.
    const gemm = new WasmSgemm(3);
    const rng = new Xoshiro128(11);
    const size = 110 * 110;
    const ws = new SimdWorkspace(3 * size, 4, gemm);
    const [a, b, c] = [ws.allocate(size), ws.allocate(size), ws.allocate(size)];
    a.set(randomArray(size, rng));
    b.set(randomArray(size, rng));
    for (let i = 0; i < 150; i++) {
      const [m, n, k] = [60 + (rng.nextUint32() % 50), 60 + (rng.nextUint32() % 50), 60 + (rng.nextUint32() % 50)];
      const [transA, transB] = [rng.nextFloat() < 0.5, rng.nextFloat() < 0.5];
      const expected = new Float32Array(m * n);
      referenceSgemm(transA, transB, m, n, k, 1, a, b, 0, expected);
      gemm.sgemm(transA, transB, m, n, k, 1, a, b, 0, c);
      let worst = 0;
      for (let j = 0; j < m * n; j++) worst = Math.max(worst, Math.abs(c[j] - expected[j]));
      expect(worst, `product ${i}: ${m}x${n}x${k}`).toBeLessThan(1e-4);
    }
    await gemm.terminate();
  });

  it.skipIf(!hasProcTasks)('starts exactly threads - 1 OS threads and no more', async () => {
    const before = osThreads();
    const gemm = new WasmSgemm(3);
    // Workers start their thread in the constructor; products must not start more.
    const a = new Float32Array(300 * 300).fill(1);
    const c = new Float32Array(300 * 300);
    gemm.sgemm(false, false, 300, 300, 300, 1, a, a, 0, c);
    expect(c[0]).toBe(300);
    // The count is the whole process's: polled, so that a thread the runtime starts or ends on its own (an
    // exiting worker leaves /proc a moment after terminate() resolves) cannot fail the test on a busy machine.
    await expect.poll(() => osThreads() - before, { timeout: 5000 }).toBe(2);
    await gemm.terminate();
    await expect.poll(osThreads, { timeout: 5000 }).toBe(before);
  });

  it('takes its thread budget from RBM_LAB_BLAS_THREADS, as the sweep runner sets it per job', async () => {
    const code = `const info = await initBackend();
      console.log(JSON.stringify({ detail: info.detail, workers: getGemm().workerCount }));`;
    const dir = await mkdtemp(join(tmpdir(), 'rbm-lab-threads-'));
    try {
      for (const threads of [1, 2]) {
        const env = { RBM_LAB_BACKEND: 'wasm-sgemm', RBM_LAB_BLAS_THREADS: String(threads), RBM_LAB_CACHE_DIR: dir };
        const { ok, text } = await runWithBackend(code, env);
        expect(ok, text).toBe(true);
        const result = JSON.parse(text) as { detail: string; workers: number };
        expect(result.workers).toBe(threads - 1);
        expect(result.detail).toContain(`${threads} thread${threads === 1 ? '' : 's'}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasClang)('ships the binary its C source builds to (scripts/build-wasm-sgemm.sh)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rbm-lab-wasm-'));
    try {
      const out = join(dir, 'binary.ts');
      await run('sh', [buildScript, out]);
      const rebuilt = /'([A-Za-z0-9+/=]+)'/.exec(readFileSync(out, 'utf8'))?.[1];
      expect(rebuilt).toBe(WASM_SGEMM_BASE64);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
