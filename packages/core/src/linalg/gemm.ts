import type { ComputePath } from '../model.js';
import type { WasmMemory } from './wasm-api.js';

/**
 * The one pluggable piece of the RBM/DBN maths: dense products on host
 * Float32Arrays. Everything else (sigmoids, sampling, updates) is written once
 * in TypeScript over the same buffers, so every compute path runs the same
 * algorithm and the same random stream.
 */
/**
 * Row-major C = alpha * op(A) * op(B) + beta * C, with op(A) m x k, op(B) k x n, C m x n.
 * A is stored m x k (k x m when transA), B k x n (n x k when transB), C m x n, all densely.
 * beta = 0 ignores C's previous contents (even NaN).
 */
export type Sgemm = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c: Float32Array,
) => void;

export interface Gemm {
  /** The compute path this provider implements (recorded with every run). */
  readonly path: ComputePath;
  /** Human-readable detail, e.g. 'OpenBLAS sgemm via nblas, 2 threads'. */
  readonly detail: string;
  /** The product (see Sgemm). */
  sgemm: Sgemm;
  /** y[0..n) += alpha * x[0..n). */
  saxpy(n: number, alpha: number, x: Float32Array, y: Float32Array): void;
  /** Releases native or tfjs resources the provider holds. */
  dispose(): void;
  /**
   * Optional: a WebAssembly memory of at least `bytes` free bytes that this
   * provider multiplies in place. Products whose operands all lie in one such
   * memory need no copies; SimdWorkspace allocates from it when the provider
   * has one. Providers that read any Float32Array (native BLAS) leave it out.
   */
  workspaceMemory?(bytes: number): WorkspaceMemory;
}

/** Memory a provider hands out for scratch buffers: bytes [start, end) are the caller's. */
export interface WorkspaceMemory {
  memory: WasmMemory;
  start: number;
  end: number;
}

export function checkGemmArguments(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
): void {
  // Native BLAS reads raw pointers: a wrong size would corrupt memory instead of throwing.
  if (!(m >= 0 && n >= 0 && k >= 0) || !Number.isInteger(m) || !Number.isInteger(n) || !Number.isInteger(k)) {
    throw new RangeError(`sgemm: invalid sizes m=${m} n=${n} k=${k}`);
  }
  if (a.length < m * k || b.length < k * n || c.length < m * n) {
    throw new RangeError(
      `sgemm: arrays too short for m=${m} n=${n} k=${k} (A ${a.length}, B ${b.length}, C ${c.length})`,
    );
  }
}

/**
 * Checks the sizes (checkGemmArguments) and finishes the products with nothing to
 * multiply: m or n = 0 leaves C alone, k = 0 makes C = beta * C. Returns true when
 * C is final, so a provider calls its kernel only for m, n, k > 0.
 */
export function finishEmptyProduct(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c: Float32Array,
): boolean {
  checkGemmArguments(m, n, k, a, b, c);
  if (m === 0 || n === 0) return true;
  if (k > 0) return false;
  for (let i = 0; i < m * n; i++) c[i] = beta === 0 ? 0 : beta * c[i];
  return true;
}

/** y += alpha * x in TypeScript, for providers without a BLAS level-1 routine. */
export function jsSaxpy(n: number, alpha: number, x: Float32Array, y: Float32Array): void {
  if (x.length < n || y.length < n) throw new RangeError(`saxpy: arrays shorter than n=${n}`);
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}

/** C = alpha * product + beta * C, the epilogue shared by providers that compute the bare product. */
export function applyAlphaBeta(product: Float32Array, alpha: number, beta: number, c: Float32Array, n: number): void {
  if (beta === 0) {
    if (alpha === 1) c.set(product.subarray(0, n));
    else for (let i = 0; i < n; i++) c[i] = alpha * product[i];
  } else {
    for (let i = 0; i < n; i++) c[i] = alpha * product[i] + beta * c[i];
  }
}

/**
 * A plain TypeScript GEMM (cache-friendly i-k-j loop, float64 accumulation per
 * output row). Slow; used as the reference in tests and for tiny products.
 */
export const referenceSgemm: Sgemm = (transA, transB, m, n, k, alpha, a, b, beta, c) => {
  checkGemmArguments(m, n, k, a, b, c);
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const aip = transA ? a[p * m + i] : a[i * k + p];
      if (aip === 0) continue;
      if (transB) {
        for (let j = 0; j < n; j++) row[j] += aip * b[j * k + p];
      } else {
        const base = p * n;
        for (let j = 0; j < n; j++) row[j] += aip * b[base + j];
      }
    }
    const base = i * n;
    for (let j = 0; j < n; j++) c[base + j] = alpha * row[j] + (beta === 0 ? 0 : beta * c[base + j]);
  }
};
