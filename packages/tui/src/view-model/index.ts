// The pure view models of the dashboard's screens.
export * from './metrics.js';
export * from './sweeps.js';
export * from './values.js';
export * from './runs-table.js';
export * from './compare.js';
export * from './heatmap.js';
export * from './curves.js';
export * from './screens.js';
