import { WASM_PAGE_BYTES, wasmApi } from '../linalg/wasm-api.js';
import { instantiateKernel, KERNEL_MIN_PAGES, type KernelExports, kernelModule } from '../linalg/wasm-kernels.js';

/**
 * Adam's update as the WebAssembly SIMD (f32x4) kernel `adam` of linalg/wasm/sgemm.c.
 * In scalar TypeScript the sqrt and division per parameter made the optimizer
 * step as slow as all the matrix products of an autoencoder step; four lanes at
 * a time it is a small part.
 *
 * The moments live in the kernel's wasm memory, with staging slots for the
 * parameters and gradients: a step copies them in, runs the kernel and copies
 * the parameters back (three memcpys, cheap next to the arithmetic). Sizes are
 * padded to a multiple of 4 with zeros, which the update leaves at zero.
 */
export class SimdAdamKernel {
  private readonly adam: KernelExports['adam'];
  private readonly parameters: Float32Array;
  private readonly gradients: Float32Array;
  private readonly firstMoment: Float32Array;
  private readonly secondMoment: Float32Array;

  private constructor(adam: KernelExports['adam'], slots: Float32Array[]) {
    this.adam = adam;
    [this.parameters, this.gradients, this.firstMoment, this.secondMoment] = slots;
  }

  /** undefined where the runtime has no wasm SIMD (Adam then runs its TypeScript loop). */
  static create(size: number): SimdAdamKernel | undefined {
    const kernel = kernelModule();
    if (kernel === null || wasmApi === undefined) return undefined;
    const padded = Math.ceil(size / 4) * 4;
    // The kernels use no wasm stack or globals, so the slots can start at byte 0.
    const pages = Math.max(KERNEL_MIN_PAGES, Math.ceil((16 * padded) / WASM_PAGE_BYTES));
    const memory = new wasmApi.Memory({ initial: pages, maximum: pages, shared: true });
    const slots = [0, 1, 2, 3].map((k) => new Float32Array(memory.buffer, k * padded * 4, padded));
    return new SimdAdamKernel(instantiateKernel(kernel.module, memory).adam, slots);
  }

  step(
    parameters: Float32Array,
    gradients: Float32Array,
    coefficients: { beta1: number; beta2: number; stepSize: number; inverseCorrection2: number; epsilon: number },
  ): void {
    this.parameters.set(parameters);
    this.gradients.set(gradients);
    const { beta1, beta2, stepSize, inverseCorrection2, epsilon } = coefficients;
    this.adam(
      this.parameters.byteOffset,
      this.gradients.byteOffset,
      this.firstMoment.byteOffset,
      this.secondMoment.byteOffset,
      this.parameters.length,
      beta1,
      beta2,
      stepSize,
      inverseCorrection2,
      epsilon,
    );
    parameters.set(this.parameters.subarray(0, parameters.length));
  }
}
