/** Which key tables are live on each screen: the reducers, the footers and the help all read this. */
import type { Binding } from '../keys.js';
import { GLOBAL_KEYS } from './app.js';
import { COLUMNS_KEYS } from './columns.js';
import { DETAIL_KEYS } from './detail.js';
import { HEATMAP_KEYS, METRIC_KEYS } from './heatmap.js';
import { MOVE_KEYS } from './list.js';
import { FILTER_KEYS, RUNS_KEYS } from './runs.js';
import { SWEEPS_KEYS } from './sweeps.js';
import type { Screen } from './types.js';
import { CURVE_KEYS, VALUE_KEYS } from './values.js';

/** The keys of a screen besides the global ones, as the screen's reducer reads them. */
export const SCREEN_KEYS: Record<Screen['kind'], readonly Binding[]> = {
  sweeps: [...MOVE_KEYS, ...SWEEPS_KEYS],
  runs: [...MOVE_KEYS, ...RUNS_KEYS, ...VALUE_KEYS],
  detail: [...METRIC_KEYS, ...DETAIL_KEYS, ...CURVE_KEYS],
  compare: [...METRIC_KEYS, ...CURVE_KEYS],
  heatmap: [...HEATMAP_KEYS, ...VALUE_KEYS],
  columns: [...MOVE_KEYS, ...COLUMNS_KEYS],
  help: [],
};

export interface HelpSection {
  title: string;
  bindings: readonly Binding[];
}

const SCREEN_TITLES: Record<Exclude<Screen['kind'], 'help'>, string> = {
  sweeps: 'sweeps',
  runs: 'runs',
  detail: 'run detail',
  compare: 'compare',
  heatmap: 'heatmap',
  columns: 'columns (v in runs)',
};

/** The help: global keys, the screen it was opened from, then every other screen. */
export function helpSections(from: Screen['kind']): HelpSection[] {
  const kinds = Object.keys(SCREEN_TITLES) as Array<keyof typeof SCREEN_TITLES>;
  const ordered = from === 'help' ? kinds : [from, ...kinds.filter((k) => k !== from)];
  const sections: HelpSection[] = [
    { title: 'everywhere', bindings: GLOBAL_KEYS },
    { title: 'lists (sweeps, runs, columns)', bindings: MOVE_KEYS },
  ];
  for (const kind of ordered) {
    const own = SCREEN_KEYS[kind].filter((b) => !MOVE_KEYS.includes(b as (typeof MOVE_KEYS)[number]));
    sections.push({ title: SCREEN_TITLES[kind], bindings: own });
    if (kind === 'runs') sections.push({ title: 'runs: while typing a filter (after /)', bindings: FILTER_KEYS });
  }
  return sections;
}

/** The footer bindings of a screen: its own, then the global ones. */
export function footerBindings(kind: Screen['kind'], editingFilter = false): ReadonlyArray<readonly Binding[]> {
  if (editingFilter) return [FILTER_KEYS];
  return [SCREEN_KEYS[kind], GLOBAL_KEYS];
}

/** Keys that act without the screen's data: the global ones and the settings toggles. */
const DATA_FREE: readonly Binding[] = [...GLOBAL_KEYS, ...VALUE_KEYS, ...CURVE_KEYS];

/**
 * Whether a key must wait until the screen it lands on has loaded (it moves a
 * cursor, opens a row, ...). The others (help, back, quit, the toggles) apply
 * at once, so the dashboard answers them while a big sweep is still loading.
 */
export function needsScreenData(screen: Screen, key: string, editingFilter = false): boolean {
  if (editingFilter) return false;
  const live: readonly Binding[] = [...GLOBAL_KEYS, ...SCREEN_KEYS[screen.kind]];
  return !live.some((b) => b.keys.includes(key) && DATA_FREE.includes(b));
}
