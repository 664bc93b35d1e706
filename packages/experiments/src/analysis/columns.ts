/** Which metrics a runs table shows before the user picks columns. */
import { metricDirection } from '../metric-direction.js';

/**
 * The headline metrics of a sweep: its main metric first, then the other
 * metrics that have a better direction (scores, not diagnostics such as log Z,
 * spreads or timings), alphabetically, at most `limit` in all. Until models
 * declare their headline metrics, the direction rule of metricDirection decides.
 */
export function headlineMetrics(
  names: readonly string[],
  main: { name: string; lowerIsBetter: boolean },
  limit = Number.POSITIVE_INFINITY,
): string[] {
  const scored = [...new Set(names)]
    .filter((n) => n !== main.name && metricDirection(n, main) !== null)
    .sort((a, b) => a.localeCompare(b));
  return [main.name, ...scored].slice(0, Math.max(1, limit));
}
