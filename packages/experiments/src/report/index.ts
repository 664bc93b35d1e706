// Sweep reports: PNG figures and a Markdown page per sweep, read through RunStoreReader.
export { writeSweepReport, defaultReportDir, ReportError, type SweepReport } from './report.js';
export { renderVegaLiteSvg, renderVegaLitePng, rasteriseSvg, REPORT_FONT_FAMILY } from './render.js';
export {
  metricUnit,
  metricAxisTitle,
  formatParamValue,
  summariseMetricByParam,
  type MetricSummaryRow,
  type ReportRun,
} from './data.js';
export { samplesGridPng, montageSvg, type MontageTile, type PixelImage, type RawSamples } from './montage.js';
export { runReportCommand, reportCommand, REPORT_USAGE } from './command.js';
