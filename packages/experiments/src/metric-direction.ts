/**
 * Which way a metric improves, shared by the CLI's compare, the dashboard and
 * reports so they mark the same "best". The sweep's main metric carries its own
 * direction; other names follow the usual conventions. Some numbers have no
 * better direction and are never marked: a model's log partition function or
 * free energy (not comparable across models), a chosen bandwidth, a spread, a
 * timing, and the nearest-neighbour distance (small means copying the training
 * set, large means off the data: a diagnostic, not a score).
 */
export type MetricDirection = 'lower' | 'higher' | null;

const NO_DIRECTION = [
  /nn_distance/,
  /log_z/,
  /^free_energy(_train|_valid)?$/,
  /sigma/,
  /_std$/,
  /seconds/,
  /^layer$/,
  /epoch/,
];
const LOWER_IS_BETTER = [/error/, /distance/, /loss/, /free_energy_gap/, /perplexity/];
const HIGHER_IS_BETTER = [/likelihood/, /coverage/, /confidence/, /accuracy/, /precision/, /recall/, /score/, /elbo/];

export function metricDirection(name: string, main?: { name: string; lowerIsBetter: boolean }): MetricDirection {
  if (main !== undefined && main.name === name) return main.lowerIsBetter ? 'lower' : 'higher';
  const n = name.toLowerCase();
  if (NO_DIRECTION.some((re) => re.test(n))) return null;
  if (LOWER_IS_BETTER.some((re) => re.test(n))) return 'lower';
  if (HIGHER_IS_BETTER.some((re) => re.test(n))) return 'higher';
  return null;
}
