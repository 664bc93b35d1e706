import { formatValue } from '../cli/format.js';
import { type GridSize, gridSize, studySeeds } from './grid.js';
import type { Study } from './types.js';

/** `7 x 2 seeds = 14 runs`: the factors of a grid's size. */
export function formatGridSize(size: GridSize): string {
  const factors = [
    ...size.grid.map((axis) => String(axis.values)),
    ...(size.zip.paths.length > 0 ? [`${size.zip.rows} zip rows`] : []),
    ...(size.seeds > 1 ? [`${size.seeds} seeds`] : []),
  ];
  const runs = `${size.runs} run${size.runs === 1 ? '' : 's'}`;
  return factors.length === 0 ? `${runs} (no sweep)` : `${factors.join(' x ')} = ${runs}`;
}

function valueList(values: readonly unknown[], width = 90): string {
  const text = values.map((value) => formatValue(value)).join(', ');
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/**
 * What a study sweeps, printed before a sweep runs (and by --dry-run): the
 * size, then each axis with its values and the seeds, e.g.
 *   grid: 7 x 2 seeds = 14 runs
 *     model.hidden_units (grid, 7): 10, 25, 50, 100, 200, 400, 800
 *     seeds (2): 0, 1
 */
export function formatGridSummary(study: Study): string {
  const size = gridSize(study);
  const lines = [`grid: ${formatGridSize(size)}`];
  for (const source of ['grid', 'zip'] as const) {
    for (const [path, values] of Object.entries(study.sweep?.[source] ?? {})) {
      lines.push(`  ${path} (${source}, ${values.length}): ${valueList(values)}`);
    }
  }
  if (size.seeds > 1) lines.push(`  seeds (${size.seeds}): ${valueList(studySeeds(study))}`);
  return `${lines.join('\n')}\n`;
}
