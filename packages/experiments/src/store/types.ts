/**
 * The run store contract: what the CLI, the dashboard, the reports and the
 * workers see. Rows are plain data (JSON-decoded), never database handles.
 * Every method is asynchronous because the PostgreSQL client is; the SQLite
 * engine answers the same promises. Split by job: reading (RunStoreReader),
 * submitting and annotating (RunStoreWriter), and executing runs under a lease
 * (RunQueue).
 */

export type RunStatus = 'pending' | 'running' | 'finished' | 'failed' | 'interrupted';
export const RUN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'finished', 'failed', 'interrupted'];

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
  /** How many times a run whose worker vanished is put back in the queue before it is failed. */
  maxAttempts: number;
  /** Per-run wall-clock limit in seconds, null for none. */
  runTimeoutSeconds: number | null;
}

export interface SweepSummary extends SweepRecord {
  counts: Record<RunStatus, number>;
  /** Best value of mainMetric among finished runs, null if none. */
  best: { runId: string; value: number } | null;
}

/** Something a run's numbers should be read with (e.g. a likelihood below the baseline). */
export interface RunWarning {
  code: string;
  message: string;
}

export interface RunRecord {
  id: string; // stable: hash of the sweep id, the values the study sets for the run and its seed (runIdOf)
  /** The grid point's key (pointKeyOf): a widened grid shares the run; null for runs of schema 1. */
  pointKey: string | null;
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
  /** Claims of this run since it was last queued by a user (1 for a run that ran once). */
  attempts: number;
  /** `host:pid` of the worker holding (or that last held) the run. */
  worker: string | null;
  /** Final metrics (empty until finished). */
  metrics: Record<string, number>;
  tags: string[];
  note: string | null;
  warnings: RunWarning[];
  /** Seconds spent per phase (training, evaluation, sampling, scoring, ...), as the worker reported them. */
  cost: Record<string, number>;
}

/** A run's per-epoch curves: metric name -> points sorted by step. */
export type EpochCurves = Record<string, Array<{ step: number; value: number }>>;

export interface MetricPoint {
  runId: string;
  name: string;
  step: number; // epoch, 1-based
  value: number;
}

export interface ArtifactRecord {
  runId: string;
  kind: 'samples_png' | 'model' | string;
  /**
   * For a file artifact: the path relative to the store's artifact root. For
   * an artifact held in the database: its file name (see `inDatabase`).
   */
  path: string;
  /** True when the bytes are in the database (read them with readArtifact), false for a file or folder. */
  inDatabase: boolean;
  /** For image artifacts: geometry so readers can render without the models. */
  meta: Record<string, unknown>;
}

/** Generated images: pixel data (binary or probabilities in [0,1]), row-major, n images of height x width. */
export interface SampleGrid {
  data: Float32Array;
  n: number;
  height: number;
  width: number;
}

export type DeclaredDirection = 'higher' | 'lower' | 'none';

/** What a metric means, declared by the model spec and stored per sweep at submit. */
export interface MetricDefinition {
  name: string;
  direction: DeclaredDirection;
  description: string;
  /** The data split the metric is computed on ('test', 'validation', 'train', 'samples', ...). */
  split: string;
  /** How many points the metric uses, when fixed by the study (null when it varies per run). */
  nPoints: number | null;
}

/** Read API shared by the CLI, the dashboard and reports. */
export interface RunStoreReader {
  /** A display name of the database (file path, or postgres URL without password). */
  readonly location: string;
  /** Absolute folder holding this store's large artifacts (saved models). */
  readonly artifactRoot: string;
  listSweeps(): Promise<SweepSummary[]>;
  /** By exact id, name (the most recently updated sweep of that name), or unique id prefix. */
  getSweep(idOrName: string): Promise<SweepSummary | undefined>;
  listRuns(sweepId: string): Promise<RunRecord[]>;
  /** By exact id or unique prefix; undefined when missing or ambiguous (see findRuns). */
  getRun(runIdOrPrefix: string): Promise<RunRecord | undefined>;
  /** Runs whose id equals, or else starts with, the given text (at most `limit`). */
  findRuns(runIdOrPrefix: string, limit?: number): Promise<RunRecord[]>;
  /** Per-epoch metric series of a run, grouped by metric name, sorted by step. */
  getEpochMetrics(runId: string): Promise<EpochCurves>;
  /**
   * The per-epoch series of many runs in a few reads (not one per run), by run
   * id; a run without curves (or unknown) maps to {}. For screens and reports
   * over a whole sweep.
   */
  getEpochMetricsOfRuns(runIds: readonly string[]): Promise<Map<string, EpochCurves>>;
  listArtifacts(runId: string): Promise<ArtifactRecord[]>;
  /** The bytes of an artifact held in the database, or of a file artifact; undefined when unreadable. */
  readArtifact(artifact: ArtifactRecord): Promise<Uint8Array | undefined>;
  /**
   * Generated samples of a run: the final ones (after training and evaluation)
   * by default, or those drawn at `epoch` when the study asked for samples
   * during training (see listSampleEpochs).
   */
  getSamples(runId: string, options?: { epoch?: number }): Promise<SampleGrid | undefined>;
  /** Epochs at which samples were stored during training, ascending. */
  listSampleEpochs(runId: string): Promise<number[]>;
  /** The metric definitions recorded for a sweep at submit, by name. */
  getMetricDefinitions(sweepId: string): Promise<MetricDefinition[]>;
  /** Absolute path of a file artifact (for a database artifact: where `export` would write it). */
  resolveArtifactPath(artifact: ArtifactRecord): string;
  /** A cheap value that changes whenever anything was written (for live refresh). */
  changeToken(): Promise<string>;
  close(): Promise<void>;
}

