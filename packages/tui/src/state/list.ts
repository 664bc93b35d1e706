/** Cursor movement shared by the list screens (sweeps, runs, columns). */
import { actionOf, type Binding, type KeyName } from '../keys.js';
import type { ListContext } from './types.js';

export type MoveAction = 'up' | 'down' | 'pageUp' | 'pageDown' | 'first' | 'last';

export const MOVE_KEYS: readonly Binding<MoveAction>[] = [
  { keys: ['up', 'k'], action: 'up', help: 'move up', footer: 'move', footerLabel: '↑↓' },
  { keys: ['down', 'j'], action: 'down', help: 'move down' },
  { keys: ['pageup'], action: 'pageUp', help: 'page up' },
  { keys: ['pagedown'], action: 'pageDown', help: 'page down' },
  { keys: ['home', 'g'], action: 'first', help: 'first row' },
  { keys: ['end', 'G'], action: 'last', help: 'last row' },
];

/**
 * The cursor after a move key, by row key; undefined when the key is not a
 * move. A cursor on a row that is gone (filtered out) counts as the first row.
 */
export function moveCursor(key: KeyName, cursor: string | null, list: ListContext): string | null | undefined {
  const action = actionOf(MOVE_KEYS, key);
  if (action === undefined) return undefined;
  const n = list.keys.length;
  if (n === 0) return cursor;
  const at = Math.max(0, cursor === null ? 0 : list.keys.indexOf(cursor));
  const page = Math.max(1, list.page);
  const target = {
    up: at - 1,
    down: at + 1,
    pageUp: at - page,
    pageDown: at + page,
    first: 0,
    last: n - 1,
  }[action];
  return list.keys[Math.max(0, Math.min(n - 1, target))];
}

/** The row under the cursor (the first row when the cursor is unset or gone). */
export function cursorKey(cursor: string | null, list: ListContext): string | undefined {
  if (cursor !== null && list.keys.includes(cursor)) return cursor;
  return list.keys[0];
}
