/**
 * Which runs-table columns fit the terminal: the frozen ones (index,
 * parameters, n) always, then the scrollable ones from the scroll position on.
 */
import type { Column, RunsTable } from './runs-table.js';

const MAX_WIDTH: Record<Column['kind'], number> = {
  index: 4,
  param: 16,
  count: 3,
  metric: 20,
  status: 22,
  progress: 18,
  tags: 16,
  duration: 8,
};

/** Room taken left of the cells by the cursor and selection marks. */
export const GUTTER = 4;

export interface ColumnLayout {
  cols: Array<{ col: Column; width: number }>;
  /** Scrollable columns scrolled out to the left, and those that do not fit on the right. */
  hiddenLeft: number;
  hiddenRight: number;
}

function sizedColumns(table: RunsTable) {
  return table.columns.map((col) => {
    const longest = Math.max(col.title.length + 1, ...table.rows.map((r) => r.cells[col.key].length));
    return { col, width: Math.min(MAX_WIDTH[col.kind], longest) };
  });
}

/** The last useful scroll position: the first scrollable column from which all the rest fit. */
export function maxScroll(table: RunsTable, width: number): number {
  const sized = sizedColumns(table);
  let room = width - GUTTER - sized.slice(0, table.frozen).reduce((s, c) => s + c.width + 1, 0);
  let start = sized.length - table.frozen;
  while (start > 0 && room - (sized[table.frozen + start - 1].width + 1) >= 0) {
    room -= sized[table.frozen + start - 1].width + 1;
    start -= 1;
  }
  return Math.min(start, Math.max(0, sized.length - table.frozen - 1));
}

export function layoutColumns(table: RunsTable, width: number, scroll: number): ColumnLayout {
  const sized = sizedColumns(table);
  const frozen = sized.slice(0, table.frozen);
  const scrollable = sized.slice(table.frozen);
  const start = Math.max(0, Math.min(scroll, maxScroll(table, width)));
  let used = GUTTER + frozen.reduce((s, c) => s + c.width + 1, 0);
  const shown: typeof sized = [];
  for (const c of scrollable.slice(start)) {
    if (used + c.width + 1 > width && shown.length > 0) break;
    shown.push(c);
    used += c.width + 1;
  }
  return { cols: [...frozen, ...shown], hiddenLeft: start, hiddenRight: scrollable.length - start - shown.length };
}
