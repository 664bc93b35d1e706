import { sigmoidAddBias } from './elementwise.js';
import type { Gemm } from './gemm.js';
import { type WasmMemory, WASM_MAX_PAGES, wasmApi } from './wasm-api.js';

/**
 * A WebAssembly SIMD (f32x4) version of sigmoidAddBias, the hottest
 * element-wise loop of CD training (a third of an MNIST epoch in scalar
 * TypeScript). The module is a few hundred bytes assembled below, so there is
 * nothing to build or fetch; Node 20 always has wasm SIMD.
 *
 * The kernel works in place on a WebAssembly.Memory: callers allocate their
 * scratch buffers from a SimdWorkspace once (per fit), and the BLAS binding
 * reads and writes the same views, so no data is copied per batch.
 */

const SIGMOID_CONSTANTS = {
  clamp: 7.90531110763549805,
  a13: -2.76076847742355e-16,
  a11: 2.00018790482477e-13,
  a9: -8.60467152213735e-11,
  a7: 5.12229709037114e-8,
  a5: 1.48572235717979e-5,
  a3: 6.37261928875436e-4,
  a1: 4.89352455891786e-3,
  b6: 1.19825839466702e-6,
  b4: 1.18534705686654e-4,
  b2: 2.268434632439e-3,
  b0: 4.89352518554385e-3,
};

// Opcodes used below (WebAssembly core + SIMD proposal).
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  simd: 0xfd,
};
const SIMD = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  f32x4Splat: 0x13,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
};

function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

const simdOp = (op: number): number[] => [OP.simd, ...uleb(op)];

function splatConst(value: number): number[] {
  const bytes = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
  return [...simdOp(SIMD.const), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

/**
 * sigmoid_bias(pre, bias, rows, cols, out, sign): byte addresses, cols a multiple of 4.
 * shared: import a shared memory (one a GEMM provider's worker threads also map).
 */
function assembleSigmoidModule(shared: boolean): Uint8Array {
  const I32 = 0x7f;
  const F32 = 0x7d;
  const V128 = 0x7b;
  // Parameters 0..5: pre, bias, rows, cols, out, sign. Locals: 6 r, 7 c, 8 rowOffset, 9 v, 10 v2, 11 p, 12 q, 13 signVec.
  const [pre, bias, rows, cols, out, sign, r, c, rowOffset, v, v2, p, q, signVec] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
  ];
  const k = SIGMOID_CONSTANTS;
  const get = (i: number) => [OP.localGet, i];
  const set = (i: number) => [OP.localSet, i];
  const mul = simdOp(SIMD.f32x4Mul);
  const add = simdOp(SIMD.f32x4Add);
  const memarg = [2, 0]; // align 2^2, offset 0
  const horner = (coefficients: number[]): number[] => {
    // ((c0 * v2 + c1) * v2 + c2) ...
    const code = [...splatConst(coefficients[0])];
    for (const coefficient of coefficients.slice(1)) code.push(...get(v2), ...mul, ...splatConst(coefficient), ...add);
    return code;
  };
  const body = [
    // locals: 3 i32, 5 v128
    2,
    3,
    I32,
    5,
    V128,
    ...get(sign),
    ...simdOp(SIMD.f32x4Splat),
    ...set(signVec),
    OP.i32Const,
    0,
    ...set(r),
    OP.block,
    0x40,
    OP.loop,
    0x40,
    ...get(r),
    ...get(rows),
    OP.i32GeU,
    OP.brIf,
    1,
    // rowOffset = r * cols * 4
    ...get(r),
    ...get(cols),
    OP.i32Mul,
    OP.i32Const,
    2,
    OP.i32Shl,
    ...set(rowOffset),
    OP.i32Const,
    0,
    ...set(c),
    OP.block,
    0x40,
    OP.loop,
    0x40,
    ...get(c),
    ...get(cols),
    OP.i32GeU,
    OP.brIf,
    1,
    // v = clamp(0.5 * (pre[row + c] + bias[c]))
    ...get(pre),
    ...get(rowOffset),
    OP.i32Add,
    ...get(c),
    OP.i32Const,
    2,
    OP.i32Shl,
    OP.i32Add,
    ...simdOp(SIMD.load),
    ...memarg,
    ...get(bias),
    ...get(c),
    OP.i32Const,
    2,
    OP.i32Shl,
    OP.i32Add,
    ...simdOp(SIMD.load),
    ...memarg,
    ...add,
    ...splatConst(0.5),
    ...mul,
    ...splatConst(k.clamp),
    ...simdOp(SIMD.f32x4Min),
    ...splatConst(-k.clamp),
    ...simdOp(SIMD.f32x4Max),
    OP.localTee,
    v,
    OP.localGet,
    v,
    ...mul,
    ...set(v2),
    ...horner([k.a13, k.a11, k.a9, k.a7, k.a5, k.a3, k.a1]),
    ...get(v),
    ...mul,
    ...set(p),
    ...horner([k.b6, k.b4, k.b2, k.b0]),
    ...set(q),
    // out[row + c] = sign * (0.5 + 0.5 * p / q)
    ...get(out),
    ...get(rowOffset),
    OP.i32Add,
    ...get(c),
    OP.i32Const,
    2,
    OP.i32Shl,
    OP.i32Add,
    ...get(p),
    ...get(q),
    ...simdOp(SIMD.f32x4Div),
    ...splatConst(0.5),
    ...mul,
    ...splatConst(0.5),
    ...add,
    ...get(signVec),
    ...mul,
    ...simdOp(SIMD.store),
    ...memarg,
    ...get(c),
    OP.i32Const,
    4,
    OP.i32Add,
    ...set(c),
    OP.br,
    0,
    OP.end,
    OP.end,
    ...get(r),
    OP.i32Const,
    1,
    OP.i32Add,
    ...set(r),
    OP.br,
    0,
    OP.end,
    OP.end,
    OP.end,
  ];
  const module = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    // type 0: (i32 i32 i32 i32 i32 f32) -> ()
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, F32, 0]),
    // import env.memory, min 1 page (shared: limits flag 3 and a maximum)
    ...section(2, [
      1,
      ...name('env'),
      ...name('memory'),
      0x02,
      ...(shared ? [0x03, 1, ...uleb(WASM_MAX_PAGES)] : [0x00, 1]),
    ]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('sigmoid_bias'), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  return new Uint8Array(module);
}

