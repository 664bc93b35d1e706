import { readFileSync } from 'node:fs';
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

/** OpenBLAS reads the name of the kernel set to run from this variable, once, when the library loads. */
export const OPENBLAS_CORETYPE_ENV = 'OPENBLAS_CORETYPE';

/** The AVX-512 subsets OpenBLAS's SkylakeX kernels use. */
const SKYLAKEX_FLAGS = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'];

/**
 * The OpenBLAS kernel set to ask for on the CPU that `cpuinfo` (the text of /proc/cpuinfo)
 * describes, or undefined to keep OpenBLAS's own choice.
 *
 * OpenBLAS before 0.3.22 (Debian 12 ships 0.3.21) does not know AMD's AVX-512 CPUs (Zen 4,
 * Zen 5) and runs them on its AVX2 Haswell kernels; its AVX-512 SkylakeX kernels run the
 * RBM's products 1.5-1.8x faster there (bench/RESULTS.md, Zen 5). Newer OpenBLAS picks those
 * kernels itself, so asking for them is harmless. Intel's AVX-512 CPUs are known to OpenBLAS
 * and keep its choice. /proc/cpuinfo lists a flag only when the kernel also enables it.
 */
export function openblasCoreType(cpuinfo: string): 'SkylakeX' | undefined {
  const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo)?.[1];
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1].trim().split(/\s+/) ?? []);
  return vendor === 'AuthenticAMD' && SKYLAKEX_FLAGS.every((flag) => flags.has(flag)) ? 'SkylakeX' : undefined;
}

/** The kernel set OpenBLAS will be asked for under `env`: the one named there, else this CPU's (openblasCoreType). */
export function intendedOpenblasCoreType(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env[OPENBLAS_CORETYPE_ENV];
  if (chosen !== undefined && chosen !== '') return chosen;
  try {
    return openblasCoreType(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return undefined; // Not Linux: OpenBLAS chooses.
  }
}

/**
 * Puts the intended kernel set in OPENBLAS_CORETYPE for this process and the processes it
 * starts (which then share its OpenBLAS choice, e.g. scikit-learn in the benchmarks), and
 * returns it (undefined: OpenBLAS chooses). It only takes effect before OpenBLAS loads.
 */
export function configureOpenblasCoreType(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const coreType = intendedOpenblasCoreType(env);
  if (coreType !== undefined) env[OPENBLAS_CORETYPE_ENV] = coreType;
  else delete env[OPENBLAS_CORETYPE_ENV]; // an empty name would make OpenBLAS warn
  return coreType;
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
  // The kernel set OpenBLAS read when it loaded (initBackend sets it just before: configureOpenblasCoreType).
  const coreType = process.env[OPENBLAS_CORETYPE_ENV];
  const kernels = coreType ? `, ${OPENBLAS_CORETYPE_ENV}=${coreType}` : '';
  return {
    path: 'native-blas',
    detail: `OpenBLAS sgemm via nblas, ${threads} thread${threads === 1 ? '' : 's'}${kernels}`,
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
