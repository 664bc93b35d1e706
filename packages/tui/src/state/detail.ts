/** Keys of the curve screens: run (or group) detail and compare. */
import { actionOf, type Binding, type KeyName } from '../keys.js';
import { METRIC_KEYS } from './heatmap.js';
import type { CompareScreen, DetailContext, DetailScreen, Outcome, Settings, Subject } from './types.js';
import { toggleCurves } from './values.js';

export const DETAIL_KEYS: readonly Binding<'previous' | 'next' | 'earlierSamples' | 'laterSamples'>[] = [
  {
    keys: ['left'],
    action: 'previous',
    help: 'previous run (or group) of the sweep',
    footer: 'prev/next',
    footerLabel: '←→',
  },
  { keys: ['right'], action: 'next', help: 'next run (or group) of the sweep' },
  {
    keys: [','],
    action: 'earlierSamples',
    help: 'samples of an earlier epoch (scrub back through training)',
    footer: 'samples over epochs',
    footerLabel: ', .',
  },
  { keys: ['.'], action: 'laterSamples', help: 'samples of a later epoch (after the last: the final ones)' },
];

/**
 * The sample epoch after a scrub key: one position back or on among the
 * epochs with samples, then the final samples; the last position is
 * `undefined` (the latest), so a live run keeps showing its newest samples.
 */
export function scrubSamples(
  current: number | undefined,
  step: -1 | 1,
  epochs: readonly number[],
  finalSamples: boolean,
): number | undefined {
  const positions: Array<number | undefined> = [...epochs];
  if (finalSamples || epochs.length === 0) positions.push(undefined);
  const last = positions.length - 1;
  const at = current === undefined ? last : positions.findIndex((e) => e !== undefined && e >= current);
  const from = at < 0 ? last : at;
  const next = Math.max(0, Math.min(last, from + step));
  return next === last ? undefined : positions[next];
}

function sameSubject(a: Subject, b: Subject): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function stepMetric<S extends DetailScreen | CompareScreen>(screen: S, key: KeyName): S | undefined {
  switch (actionOf(METRIC_KEYS, key)) {
    case 'nextMetric':
      return { ...screen, metric: screen.metric + 1 };
    case 'previousMetric':
      return { ...screen, metric: screen.metric - 1 };
    default:
      return undefined;
  }
}

export function reduceDetail(
  screen: DetailScreen,
  key: KeyName,
  ctx: DetailContext | null,
  settings: Settings,
): Outcome<DetailScreen> {
  const toggled = toggleCurves(key, settings);
  if (toggled) return { settings: toggled };
  const metric = stepMetric(screen, key);
  if (metric) return { screen: metric };
  const action = actionOf(DETAIL_KEYS, key);
  if ((action === 'earlierSamples' || action === 'laterSamples') && ctx !== null) {
    const step = action === 'earlierSamples' ? -1 : 1;
    return {
      screen: { ...screen, sampleEpoch: scrubSamples(screen.sampleEpoch, step, ctx.sampleEpochs, ctx.finalSamples) },
    };
  }
  const subjects = ctx?.subjects ?? [];
  if (action === undefined || subjects.length === 0) return {};
  const at = subjects.findIndex((s) => sameSubject(s, screen.subject) || s.includes(screen.subject[0]));
  const next = subjects[Math.max(0, Math.min(subjects.length - 1, at + (action === 'next' ? 1 : -1)))];
  return { screen: { ...screen, subject: next } };
}

export function reduceCompare(screen: CompareScreen, key: KeyName, settings: Settings): Outcome<CompareScreen> {
  const toggled = toggleCurves(key, settings);
  if (toggled) return { settings: toggled };
  const metric = stepMetric(screen, key);
  return metric ? { screen: metric } : {};
}
