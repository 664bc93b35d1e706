import type { RunConfig } from '../config/types.js';
import type { ArtifactInput } from '../store/run-store.js';

/** What the sweep process asks a worker process to do: one run. */
export interface WorkerJob {
  runId: string;
  config: RunConfig;
  /** Absolute directory for this run's artifacts (runs/<sweep>/<run>/). */
  artifactDir: string;
  /** Absolute directory for caches shared by runs (quality-metric classifiers). */
  cacheDir: string;
}

export type ParentMessage = { type: 'run'; job: WorkerJob };

/** Worker -> sweep process. The sweep process is the only database writer. */
export type WorkerMessage =
  | { type: 'backend'; path: string; detail: string }
  | { type: 'epoch'; epoch: number; metrics: Record<string, number> }
  | { type: 'done'; metrics: Record<string, number>; artifacts: ArtifactInput[] }
  | { type: 'failed'; error: string };
