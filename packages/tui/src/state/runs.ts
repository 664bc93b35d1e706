/** Keys of the runs table, and of its filter line while the filter is being typed. */
import { actionOf, type Binding, isText, type KeyName } from '../keys.js';
import { heatmapOf } from './heatmap.js';
import { cursorKey, moveCursor } from './list.js';
import type { Outcome, RunsContext, RunsScreen, Settings } from './types.js';
import { toggleValues } from './values.js';

type RunsAction =
  | 'open'
  | 'mark'
  | 'compare'
  | 'clearMarks'
  | 'sortNext'
  | 'sortReverse'
  | 'filter'
  | 'heatmap'
  | 'columns'
  | 'scrollLeft'
  | 'scrollRight';

export const RUNS_KEYS: readonly Binding<RunsAction>[] = [
  { keys: ['enter'], action: 'open', help: 'detail of the run (or group)', footer: 'detail' },
  { keys: [' '], action: 'mark', help: 'mark the row: select for comparison (2 to 4)', footer: 'select' },
  { keys: ['c'], action: 'compare', help: 'compare the selected runs (or groups)', footer: 'compare' },
  { keys: ['x'], action: 'clearMarks', help: 'clear the selection' },
  { keys: ['s'], action: 'sortNext', help: 'sort by the next column', footer: 'sort', footerLabel: 's/S' },
  { keys: ['S'], action: 'sortReverse', help: 'reverse the sort order' },
  { keys: ['/'], action: 'filter', help: 'filter: hidden_units>=100 and status=finished, or a word', footer: 'filter' },
  { keys: ['h'], action: 'heatmap', help: 'heatmap of a metric over two swept parameters', footer: 'heatmap' },
  { keys: ['v'], action: 'columns', help: 'choose the visible columns', footer: 'columns' },
  { keys: ['['], action: 'scrollLeft', help: 'scroll the columns left', footer: 'scroll', footerLabel: '[ ]' },
  { keys: [']'], action: 'scrollRight', help: 'scroll the columns right' },
];

/** While the filter is typed, every printable key is text; these keys end or edit it. */
export const FILTER_KEYS: readonly Binding<'keep' | 'clear' | 'erase' | 'eraseAll'>[] = [
  { keys: ['enter'], action: 'keep', help: 'keep the filter', footer: 'keep' },
  { keys: ['esc'], action: 'clear', help: 'clear the filter', footer: 'clear' },
  { keys: ['backspace'], action: 'erase', help: 'erase a character' },
  { keys: ['ctrl+u'], action: 'eraseAll', help: 'erase the whole filter' },
];

const MAX_COMPARED = 4;

export function reduceFilterInput(screen: RunsScreen, key: KeyName): Outcome<RunsScreen> {
  switch (actionOf(FILTER_KEYS, key)) {
    case 'keep':
      return { screen: { ...screen, editing: false } };
    case 'clear':
      return { screen: { ...screen, editing: false, filter: '' } };
    case 'erase':
      return { screen: { ...screen, filter: [...screen.filter].slice(0, -1).join('') } };
    case 'eraseAll':
      return { screen: { ...screen, filter: '' } };
    default:
      return isText(key) ? { screen: { ...screen, filter: screen.filter + key } } : {};
  }
}

function toggleMark(screen: RunsScreen, row: string): Outcome<RunsScreen> {
  if (screen.selected.includes(row))
    return { screen: { ...screen, selected: screen.selected.filter((s) => s !== row) } };
  if (screen.selected.length >= MAX_COMPARED) return { message: `at most ${MAX_COMPARED} can be compared` };
  return { screen: { ...screen, selected: [...screen.selected, row] } };
}

function nextSort(screen: RunsScreen, ctx: RunsContext): RunsScreen {
  const columns = ctx.sortColumns;
  if (columns.length === 0) return screen;
  const at = columns.findIndex((c) => c.key === screen.sortKey);
  const next = columns[(at + 1) % columns.length];
  // metrics where higher is better start with the best on top
  return { ...screen, sortKey: next.key, descending: next.lowerIsBetter === false };
}

export function reduceRuns(
  screen: RunsScreen,
  key: KeyName,
  ctx: RunsContext | null,
  settings: Settings,
): Outcome<RunsScreen> {
  const toggled = toggleValues(key, settings);
  // Grouping changes what a row is: the cursor and the selection start over.
  if (toggled?.grouped !== undefined) return { settings: toggled, screen: { ...screen, cursor: null, selected: [] } };
  if (toggled) return { settings: toggled };
  if (ctx === null) return {};
  const moved = moveCursor(key, screen.cursor, ctx);
  if (moved !== undefined) return { screen: { ...screen, cursor: moved } };
  const current = cursorKey(screen.cursor, ctx);
  switch (actionOf(RUNS_KEYS, key)) {
    case 'open':
      if (current === undefined) return {};
      return {
        push: {
          kind: 'detail',
          sweepId: screen.sweepId,
          subject: ctx.runIds[current],
          grouped: settings.grouped,
          metric: 0,
        },
      };
    case 'mark':
      return current === undefined ? {} : toggleMark(screen, current);
    case 'compare': {
      const subjects = screen.selected.filter((k) => ctx.runIds[k] !== undefined).map((k) => ctx.runIds[k]);
      if (subjects.length < 2) return { message: `select 2 to ${MAX_COMPARED} with space first` };
      return { push: { kind: 'compare', sweepId: screen.sweepId, subjects, metric: 0 } };
    }
    case 'clearMarks':
      return { screen: { ...screen, selected: [] } };
    case 'sortNext':
      return { screen: nextSort(screen, ctx) };
    case 'sortReverse':
      return { screen: { ...screen, descending: !screen.descending } };
    case 'filter':
      return { screen: { ...screen, editing: true } };
    case 'heatmap':
      return { push: heatmapOf(screen.sweepId) };
    case 'columns':
      return { push: { kind: 'columns', sweepId: screen.sweepId, cursor: null } };
    case 'scrollLeft':
      return { screen: { ...screen, scroll: Math.max(0, screen.scroll - 1) } };
    case 'scrollRight':
      return { screen: { ...screen, scroll: Math.max(0, Math.min(ctx.scrollable - 1, screen.scroll + 1)) } };
    default:
      return {};
  }
}