/** A study as submitted: the sweep and its planned runs. */
export interface SweepDefinition {
  id: string;
  name: string;
  configPath: string;
  config: unknown;
  sweptParams: string[];
  mainMetric: { name: string; lowerIsBetter: boolean };
  totalRuns: number;
  /** Default 3. */
  maxAttempts?: number;
  runTimeoutSeconds?: number | null;
  metricDefinitions?: MetricDefinition[];
}

export interface PlannedRunRow {
  id: string;
  /** Unique per grid point across versions of a study (default: the id). */
  pointKey?: string;
  index: number;
  config: unknown;
  params: Record<string, unknown>;
  seed: number;
  epochs: number;
}

export interface SubmitOptions {
  /** Also put failed runs back in the queue (`sweep` does, to resume; `submit` does not by default). */
  retryFailed?: boolean;
}

export interface SubmitResult {
  /** Grid points new to the store. */
  added: number;
  /** Interrupted (and with retryFailed, failed) runs put back in the queue. */
  requeued: number;
  /** Runs already finished, left as they are. */
  finished: number;
  total: number;
}

/** Submitting studies and annotating runs. */
export interface RunStoreWriter {
  /**
   * Records a sweep and enqueues its planned runs idempotently: a grid point
   * (point key) already in the store (finished, queued or running) is not
   * added again, so submitting twice changes nothing and a widened grid adds
   * only new points; the sweep then lists the existing run for that point.
   */
  submitSweep(sweep: SweepDefinition, runs: PlannedRunRow[], options?: SubmitOptions): Promise<SubmitResult>;
  addTag(runId: string, tag: string): Promise<void>;
  removeTag(runId: string, tag: string): Promise<void>;
  /** Sets (or with null clears) the run's note. */
  setNote(runId: string, note: string | null): Promise<void>;
}

/** Who holds a claim: shown in `show` and used to recover runs of dead local processes at once. */
export interface WorkerIdentity {
  host: string;
  pid: number;
}

export interface ClaimOptions {
  /** Claim only runs of these sweeps (default: any queued run). */
  sweepIds?: string[];
  /** The code version the worker runs, recorded with the run. */
  gitCommit?: string | null;
}

/** A claimed run: the job, and the lease token that guards every write about it. */
export interface RunLease {
  runId: string;
  sweepId: string;
  sweepName: string;
  token: string;
  attempt: number;
  index: number;
  config: unknown;
  params: Record<string, unknown>;
  seed: number;
  epochs: number;
  runTimeoutSeconds: number | null;
  /** Absolute folder for this attempt's file artifacts; no other attempt writes there. */
  artifactDir: string;
}

/** An artifact as a worker produced it: a file or folder under the attempt's folder, or small bytes. */
export type ArtifactInput =
  | { kind: string; path: string; meta?: Record<string, unknown> }
  | { kind: string; name: string; data: Uint8Array; meta?: Record<string, unknown> };

export interface RunOutcome {
  metrics: Record<string, number>;
  artifacts: ArtifactInput[];
  durationMs: number;
  samples?: SampleGrid;
  warnings?: RunWarning[];
  cost?: Record<string, number>;
}

export interface ReapOptions {
  /** A claim whose heartbeat is older than this is abandoned. */
  graceMs: number;
  /** Also take back claims of dead processes on this host at once. */
  localHost?: string;
  isProcessAlive?: (pid: number) => boolean;
}

export interface ReapResult {
  requeued: string[];
  failed: string[];
}

/** Executing runs: claims, heartbeats and lease-guarded writes. */
export interface RunQueue {
  /**
   * Claims the next queued run (of the given sweeps, else of any) in one
   * statement, with a fresh random lease token; undefined when none is queued.
   */
  claimRun(worker: WorkerIdentity, options?: ClaimOptions): Promise<RunLease | undefined>;
  /** Renews the claim on the database's clock; throws LeaseLostError when the claim is gone. */
  heartbeat(lease: RunLease): Promise<void>;
  recordBackend(lease: RunLease, backend: string, detail: string): Promise<void>;
  /** One epoch's metrics (and optional samples) plus the run's live progress, in one transaction. */
  recordEpoch(lease: RunLease, epoch: number, metrics: Record<string, number>, samples?: SampleGrid): Promise<void>;
  /** Final metrics, samples, artifacts, warnings, cost and status 'finished', atomically. */
  finishRun(lease: RunLease, outcome: RunOutcome): Promise<void>;
  failRun(lease: RunLease, error: string, status?: 'failed' | 'interrupted'): Promise<void>;
  /** Returns abandoned claims to the queue, or fails them after the sweep's max_attempts. */
  reapExpiredClaims(options: ReapOptions): Promise<ReapResult>;
  /** How many runs are queued and running (of the given sweeps, else of all). */
  queueState(sweepIds?: string[]): Promise<{ queued: number; running: number }>;
}

export interface RunStore extends RunStoreReader, RunStoreWriter, RunQueue {
  readonly engine: 'sqlite' | 'postgres';
}
