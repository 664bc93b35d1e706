// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import { fit, Line, windowStart } from '../ui.js';
import type { Column } from '../view-model/runs-table.js';

export interface ColumnsViewProps {
  choosable: Column[];
  visible: readonly string[];
  defaults: readonly string[];
  cursor: string | null;
  mainMetric: string;
  width: number;
  height: number;
}

const KIND_TITLES: Record<Column['kind'], string> = {
  index: 'run number',
  param: 'swept parameter',
  count: 'finished runs of a group',
  metric: 'metric',
  status: 'status',
  progress: 'epochs done (a group: finished runs, mean epoch of the running ones)',
  duration: 'run time',
  tags: 'tags, ✎ when a note is set (rbm-lab tag / note)',
};

function describe(col: Column, mainMetric: string, isDefault: boolean): string {
  const direction = col.lowerIsBetter === null ? '' : col.lowerIsBetter ? ', lower is better' : ', higher is better';
  const main = col.title === mainMetric && col.kind === 'metric' ? ', main metric' : '';
  return `${KIND_TITLES[col.kind]}${direction}${main}${isDefault ? ', default' : ''}`;
}

/** The column chooser: every column of the runs table with a check box. */
export function ColumnsView({ choosable, visible, defaults, cursor, mainMetric, width, height }: ColumnsViewProps) {
  const rows = Math.max(1, height - 2);
  const at = Math.max(
    0,
    choosable.findIndex((c) => c.key === cursor),
  );
  const start = windowStart(at, choosable.length, rows);
  const titleW = Math.min(32, Math.max(8, ...choosable.map((c) => c.title.length)));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">
        {`Columns of the runs table: ${visible.length} of ${choosable.length} shown`}
      </Text>
      <Text dimColor wrap="truncate-end">
        The run number (and n when grouped) is always shown; the parameters stay put when the others scroll.
      </Text>
      {choosable.slice(start, start + rows).map((col, i) => {
        const isCursor = start + i === at;
        const shown = visible.includes(col.key);
        return (
          <Line
            key={col.key}
            inverse={isCursor}
            parts={[
              { text: isCursor ? '› ' : '  ' },
              { text: shown ? '[x] ' : '[ ] ', color: shown ? 'green' : undefined },
              { text: `${fit(col.title, titleW)} `, bold: shown },
              { text: describe(col, mainMetric, defaults.includes(col.key)), dim: true },
            ]}
          />
        );
      })}
    </Box>
  );
}
