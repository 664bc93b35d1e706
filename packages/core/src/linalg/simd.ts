import {
  type RowDots,
  rowDots,
  type SigmoidAddBias,
  type SoftplusSums,
  sigmoidAddBias,
  softplusSums,
} from './elementwise.js';
import type { Gemm } from './gemm.js';
import { type WasmMemory, WASM_PAGE_BYTES, wasmApi } from './wasm-api.js';
import { instantiateKernel, KERNEL_MIN_PAGES, type KernelExports, kernelModule } from './wasm-kernels.js';

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
  private readonly kernel: KernelExports | undefined;
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
    this.kernel = instantiateKernel(kernel.module, this.memory);
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

  /** A zeroed buffer of n float64s (16-byte aligned, counted as 2n floats of the reserved size). */
  allocateFloat64(n: number): Float64Array {
    const floats = this.allocate(2 * n);
    return this.memory === undefined ? new Float64Array(n) : new Float64Array(floats.buffer, floats.byteOffset, n);
  }

  /** Whether a view lies in this workspace's memory (see ownBuffers). */
  private owns(view: ArrayBufferView, memory: WasmMemory): boolean {
    return view.buffer === memory.buffer || this.ownBuffers.has(view.buffer);
  }

  /**
   * The SIMD kernels when cols is a multiple of 4 and every view lies in this workspace's memory, else undefined
   * (the caller takes the TypeScript kernel).
   */
  private kernelFor(cols: number, views: readonly ArrayBufferView[]): KernelExports | undefined {
    const memory = this.memory;
    if (this.kernel === undefined || memory === undefined || cols % 4 !== 0) return undefined;
    return views.every((view) => this.owns(view, memory)) ? this.kernel : undefined;
  }

  /** sigmoidAddBias, vectorised when pre and out are this workspace's buffers and cols is a multiple of 4. */
  readonly sigmoidAddBias: SigmoidAddBias = (pre, bias, rows, cols, out, outOffset = 0, sign = 1) => {
    const kernel = this.kernelFor(cols, [pre, out]);
    const slot = this.biasSlot;
    if (
      kernel === undefined ||
      slot === undefined ||
      cols > slot.length ||
      pre.length < rows * cols ||
      out.length < outOffset + rows * cols
    ) {
      sigmoidAddBias(pre, bias, rows, cols, out, outOffset, sign);
      return;
    }
    slot.set(bias.subarray(0, cols));
    kernel.sigmoid_bias(pre.byteOffset, slot.byteOffset, rows, cols, out.byteOffset + outOffset * 4, sign);
  };

  /** softplusSums, vectorised when every array is this workspace's buffer and cols is a multiple of 4. */
  readonly softplusSums: SoftplusSums = (pre, bias, rows, cols, beta0, beta1, out) => {
    const kernel = this.kernelFor(cols, [pre, bias, out]);
    if (kernel === undefined || pre.length < rows * cols || bias.length < cols || out.length < 2 * rows) {
      softplusSums(pre, bias, rows, cols, beta0, beta1, out);
      return;
    }
    kernel.softplus_sums(pre.byteOffset, bias.byteOffset, rows, cols, beta0, beta1, out.byteOffset);
  };

  /** rowDots, vectorised when every array is this workspace's buffer and cols is a multiple of 4. */
  readonly rowDots: RowDots = (x, a, b, rows, cols, out) => {
    const kernel = this.kernelFor(cols, [x, a, b, out]);
    if (kernel === undefined || x.length < rows * cols || a.length < cols || b.length < cols || out.length < 2 * rows) {
      rowDots(x, a, b, rows, cols, out);
      return;
    }
    kernel.row_dots(x.byteOffset, a.byteOffset, b.byteOffset, rows, cols, out.byteOffset);
  };
}
