/**
 * A braille line chart: each character cell holds 2x4 dots, so a chart of
 * w x h cells has 2w x 4h points of resolution. Several series can be
 * overlaid, each in its own colour (a cell takes the colour of the last series
 * drawn through it; faint series are drawn first and a cell only they touch is
 * dim). Pure: returns lines of coloured segments for the renderer.
 */
import { formatNumber } from '@rbm-lab/experiments';
import { type AxisScale, LINEAR, logAxis } from './chart-scale.js';

export interface ChartSeries {
  label: string;
  color: string;
  points: Array<{ x: number; y: number }>;
  /** Drawn dim, under the others (a raw curve under its smoothed one, a band); not in the legend. */
  faint?: boolean;
}

export interface Segment {
  text: string;
  color?: string;
  dim?: boolean;
}

export interface Chart {
  lines: Segment[][];
  /** The y range in the data's units. */
  yMin: number;
  yMax: number;
  xMin: number;
  xMax: number;
  scale: AxisScale['kind'];
  /** Why a log scale that was asked for is not used. */
  note?: string;
}

export interface ChartOptions {
  logScale?: boolean;
}

// Bit of dot (dx, dy) in a braille cell, per the Unicode braille pattern layout.
const DOT_BITS = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

export const SERIES_COLORS = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'];

// Axis labels are the shared number format with 3 significant digits (they sit in a narrow gutter).
function axisLabel(value: number): string {
  return formatNumber(value, 3);
}

/** Braille cells of the plot area: dots, the colour of each cell, and whether a bright series went through it. */
class DotGrid {
  readonly bits: Uint8Array;
  readonly colorOf: Array<string | undefined>;
  readonly bright: Uint8Array;

  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {
    this.bits = new Uint8Array(cols * rows);
    this.colorOf = new Array(cols * rows);
    this.bright = new Uint8Array(cols * rows);
  }

  /** Sets the dot at (dx, dy) in dot coordinates (2 per cell across, 4 down). */
  set(dx: number, dy: number, color: string, faint: boolean): void {
    const x = Math.round(dx);
    const y = Math.round(dy);
    if (x < 0 || y < 0 || x >= this.cols * 2 || y >= this.rows * 4) return;
    const cell = Math.floor(y / 4) * this.cols + Math.floor(x / 2);
    this.bits[cell] |= DOT_BITS[x % 2][y % 4];
    // a faint series never takes the colour of a cell a bright one went through
    if (!faint || !this.bright[cell]) this.colorOf[cell] = color;
    if (!faint) this.bright[cell] = 1;
  }

  /** One row of cells as segments of equal colour and dimness. */
  row(row: number, line: Segment[]): Segment[] {
    for (let col = 0; col < this.cols; col++) {
      const cell = row * this.cols + col;
      const ch = this.bits[cell] ? String.fromCharCode(0x2800 + this.bits[cell]) : ' ';
      const color = this.bits[cell] ? this.colorOf[cell] : undefined;
      const dim = this.bits[cell] > 0 && !this.bright[cell];
      const last = line[line.length - 1];
      if (line.length > 1 && last.color === color && (last.dim ?? false) === dim) last.text += ch;
      else line.push(dim ? { text: ch, color, dim } : { text: ch, color });
    }
    return line;
  }
}

/** Draws the series as line segments between their points: faint ones first, so bright ones stay on top. */
function drawSeries(
  grid: DotGrid,
  series: ChartSeries[],
  toDotX: (x: number) => number,
  toDotY: (y: number) => number,
): void {
  const ordered = [...series.filter((s) => s.faint), ...series.filter((s) => !s.faint)];
  for (const s of ordered) {
    const faint = s.faint === true;
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (pts.length === 1) grid.set(toDotX(pts[0].x), toDotY(pts[0].y), s.color, faint);
    for (let i = 1; i < pts.length; i++) {
      const x0 = toDotX(pts[i - 1].x);
      const y0 = toDotY(pts[i - 1].y);
      const x1 = toDotX(pts[i].x);
      const y1 = toDotY(pts[i].y);
      const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
      for (let t = 0; t <= steps; t++)
        grid.set(x0 + ((x1 - x0) * t) / steps, y0 + ((y1 - y0) * t) / steps, s.color, faint);
    }
  }
}

/** The x-axis line, with the x range written into it so it costs no extra row. */
function axisLine(labelWidth: number, plotW: number, xMin: number, xMax: number): Segment[] {
  const under = `${' '.repeat(labelWidth + 1)}└${'─'.repeat(plotW)}`;
  const xText = ` ${axisLabel(xMin)} … ${axisLabel(xMax)} `;
  const start = labelWidth + 3;
  const text = xText.length < plotW - 2 ? under.slice(0, start) + xText + under.slice(start + xText.length) : under;
  return [{ text, color: 'gray' }];
}

/**
 * Plot into `width` x `height` character cells including the y-axis labels and
 * the x-axis line. Returns no lines if there is no room or no finite point.
 */
export function plotChart(
  series: ChartSeries[],
  width: number,
  height: number,
  options: ChartOptions = {},
): Chart | null {
  const finite = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
  if (finite.length === 0) return null;
  const log = options.logScale ? logAxis(finite.map((p) => p.y)) : null;
  const scale = log ?? LINEAR;
  const note = options.logScale && !log ? 'log scale needs values of one sign; linear' : undefined;
  let yMin = Math.min(...finite.map((p) => scale.forward(p.y)));
  let yMax = Math.max(...finite.map((p) => scale.forward(p.y)));
  const xMin = Math.min(...finite.map((p) => p.x));
  const xMax = Math.max(...finite.map((p) => p.x));
  if (yMin === yMax) {
    const pad = yMin === 0 ? 1 : Math.abs(yMin) * 0.05;
    yMin -= pad;
    yMax += pad;
  }
  const labels = [yMax, (yMin + yMax) / 2, yMin].map((t) => axisLabel(scale.inverse(t)));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const plotW = width - labelWidth - 2; // label, space, axis
  const plotH = height - 1; // x axis line
  if (plotW < 4 || plotH < 2) return null;

  const grid = new DotGrid(plotW, plotH);
  const toDotX = (x: number) => (xMax === xMin ? plotW : ((x - xMin) / (xMax - xMin)) * (plotW * 2 - 1));
  const toDotY = (y: number) => (1 - (scale.forward(y) - yMin) / (yMax - yMin)) * (plotH * 4 - 1);
  drawSeries(grid, series, toDotX, toDotY);
  // the middle label first, so the top and bottom ones win on a chart too short for three
  const labelRows = new Map([
    [Math.floor((plotH - 1) / 2), labels[1]],
    [0, labels[0]],
    [plotH - 1, labels[2]],
  ]);
  const lines: Segment[][] = [];
  for (let row = 0; row < plotH; row++) {
    const label = labelRows.get(row) ?? '';
    lines.push(grid.row(row, [{ text: `${label.padStart(labelWidth)} ┤`, color: 'gray' }]));
  }
  lines.push(axisLine(labelWidth, plotW, xMin, xMax));
  return {
    lines,
    yMin: scale.inverse(yMin),
    yMax: scale.inverse(yMax),
    xMin,
    xMax,
    scale: scale.kind,
    ...(note ? { note } : {}),
  };
}
