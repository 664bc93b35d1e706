// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import type { SweepSummary } from '@rbm-lab/experiments';
import type { Column, RunsTable } from '../view-model.js';
import { Line, STATUS_COLORS, fit, windowStart, type Styled } from '../ui.js';

export interface RunsViewProps {
  sweep: SweepSummary;
  table: RunsTable;
  cursor: number;
  selected: string[];
  sortKey: string;
  descending: boolean;
  filter: string;
  editingFilter: boolean;
  totalRuns: number;
  width: number;
  height: number;
}

const MAX_WIDTH: Record<Column['kind'], number> = {
  index: 4,
  param: 16,
  metric: 20,
  status: 11,
  progress: 7,
  duration: 8,
};

/** Column widths that fit `width`, dropping secondary metric columns and then progress when too narrow. */
export function layoutColumns(table: RunsTable, width: number, sortKey: string): Array<{ col: Column; width: number }> {
  let cols = table.columns.map((col) => {
    const longest = Math.max(col.title.length + 1, ...table.rows.map((r) => r.cells[col.key].length));
    return { col, width: Math.min(MAX_WIDTH[col.kind], longest) };
  });
  const total = () => 4 + cols.reduce((s, c) => s + c.width + 1, 0);
  const firstMetric = cols.findIndex((c) => c.col.kind === 'metric');
  while (total() > width) {
    // drop the last metric that is neither the main one nor the sorted one
    let drop = -1;
    for (let i = cols.length - 1; i > firstMetric; i--) {
      if (cols[i].col.kind === 'metric' && cols[i].col.key !== sortKey) {
        drop = i;
        break;
      }
    }
    if (drop < 0) drop = cols.findIndex((c) => c.col.kind === 'progress');
    if (drop < 0) break;
    cols = cols.filter((_, i) => i !== drop);
  }
  return cols;
}

export function RunsView(props: RunsViewProps) {
  const { sweep, table, cursor, selected, sortKey, descending, filter, editingFilter, width, height } = props;
  const cols = layoutColumns(table, width, sortKey);
  const visible = Math.max(1, height - 3);
  const start = windowStart(cursor, table.rows.length, visible);
  const sortTitle = table.columns.find((c) => c.key === sortKey)?.title ?? '#';
  const c = sweep.counts;
  const status: Styled[] = [
    { text: `${sweep.name}`, bold: true },
    { text: `  ${c.finished}/${sweep.totalRuns} finished`, color: 'green' },
    { text: c.running ? `  ${c.running} running` : '', color: 'yellow' },
    { text: c.failed ? `  ${c.failed} failed` : '', color: 'red' },
    { text: c.interrupted ? `  ${c.interrupted} interrupted` : '', color: 'magenta' },
    { text: `  sort: ${sortTitle} ${descending ? '↓' : '↑'}`, dim: true },
    { text: selected.length ? `  selected: ${selected.length}` : '', color: 'cyan' },
  ];
  const header =
    '    ' +
    cols
      .map(({ col, width: w }) => {
        const title = col.key === sortKey ? `${col.title}${descending ? '↓' : '↑'}` : col.title;
        return fit(title, w, col.align);
      })
      .join(' ');
  const filterLine: Styled[] = editingFilter
    ? [
        { text: 'filter: ', color: 'cyan' },
        { text: filter },
        { text: '█', color: 'cyan' },
        { text: '  (enter keep, esc clear)', dim: true },
      ]
    : filter
      ? [
          { text: `filter: ${filter}`, color: 'cyan' },
          { text: `  ${table.rows.length} of ${props.totalRuns} runs`, dim: true },
        ]
      : [{ text: `${table.rows.length} runs`, dim: true }];
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line parts={status} />
      <Line parts={filterLine} />
      <Text dimColor wrap="truncate-end">
        {header}
      </Text>
      {table.rows.length === 0 ? <Text dimColor> no run matches the filter</Text> : null}
      {table.rows.slice(start, start + visible).map((row, i) => {
        const index = start + i;
        const isCursor = index === cursor;
        const isSelected = selected.includes(row.run.id);
        const parts: Styled[] = [{ text: isCursor ? '›' : ' ' }, { text: isSelected ? '◉ ' : '  ', color: 'cyan' }];
        for (const { col, width: w } of cols) {
          const text = `${fit(row.cells[col.key], w, col.align)} `;
          if (col.kind === 'status') parts.push({ text, color: STATUS_COLORS[row.run.status] });
          else if (col.kind === 'metric' && table.best[col.key]?.has(row.run.id))
            parts.push({ text, color: 'green', bold: true });
          else parts.push({ text });
        }
        return <Line key={row.run.id} parts={parts} inverse={isCursor} />;
      })}
    </Box>
  );
}
