import { assembleKernelModule, kernelCompiler, OP, SIMD, simdOp, type WasmMemory, wasmApi } from '../linalg/simd.js';

/**
 * Adam's update as a WebAssembly SIMD (f32x4) kernel. In scalar TypeScript
 * the sqrt and division per parameter made the optimizer step as slow as the
 * matrix products of an autoencoder step; four lanes at a time it is a small
 * part. Same formula as Adam.step, in float32 as tfjs computes it:
 * m = b1 m + a1 g;  v = b2 v + a2 g^2;  p = p - step m / (sqrt(v invC2) + eps).
 */
function assembleAdamModule(): Uint8Array {
  const I32 = 0x7f;
  const F32 = 0x7d;
  const V128 = 0x7b;
  // Parameters 0..11: p, g, m, v (byte addresses), bytes, b1, a1, b2, a2, step, invC2, eps.
  // Locals: 12 i; 13 gi, 14 mi, 15 vi; 16..22 the seven scalars splatted to f32x4.
  const [p, g, m, v, bytes, i, gi, mi, vi] = [0, 1, 2, 3, 4, 12, 13, 14, 15];
  const [b1, a1, b2, a2, step, invC2, eps] = [16, 17, 18, 19, 20, 21, 22];
  const get = (index: number) => [OP.localGet, index];
  const set = (index: number) => [OP.localSet, index];
  const memarg = [2, 0];
  const load = [...simdOp(SIMD.load), ...memarg];
  const store = [...simdOp(SIMD.store), ...memarg];
  const mul = simdOp(SIMD.f32x4Mul);
  const add = simdOp(SIMD.f32x4Add);
  const at = (base: number) => [...get(base), ...get(i), OP.i32Add];
  const splats = [b1, a1, b2, a2, step, invC2, eps].flatMap((local, k) => [
    ...get(5 + k),
    ...simdOp(SIMD.f32x4Splat),
    ...set(local),
  ]);
  const body = [
    2,
    1,
    I32,
    10,
    V128,
    ...splats,
    OP.i32Const,
    0,
    ...set(i),
    OP.block,
    0x40,
    OP.loop,
    0x40,
    ...get(i),
    ...get(bytes),
    OP.i32GeU,
    OP.brIf,
    1,
    ...at(g),
    ...load,
    ...set(gi),
    // mi = b1 * m + a1 * gi
    ...at(m),
    ...load,
    ...get(b1),
    ...mul,
    ...get(a1),
    ...get(gi),
    ...mul,
    ...add,
    ...set(mi),
    ...at(m),
    ...get(mi),
    ...store,
    // vi = b2 * v + a2 * gi * gi
    ...at(v),
    ...load,
    ...get(b2),
    ...mul,
    ...get(a2),
    ...get(gi),
    ...mul,
    ...get(gi),
    ...mul,
    ...add,
    ...set(vi),
    ...at(v),
    ...get(vi),
    ...store,
    // p = p - step * mi / (sqrt(vi * invC2) + eps)
    ...at(p),
    ...at(p),
    ...load,
    ...get(step),
    ...get(mi),
    ...mul,
    ...get(vi),
    ...get(invC2),
    ...mul,
    ...simdOp(SIMD.f32x4Sqrt),
    ...get(eps),
    ...add,
    ...simdOp(SIMD.f32x4Div),
    ...simdOp(SIMD.f32x4Sub),
    ...store,
    ...get(i),
    OP.i32Const,
    16,
    OP.i32Add,
    ...set(i),
    OP.br,
    0,
    OP.end,
    OP.end,
    OP.end,
  ];
  return assembleKernelModule('adam', [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32], body);
}

type AdamExport = (
  p: number,
  g: number,
  m: number,
  v: number,
  bytes: number,
  b1: number,
  a1: number,
  b2: number,
  a2: number,
  step: number,
  invC2: number,
  eps: number,
) => void;

const adamModule = kernelCompiler(assembleAdamModule);

/**
 * Adam state (first and second moments) in wasm memory, with staging slots
 * for the parameters and gradients: a step copies them in, runs the kernel
 * and copies the parameters back (three memcpys, cheap next to the arithmetic).
 * Sizes are padded to a multiple of 4 with zeros, which the update leaves at zero.
 */
export class SimdAdamKernel {
  private readonly kernel: AdamExport;
  private readonly parameters: Float32Array;
  private readonly gradients: Float32Array;
  private readonly firstMoment: Float32Array;
  private readonly secondMoment: Float32Array;

  private constructor(memory: WasmMemory, kernel: AdamExport, size: number) {
    const padded = Math.ceil(size / 4) * 4;
    this.kernel = kernel;
    [this.parameters, this.gradients, this.firstMoment, this.secondMoment] = [0, 1, 2, 3].map(
      (k) => new Float32Array(memory.buffer, k * padded * 4, padded),
    );
  }

  /** undefined where the runtime has no wasm SIMD (Adam then runs its TypeScript loop). */
  static create(size: number): SimdAdamKernel | undefined {
    const module = adamModule();
    if (module === null || wasmApi === undefined) return undefined;
    const padded = Math.ceil(size / 4) * 4;
    const memory = new wasmApi.Memory({ initial: Math.ceil((16 * padded) / 65536) + 1 });
    const instance = new wasmApi.Instance(module, { env: { memory } });
    return new SimdAdamKernel(memory, instance.exports.adam as AdamExport, size);
  }

  step(
    parameters: Float32Array,
    gradients: Float32Array,
    coefficients: { beta1: number; beta2: number; stepSize: number; inverseCorrection2: number; epsilon: number },
  ): void {
    this.parameters.set(parameters);
    this.gradients.set(gradients);
    const { beta1, beta2, stepSize, inverseCorrection2, epsilon } = coefficients;
    this.kernel(
      this.parameters.byteOffset,
      this.gradients.byteOffset,
      this.firstMoment.byteOffset,
      this.secondMoment.byteOffset,
      this.parameters.byteLength,
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      stepSize,
      inverseCorrection2,
      epsilon,
    );
    parameters.set(this.parameters.subarray(0, parameters.length));
  }
}
