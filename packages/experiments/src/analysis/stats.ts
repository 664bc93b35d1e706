/** Summary statistics of repeated measurements (runs that differ only by seed). */

export interface Summary {
  /** How many finite values the summary is over. */
  n: number;
  mean: number;
  /**
   * Sample standard deviation, sqrt(sum (x - mean)^2 / (n - 1)); undefined for
   * n = 1, where it is not defined (0 would claim a spread was measured).
   */
  std: number | undefined;
  min: number;
  max: number;
}

/** Summary of the finite values (NaN and infinities are skipped); undefined when none is finite. */
export function summarize(values: ReadonlyArray<number | null | undefined>): Summary | undefined {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = finite.length;
  if (n === 0) return undefined;
  let sum = 0;
  for (const v of finite) sum += v;
  const mean = sum / n;
  let squares = 0;
  for (const v of finite) squares += (v - mean) ** 2;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  // Equal values have no spread; the rounding of the mean would otherwise show one (3e-17).
  const std = n > 1 ? (min === max ? 0 : Math.sqrt(squares / (n - 1))) : undefined;
  return { n, mean, std, min, max };
}
