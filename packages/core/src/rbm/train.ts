import type { Gemm } from '../linalg/gemm.js';
import { SimdWorkspace } from '../linalg/simd.js';
import type { Xoshiro128 } from '@rbm-lab/datasets';
import type { CdMethod } from './hyperparameters.js';
import type { RbmParameters } from './parameters.js';

export interface CdSettings {
  learningRate: number;
  batchSize: number;
  k: number;
  method: CdMethod;
  weightDecay: number;
}

/**
 * One CD-k / PCD-k update per call, on buffers allocated once per fit.
 *
 * Positive and negative statistics are stacked so each gradient is one product:
 * V = [v0; v_neg] (2B x nV) and H = [p(h|v0); -p(h|v_neg)] (2B x nH) give
 * dW = V^T H, db = 1^T H and da = s^T V with s = [+1 x B; -1 x B]. The momentum
 * update vel = m * vel + (lr / B) * grad is the product's beta = m, alpha = lr / B,
 * so per batch the only TypeScript loops are the sigmoids and the sampling.
 *
 * Negative phase: CD-k runs k Gibbs steps from the batch, sampling hidden states
 * and (except at the last step) visible states; the last step's visible and
 * hidden probabilities are the negative statistics (Hinton's guide, 3.2-3.3).
 * PCD-k continues persistent chains (one per batch row, started at the first
 * batch) with binary visible states, which are its negative statistics.
 */
export class ContrastiveDivergence {
  private readonly nV: number;
  private readonly nH: number;
  private readonly stackV: Float32Array;
  private readonly stackH: Float32Array;
  private readonly hiddenPre: Float32Array;
  private readonly visiblePre: Float32Array;
  private readonly hiddenProb: Float32Array;
  private readonly hiddenState: Float32Array;
  private readonly visibleProb: Float32Array;
  private readonly visibleState: Float32Array;
  private readonly ones: Float32Array;
  private readonly signs: Float32Array;
  private signsFor = -1;
  private readonly velocityW: Float32Array;
  private readonly velocityA: Float32Array;
  private readonly velocityB: Float32Array;
  private readonly chains: Float32Array | undefined;
  private chainsStarted = false;
  private readonly workspace: SimdWorkspace;

  constructor(
    private readonly gemm: Gemm,
    private readonly params: RbmParameters,
    private readonly settings: CdSettings,
    private readonly rng: Xoshiro128,
  ) {
    const { nVisible: nV, nHidden: nH } = params;
    const b = settings.batchSize;
    this.nV = nV;
    this.nH = nH;
    // Every buffer the products touch lives in one wasm memory, so the SIMD sigmoid and
    // the GEMM provider (native BLAS, or wasm-sgemm's threads) share them without copies.
    const pcdFloats = settings.method === 'pcd' ? b * nV : 0;
    const parameterFloats = 2 * (nV * nH + nV + nH);
    const ws = new SimdWorkspace(5 * b * (nV + nH) + pcdFloats + parameterFloats + 4 * b, Math.max(nV, nH), gemm);
    this.workspace = ws;
    this.stackV = ws.allocate(2 * b * nV);
    this.stackH = ws.allocate(2 * b * nH);
    this.hiddenPre = ws.allocate(b * nH);
    this.visiblePre = ws.allocate(b * nV);
    this.hiddenProb = ws.allocate(b * nH);
    this.hiddenState = ws.allocate(b * nH);
    this.visibleProb = ws.allocate(b * nV);
    this.visibleState = ws.allocate(b * nV);
    this.ones = ws.allocate(2 * b).fill(1);
    this.signs = ws.allocate(2 * b);
    this.velocityW = ws.allocate(nV * nH);
    this.velocityA = ws.allocate(nV);
    this.velocityB = ws.allocate(nH);
    this.chains = settings.method === 'pcd' ? ws.allocate(b * nV) : undefined;
    // The parameters move into the workspace too (same values; the model keeps these views).
    params.weights = moveInto(ws, params.weights);
    params.visibleBias = moveInto(ws, params.visibleBias);
    params.hiddenBias = moveInto(ws, params.hiddenBias);
  }

