import { allMetricDefinitions, findMetricDefinition, type DeclaredMetric } from './checks/metric-definitions.js';

/**
 * Which way a metric improves, shared by the CLI's compare, the dashboard and
 * reports so they mark the same "best". Read from the metric declarations of
 * the model specs (a sweep's stored definitions when given), never guessed from
 * the name; null = a diagnostic that is never ranked (log Z, a bandwidth, a
 * timing, the nearest-neighbour distance) or a metric nobody declared. The
 * sweep's main metric carries its own direction.
 */
export type MetricDirection = 'lower' | 'higher' | null;

let registered: DeclaredMetric[] | undefined;

export function metricDirection(
  name: string,
  main?: { name: string; lowerIsBetter: boolean },
  definitions?: readonly DeclaredMetric[],
): MetricDirection {
  if (main !== undefined && main.name === name) return main.lowerIsBetter ? 'lower' : 'higher';
  registered ??= allMetricDefinitions();
  const direction = findMetricDefinition(definitions ?? registered, name)?.direction;
  return direction === 'higher' || direction === 'lower' ? direction : null;
}
