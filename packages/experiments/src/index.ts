// Public API of @rbm-lab/experiments.
export * from './store/types.js';
export * from './store/errors.js';
export {
  openRunStore,
  openRunStoreReader,
  thisWorker,
  ARTIFACTS_ENV_VAR,
  type OpenStoreOptions,
} from './store/run-store.js';
export { isPostgresUrl, redactPostgresUrl } from './store/postgres-engine.js';
export { OutputPathError } from './store/fs-checks.js';
export * from './store/paths.js';
export * from './metric-direction.js';
export * from './checks/metric-definitions.js';
export * from './checks/run-warnings.js';
export * from './checks/baseline-flags.js';
export { formatNumber, formatSpread, roundMeanStd } from './format.js';
export * from './analysis/index.js';
export { SCHEMA_VERSION, MIGRATIONS } from './store/migrations.js';
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
export { runSweep, currentGitCommit, type SweepRunOptions, type SweepRunResult } from './runner/sweep-runner.js';
export {
  runWorkerPool,
  blasThreadsPerWorker,
  DEFAULT_GRACE_MS,
  DEFAULT_HEARTBEAT_MS,
  type PoolOptions,
  type PoolResult,
} from './runner/worker-pool.js';
export { createProgressReporter, LineProgress, BarProgress, type ProgressReporter } from './runner/progress.js';
export { runCli, compareRuns, BUILTIN_COMMANDS, EXIT, type CliCommand, type CliIo, type RunCliOptions } from './cli.js';
