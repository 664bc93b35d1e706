/**
 * The read side of the run store: what the CLI's list/show/compare, the
 * dashboard and the reports see. Rows are plain data (JSON-decoded), never
 * database handles.
 */

export type RunStatus = 'pending' | 'running' | 'finished' | 'failed' | 'interrupted';

export interface SweepRecord {
  id: string; // stable: hash of the resolved study (name + grid)
  name: string; // the config's `name`
  configPath: string; // as given on the command line
  config: unknown; // the resolved (extends-merged) config, parsed
  /** Dotted parameter paths that vary across the grid, in config order. */
  sweptParams: string[];
  /** Main metric to rank runs by, and its direction. */
  mainMetric: { name: string; lowerIsBetter: boolean };
  createdAt: string; // ISO 8601
  updatedAt: string;
  totalRuns: number;
}

export interface SweepSummary extends SweepRecord {
  counts: Record<RunStatus, number>;
  /** Best value of mainMetric among finished runs, null if none. */
  best: { runId: string; value: number } | null;
}

export interface RunRecord {
  id: string; // stable: hash of the sweep id, the values the study sets for the run and its seed (runIdOf)
  sweepId: string;
  index: number; // position in the expanded grid
  status: RunStatus;
  config: unknown; // the resolved run config (dataset, model, train, eval sections)
  /** The swept parameters of this run: dotted path -> value. */
  params: Record<string, unknown>;
  seed: number;
  /** Compute path that ran, e.g. 'native-blas' or 'wasm' (BackendInfo.path), and its detail. */
  backend: string | null;
  backendDetail: string | null;
  gitCommit: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  error: string | null;
  /** Last epoch completed (live progress), and the planned number of epochs. */
  epoch: number;
  epochs: number;
  /** Final metrics (empty until finished). */
  metrics: Record<string, number>;
}

export interface MetricPoint {
  runId: string;
  name: string;
  step: number; // epoch, 1-based
  value: number;
}

export interface ArtifactRecord {
  runId: string;
  kind: 'samples_png' | 'samples_raw' | 'model' | string;
  /** Path relative to the directory holding the database file. */
  path: string;
  /** For image artifacts: geometry so readers can render without the models. */
  meta: Record<string, unknown>;
}

/** Read API shared by the CLI, the dashboard and reports. Implemented by RunStore. */
export interface RunStoreReader {
  listSweeps(): SweepSummary[];
  getSweep(idOrName: string): SweepSummary | undefined;
  listRuns(sweepId: string): RunRecord[];
  getRun(runIdOrPrefix: string): RunRecord | undefined;
  /** Per-epoch metric series of a run, grouped by metric name, sorted by step. */
  getEpochMetrics(runId: string): Record<string, Array<{ step: number; value: number }>>;
  listArtifacts(runId: string): ArtifactRecord[];
  /**
   * Generated samples of a run as pixel data (binary or probabilities, [0,1]),
   * read from the `samples_raw` artifact, for terminal rendering.
   */
  getSamples(runId: string): { data: Float32Array; n: number; height: number; width: number } | undefined;
  /** Absolute path of an artifact. */
  resolveArtifactPath(artifact: ArtifactRecord): string;
  /** A cheap value that changes whenever anything was written (for live refresh). */
  changeToken(): string;
  close(): void;
}
