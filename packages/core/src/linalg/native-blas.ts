import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { finishEmptyProduct, type Gemm } from './gemm.js';

/** The raw nblas binding: CBLAS row-major entry points on Float32Arrays. */
interface NblasBinding {
  sgemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
  saxpy(n: number, alpha: number, x: Float32Array, incX: number, y: Float32Array, incY: number): void;
}

const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

/**
 * The number of threads OpenBLAS will use. OpenBLAS reads OPENBLAS_NUM_THREADS
 * once, when the library is loaded, so it must be set before the first
 * loadNativeBlasGemm() (initBackend({ blasThreads }) does that).
 */
export function blasThreadCount(): number {
  const fromEnv = Number.parseInt(process.env.OPENBLAS_NUM_THREADS ?? process.env.OMP_NUM_THREADS ?? '', 10);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism();
}

/**
 * OpenBLAS sgemm through the npm `nblas` binding (built by node-gyp against the
 * system BLAS). Throws if the addon is missing or did not build.
 */
export function loadNativeBlasGemm(): Gemm {
  const require = createRequire(import.meta.url);
  // The package's JS wrapper allocates per call; the raw binding does not.
  const binding = require('nblas/build/Release/nblas.node') as NblasBinding;
  if (typeof binding.sgemm !== 'function' || typeof binding.saxpy !== 'function') {
    throw new Error('nblas binding has no sgemm/saxpy');
  }
  const threads = blasThreadCount();
  return {
    path: 'native-blas',
    detail: `OpenBLAS sgemm via nblas, ${threads} thread${threads === 1 ? '' : 's'}`,
    sgemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      // The binding adds each view's byteOffset (nblas' GET_CONTENTS), so subarrays are passed
      // as they are; test/linalg.test.ts checks that against the reference product.
      if (finishEmptyProduct(m, n, k, a, b, beta, c)) return;
      binding.sgemm(
        transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
        transB ? CBLAS_TRANS : CBLAS_NO_TRANS,
        m,
        n,
        k,
        alpha,
        a,
        transA ? m : k,
        b,
        transB ? k : n,
        beta,
        c,
        n,
      );
    },
    saxpy(n, alpha, x, y) {
      if (x.length < n || y.length < n) throw new RangeError(`saxpy: arrays shorter than n=${n}`);
      if (n === 0) return;
      binding.saxpy(n, alpha, x, 1, y, 1);
    },
    dispose() {},
  };
}
