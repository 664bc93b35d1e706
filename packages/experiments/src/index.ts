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
export { formatNumber, formatSpread, roundMeanStd } from './format.js';
export * from './analysis/index.js';
export { SCHEMA_VERSION, MIGRATIONS } from './store/migrations.js';
export * from './config/types.js';
export * from './config/errors.js';
export { buildStudySchema, STUDY_SCHEMA_ID } from './config/study-schema.js';
export { loadStudy, deepMerge, MAX_GRID_POINTS, type LoadedStudy } from './config/load-study.js';
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
