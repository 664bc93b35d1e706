import type { MetricPoints } from '@rbm-lab/core';
import type { RunWarning } from '../checks/run-warnings.js';
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
  | {
      type: 'done';
      metrics: Record<string, number>;
      artifacts: ArtifactInput[];
      /** Cautions about the run's numbers (also in its evaluation artifact). */
      warnings?: RunWarning[];
      /** For each final metric: its split and how many points it used. */
      metricPoints?: Record<string, MetricPoints>;
    }
  | { type: 'failed'; error: string };
