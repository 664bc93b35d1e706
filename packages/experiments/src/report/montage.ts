import { PNG } from 'pngjs';

/**
 * The samples montage: every run's generated images in one picture, each run's
 * grid under a label with its parameters. Images are composed as PNGs with
 * pngjs (pixel-exact, nearest-neighbour scaling) and placed with their labels
 * in an SVG, which render.ts rasterises.
 */

export interface RawSamples {
  data: Float32Array;
  n: number;
  height: number;
  width: number;
}

export interface PixelImage {
  png: Buffer;
  width: number;
  height: number;
}

export interface MontageTile {
  /** One or two short lines: the run's parameters, then its status or main metric. */
  lines: string[];
  image?: PixelImage;
}

const GAP = 2;
const GAP_GREY = 160;
const TARGET_IMAGE_HEIGHT = 60;

/**
 * Draws samples ([0,1] pixel values, one row-major image after another) as a
 * grid: ink (1) white on black, the way the notebooks' `imshow(cmap='gray')` showed them.
 */
export function samplesGridPng(
  samples: RawSamples,
  options: { columns?: number; maxImages?: number; scale?: number } = {},
): PixelImage {
  const count = Math.min(samples.n, options.maxImages ?? 16);
  const columns = Math.max(1, Math.min(options.columns ?? 8, count));
  const rows = Math.max(1, Math.ceil(count / columns));
  const scale = options.scale ?? Math.max(1, Math.floor(TARGET_IMAGE_HEIGHT / samples.height));
  const cellW = samples.width * scale;
  const cellH = samples.height * scale;
  const width = columns * cellW + (columns + 1) * GAP;
  const height = rows * cellH + (rows + 1) * GAP;
  const png = new PNG({ width, height, colorType: 6 });
  png.data.fill(GAP_GREY);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  const pixels = samples.height * samples.width;
  for (let image = 0; image < count; image++) {
    const left = GAP + (image % columns) * (cellW + GAP);
    const top = GAP + Math.floor(image / columns) * (cellH + GAP);
    for (let y = 0; y < cellH; y++) {
      for (let x = 0; x < cellW; x++) {
        const value = samples.data[image * pixels + Math.floor(y / scale) * samples.width + Math.floor(x / scale)];
        const grey = Math.round(255 * Math.min(1, Math.max(0, value)));
        const offset = ((top + y) * width + left + x) * 4;
        png.data[offset] = grey;
        png.data[offset + 1] = grey;
        png.data[offset + 2] = grey;
      }
    }
  }
  return { png: PNG.sync.write(png), width, height };
}

/** Scales a (small) PNG up by the largest whole factor that keeps it within maxWidth, without blurring. */
export function upscalePng(source: Buffer, maxWidth: number): PixelImage {
  const decoded = PNG.sync.read(source);
  const scale = Math.max(1, Math.floor(maxWidth / decoded.width));
  if (scale === 1) return { png: source, width: decoded.width, height: decoded.height };
  const width = decoded.width * scale;
  const height = decoded.height * scale;
  const scaled = new PNG({ width, height, colorType: 6 });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (Math.floor(y / scale) * decoded.width + Math.floor(x / scale)) * 4;
      decoded.data.copy(scaled.data, (y * width + x) * 4, from, from + 4);
    }
  }
  return { png: PNG.sync.write(scaled), width, height };
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The opening of a figure's SVG: white page, bold title and grey subtitle at the top left. */
function svgHeader(width: number, height: number, title: string, subtitle: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${PAD}" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${PAD}" y="42" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
}

const FONT_SIZE = 13;
const LINE_HEIGHT = 17;
const PAD = 14;
// DejaVu Sans averages a little under 0.6 em per character; labels are sized with this margin.
const CHAR_WIDTH = FONT_SIZE * 0.6;

