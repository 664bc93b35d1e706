import type { Matrix } from '@rbm-lab/datasets';

/** A sample counts for a class only when the classifier gives that class at least this probability. */
export const COVERAGE_MIN_CONFIDENCE = 0.5;

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
    normalisedEntropy: k > 1 && assigned > 0 ? entropy / Math.log(k) : Number.NaN,
    meanConfidence: confidenceSum / rows,
    counts,
    unassigned: rows - assigned,
    threshold,
  };
}