  /**
   * Trains on rows order[start .. start + count) of data (row-major, nV columns).
   * count may be smaller than batchSize for the last batch of an epoch.
   */
  trainBatch(data: Float32Array, order: Int32Array, start: number, count: number, momentum: number): void {
    const { nV, nH, gemm, params, rng, stackV, stackH } = this;
    const sigmoidAddBias = this.workspace.sigmoidAddBias.bind(this.workspace);
    const W = params.weights;
    for (let r = 0; r < count; r++) {
      const row = order[start + r] * nV;
      stackV.set(data.subarray(row, row + nV), r * nV);
    }
    // Positive phase: p(h | v0) into the top half of the hidden stack.
    gemm.sgemm(false, false, count, nH, nV, 1, stackV, W, 0, this.hiddenPre);
    sigmoidAddBias(this.hiddenPre, params.hiddenBias, count, nH, stackH, 0, 1);

    const negativeV = stackV.subarray(count * nV, 2 * count * nV);
    if (this.chains === undefined) {
      rng.sampleBernoulli(stackH, this.hiddenState, count * nH);
    } else {
      if (!this.chainsStarted) {
        // Persistent chains start at the first batch's data.
        this.chains.set(stackV.subarray(0, count * nV));
        for (let r = count; r < this.settings.batchSize; r++) {
          this.chains.set(stackV.subarray(0, nV), r * nV);
        }
        this.chainsStarted = true;
      }
      gemm.sgemm(false, false, count, nH, nV, 1, this.chains, W, 0, this.hiddenPre);
      sigmoidAddBias(this.hiddenPre, params.hiddenBias, count, nH, this.hiddenProb);
      rng.sampleBernoulli(this.hiddenProb, this.hiddenState, count * nH);
    }

    const k = this.settings.k;
    for (let step = 1; step <= k; step++) {
      const last = step === k;
      gemm.sgemm(false, true, count, nV, nH, 1, this.hiddenState, W, 0, this.visiblePre);
      let visibleInput: Float32Array;
      if (last && this.chains === undefined) {
        sigmoidAddBias(this.visiblePre, params.visibleBias, count, nV, negativeV);
        visibleInput = negativeV;
      } else {
        sigmoidAddBias(this.visiblePre, params.visibleBias, count, nV, this.visibleProb);
        const target = last ? negativeV : this.visibleState;
        rng.sampleBernoulli(this.visibleProb, target, count * nV);
        visibleInput = target;
      }
      gemm.sgemm(false, false, count, nH, nV, 1, visibleInput, W, 0, this.hiddenPre);
      if (last) {
        sigmoidAddBias(this.hiddenPre, params.hiddenBias, count, nH, stackH, count * nH, -1);
      } else {
        sigmoidAddBias(this.hiddenPre, params.hiddenBias, count, nH, this.hiddenProb);
        rng.sampleBernoulli(this.hiddenProb, this.hiddenState, count * nH);
      }
    }
    if (this.chains !== undefined) this.chains.set(negativeV);

    // Updates: vel = momentum * vel + (lr / B) * grad - lr * decay * W;  param += vel.
    const rate = this.settings.learningRate / count;
    if (this.signsFor !== count) {
      this.signs.fill(1, 0, count).fill(-1, count, 2 * count);
      this.signsFor = count;
    }
    gemm.sgemm(true, false, nV, nH, 2 * count, rate, stackV, stackH, momentum, this.velocityW);
    if (this.settings.weightDecay > 0) {
      gemm.saxpy(nV * nH, -this.settings.learningRate * this.settings.weightDecay, W, this.velocityW);
    }
    gemm.sgemm(false, false, 1, nH, 2 * count, rate, this.ones, stackH, momentum, this.velocityB);
    gemm.sgemm(false, false, 1, nV, 2 * count, rate, this.signs, stackV, momentum, this.velocityA);
    gemm.saxpy(nV * nH, 1, this.velocityW, W);
    gemm.saxpy(nH, 1, this.velocityB, params.hiddenBias);
    gemm.saxpy(nV, 1, this.velocityA, params.visibleBias);
  }
}

function moveInto(workspace: SimdWorkspace, values: Float32Array): Float32Array {
  const moved = workspace.allocate(values.length);
  moved.set(values);
  return moved;
}
