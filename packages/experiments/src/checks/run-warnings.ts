import { covarianceRankDeficient, type MetricDeclaration, type MetricPoints, type Metrics } from '@rbm-lab/core';
import type { RunWarning } from '../store/types.js';

/**
 * Thresholds of the warnings, each with its reason (the README's "Warnings"
 * section repeats them).
 */
export const WARNING_THRESHOLDS = {
  /**
   * AIS log Z standard error (nats) above which the estimate is flagged as visibly noisy. The spread only
   * measures the noise between runs: against exact log Z (RBMs with 10-20 hidden units on AlphaDigits,
   * 100 runs x 5000 temperatures) the error was 0.3-1.2x the spread on smooth models, but 14.3 nats with a
   * spread of 0.09 on a sharp one (CD-1, momentum 0.9, 300 epochs) whose missed mode no spread can show.
   */
  aisLogZStd: 0.5,
  /** |AIS log Z - exact log Z| (nats) above which AIS is called wrong where the exact value exists. */
  aisExactGap: 1,
  /**
   * Nats by which AIS log Z may fall below the certain lower bound (log_z_lower_bound) before AIS is called wrong.
   * Measured on 12-unit AlphaDigits RBMs (lr 0.1, 20 epochs): the bound came within 0.04 nats of the exact log Z, AIS
   * (100 x 3000) 0.1-0.4 nats below it on models it got right, 1.4-4.2 on those whose dominant mode it missed.
   */
  aisBelowBound: 1,
  /**
   * Rise of the validation free-energy gap (nats) over the last quarter of the epochs up to the kept one:
   * a gap that is still growing when training ends. Measured on AlphaDigits: the old CD-1 default (100 epochs)
   * rose 10-16.5 nats in its last quarter (to 135-154), the PCD studies' runs 1-2 nats (plateaued).
   */
  freeEnergyGapRise: 5,
  /** class_coverage below this (with k >= 2 classes) is called mode collapse (the studies aim at >= 0.75). */
  classCoverage: 0.75,
} as const;

export interface RunWarningInput {
  metrics: Metrics;
  /** Per-epoch metrics, in order (epoch 1 first). */
  history: readonly Metrics[];
  /** The model type's metric declarations (which metric is its log-likelihood). */
  declarations: readonly MetricDeclaration[];
  /** Points each final metric used. */
  points: Readonly<Record<string, MetricPoints>>;
  /** Mean test log-likelihood of the base-rate model on the run's own splits (nats/image), if computed. */
  baseRateLogLikelihood?: number;
  /** Dimension of the classifier features KID and the Fréchet distance compare. */
  featureDim?: number;
  /** Classes the run learns. */
  classes: number;
}

const LIKELIHOOD_PREFERENCE = ['exact', 'estimate', 'lower_bound'] as const;

/** The run's test log-likelihood: an exact one if recorded, else an estimate (AIS), else a bound (ELBO), in declaration order. */
export function runLogLikelihood(
  metrics: Metrics,
  declarations: readonly MetricDeclaration[],
): { name: string; value: number; kind: NonNullable<MetricDeclaration['logLikelihood']> } | undefined {
  for (const kind of LIKELIHOOD_PREFERENCE) {
    for (const declaration of declarations) {
      const value = metrics[declaration.name];
      if (declaration.logLikelihood === kind && value !== undefined && Number.isFinite(value)) {
        return { name: declaration.name, value, kind };
      }
    }
  }
  return undefined;
}

const nats = (value: number): string => `${value.toFixed(1)} nats`;

