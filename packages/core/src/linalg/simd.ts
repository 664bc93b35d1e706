import { type SigmoidAddBias, sigmoidAddBias } from './elementwise.js';
import type { Gemm } from './gemm.js';
import { type WasmMemory, WASM_PAGE_BYTES, wasmApi } from './wasm-api.js';
import { instantiateKernel, KERNEL_MIN_PAGES, kernelModule } from './wasm-kernels.js';

/**
 * Scratch buffers for the training loops in one WebAssembly.Memory, and the
 * WebAssembly SIMD (f32x4) sigmoid of wasm/sgemm.c that works on them in place
 * (the hottest element-wise loop of CD training: a third of an MNIST epoch in
 * scalar TypeScript). Callers allocate once per fit; the GEMM provider reads
 * and writes the same views, so no data is copied per batch. Node 20 always has
 * wasm SIMD and shared memory; elsewhere the workspace falls back to plain
 * arrays and the TypeScript kernel.
 */

/** Whether this runtime runs the SIMD kernel (else SimdWorkspace falls back to TypeScript). */
export function simdAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * Float32 buffers in one shared WebAssembly.Memory, sized once (views must stay
 * valid), plus the SIMD kernels that work on them. When the GEMM provider hands
 * out memory it multiplies in place (wasm-sgemm), the buffers live there.
 */
export class SimdWorkspace {
  private readonly memory: WasmMemory | undefined;
  private readonly kernel:
    | ((pre: number, bias: number, rows: number, cols: number, out: number, sign: number) => void)
    | undefined;
  private readonly biasSlot: Float32Array | undefined;
  /**
   * The buffer objects of the views handed out. A shared memory's `buffer` is not
   * one object for its lifetime: once the memory has been sent to a worker thread
   * (wasm-sgemm's), V8 may return a new SharedArrayBuffer object over the same
   * bytes, so `view.buffer === memory.buffer` stops holding for older views.
   */
  private readonly ownBuffers = new WeakSet<ArrayBufferLike>();
  private next = 0;
  private capacity = 0;

  /**
   * floats: total size of the buffers that will be allocated (up to 64 buffers: each is
   * 16-byte aligned); maxCols: widest bias vector; gemm: the provider the buffers feed.
   */
  constructor(floats: number, maxCols: number, gemm?: Gemm) {
    const kernel = kernelModule();
    if (kernel === null || wasmApi === undefined) return;
    const bytes = (floats + maxCols) * 4 + 16 * 64;
    const provided = gemm?.workspaceMemory?.(bytes);
    if (provided !== undefined) {
      this.memory = provided.memory;
      this.next = provided.start;
      this.capacity = provided.end;
    } else {
      // Shared like the provider's memories: every path reads SharedArrayBuffer-backed views.
      const pages = Math.max(KERNEL_MIN_PAGES, Math.ceil(bytes / WASM_PAGE_BYTES));
      this.memory = new wasmApi.Memory({ initial: pages, maximum: pages, shared: true });
      this.capacity = bytes;
    }
    this.kernel = instantiateKernel(kernel.module, this.memory).sigmoid_bias;
    this.biasSlot = this.allocate(maxCols);
  }

  /** Whether buffers live in wasm memory and the SIMD kernel runs. */
  get simd(): boolean {
    return this.kernel !== undefined;
  }

  /** A zeroed buffer of n floats (16-byte aligned); plain memory when SIMD is unavailable. */
  allocate(n: number): Float32Array {
    if (this.memory === undefined) return new Float32Array(n);
    const start = Math.ceil(this.next / 16) * 16;
    if (start + n * 4 > this.capacity) throw new RangeError('SimdWorkspace: allocation exceeds the reserved size');
    this.next = start + n * 4;
    const view = new Float32Array(this.memory.buffer, start, n);
    this.ownBuffers.add(view.buffer);
    return view;
  }

  /** Whether a view lies in this workspace's memory (see ownBuffers). */
  private owns(view: Float32Array, memory: WasmMemory): boolean {
    return view.buffer === memory.buffer || this.ownBuffers.has(view.buffer);
  }

  /** sigmoidAddBias, vectorised when pre and out are this workspace's buffers and cols is a multiple of 4. */
  readonly sigmoidAddBias: SigmoidAddBias = (pre, bias, rows, cols, out, outOffset = 0, sign = 1) => {
    const memory = this.memory;
    if (
      this.kernel === undefined ||
      memory === undefined ||
      this.biasSlot === undefined ||
      cols % 4 !== 0 ||
      cols > this.biasSlot.length ||
      !this.owns(pre, memory) ||
      !this.owns(out, memory) ||
      pre.length < rows * cols ||
      out.length < outOffset + rows * cols
    ) {
      sigmoidAddBias(pre, bias, rows, cols, out, outOffset, sign);
      return;
    }
    this.biasSlot.set(bias.subarray(0, cols));
    this.kernel(pre.byteOffset, this.biasSlot.byteOffset, rows, cols, out.byteOffset + outOffset * 4, sign);
  };
}
