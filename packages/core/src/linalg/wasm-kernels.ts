import { type WasmMemory, type WasmModule, wasmApi } from './wasm-api.js';
import { WASM_SGEMM_BASE64 } from './wasm-sgemm-binary.js';

/**
 * The exports of wasm/sgemm.c (built into wasm-sgemm-binary.ts). Pointers are
 * byte offsets into the one shared memory the instance imports.
 */
export interface KernelExports {
  sgemm(
    transA: number,
    transB: number,
    m: number,
    k: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
    j0: number,
    j1: number,
    scratch: number,
  ): void;
  saxpy(n: number, alpha: number, x: number, y: number): void;
  sigmoid_bias(pre: number, bias: number, rows: number, cols: number, out: number, sign: number): void;
  /** out (float64): per row, the softplus sums at beta0 and beta1 (see softplusSums in elementwise.ts). */
  softplus_sums(pre: number, bias: number, rows: number, cols: number, beta0: number, beta1: number, out: number): void;
  /** out (float64): per row, its dot products with a and b (see rowDots in elementwise.ts). */
  row_dots(x: number, a: number, b: number, rows: number, cols: number, out: number): void;
  /** Adam's update of n (a multiple of 4) parameters in place; used by nn/simd-adam.ts. */
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    b1: number,
    b2: number,
    step: number,
    invC2: number,
    eps: number,
  ): void;
  scratch_floats(): number;
}

/** The smallest memory the module accepts, in pages (its import's minimum). */
export const KERNEL_MIN_PAGES = 2;

let compiled: { module: WasmModule; scratchFloats: number } | null | undefined;

/**
 * The compiled kernel module and the per-thread scratch its sgemm needs (floats),
 * or null where this runtime lacks wasm SIMD or shared memory (then callers fall
 * back to TypeScript). Compiled once per process; worker threads get the module
 * itself, so they compile nothing.
 */
export function kernelModule(): { module: WasmModule; scratchFloats: number } | null {
  if (compiled === undefined) {
    try {
      const bytes = new Uint8Array(Buffer.from(WASM_SGEMM_BASE64, 'base64'));
      if (wasmApi === undefined || !wasmApi.validate(bytes)) {
        compiled = null;
      } else {
        const module = new wasmApi.Module(bytes);
        const memory = new wasmApi.Memory({ initial: KERNEL_MIN_PAGES, maximum: KERNEL_MIN_PAGES, shared: true });
        compiled = { module, scratchFloats: instantiateKernel(module, memory).scratch_floats() };
      }
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** An instance of the kernels on `memory` (a shared memory of at least KERNEL_MIN_PAGES). */
export function instantiateKernel(module: WasmModule, memory: WasmMemory): KernelExports {
  if (wasmApi === undefined) throw new Error('no WebAssembly in this runtime');
  return new wasmApi.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
}