const compiled = new Map<boolean, object | null>();

function sigmoidModule(shared = false): object | null {
  let module = compiled.get(shared);
  if (module === undefined) {
    try {
      const bytes = assembleSigmoidModule(shared);
      module = wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null;
    } catch {
      module = null;
    }
    compiled.set(shared, module);
  }
  return module;
}

/** Whether this runtime runs the SIMD kernel (else SimdWorkspace falls back to TypeScript). */
export function simdAvailable(): boolean {
  return sigmoidModule() !== null;
}

/**
 * Float32 buffers in one WebAssembly.Memory, sized once (growing would detach
 * every view), plus the SIMD kernels that work on them. When the GEMM provider
 * hands out memory it multiplies in place (wasm-sgemm), the buffers live there.
 */
export class SimdWorkspace {
  private readonly memory: WasmMemory | undefined;
  private readonly kernel:
    | ((pre: number, bias: number, rows: number, cols: number, out: number, sign: number) => void)
    | undefined;
  private readonly biasSlot: Float32Array | undefined;
  private next = 0;
  private capacity = 0;

  /**
   * floats: total size of the buffers that will be allocated (up to 64 buffers: each is
   * 16-byte aligned); maxCols: widest bias vector; gemm: the provider the buffers feed.
   */
  constructor(floats: number, maxCols: number, gemm?: Gemm) {
    const bytes = (floats + maxCols) * 4 + 16 * 64;
    const provided = gemm?.workspaceMemory?.(bytes);
    const module = sigmoidModule(provided !== undefined);
    if (module === null || wasmApi === undefined) return;
    if (provided !== undefined) {
      this.memory = provided.memory;
      this.next = provided.start;
      this.capacity = provided.end;
    } else {
      this.capacity = bytes;
      this.memory = new wasmApi.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
    }
    const instance = new wasmApi.Instance(module, { env: { memory: this.memory } });
    this.kernel = instance.exports.sigmoid_bias as SimdWorkspace['kernel'];
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
    return new Float32Array(this.memory.buffer, start, n);
  }

  /** sigmoidAddBias, vectorised when pre and out are this workspace's buffers and cols is a multiple of 4. */
  sigmoidAddBias(
    pre: Float32Array,
    bias: Float32Array,
    rows: number,
    cols: number,
    out: Float32Array,
    outOffset = 0,
    sign = 1,
  ): void {
    const memory = this.memory;
    if (
      this.kernel === undefined ||
      memory === undefined ||
      this.biasSlot === undefined ||
      cols % 4 !== 0 ||
      cols > this.biasSlot.length ||
      pre.buffer !== memory.buffer ||
      out.buffer !== memory.buffer ||
      pre.length < rows * cols ||
      out.length < outOffset + rows * cols
    ) {
      sigmoidAddBias(pre, bias, rows, cols, out, outOffset, sign);
      return;
    }
    this.biasSlot.set(bias.subarray(0, cols));
    this.kernel(pre.byteOffset, this.biasSlot.byteOffset, rows, cols, out.byteOffset + outOffset * 4, sign);
  }
}
