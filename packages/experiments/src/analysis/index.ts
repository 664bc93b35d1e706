// Pure analysis helpers shared by the dashboard and the CLI: grouping over
// seeds, curve smoothing and best epochs, headline columns, the run filter language.
export * from './stats.js';
export * from './group-runs.js';
export * from './curves.js';
export * from './columns.js';
export * from './filter.js';
export * from './group-text.js';
