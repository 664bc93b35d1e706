import { UserError } from '@rbm-lab/datasets';
import type { Gemm } from './gemm.js';

/** Environment variable: a nonzero integer makes every GEMM provider perturbed by it (a test of the tests). */
export const PERTURB_GEMM_ENV = 'RBM_LAB_PERTURB_GEMM';

/** The seed RBM_LAB_PERTURB_GEMM gives, or undefined when it is unset, empty or 0. */
export function perturbationSeed(): number | undefined {
  const raw = process.env[PERTURB_GEMM_ENV];
  if (raw === undefined || raw === '') return undefined;
  const seed = Number.parseInt(raw, 10);
  if (!Number.isInteger(seed) || String(seed) !== raw.trim()) {
    throw new UserError(`${PERTURB_GEMM_ENV}=${raw}: expected an integer (a seed; 0 or empty: no perturbation)`);
  }
  return seed === 0 ? undefined : seed;
}

/**
 * `inner` with every product's non-integer results moved by one unit in the last place, up, down or not at all, by a
 * hash of the result's bits and `seed`.
 *
 * Why: another CPU's BLAS kernel sums in another order and rounds differently, and training amplifies that, so a test
 * tuned on one machine can fail on another (it happened twice, on CI). Running the suite perturbed is a machine
 * with other rounding on demand. The perturbation is a function of the value, so a seed still gives the same numbers
 * every time, and integer results (products of binary images, exact in any summation order) are left alone.
 */
export function perturbedGemm(inner: Gemm, seed: number): Gemm {
  const bits = new Float32Array(1);
  const word = new Uint32Array(bits.buffer);
  const sgemm: Gemm['sgemm'] = (transA, transB, m, n, k, alpha, a, b, beta, c) => {
    inner.sgemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    const size = m * n;
    for (let i = 0; i < size; i++) {
      const value = c[i];
      if (Number.isInteger(value) || !Number.isFinite(value)) continue;
      bits[0] = value;
      let h = Math.imul(word[0] ^ seed, 0x9e3779b1) >>> 0;
      h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
      h ^= h >>> 13;
      // For a float's bit pattern, +1 is the next value away from zero and -1 the next towards it.
      if ((h & 3) === 0) word[0] += 1;
      else if ((h & 3) === 1) word[0] -= 1;
      c[i] = bits[0];
    }
  };
  const detail = `${inner.detail}; every product perturbed by 1 ulp (${PERTURB_GEMM_ENV}=${seed})`;
  // A proxy, so that what a provider has beyond Gemm (wasm-sgemm's threads, workspace memory) stays reachable.
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'sgemm') return sgemm;
      if (property === 'detail') return detail;
      const member = Reflect.get(target, property, receiver);
      return typeof member === 'function' ? member.bind(target) : member;
    },
  });
}
