import * as tf from '@tensorflow/tfjs';
import type { ComputePath } from '../model.js';
import { applyAlphaBeta, checkGemmArguments, jsSaxpy, type Gemm } from './gemm.js';
import { transpose } from './elementwise.js';

/**
 * GEMM on a tfjs backend ('tensorflow', 'wasm' or 'cpu'): upload, matMul,
 * download, inside tidy so no tensor outlives the call. Operands are transposed
 * in TypeScript first because tfjs-wasm's transposed matMul is ~15x slower than
 * the plain one.
 */
export function createTfjsGemm(backendName: string, path: ComputePath, detail: string): Gemm {
  let scratchA = new Float32Array(0);
  let scratchB = new Float32Array(0);
  // Switching to an already initialised backend is synchronous in tfjs-core (no await
  // before the switch), so a product can run on this provider's backend and put the
  // caller's backend back, without disturbing tfjs-layers models in the same process.
  const switchTo = (name: string): void => {
    if (tf.getBackend() === name) return;
    void tf.setBackend(name);
    if (tf.getBackend() !== name) {
      throw new Error(`tfjs backend '${name}' is not initialised (active: '${tf.getBackend()}')`);
    }
  };
  return {
    path,
    detail,
    sgemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      checkGemmArguments(m, n, k, a, b, c);
      if (m === 0 || n === 0) return;
      const previous = tf.getBackend();
      switchTo(backendName);
      // tfjs-node copies tensor data through N-API from the view's buffer; training buffers are
      // SharedArrayBuffer views (wasm memory), so that path gets plain copies to be safe.
      const copyShared = backendName === 'tensorflow';
      let aPlain = a;
      if (transA || (copyShared && a.buffer instanceof SharedArrayBuffer)) {
        if (scratchA.length < m * k) scratchA = new Float32Array(m * k);
        if (transA) transpose(a, k, m, scratchA);
        else scratchA.set(a.subarray(0, m * k));
        aPlain = scratchA;
      }
      let bPlain = b;
      if (transB || (copyShared && b.buffer instanceof SharedArrayBuffer)) {
        if (scratchB.length < k * n) scratchB = new Float32Array(k * n);
        if (transB) transpose(b, n, k, scratchB);
        else scratchB.set(b.subarray(0, k * n));
        bPlain = scratchB;
      }
      const product = tf.tidy(() =>
        tf.matMul(
          tf.tensor2d(aPlain.subarray(0, m * k), [m, k], 'float32'),
          tf.tensor2d(bPlain.subarray(0, k * n), [k, n], 'float32'),
        ),
      );
      try {
        applyAlphaBeta(product.dataSync() as Float32Array, alpha, beta, c, m * n);
      } finally {
        product.dispose();
        switchTo(previous);
      }
    },
    saxpy: jsSaxpy,
    dispose() {
      scratchA = new Float32Array(0);
      scratchB = new Float32Array(0);
    },
  };
}
