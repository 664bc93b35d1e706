import type { Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import type { Gemm } from '../linalg/gemm.js';
import { SimdWorkspace } from '../linalg/simd.js';
import type { Samples } from '../model.js';
import { checkWidth } from './inference.js';
import { columnMeans, type RbmParameters } from './parameters.js';

/**
 * Inverse temperatures of a parallel-tempering ladder on the AIS path from the
 * base-rate model (beta = 0) to the RBM (beta = 1), evenly spaced:
 * beta_k = k / (K - 1). Measured on AlphaDigits RBMs (200 hidden units), even
 * spacing gives swap rates of 0.4-0.65 between all neighbours with 20
 * temperatures, where a geometric ladder from 0.01 left 0.02-0.09 next to beta = 1.
 */
export function temperatureLadder(count: number): Float64Array {
  if (!Number.isInteger(count) || count < 2)
    throw new RangeError(`a tempering ladder needs at least 2 temperatures, got ${count}`);
  return Float64Array.from({ length: count }, (_, k) => k / (count - 1));
}

/**
 * Log acceptance probability of swapping the states x (at beta_i) and y (at
 * beta_j) of two tempered chains: log min(1, p*_i(y) p*_j(x) / (p*_i(x) p*_j(y)))
 * from the four unnormalised log probabilities (the partition functions cancel).
 */
export function swapLogAcceptance(iOfX: number, jOfY: number, iOfY: number, jOfX: number): number {
  return Math.min(0, iOfY + jOfX - iOfX - jOfY);
}

export interface TemperedOptions {
  /** Samples returned (rows). */
  n: number;
  /** Independent ladders; each gives ceil(n / ladders) samples of its beta = 1 chain, `thinning` sweeps apart. */
  ladders: number;
  /** Temperatures per ladder (evenly spaced from the base-rate model, beta = 0, to the RBM). */
  temperatures: number;
  /** Sweeps (Gibbs step of every chain, then swap proposals) before a ladder's first sample. */
  burnIn: number;
  /** Sweeps between two samples of one ladder. */
  thinning: number;
  rng: Xoshiro128;
  /** Pixel means of the base-rate model at beta = 0 (default: sigmoid of the RBM's visible biases). */
  baseRateData?: Matrix;
  /** Counts of proposed and accepted swaps per neighbour pair (k, k + 1), filled when given (length 2(K - 1)). */
  swapCounts?: Float64Array;
}

/**
 * Parallel-tempering ladders on the AIS path p_beta(v, h) ∝ exp((1 - beta) a_A.v +
 * beta (a.v + b.h + v W h)): rows grouped by temperature, row k * L + l is ladder l at
 * beta_k. The RBM's parameters are read at every sweep, so training can move them
 * between sweeps (persistent tempered chains).
 */
export class TemperedChains {
  readonly betas: Float64Array;
  readonly ladders: number;
  private readonly nV: number;
  private readonly nH: number;
  private readonly v: Float32Array;
  /** vW of the current states (no bias), recomputed every sweep; then the hidden probabilities. */
  private readonly pre: Float32Array;
  private readonly hidden: Float32Array;
  private readonly visiblePre: Float32Array;
  private readonly visibleProb: Float32Array;
  private readonly hiddenBias: Float32Array;
  private readonly visibleBias: Float32Array;
  /** log-odds of the base-rate model's pixel means, a_A (float64 for the Gibbs steps, float32 for the swaps). */
  private readonly baseBias: Float64Array;
  private readonly baseBias32: Float32Array;
  /** The RBM's biases as the swaps read them (copied in at every sweep: training moves them). */
  private readonly rbmVisibleBias: Float32Array;
  private readonly rbmHiddenBias: Float32Array;
  /** dots[2r] = a.v_r, dots[2r + 1] = a_A.v_r of the current states. */
  private readonly dots: Float64Array;
  /** Softplus sums of the two temperature blocks of one swap pair, at both of the pair's temperatures. */
  private readonly lowerSums: Float64Array;
  private readonly upperSums: Float64Array;
  /** A row held while two rows swap. */
  private readonly heldRow: Float32Array;
  private readonly workspace: SimdWorkspace;
  private sweeps = 0;

  /** baseRates: pixel means of the base-rate model; every chain starts at an exact draw of it. */
  constructor(nV: number, nH: number, ladders: number, temperatures: number, baseRates: Float64Array, rng: Xoshiro128) {
    if (!Number.isInteger(ladders) || ladders < 1)
      throw new RangeError(`ladders must be an integer >= 1, got ${ladders}`);
    this.betas = temperatureLadder(temperatures);
    this.ladders = ladders;
    this.nV = nV;
    this.nH = nH;
    const rows = temperatures * ladders;
    // Base rates of 0 or 1 (pixels never or always on) are kept off infinity.
    this.baseBias = Float64Array.from(baseRates, (q) => {
      const clamped = Math.min(1 - 1e-6, Math.max(1e-6, q));
      return Math.log(clamped / (1 - clamped));
    });
    // Float32 buffers, then float64 ones (two floats each): dots of every row, sums of two blocks of L rows.
    const floats = rows * (3 * nV + 2 * nH) + 3 * nV + 2 * nH + 2 * (2 * rows + 4 * ladders);
    this.workspace = new SimdWorkspace(floats, Math.max(nV, nH));
    this.v = this.workspace.allocate(rows * nV);
    this.pre = this.workspace.allocate(rows * nH);
    this.hidden = this.workspace.allocate(rows * nH);
    this.visiblePre = this.workspace.allocate(rows * nV);
    this.visibleProb = this.workspace.allocate(rows * nV);
    this.hiddenBias = this.workspace.allocate(nH);
    this.visibleBias = this.workspace.allocate(nV);
    this.baseBias32 = this.workspace.allocate(nV);
    this.baseBias32.set(this.baseBias);
    this.rbmVisibleBias = this.workspace.allocate(nV);
    this.rbmHiddenBias = this.workspace.allocate(nH);
    this.dots = this.workspace.allocateFloat64(2 * rows);
    this.lowerSums = this.workspace.allocateFloat64(2 * ladders);
    this.upperSums = this.workspace.allocateFloat64(2 * ladders);
    this.heldRow = new Float32Array(Math.max(nV, nH));
    for (let r = 0; r < rows; r++) for (let i = 0; i < nV; i++) this.visibleProb[r * nV + i] = baseRates[i];
    rng.sampleBernoulli(this.visibleProb, this.v, rows * nV);
  }

  /** Binary states of the beta = 1 chains (ladders x nV, a view valid until the next sweep). */
  coldStates(): Float32Array {
    const start = (this.betas.length - 1) * this.ladders * this.nV;
    return this.v.subarray(start, start + this.ladders * this.nV);
  }

  /** p(v | h) that produced coldStates(). */
  coldProbabilities(): Float32Array {
    const start = (this.betas.length - 1) * this.ladders * this.nV;
    return this.visibleProb.subarray(start, start + this.ladders * this.nV);
  }

  /** One sweep: swap proposals between neighbouring temperatures (even pairs, then odd on the next sweep), one Gibbs step of every chain. */
  sweep(gemm: Gemm, p: RbmParameters, rng: Xoshiro128, swapCounts?: Float64Array): void {
    gemm.sgemm(false, false, this.betas.length * this.ladders, this.nH, this.nV, 1, this.v, p.weights, 0, this.pre);
    this.proposeSwaps(p, this.sweeps++ % 2, rng, swapCounts);
    this.gibbsStep(gemm, p, rng);
  }

  /** One Gibbs step of every chain at its own temperature, from pre = vW of the current states. */
  private gibbsStep(gemm: Gemm, p: RbmParameters, rng: Xoshiro128): void {
    const { nV, nH, ladders: L, betas, workspace } = this;
    for (let k = 0; k < betas.length; k++) {
      // h ~ sigmoid(beta (vW + b)): scale the block of pre, add the scaled bias.
      const block = this.pre.subarray(k * L * nH, (k + 1) * L * nH);
      const beta = betas[k];
      for (let i = 0; i < block.length; i++) block[i] *= beta;
      for (let j = 0; j < nH; j++) this.hiddenBias[j] = beta * p.hiddenBias[j];
      workspace.sigmoidAddBias(block, this.hiddenBias, L, nH, this.pre, k * L * nH);
    }
    rng.sampleBernoulli(this.pre, this.hidden, betas.length * L * nH);
    for (let k = 0; k < betas.length; k++) {
      // v ~ sigmoid(beta h W^T + (1 - beta) a_A + beta a).
      const beta = betas[k];
      const visibleBlock = this.visiblePre.subarray(k * L * nV, (k + 1) * L * nV);
      gemm.sgemm(false, true, L, nV, nH, beta, this.hidden.subarray(k * L * nH), p.weights, 0, visibleBlock);
      for (let i = 0; i < nV; i++) this.visibleBias[i] = (1 - beta) * this.baseBias[i] + beta * p.visibleBias[i];
      workspace.sigmoidAddBias(visibleBlock, this.visibleBias, L, nV, this.visibleProb, k * L * nV);
    }
    rng.sampleBernoulli(this.visibleProb, this.v, betas.length * L * nV);
  }

  /**
   * Proposes to swap the states of temperatures k and k + 1 in every ladder, for
   * k of the given parity (so the pairs are disjoint), accepting by
   * swapLogAcceptance on log p*_beta(v) = (1 - beta) a_A.v + beta a.v + sum_j softplus(beta (vW + b)_j).
   * pre holds vW of the current states; accepted swaps swap the rows of v and pre,
   * so pre stays valid for the Gibbs step that follows. The dot products and the
   * softplus sums (most of a sweep's element-wise work) run in the workspace's SIMD kernels.
   */
  private proposeSwaps(p: RbmParameters, parity: number, rng: Xoshiro128, counts?: Float64Array): void {
    const { nV, nH, ladders: L, betas, v, pre, dots, workspace, lowerSums, upperSums } = this;
    this.rbmVisibleBias.set(p.visibleBias);
    this.rbmHiddenBias.set(p.hiddenBias);
    workspace.rowDots(v, this.rbmVisibleBias, this.baseBias32, betas.length * L, nV, dots);
    const visiblePart = (row: number, beta: number) => (1 - beta) * dots[2 * row + 1] + beta * dots[2 * row];
    for (let k = parity; k + 1 < betas.length; k += 2) {
      const [lower, upper] = [betas[k], betas[k + 1]];
      // Sums of block k (rows k L + l) and of block k + 1, each at both temperatures: [2l] at lower, [2l + 1] at upper.
      workspace.softplusSums(pre.subarray(k * L * nH), this.rbmHiddenBias, L, nH, lower, upper, lowerSums);
      workspace.softplusSums(pre.subarray((k + 1) * L * nH), this.rbmHiddenBias, L, nH, lower, upper, upperSums);
      for (let l = 0; l < L; l++) {
        const x = k * L + l;
        const y = x + L;
        const logAccept = swapLogAcceptance(
          visiblePart(x, lower) + lowerSums[2 * l],
          visiblePart(y, upper) + upperSums[2 * l + 1],
          visiblePart(y, lower) + upperSums[2 * l],
          visiblePart(x, upper) + lowerSums[2 * l + 1],
        );
        if (counts !== undefined) counts[2 * k]++;
        if (Math.log(rng.nextFloat()) < logAccept) {
          swapRows(v, x, y, nV, this.heldRow);
          swapRows(pre, x, y, nH, this.heldRow);
          if (counts !== undefined) counts[2 * k + 1]++;
        }
      }
    }
  }
}

function swapRows(buffer: Float32Array, a: number, b: number, width: number, held: Float32Array): void {
  held.set(buffer.subarray(a * width, (a + 1) * width));
  buffer.copyWithin(a * width, b * width, (b + 1) * width);
  buffer.set(held.subarray(0, width), b * width);
}

/**
 * Samples of the RBM by parallel tempering (Swendsen & Wang 1986; for RBMs
 * Desjardins et al. 2010) on the AIS path p_beta(v, h) ∝ exp((1 - beta) a_A.v +
 * beta (a.v + b.h + v W h)): each ladder holds one chain per temperature; a
 * sweep proposes swaps between neighbouring temperatures (even pairs on even
 * sweeps, odd on odd), then runs one Gibbs step of every chain (two GEMMs for
 * all chains). The hot chains move freely between characters and swaps carry
 * those moves down to beta = 1, so after the burn-in the beta = 1 chain visits
 * each mode in proportion to its mass, wherever the chains started. Returns the
 * beta = 1 chains' binary states and p(v | h).
 */
export function temperedSample(gemm: Gemm, p: RbmParameters, options: TemperedOptions): Samples {
  const { n, ladders: L, burnIn, thinning, rng } = options;
  const { nVisible: nV, nHidden: nH } = p;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`number of samples must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(burnIn) || burnIn < 1 || !Number.isInteger(thinning) || thinning < 1)
    throw new RangeError(`burn-in and thinning must be integers >= 1, got ${burnIn} and ${thinning}`);
  if (options.baseRateData !== undefined) checkWidth(options.baseRateData, nV, 'visible');
  const baseRates = options.baseRateData
    ? columnMeans(options.baseRateData)
    : Float64Array.from(p.visibleBias, (a) => 1 / (1 + Math.exp(-a)));
  const chains = new TemperedChains(nV, nH, L, options.temperatures, baseRates, rng);
  const perLadder = Math.ceil(n / L);
  const binary = new Float32Array(n * nV);
  const probabilities = new Float32Array(n * nV);
  // No samples wanted: no sweeps.
  const sweeps = n === 0 ? 0 : burnIn + (perLadder - 1) * thinning;
  for (let sweep = 1; sweep <= sweeps; sweep++) {
    chains.sweep(gemm, p, rng, options.swapCounts);
    if (sweep < burnIn || (sweep - burnIn) % thinning !== 0) continue;
    // Sample number `index` of every ladder goes to rows index * L + l, so the first rows (the displayed
    // ones) come from different ladders.
    const first = ((sweep - burnIn) / thinning) * L;
    const rows = Math.min(L, n - first);
    binary.set(chains.coldStates().subarray(0, rows * nV), first * nV);
    probabilities.set(chains.coldProbabilities().subarray(0, rows * nV), first * nV);
  }
  return { probabilities: { data: probabilities, rows: n, cols: nV }, binary: { data: binary, rows: n, cols: nV } };
}
