/** The settings toggles shared by screens: grouping over seeds, best/final values, smoothing, log scale. */
import { actionOf, type Binding, type KeyName } from '../keys.js';
import type { Settings } from './types.js';

export const VALUE_KEYS: readonly Binding<'group' | 'values'>[] = [
  { keys: ['a'], action: 'group', help: 'group runs that differ only by seed (mean ± std, n)', footer: 'group seeds' },
  { keys: ['b'], action: 'values', help: "best epoch's value / final value of each metric", footer: 'best/final' },
];

/** EMA weights `e` steps through; 0 is off. */
export const SMOOTHING_STEPS = [0, 0.6, 0.9] as const;

export const CURVE_KEYS: readonly Binding<'smooth' | 'logScale'>[] = [
  {
    keys: ['e'],
    action: 'smooth',
    help: 'smoothing (EMA) off / 0.6 / 0.9; the raw curve stays faint',
    footer: 'smooth',
  },
  { keys: ['l'], action: 'logScale', help: 'log scale on the y axis', footer: 'log' },
];

/** The settings after a grouping or best/final key, or undefined for any other key. */
export function toggleValues(key: KeyName, settings: Settings): Partial<Settings> | undefined {
  switch (actionOf(VALUE_KEYS, key)) {
    case 'group':
      return { grouped: !settings.grouped };
    case 'values':
      return { values: settings.values === 'final' ? 'best' : 'final' };
    default:
      return undefined;
  }
}

/** The settings after a smoothing or log-scale key, or undefined for any other key. */
export function toggleCurves(key: KeyName, settings: Settings): Partial<Settings> | undefined {
  switch (actionOf(CURVE_KEYS, key)) {
    case 'smooth': {
      const at = SMOOTHING_STEPS.indexOf(settings.smoothing as (typeof SMOOTHING_STEPS)[number]);
      return { smoothing: SMOOTHING_STEPS[(at + 1) % SMOOTHING_STEPS.length] };
    }
    case 'logScale':
      return { logScale: !settings.logScale };
    default:
      return undefined;
  }
}
