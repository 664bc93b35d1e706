/** Keys of the sweeps list. */
import { actionOf, type Binding, type KeyName } from '../keys.js';
import { cursorKey, moveCursor } from './list.js';
import type { Outcome, RunsScreen, SweepsContext, SweepsScreen } from './types.js';
import { heatmapOf } from './heatmap.js';

type SweepsAction = 'open' | 'heatmap';

export const SWEEPS_KEYS: readonly Binding<SweepsAction>[] = [
  { keys: ['enter'], action: 'open', help: 'runs of the sweep', footer: 'runs' },
  { keys: ['h'], action: 'heatmap', help: 'heatmap of a metric over two swept parameters', footer: 'heatmap' },
];

export function runsOf(sweepId: string): RunsScreen {
  return {
    kind: 'runs',
    sweepId,
    cursor: null,
    sortKey: 'index',
    descending: false,
    filter: '',
    editing: false,
    selected: [],
    scroll: 0,
  };
}

export function reduceSweeps(screen: SweepsScreen, key: KeyName, list: SweepsContext | null): Outcome<SweepsScreen> {
  if (list === null) return {};
  const moved = moveCursor(key, screen.cursor, list);
  if (moved !== undefined) return { screen: { ...screen, cursor: moved } };
  const current = cursorKey(screen.cursor, list);
  if (current === undefined) return {};
  switch (actionOf(SWEEPS_KEYS, key)) {
    case 'open':
      return { push: runsOf(current) };
    case 'heatmap':
      return { push: heatmapOf(current) };
    default:
      return {};
  }
}
