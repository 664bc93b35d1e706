// Preview a data set: writes a PNG grid under runs/preview/ and prints the images.
//   npx nx run datasets:preview -- --dataset alphadigits --chars A,B,3
//   npx nx run datasets:preview -- --dataset mnist --digits 0,1 --limit 20
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ALPHADIGITS_IMAGES_PER_CLASS, loadAlphaDigits, parseCharacterSelection } from './alphadigits.js';
import { loadMnist, type MnistSplit } from './mnist.js';
import { findProjectRoot } from './paths.js';
import { writePngGrid } from './png.js';
import { selectRows } from './splits.js';
import { renderHalfBlocks } from './terminal.js';
import { UserError } from './errors.js';
import type { ImageSet } from './types.js';

const USAGE = `usage: preview --dataset alphadigits [--chars A,B,3] [--data FILE]
       preview --dataset mnist [--split train|test] [--digits 0,1] [--limit N] [--data DIR]
options: --out FILE.png (default runs/preview/<name>.png)  --scale N (PNG pixels per image pixel, default 4)`;

interface Preview {
  name: string;
  set: ImageSet;
  /** PNG grid columns. */
  cols: number;
  /** Rows shown in the terminal (a sample, so the grid fits the screen). */
  terminalRows: number[];
  terminalCols: number;
}

function parsePositiveInt(value: string, option: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !(n > 0))
    throw new UserError(`invalid ${option} ${JSON.stringify(value)}: expected a positive integer`);
  return n;
}

function parseDigits(value: string): number[] {
  const tokens = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (tokens.length === 0) throw new UserError('empty --digits: expected digits 0-9, e.g. --digits 0,1');
  return tokens.map((t) => {
    if (!/^\d$/.test(t)) throw new UserError(`unknown digit ${JSON.stringify(t)} in --digits: expected digits 0-9`);
    return Number(t);
  });
}

function imagesPerTerminalRow(width: number): number {
  const columns = process.stdout.columns ?? 100;
  return Math.max(1, Math.min(10, Math.floor((columns + 1) / (width + 1))));
}

async function buildPreview(argv: string[]): Promise<{ preview: Preview; out?: string; scale: number }> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        dataset: { type: 'string', default: 'alphadigits' },
        chars: { type: 'string' },
        digits: { type: 'string' },
        limit: { type: 'string' },
        split: { type: 'string', default: 'train' },
        data: { type: 'string' },
        out: { type: 'string' },
        scale: { type: 'string', default: '4' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (cause) {
    throw new UserError(`${(cause as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const scale = parsePositiveInt(values.scale, '--scale');

  if (values.dataset === 'alphadigits') {
    if (values.digits !== undefined || values.limit !== undefined)
      throw new UserError('--digits and --limit apply to --dataset mnist; use --chars for alphadigits');
    const chars = values.chars ?? 'all';
    const classes = chars === 'all' ? undefined : parseCharacterSelection(chars);
    const set = await loadAlphaDigits({ chars: classes, path: values.data });
    const names = (classes ?? set.classNames.map((_, i) => i)).map((i) => set.classNames[i]);
    const perRow = imagesPerTerminalRow(set.width);
    // Terminal: the first few images of each character, one character per grid row.
    const terminalRows = names.flatMap((_, k) =>
      Array.from({ length: perRow }, (_, j) => k * ALPHADIGITS_IMAGES_PER_CLASS + j),
    );
    return {
      preview: {
        name: `alphadigits-${chars === 'all' ? 'all' : names.join('')}`,
        set,
        cols: ALPHADIGITS_IMAGES_PER_CLASS,
        terminalRows,
        terminalCols: perRow,
      },
      out: values.out,
      scale,
    };
  }
  if (values.dataset === 'mnist') {
    if (values.chars !== undefined)
      throw new UserError('--chars applies to --dataset alphadigits; use --digits for mnist');
    if (values.split !== 'train' && values.split !== 'test')
      throw new UserError(`unknown --split ${JSON.stringify(values.split)}: expected train or test`);
    const split: MnistSplit = values.split;
    const digits = values.digits !== undefined ? parseDigits(values.digits) : undefined;
    const limit = parsePositiveInt(values.limit ?? '100', '--limit');
    const set = await loadMnist({ split, digits, limit, dir: values.data });
    const perRow = imagesPerTerminalRow(set.width);
    const shown = Math.min(set.images.rows, perRow * 2);
    const name = `mnist-${split}${digits ? `-${digits.join('')}` : ''}-${limit}`;
    return {
      preview: {
        name,
        set,
        cols: Math.min(20, set.images.rows),
        terminalRows: Array.from({ length: shown }, (_, i) => i),
        terminalCols: perRow,
      },
      out: values.out,
      scale,
    };
  }
  throw new UserError(`unknown --dataset ${JSON.stringify(values.dataset)}: expected alphadigits or mnist`);
}

async function main(): Promise<void> {
  const { preview, out, scale } = await buildPreview(process.argv.slice(2));
  const { set } = preview;
  const file = path.resolve(out ?? path.join(findProjectRoot(), 'runs', 'preview', `${preview.name}.png`));
  writePngGrid(file, set.images, { height: set.height, width: set.width, cols: preview.cols, scale });
  const sample = selectRows(set, preview.terminalRows);
  process.stdout.write(
    `${renderHalfBlocks(sample.images, { height: set.height, width: set.width, cols: preview.terminalCols })}\n`,
  );
  const classes = [...new Set(set.labels)].map((l) => set.classNames[l]).join(' ');
  process.stdout.write(`${set.images.rows} images of ${set.height}x${set.width} (classes: ${classes}); PNG: ${file}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof UserError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
});
