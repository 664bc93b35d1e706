// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import type { SweepSummary } from '@rbm-lab/experiments';
import type { RunsScreen, Settings } from '../state/types.js';
import { fit, Line, STATUS_COLORS, type Styled, windowStart } from '../ui.js';
import { type ColumnLayout, layoutColumns } from '../view-model/column-layout.js';
import type { RunsTable } from '../view-model/runs-table.js';

export interface RunsViewProps {
  sweep: SweepSummary;
  table: RunsTable;
  screen: RunsScreen;
  settings: Settings;
  width: number;
  height: number;
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
  const columns = (n: number) => `${n} column${n === 1 ? '' : 's'}`;
  const scrolled = [
    layout.hiddenLeft ? `◂ ${columns(layout.hiddenLeft)}` : '',
    layout.hiddenRight ? `${columns(layout.hiddenRight)} ▸` : '',
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
