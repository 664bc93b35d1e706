/// <reference path="./opentype.d.ts" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import opentype, { type Font } from 'opentype.js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Text in figures is set in DejaVu Sans shipped by an npm package, so reports
 * look the same on every machine and need no system fonts (a clean CI image
 * may have none, and resvg draws no text without a font).
 */
export const REPORT_FONT_FAMILY = 'DejaVu Sans';

const require = createRequire(import.meta.url);
let fontFiles: string[] | undefined;

function reportFontFiles(): string[] {
  fontFiles ??= ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((file) =>
    require.resolve(`dejavu-fonts-ttf/ttf/${file}`),
  );
  return fontFiles;
}

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
}

/** vega-scenegraph's text measurer: a documented hook, but absent from vega's typings. */
interface VegaTextMetrics {
  width: (item: TextItem, text: string | string[]) => number;
}

let measuringInstalled = false;

/**
 * Without a canvas, Vega guesses text as 0.8 em per character, about 40% too
 * wide for DejaVu Sans: titles get pushed about and charts padded with blank
 * space. Measuring with the font's own advance widths lays charts out the way
 * resvg will draw them.
 */
function installFontMetrics(): void {
  if (measuringInstalled) return;
  const [regularFile, boldFile] = reportFontFiles();
  // Per-character advance widths: opentype.js's shaping chokes on DejaVu's GSUB tables, and
  // kerning moves label widths by far less than the layout cares about.
  const advances = (file: string): ((char: string) => number) => {
    const bytes = readFileSync(file);
    const font: Font = opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const cache = new Map<string, number>();
    return (char) => {
      let width = cache.get(char);
      if (width === undefined) {
        width = (font.charToGlyph(char).advanceWidth ?? font.unitsPerEm * 0.6) / font.unitsPerEm;
        cache.set(char, width);
      }
      return width;
    };
  };
  const regular = advances(regularFile);
  const bold = advances(boldFile);
  const metrics = (vega as unknown as { textMetrics: VegaTextMetrics }).textMetrics;
  metrics.width = (item, text) => {
    const weight = item.fontWeight;
    const em = weight === 'bold' || (typeof weight === 'number' && weight >= 600) ? bold : regular;
    const line = Array.isArray(text) ? text.join(' ') : String(text ?? '');
    let width = 0;
    for (const char of line) width += em(char);
    return width * (item.fontSize ?? 11);
  };
  measuringInstalled = true;
}

/** Rasterises an SVG document to PNG bytes on a white background, `zoom` times its own size. */
export function rasteriseSvg(svg: string, zoom = 1): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: zoom === 1 ? { mode: 'original' } : { mode: 'zoom', value: zoom },
    font: {
      fontFiles: reportFontFiles(),
      loadSystemFonts: false,
      defaultFontFamily: REPORT_FONT_FAMILY,
      sansSerifFamily: REPORT_FONT_FAMILY,
    },
  });
  return resvg.render().asPng();
}

/** Settings every report chart shares: font, sizes, white background. */
export const CHART_CONFIG = {
  font: REPORT_FONT_FAMILY,
  background: 'white',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320, titleLimit: 320 },
  title: { fontSize: 14, anchor: 'start' },
  header: { labelFontSize: 12, titleFontSize: 12 },
} as const;

/** Compiles a Vega-Lite spec and renders it headless (no browser, no canvas) to SVG. */
export async function renderVegaLiteSvg(spec: TopLevelSpec, scale = 2): Promise<string> {
  installFontMetrics();
  const compiled = compile({ padding: 12, ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG(scale);
  } finally {
    view.finalize();
  }
}

export async function renderVegaLitePng(spec: TopLevelSpec, scale = 2): Promise<Buffer> {
  return rasteriseSvg(await renderVegaLiteSvg(spec, scale));
}
