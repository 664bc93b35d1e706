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
  // tfjs-node copies tensor data through N-API from the view's buffer; training buffers are
  // SharedArrayBuffer views (wasm memory), so that path gets plain copies to be safe.
  const copyShared = backendName === 'tensorflow';
  const operandA = operandScratch(copyShared);
  const operandB = operandScratch(copyShared);
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
      const aPlain = operandA.plain(a, transA, m, k);
      const bPlain = operandB.plain(b, transB, k, n);
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
      operandA.release();
      operandB.release();
    },
  };
}

/**
 * One operand of the product as a plain row-major rows x cols array: transposed (when stored
 * cols x rows) or copied out of shared memory (copyShared) into a scratch buffer kept between
 * calls; otherwise the caller's array itself.
 */
function operandScratch(copyShared: boolean) {
  let scratch = new Float32Array(0);
  return {
    plain(x: Float32Array, transposed: boolean, rows: number, cols: number): Float32Array {
      if (!transposed && !(copyShared && x.buffer instanceof SharedArrayBuffer)) return x;
      if (scratch.length < rows * cols) scratch = new Float32Array(rows * cols);
      if (transposed) transpose(x, cols, rows, scratch);
      else scratch.set(x.subarray(0, rows * cols));
      return scratch;
    },
    release(): void {
      scratch = new Float32Array(0);
    },
  };
}
