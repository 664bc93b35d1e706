/** Keys of the column chooser: show or hide the runs table's columns. */
import { actionOf, type Binding, type KeyName } from '../keys.js';
import { cursorKey, moveCursor } from './list.js';
import type { ColumnsContext, ColumnsScreen, Outcome, Settings } from './types.js';

export const COLUMNS_KEYS: readonly Binding<'mark' | 'reset'>[] = [
  { keys: [' '], action: 'mark', help: 'mark the row: show or hide the column', footer: 'show/hide' },
  {
    keys: ['r'],
    action: 'reset',
    help: "reset to the defaults (swept parameters, the model's headline metrics)",
    footer: 'defaults',
  },
];

export function reduceColumns(
  screen: ColumnsScreen,
  key: KeyName,
  ctx: ColumnsContext | null,
  settings: Settings,
): Outcome<ColumnsScreen> {
  if (ctx === null) return {};
  const moved = moveCursor(key, screen.cursor, ctx);
  if (moved !== undefined) return { screen: { ...screen, cursor: moved } };
  const current = cursorKey(screen.cursor, ctx);
  const withColumns = (visible: readonly string[]) => ({ columns: { ...settings.columns, [screen.sweepId]: visible } });
  switch (actionOf(COLUMNS_KEYS, key)) {
    case 'mark': {
      if (current === undefined) return {};
      const visible = ctx.visible.includes(current)
        ? ctx.visible.filter((k) => k !== current)
        : ctx.keys.filter((k) => k === current || ctx.visible.includes(k));
      return { settings: withColumns(visible) };
    }
    case 'reset': {
      const { [screen.sweepId]: _, ...others } = settings.columns;
      return { settings: { columns: others } };
    }
    default:
      return {};
  }
}
