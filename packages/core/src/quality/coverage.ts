import { type Matrix, Xoshiro128 } from '@rbm-lab/datasets';

/** A sample counts for a class only when the classifier gives that class at least this probability. */
export const COVERAGE_MIN_CONFIDENCE = 0.5;

/** Bootstrap resamples behind class_coverage_std. */
export const COVERAGE_BOOTSTRAP_RESAMPLES = 200;

export interface ModeCoverageOptions {
  /** The classifier's "not a character" output, a competitor of the run's classes (default: none). */
  rejectClass?: number;
  minConfidence?: number;
}

export interface ModeCoverage {
  /** Fraction of the wanted classes reached: class_coverage. */
  coverage: number;
  /**
   * Entropy of the histogram of confident assignments over the wanted classes,
   * divided by ln k (1 = all k classes equally often, 0 = one class); NaN for k = 1
   * or when no sample is assigned.
   */
  normalisedEntropy: number;
  /** Mean over samples of the top wanted-class probability (renormalised as below). */
  meanConfidence: number;
  /** Confidently assigned samples per wanted class, in the order given. */
  counts: number[];
  /** Samples assigned to no wanted class (unsure, or "not a character"). */
  unassigned: number;
  /** Samples a class needs to count as reached: ceil(n / (2k)). */
  threshold: number;
  /** Bootstrap standard deviation of `coverage` (coverageSpread): class_coverage_std. */
  coverageStd: number;
}

/**
 * Mode coverage of generated samples over the k classes a run learns. Each
 * sample's class probabilities are renormalised over those k classes and the
 * reject class: p'(c) = p(c) / (sum_{c' wanted} p(c') + p(reject)), so characters
 * outside the run (AlphaDigits '0' vs 'O') do not compete while noise still
 * loses to "not a character". A sample is assigned to its most probable wanted
 * class when p' >= minConfidence; a class is reached when at least n / (2k) of
 * the n samples are assigned to it, so a model must put a fair share of its
 * mass on a class (half the uniform share) and noise reaches none.
 */
export function modeCoverage(
  probabilities: Matrix,
  classes: readonly number[],
  options: ModeCoverageOptions = {},
): ModeCoverage {
  const k = classes.length;
  if (k === 0) throw new RangeError('modeCoverage: no classes given');
  if (probabilities.rows === 0) throw new RangeError('modeCoverage: no samples');
  const minConfidence = options.minConfidence ?? COVERAGE_MIN_CONFIDENCE;
  const { rows, cols, data } = probabilities;
  const counts = new Array<number>(k).fill(0);
  let confidenceSum = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let total = options.rejectClass === undefined ? 0 : data[base + options.rejectClass];
    let best = 0;
    for (let i = 0; i < k; i++) {
      const p = data[base + classes[i]];
      total += p;
      if (p > data[base + classes[best]]) best = i;
    }
    const confidence = total > 0 ? data[base + classes[best]] / total : 0;
    confidenceSum += confidence;
    if (confidence >= minConfidence) counts[best]++;
  }
  const threshold = Math.ceil(rows / (2 * k));
  const assigned = counts.reduce((sum, count) => sum + count, 0);
  let entropy = 0;
  for (const count of counts) if (count > 0) entropy -= (count / assigned) * Math.log(count / assigned);
  return {
    coverage: counts.filter((count) => count >= threshold).length / k,
    coverageStd: coverageSpread(counts, rows - assigned, threshold),
    normalisedEntropy: k > 1 && assigned > 0 ? entropy / Math.log(k) : Number.NaN,
    meanConfidence: confidenceSum / rows,
    counts,
    unassigned: rows - assigned,
    threshold,
  };
}

/**
 * Bootstrap standard deviation of the coverage: the n scoring samples drawn again with replacement (here: from
 * their assignment histogram, which is all the coverage depends on), the coverage counted on each resample.
 *
 * Why: a class whose count sits near the threshold n / (2k) is reached in one sampling and missed in the next
 * (measured: one RBM's coverage on 20 characters was 0.95 and 0.8 on two samplings of 1000), so a coverage needs its
 * spread before two runs are told apart. Seeded from the histogram alone, so it is the same number every time.
 * It treats the samples as independent: samples thinned from one tempered chain are not, so it is a floor on the
 * spread between two samplings (on alternative-models.yaml it was 0.04-0.06 on 20 characters, and the 0.15 above is
 * 2.4 of them).
 */
export function coverageSpread(
  counts: readonly number[],
  unassigned: number,
  threshold: number,
  resamples: number = COVERAGE_BOOTSTRAP_RESAMPLES,
): number {
  const k = counts.length;
  const n = counts.reduce((sum, count) => sum + count, unassigned);
  if (k === 0 || n === 0) return Number.NaN;
  // Cumulative histogram; index k is "unassigned".
  const cumulative = new Float64Array(k + 1);
  let running = 0;
  for (let i = 0; i <= k; i++) {
    running += i < k ? counts[i] : unassigned;
    cumulative[i] = running / n;
  }
  const rng = new Xoshiro128(counts.reduce((h, count) => (Math.imul(h, 31) + count) >>> 0, unassigned + 17));
  const drawn = new Int32Array(k + 1);
  let sum = 0;
  let sumSquares = 0;
  for (let b = 0; b < resamples; b++) {
    drawn.fill(0);
    for (let s = 0; s < n; s++) {
      const u = rng.nextFloat();
      let i = 0;
      while (i < k && u >= cumulative[i]) i++;
      drawn[i]++;
    }
    let reached = 0;
    for (let i = 0; i < k; i++) if (drawn[i] >= threshold) reached++;
    const coverage = reached / k;
    sum += coverage;
    sumSquares += coverage * coverage;
  }
  const mean = sum / resamples;
  return Math.sqrt(Math.max(0, sumSquares / resamples - mean * mean));
}
