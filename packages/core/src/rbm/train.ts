import type { Gemm } from '../linalg/gemm.js';
import { SimdWorkspace } from '../linalg/simd.js';
import type { Xoshiro128 } from '@rbm-lab/datasets';
import type { CdMethod } from './hyperparameters.js';
import type { RbmParameters } from './parameters.js';
import { TemperedChains } from './tempering.js';

export interface CdSettings {
  learningRate: number;
  batchSize: number;
  k: number;
  method: CdMethod;
  weightDecay: number;
  /** PCD: persistent chains, independent of the batch size (0 or undefined = one per batch row). */
  persistentChains?: number;
  /** PCD with persistentChains: temperatures per chain (> 1 = parallel tempering in the negative phase). */
  persistentTemperatures?: number;
  /** Centered gradient: the training pixel means mu (nV); undefined = the plain gradient. */
  visibleOffsets?: Float64Array;
}

/** Step of the running mean lambda of p(h | data) under centering (Melchior et al. 2016 use 0.01). */
const HIDDEN_OFFSET_RATE = 0.01;

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
 * batch) with binary visible states, which are its negative statistics. With
 * N = persistentChains chains instead, all N advance at every update and the
 * negative rows are weighted B / N (so the gradient is mean over the batch minus
 * mean over the chains); startChains() sets their initial states.
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
  /** Parallel-tempering ladders whose beta = 1 chains replace the persistent chains (persistentTemperatures > 1). */
  private tempered: TemperedChains | undefined;
  /** Persistent chains decoupled from the batch (0 = one per batch row). */
  private readonly chainCount: number;
  private readonly workspace: SimdWorkspace;
  /** Centering offsets mu (visible) and lambda (hidden), in the workspace; undefined without centering. */
  private readonly offsets: { visible: Float32Array; hidden: Float32Array } | undefined;
  /** Step size of the next updates (a schedule may change it between batches). */
  learningRate: number;

  constructor(
    private readonly gemm: Gemm,
    private readonly params: RbmParameters,
    private readonly settings: CdSettings,
    private readonly rng: Xoshiro128,
  ) {
    const { nVisible: nV, nHidden: nH } = params;
    this.chainCount = settings.method === 'pcd' ? (settings.persistentChains ?? 0) : 0;
    this.learningRate = settings.learningRate;
    // Rows of the negative half and of the per-step buffers: the batch, or the persistent chains if more.
    const b = Math.max(settings.batchSize, this.chainCount);
    this.nV = nV;
    this.nH = nH;
    // Every buffer the products touch lives in one wasm memory, so the SIMD sigmoid and
    // the GEMM provider (native BLAS, or wasm-sgemm's threads) share them without copies.
    const pcdFloats = settings.method === 'pcd' ? b * nV : 0;
    const parameterFloats = 2 * (nV * nH + nV + nH);
    const offsetFloats = settings.visibleOffsets === undefined ? 0 : nV + nH;
    const ws = new SimdWorkspace(
      5 * b * (nV + nH) + pcdFloats + parameterFloats + offsetFloats + 4 * b,
      Math.max(nV, nH),
      gemm,
    );
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
    if (settings.visibleOffsets !== undefined) {
      const visible = ws.allocate(nV);
      visible.set(settings.visibleOffsets);
      this.offsets = { visible, hidden: ws.allocate(nH).fill(0.5) };
    }
    // The parameters move into the workspace too (same values; the model keeps these views).
    params.weights = moveInto(ws, params.weights);
    params.visibleBias = moveInto(ws, params.visibleBias);
    params.hiddenBias = moveInto(ws, params.hiddenBias);
  }

  /** Starts the persistent chains at the given binary images (rows x nV, cycled); PCD with persistentChains only. */
  startChains(images: Float32Array, rows: number): void {
    if (this.chains === undefined || this.chainCount === 0)
      throw new RangeError('startChains: no decoupled persistent chains');
    for (let r = 0; r < this.chainCount; r++) {
      const source = (r % rows) * this.nV;
      this.chains.set(images.subarray(source, source + this.nV), r * this.nV);
    }
    this.chainsStarted = true;
  }

  /**
   * Replaces the persistent chains by persistentChains parallel-tempering ladders of
   * persistentTemperatures chains, started at draws of the base-rate model with these pixel means.
   */
  startTemperedChains(baseRates: Float64Array, rng: Xoshiro128): void {
    const temperatures = this.settings.persistentTemperatures ?? 1;
    if (this.chainCount === 0 || temperatures < 2)
      throw new RangeError('startTemperedChains: needs persistent chains and at least 2 temperatures');
    this.tempered = new TemperedChains(this.nV, this.nH, this.chainCount, temperatures, baseRates, rng);
    this.chainsStarted = true;
  }

  /** Tempered PCD: k sweeps of the ladders; their beta = 1 states and p(h | v) are the negative statistics. */
  private temperedNegatives(tempered: TemperedChains, negativeV: Float32Array, count: number, weight: number): void {
    const { nV, nH, gemm, params, rng } = this;
    for (let step = 0; step < this.settings.k; step++) tempered.sweep(gemm, params, rng);
    negativeV.set(tempered.coldStates());
    gemm.sgemm(false, false, tempered.ladders, nH, nV, 1, negativeV, params.weights, 0, this.hiddenPre);
    this.workspace.sigmoidAddBias(
      this.hiddenPre,
      params.hiddenBias,
      tempered.ladders,
      nH,
      this.stackH,
      count * nH,
      weight,
    );
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

    // Rows of the negative phase: the batch (CD, classic PCD) or the decoupled persistent chains.
    const negatives = this.chainCount > 0 ? this.chainCount : count;
    const negativeV = stackV.subarray(count * nV, (count + negatives) * nV);
    if (this.chains === undefined) {
      rng.sampleBernoulli(stackH, this.hiddenState, count * nH);
    } else if (this.tempered === undefined) {
      if (!this.chainsStarted) {
        // Persistent chains start at the first batch's data.
        this.chains.set(stackV.subarray(0, count * nV));
        for (let r = count; r < (this.chainCount || this.settings.batchSize); r++) {
          this.chains.set(stackV.subarray(0, nV), r * nV);
        }
        this.chainsStarted = true;
      }
      gemm.sgemm(false, false, negatives, nH, nV, 1, this.chains, W, 0, this.hiddenPre);
      sigmoidAddBias(this.hiddenPre, params.hiddenBias, negatives, nH, this.hiddenProb);
      rng.sampleBernoulli(this.hiddenProb, this.hiddenState, negatives * nH);
    }

    // Negative rows weigh count / negatives, so the gradient is batch mean minus chain mean (-1 for classic PCD and CD).
    const negativeWeight = -count / negatives;
    const k = this.settings.k;
    if (this.tempered !== undefined) this.temperedNegatives(this.tempered, negativeV, count, negativeWeight);
    for (let step = 1; step <= k && this.tempered === undefined; step++) {
      const last = step === k;
      gemm.sgemm(false, true, negatives, nV, nH, 1, this.hiddenState, W, 0, this.visiblePre);
      let visibleInput: Float32Array;
      if (last && this.chains === undefined) {
        sigmoidAddBias(this.visiblePre, params.visibleBias, negatives, nV, negativeV);
        visibleInput = negativeV;
      } else {
        sigmoidAddBias(this.visiblePre, params.visibleBias, negatives, nV, this.visibleProb);
        const target = last ? negativeV : this.visibleState;
        rng.sampleBernoulli(this.visibleProb, target, negatives * nV);
        visibleInput = target;
      }
      gemm.sgemm(false, false, negatives, nH, nV, 1, visibleInput, W, 0, this.hiddenPre);
      if (last) {
        sigmoidAddBias(this.hiddenPre, params.hiddenBias, negatives, nH, stackH, count * nH, negativeWeight);
      } else {
        sigmoidAddBias(this.hiddenPre, params.hiddenBias, negatives, nH, this.hiddenProb);
        rng.sampleBernoulli(this.hiddenProb, this.hiddenState, negatives * nH);
      }
    }
    if (this.chains !== undefined) this.chains.set(negativeV);
    if (this.offsets !== undefined) this.center(this.offsets, count, negatives, negativeWeight);

    // Updates: vel = momentum * vel + (lr / B) * grad - lr * decay * W;  param += vel.
    const rate = this.learningRate / count;
    const rows = count + negatives;
    if (this.signsFor !== count) {
      this.signs.fill(1, 0, count).fill(negativeWeight, count, rows);
      this.signsFor = count;
    }
    gemm.sgemm(true, false, nV, nH, rows, rate, stackV, stackH, momentum, this.velocityW);
    if (this.settings.weightDecay > 0) {
      gemm.saxpy(nV * nH, -this.learningRate * this.settings.weightDecay, W, this.velocityW);
    }
    gemm.sgemm(false, false, 1, nH, rows, rate, this.ones, stackH, momentum, this.velocityB);
    gemm.sgemm(false, false, 1, nV, rows, rate, this.signs, stackV, momentum, this.velocityA);
    gemm.saxpy(nV * nH, 1, this.velocityW, W);
    gemm.saxpy(nH, 1, this.velocityB, params.hiddenBias);
    gemm.saxpy(nV, 1, this.velocityA, params.visibleBias);
    if (this.offsets !== undefined) {
      // Back to the plain parameters: b = b~ - W lambda, c = c~ - W^T mu, so each step adds -dW lambda and
      // -dW^T mu (velocityW is the step dW; exact while the offsets stand still, which they nearly do).
      gemm.sgemm(false, false, 1, nH, nV, -1, this.offsets.visible, this.velocityW, 1, params.hiddenBias);
      gemm.sgemm(false, true, 1, nV, nH, -1, this.offsets.hidden, this.velocityW, 1, params.visibleBias);
    }
  }

  /**
   * Centers the stacks for the weight gradient: V rows become v - mu, H rows w (h - lambda) for a row of
   * weight w, after lambda moves towards this batch's mean p(h | v0). The bias gradients 1^T H and s^T V
   * do not change, because the row weights sum to zero (count - count).
   */
  private center(
    offsets: { visible: Float32Array; hidden: Float32Array },
    count: number,
    negatives: number,
    w: number,
  ) {
    const { nV, nH, stackV, stackH } = this;
    const { visible, hidden } = offsets;
    for (let j = 0; j < nH; j++) {
      let sum = 0;
      for (let r = 0; r < count; r++) sum += stackH[r * nH + j];
      hidden[j] += HIDDEN_OFFSET_RATE * (sum / count - hidden[j]);
    }
    for (let r = 0; r < count + negatives; r++) {
      const row = r * nV;
      for (let i = 0; i < nV; i++) stackV[row + i] -= visible[i];
    }
    for (let r = 0; r < count + negatives; r++) {
      const row = r * nH;
      const scale = r < count ? 1 : w;
      for (let j = 0; j < nH; j++) stackH[row + j] -= scale * hidden[j];
    }
  }
}

function moveInto(workspace: SimdWorkspace, values: Float32Array): Float32Array {
  const moved = workspace.allocate(values.length);
  moved.set(values);
  return moved;
}