/** An SVG placing every tile's label and image in a grid of equal cells. */
export function montageSvg(title: string, subtitle: string, tiles: MontageTile[]): string {
  const labelLines = Math.max(1, ...tiles.map((tile) => tile.lines.length));
  const imageW = Math.max(120, ...tiles.map((tile) => tile.image?.width ?? 0));
  const imageH = Math.max(40, ...tiles.map((tile) => tile.image?.height ?? 0));
  const longest = Math.max(0, ...tiles.flatMap((tile) => tile.lines.map((line) => line.length)));
  const cellW = Math.ceil(Math.max(imageW, longest * CHAR_WIDTH)) + PAD;
  const cellH = labelLines * LINE_HEIGHT + 6 + imageH + PAD;
  const columns = Math.max(
    1,
    Math.min(tiles.length, Math.floor(1800 / cellW) || 1, Math.ceil(Math.sqrt(tiles.length * 1.5))),
  );
  const rows = Math.ceil(tiles.length / columns);
  const headerH = 52;
  const width = Math.max(columns * cellW + PAD, (title.length + 4) * 9);
  const height = headerH + rows * cellH + PAD;
  const parts = svgHeader(width, height, title, subtitle);
  tiles.forEach((tile, i) => {
    const left = PAD + (i % columns) * cellW;
    const top = headerH + Math.floor(i / columns) * cellH;
    tile.lines.forEach((line, j) => {
      parts.push(
        `<text x="${left}" y="${top + (j + 1) * LINE_HEIGHT - 4}" font-size="${FONT_SIZE}"` +
          `${j === 0 ? '' : ' fill="#444"'}>${escapeXml(line)}</text>`,
      );
    });
    const imageTop = top + labelLines * LINE_HEIGHT + 2;
    if (tile.image) {
      parts.push(
        `<image x="${left}" y="${imageTop}" width="${tile.image.width}" height="${tile.image.height}" image-rendering="optimizeSpeed" ` +
          `href="data:image/png;base64,${tile.image.png.toString('base64')}"/>`,
      );
    } else {
      parts.push(
        `<rect x="${left}" y="${imageTop}" width="${imageW}" height="${imageH}" fill="#f2f2f2" stroke="#ccc"/>`,
        `<text x="${left + imageW / 2}" y="${imageTop + imageH / 2 + 4}" font-size="12" fill="#777" text-anchor="middle">no samples</text>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** One row of the samples-over-epochs figure: a run (or group) and its samples at successive epochs. */
export interface StripRow {
  label: string;
  cells: Array<{ caption: string; image: PixelImage }>;
}

/**
 * Samples over training: one row per run or group, one column per sampled
 * epoch (the final samples last), each cell a few images under its epoch.
 */
export function samplesStripSvg(title: string, subtitle: string, rows: StripRow[]): string {
  const cellW = Math.max(60, ...rows.flatMap((row) => row.cells.map((cell) => cell.image.width))) + 8;
  const imageH = Math.max(20, ...rows.flatMap((row) => row.cells.map((cell) => cell.image.height)));
  const rowH = LINE_HEIGHT + imageH + LINE_HEIGHT + PAD;
  const columns = Math.max(1, ...rows.map((row) => row.cells.length));
  const headerH = 52;
  const width = Math.max(
    PAD * 2 + columns * cellW,
    (title.length + 4) * 9,
    ...rows.map((r) => r.label.length * CHAR_WIDTH + PAD * 2),
  );
  const height = headerH + rows.length * rowH + PAD;
  const parts = svgHeader(width, height, title, subtitle);
  rows.forEach((row, r) => {
    const top = headerH + r * rowH;
    parts.push(`<text x="${PAD}" y="${top + LINE_HEIGHT - 4}" font-size="${FONT_SIZE}">${escapeXml(row.label)}</text>`);
    row.cells.forEach((cell, c) => {
      const left = PAD + c * cellW;
      const imageTop = top + LINE_HEIGHT + 2;
      parts.push(
        `<image x="${left}" y="${imageTop}" width="${cell.image.width}" height="${cell.image.height}" image-rendering="optimizeSpeed" ` +
          `href="data:image/png;base64,${cell.image.png.toString('base64')}"/>`,
        `<text x="${left}" y="${imageTop + imageH + LINE_HEIGHT - 4}" font-size="11" fill="#444">${escapeXml(cell.caption)}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
