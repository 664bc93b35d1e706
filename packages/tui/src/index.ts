// Public API of @rbm-lab/tui.
export { App, type AppProps, type Screen } from './app.js';
export { plotChart, SERIES_COLORS, type Chart, type ChartSeries, type Segment } from './chart.js';
export { logAxis, type AxisScale } from './chart-scale.js';
export { sampleGridLines, fitGrid, type Samples } from './samples.js';
export { openDatabaseReader } from './data/reader.js';
export { initialState, reduceApp, GLOBAL_KEYS } from './state/app.js';
export { SCREEN_KEYS, helpSections } from './state/keymap.js';
export type { AppState, Settings, ScreenContext } from './state/types.js';
export {
  lowerIsBetter,
  bestIndices,
  metricNames,
  sweepRows,
  runsTable,
  compareModel,
  heatmapModel,
  paramPairs,
  type RunsTable,
  type RunsQuery,
  type CompareModel,
  type HeatmapModel,
} from './view-model/index.js';
