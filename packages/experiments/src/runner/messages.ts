import type { RunConfig } from '../config/types.js';
import type { ArtifactInput, RunWarning, SampleGrid } from '../store/types.js';

/** What the pool asks a worker process to do: one run. */
export interface WorkerJob {
  runId: string;
  config: RunConfig;
  /** Absolute folder for this attempt's file artifacts (no other attempt writes there). */
  artifactDir: string;
  /** Absolute folder for caches shared by runs (quality-metric classifiers). */
  cacheDir: string;
}

export type ParentMessage = { type: 'run'; job: WorkerJob };

/** What a run produced, as the worker process reports it. */
export interface RunResult {
  metrics: Record<string, number>;
  artifacts: ArtifactInput[];
  samples?: SampleGrid;
  /** Cautions about the run's numbers (also in its evaluation artifact, with each metric's split and points). */
  warnings?: RunWarning[];
  /** Seconds per phase (training, evaluation, sampling, scoring). */
  cost?: Record<string, number>;
}

/** Worker -> pool. The pool's process is the only database writer. */
export type WorkerMessage =
  | { type: 'backend'; path: string; detail: string }
  | { type: 'epoch'; epoch: number; metrics: Record<string, number>; samples?: SampleGrid }
  | ({ type: 'done' } & RunResult)
  | { type: 'failed'; error: string };
