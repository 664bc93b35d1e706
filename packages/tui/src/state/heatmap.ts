/** Keys of the heatmap: metric, pair of parameters, transpose, and the shared value toggles. */
import { actionOf, type Binding, type KeyName } from '../keys.js';
import type { HeatmapScreen, Outcome, Settings } from './types.js';
import { toggleValues } from './values.js';

type HeatmapAction = 'nextMetric' | 'previousMetric' | 'nextPair' | 'transpose';

export const METRIC_KEYS: readonly Binding<'nextMetric' | 'previousMetric'>[] = [
  { keys: ['m'], action: 'nextMetric', help: 'next metric', footer: 'metric', footerLabel: 'm/M' },
  { keys: ['M'], action: 'previousMetric', help: 'previous metric' },
];

export const HEATMAP_KEYS: readonly Binding<HeatmapAction>[] = [
  ...METRIC_KEYS,
  { keys: ['p'], action: 'nextPair', help: 'next pair of swept parameters', footer: 'params' },
  { keys: ['t'], action: 'transpose', help: 'swap rows and columns', footer: 'transpose' },
];

export function heatmapOf(sweepId: string): HeatmapScreen {
  return { kind: 'heatmap', sweepId, pair: 0, transpose: false, metric: 0 };
}

export function reduceHeatmap(screen: HeatmapScreen, key: KeyName, settings: Settings): Outcome<HeatmapScreen> {
  const toggled = toggleValues(key, settings);
  if (toggled) return { settings: toggled };
  switch (actionOf(HEATMAP_KEYS, key)) {
    case 'nextMetric':
      return { screen: { ...screen, metric: screen.metric + 1 } };
    case 'previousMetric':
      return { screen: { ...screen, metric: screen.metric - 1 } };
    case 'nextPair':
      return { screen: { ...screen, pair: screen.pair + 1 } };
    case 'transpose':
      return { screen: { ...screen, transpose: !screen.transpose } };
    default:
      return {};
  }
}
