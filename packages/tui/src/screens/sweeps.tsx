// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import type { SweepRow } from '../view-model/sweeps.js';
import { Line, fit, windowStart } from '../ui.js';

export interface SweepsViewProps {
  rows: SweepRow[];
  cursor: number;
  width: number;
  height: number;
}

export function SweepsView({ rows, cursor, width, height }: SweepsViewProps) {
  const fixed = { finished: 9, running: 7, failed: 6, updated: 19 };
  const rest = width - (fixed.finished + fixed.running + fixed.failed + fixed.updated + 2 + 5);
  const nameW = Math.max(8, Math.min(32, Math.floor(rest * 0.45)));
  const bestW = Math.max(8, rest - nameW);
  const visible = Math.max(1, height - 2);
  const start = windowStart(cursor, rows.length, visible);
  const header =
    '  ' +
    [
      fit('sweep', nameW),
      fit('finished', fixed.finished, 'right'),
      fit('running', fixed.running, 'right'),
      fit('failed', fixed.failed, 'right'),
      fit('best', bestW),
      fit('updated', fixed.updated),
    ].join(' ');
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">
        {`Sweeps (${rows.length})`}
      </Text>
      <Text dimColor wrap="truncate-end">
        {header}
      </Text>
      {rows.slice(start, start + visible).map((row, i) => {
        const index = start + i;
        const selected = index === cursor;
        return (
          <Line
            key={row.sweep.id}
            inverse={selected}
            parts={[
              { text: selected ? '› ' : '  ' },
              { text: `${fit(row.name, nameW)} `, bold: true },
              {
                text: `${fit(row.finished, fixed.finished, 'right')} `,
                color: row.sweep.counts.finished === row.sweep.totalRuns ? 'green' : undefined,
              },
              {
                text: `${fit(String(row.running), fixed.running, 'right')} `,
                color: row.running > 0 ? 'yellow' : undefined,
              },
              { text: `${fit(String(row.failed), fixed.failed, 'right')} `, color: row.failed > 0 ? 'red' : undefined },
              { text: `${fit(row.best, bestW)} `, color: row.sweep.best ? 'green' : undefined },
              { text: fit(row.updated, fixed.updated), dim: true },
            ]}
          />
        );
      })}
    </Box>
  );
}
