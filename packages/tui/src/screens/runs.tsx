// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import type { SweepSummary } from '@rbm-lab/experiments';
import type { RunsScreen, Settings } from '../state/types.js';
import { fit, Line, STATUS_COLORS, type Styled, windowStart } from '../ui.js';
import type { Column, RunsTable } from '../view-model/runs-table.js';

export interface RunsViewProps {
  sweep: SweepSummary;
  table: RunsTable;
  screen: RunsScreen;
  settings: Settings;
  width: number;
  height: number;
}

const MAX_WIDTH: Record<Column['kind'], number> = {
  index: 4,
  param: 16,
  count: 3,
  metric: 20,
  status: 22,
  progress: 9,
  duration: 8,
};

/** Room taken left of the cells by the cursor and selection marks. */
const GUTTER = 4;

export interface ColumnLayout {
  cols: Array<{ col: Column; width: number }>;
  /** Scrollable columns scrolled out to the left, and those that do not fit on the right. */
  hiddenLeft: number;
  hiddenRight: number;
}

/**
 * The frozen columns (index, parameters, n), then the scrollable ones from
 * `scroll` on, as many as fit in `width`.
 */
export function layoutColumns(table: RunsTable, width: number, scroll: number): ColumnLayout {
  const sized = table.columns.map((col) => {
    const longest = Math.max(col.title.length + 1, ...table.rows.map((r) => r.cells[col.key].length));
    return { col, width: Math.min(MAX_WIDTH[col.kind], longest) };
  });
  const frozen = sized.slice(0, table.frozen);
  const scrollable = sized.slice(table.frozen);
  const start = Math.max(0, Math.min(scroll, scrollable.length - 1));
  let used = GUTTER + frozen.reduce((s, c) => s + c.width + 1, 0);
  const shown: typeof sized = [];
  for (const c of scrollable.slice(start)) {
    if (used + c.width + 1 > width && shown.length > 0) break;
    shown.push(c);
    used += c.width + 1;
  }
  return { cols: [...frozen, ...shown], hiddenLeft: start, hiddenRight: scrollable.length - start - shown.length };
}

function statusLine(sweep: SweepSummary, screen: RunsScreen, table: RunsTable, settings: Settings): Styled[] {
  const c = sweep.counts;
  const sortTitle = table.columns.find((col) => col.key === screen.sortKey)?.title ?? '#';
  return [
    { text: `${sweep.name}`, bold: true },
    { text: `  ${c.finished}/${sweep.totalRuns} finished`, color: 'green' },
    { text: c.running ? `  ${c.running} running` : '', color: 'yellow' },
    { text: c.failed ? `  ${c.failed} failed` : '', color: 'red' },
    { text: c.interrupted ? `  ${c.interrupted} interrupted` : '', color: 'magenta' },
    { text: `  sort: ${sortTitle} ${screen.descending ? '↓' : '↑'}`, dim: true },
    { text: settings.grouped ? '  grouped over seeds: mean±std, n finished' : '', color: 'cyan' },
    { text: settings.values === 'best' ? '  values: best epoch @epoch (faint: final)' : '', color: 'cyan' },
    { text: screen.selected.length ? `  selected: ${screen.selected.length}` : '', color: 'cyan' },
  ];
}

function filterLine(screen: RunsScreen, table: RunsTable, layout: ColumnLayout, grouped: boolean): Styled[] {
  const error = table.filterError;
  const rows = grouped ? `${table.rows.length} groups of ${table.shownRuns} runs` : `${table.rows.length} runs`;
  const scrolled = [
    layout.hiddenLeft ? `◂ ${layout.hiddenLeft} columns` : '',
    layout.hiddenRight ? `${layout.hiddenRight} columns ▸` : '',
  ].filter(Boolean);
  const tail: Styled = { text: `  ${scrolled.join('  ')}`, dim: true };
  if (!screen.editing && !screen.filter) return [{ text: rows, dim: true }, tail];
  const parts: Styled[] = [{ text: 'filter: ', color: 'cyan' }];
  if (error) {
    // the offending character marked, so the error in the status line is easy to place
    const at = Math.min(error.column - 1, screen.filter.length);
    parts.push({ text: screen.filter.slice(0, at) });
    parts.push({ text: screen.filter[at] ?? ' ', color: 'red', inverse: true });
    parts.push({ text: screen.filter.slice(at + 1) });
  } else parts.push({ text: screen.filter, color: screen.editing ? undefined : 'cyan' });
  if (screen.editing) parts.push({ text: '█', color: 'cyan' });
  const count = error ? '  (not applied)' : `  ${table.shownRuns} of ${table.totalRuns} runs`;
  parts.push({ text: count, dim: true }, tail);
  return parts;
}

export function RunsView({ sweep, table, screen, settings, width, height }: RunsViewProps) {
  const layout = layoutColumns(table, width, screen.scroll);
  const visible = Math.max(1, height - 3);
  const cursor = Math.max(
    0,
    table.rows.findIndex((r) => r.key === screen.cursor),
  );
  const start = windowStart(cursor, table.rows.length, visible);
  const header =
    '    ' +
    layout.cols
      .map(({ col, width: w }) => {
        const title = col.key === screen.sortKey ? `${col.title}${screen.descending ? '↓' : '↑'}` : col.title;
        return fit(title, w, col.align);
      })
      .join(' ');
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line parts={statusLine(sweep, screen, table, settings)} />
      <Line parts={filterLine(screen, table, layout, settings.grouped)} />
      <Text dimColor wrap="truncate-end">
        {header}
      </Text>
      {table.rows.length === 0 ? <Text dimColor> no run matches the filter</Text> : null}
      {table.rows.slice(start, start + visible).map((row, i) => {
        const isCursor = start + i === cursor;
        const isSelected = screen.selected.includes(row.key);
        const parts: Styled[] = [{ text: isCursor ? '›' : ' ' }, { text: isSelected ? '◉ ' : '  ', color: 'cyan' }];
        for (const { col, width: w } of layout.cols) {
          const text = `${fit(row.cells[col.key], w, col.align)} `;
          if (col.kind === 'status') parts.push({ text, color: STATUS_COLORS[row.status] });
          else if (col.kind === 'metric' && table.best[col.key]?.has(row.key))
            parts.push({ text, color: 'green', bold: true, dim: row.faint.has(col.key) });
          else parts.push({ text, dim: row.faint.has(col.key) });
        }
        return <Line key={row.key} parts={parts} inverse={isCursor} />;
      })}
    </Box>
  );
}
