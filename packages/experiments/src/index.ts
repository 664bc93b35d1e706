// Public API of @rbm-lab/experiments.
export * from './store/types.js';
export * from './store/run-store.js';
export * from './store/paths.js';
export * from './metric-direction.js';
export { formatNumber } from './format.js';
export * from './analysis/index.js';
export { SCHEMA_VERSION } from './store/migrations.js';
export * from './config/types.js';
export * from './config/errors.js';
export { buildStudySchema, STUDY_SCHEMA_ID } from './config/study-schema.js';
export { loadStudy, deepMerge, type LoadedStudy, type LoadStudyOptions } from './config/load-study.js';
export { formatGridSummary, formatGridSize } from './config/grid-summary.js';
export {
  estimateRunMemory,
  memoryRefusal,
  dataShape,
  RUNTIME_BYTES,
  type MemoryEstimate,
  type DataShape,
} from './config/memory-estimate.js';
export { checkStudyData, StudyDataError } from './config/study-data.js';
export {
  readStudyInput,
  checkStudyResources,
  StudyMemoryError,
  type StudyInput,
} from './config/study-input.js';
export { invocationDirectory, findStudyFile, databaseFileNames } from './config/invocation.js';
export { MAX_STUDY_FILE_BYTES, MAX_ALIAS_COUNT, MAX_GRID_RUNS } from './config/limits.js';
export {
  expandGrid,
  runIdOf,
  legacyRunIdOf,
  configDrift,
  driftWarning,
  sweepIdOf,
  sweptParams,
  studySeeds,
  sweepCombinations,
  gridSize,
  type GridSize,
  canonicalJson,
  shortHash,
  type AxisChoice,
} from './config/grid.js';
export {
  runSweep,
  blasThreadsPerWorker,
  currentGitCommit,
  type SweepRunOptions,
  type SweepRunResult,
} from './runner/sweep-runner.js';
export { createProgressReporter, LineProgress, BarProgress, type ProgressReporter } from './runner/progress.js';
export { runCli, compareRuns, BUILTIN_COMMANDS, EXIT, type CliCommand, type CliIo, type RunCliOptions } from './cli.js';