function likelihoodWarnings(input: RunWarningInput): RunWarning[] {
  const warnings: RunWarning[] = [];
  const { metrics } = input;
  const own = runLogLikelihood(metrics, input.declarations);
  if (own !== undefined && input.baseRateLogLikelihood !== undefined && own.value < input.baseRateLogLikelihood) {
    warnings.push({
      code: 'below_base_rate',
      message: `${own.name} ${nats(own.value)} is below the base-rate model's ${nats(input.baseRateLogLikelihood)} on the same test images: the model is worse than independent pixels`,
    });
  }
  const exact = metrics.exact_log_z;
  const ais = metrics.ais_log_z;
  if (exact !== undefined && ais !== undefined && Math.abs(ais - exact) > WARNING_THRESHOLDS.aisExactGap) {
    warnings.push({
      code: 'ais_off_exact',
      message: `AIS log Z ${ais.toFixed(2)} differs from the exact ${exact.toFixed(2)} by ${Math.abs(ais - exact).toFixed(2)} nats (reported spread ${(metrics.ais_log_z_std ?? Number.NaN).toFixed(2)}): read exact_log_likelihood`,
    });
  }
  const bound = metrics.log_z_lower_bound;
  if (bound !== undefined && ais !== undefined && bound - ais > WARNING_THRESHOLDS.aisBelowBound) {
    warnings.push({
      code: 'ais_below_bound',
      message: `AIS log Z ${ais.toFixed(2)} is ${(bound - ais).toFixed(2)} nats below a certain lower bound (${bound.toFixed(2)}, from the RBM's modes): AIS missed a mode, and ais_log_likelihood is too high by at least that much`,
    });
  }
  const spread = metrics.ais_log_z_std;
  if (spread !== undefined && spread > WARNING_THRESHOLDS.aisLogZStd) {
    warnings.push({
      code: 'ais_spread',
      message: `AIS log Z spread ${spread.toFixed(2)} nats exceeds ${WARNING_THRESHOLDS.aisLogZStd}; the real error is often several times the spread: ais_log_likelihood is uncertain by nats (more ais_runs or ais_betas)`,
    });
  }
  return warnings;
}

function trainingWarnings(input: RunWarningInput): RunWarning[] {
  const gaps = input.history.map((epoch) => epoch.free_energy_gap);
  if (gaps.length < 4 || gaps.some((gap) => gap === undefined || !Number.isFinite(gap))) return [];
  const kept = Math.max(1, Math.min(gaps.length, input.metrics.best_epoch ?? gaps.length));
  const upToKept = (gaps as number[]).slice(0, kept);
  if (upToKept.length < 4) return [];
  const quarterAgo = upToKept[Math.floor(upToKept.length * 0.75) - 1];
  const last = upToKept[upToKept.length - 1];
  if (last - quarterAgo <= WARNING_THRESHOLDS.freeEnergyGapRise) return [];
  return [
    {
      code: 'free_energy_gap_growing',
      message: `validation free-energy gap still growing: ${nats(quarterAgo)} at epoch ${Math.floor(upToKept.length * 0.75)}, ${nats(last)} at epoch ${kept}: the model keeps overfitting its training images (fewer epochs or updates, early stopping, weight decay)`,
    },
  ];
}

function sampleWarnings(input: RunWarningInput): RunWarning[] {
  const warnings: RunWarning[] = [];
  const { metrics, points, featureDim } = input;
  const frechet = points.frechet_distance;
  if (metrics.frechet_distance !== undefined && frechet !== undefined && featureDim !== undefined) {
    const smallest = Math.min(frechet.points, frechet.samples ?? Infinity);
    if (covarianceRankDeficient(smallest, featureDim)) {
      warnings.push({
        code: 'frechet_rank_deficient',
        message: `frechet_distance compares ${featureDim}-dimensional features using ${frechet.points} test images and ${frechet.samples ?? '?'} samples: a covariance from ${smallest} points is singular, so the value is mostly bias; read kid`,
      });
    }
  }
  const coverage = metrics.class_coverage;
  if (coverage !== undefined && input.classes >= 2 && coverage < WARNING_THRESHOLDS.classCoverage) {
    const reached = Math.round(coverage * input.classes);
    warnings.push({
      code: 'mode_collapse',
      message: `the samples reach ${reached} of ${input.classes} classes (class_coverage ${coverage.toFixed(2)}${spreadOf(metrics.class_coverage_std)} < ${WARNING_THRESHOLDS.classCoverage}): generation collapses onto a few modes`,
    });
  }
  return warnings;
}

/** ' ± 0.05' for a coverage's bootstrap spread, or nothing when the run has none. */
function spreadOf(std: number | undefined): string {
  return std === undefined || !Number.isFinite(std) ? '' : ` ± ${std.toFixed(2)}`;
}

/** Every warning a finished run deserves, from its final and per-epoch metrics. Pure. */
export function runWarnings(input: RunWarningInput): RunWarning[] {
  return [...likelihoodWarnings(input), ...trainingWarnings(input), ...sampleWarnings(input)];
}
