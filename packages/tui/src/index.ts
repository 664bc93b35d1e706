// Public API of @rbm-lab/tui.
export { App, type AppProps, type Screen } from './app.js';
export { plotChart, SERIES_COLORS, type Chart, type ChartSeries, type Segment } from './chart.js';
export { sampleGridLines, fitGrid, type Samples } from './samples.js';
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
} from './view-model.js';
