import { fork, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunPlan } from '../config/types.js';
import type { RunStore, SweepDefinition } from '../store/run-store.js';
import type { ParentMessage, WorkerJob, WorkerMessage } from './messages.js';
import { formatDuration, type ProgressReporter, type RunLabel } from './progress.js';

export interface SweepRunOptions {
  store: RunStore;
  sweep: SweepDefinition;
  plans: RunPlan[];
  /** Runs executed at once, each in its own worker process. */
  jobs: number;
  progress: ProgressReporter;
  /** Main metric shown when a run finishes. */
  mainMetric?: string;
  /** Cores shared by the workers (default: os.availableParallelism()). */
  cores?: number;
  /** Directory for caches shared by runs: quality-metric classifiers (default <db dir>/.classifiers). */
  cacheDir?: string;
  heartbeatMs?: number;
}

export interface SweepRunResult {
  total: number;
  skipped: number;
  finished: number;
  failed: number;
  interrupted: number;
  /** The sweep stopped on SIGINT/SIGTERM. */
  aborted: boolean;
}

/** The commit of the working tree, or null outside a git repository. */
export function currentGitCommit(cwd: string = process.cwd()): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}

/** OpenBLAS threads per worker so that `jobs` workers together use the cores once. */
export function blasThreadsPerWorker(cores: number, jobs: number): number {
  return Math.max(1, Math.floor(cores / jobs));
}

function workerModule(): string {
  // Built (dist/*.js) or source (src/*.ts, under tsx): the worker sits beside this module.
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), here.endsWith('.ts') ? 'worker.ts' : 'worker.js');
}

/** Node flags for the worker: the parent's, plus what running TypeScript source needs. */
export function workerExecArgv(parentExecArgv: readonly string[], module: string): string[] {
  const argv = [...parentExecArgv].filter((a) => !a.startsWith('--inspect'));
  if (module.endsWith('.ts')) {
    if (!argv.some((a) => a === '--conditions=@rbm-lab/source' || a === '-C=@rbm-lab/source')) {
      argv.push('--conditions=@rbm-lab/source');
    }
    const hasTsx = argv.some((a, i) => (a === '--import' && argv[i + 1] === 'tsx') || a === '--import=tsx');
    if (!hasTsx) argv.push('--import', 'tsx');
  }
  return argv;
}

export function artifactDirOf(store: RunStore, sweepName: string, runId: string): string {
  return join(store.directory, sweepName, runId);
}

interface ActiveRun {
  plan: RunPlan;
  label: RunLabel;
  child: ChildProcess;
  startedAt: number;
  settled: boolean;
}

/**
 * Executes the runs of a sweep that are not finished yet, `jobs` at a time,
 * each in a forked worker process. The parent process is the only database
 * writer. SIGINT/SIGTERM mark the active runs interrupted and stop the sweep.
 */
export async function runSweep(options: SweepRunOptions): Promise<SweepRunResult> {
  const { store, sweep, plans, progress } = options;
  const jobs = Math.max(1, Math.floor(options.jobs));
  const cores = options.cores ?? availableParallelism();
  const threads = blasThreadsPerWorker(cores, jobs);
  const cacheDir = options.cacheDir ?? join(store.directory, '.classifiers');
  const gitCommit = currentGitCommit();

  store.registerSweep(sweep, plans);
  const recovered = store.acquireSweep(sweep.id);
  if (recovered.length > 0) {
    progress.log(
      `${recovered.length} run(s) left running by a stopped sweep process are marked interrupted and will be rerun`,
    );
  }
  const statusById = new Map(store.listRuns(sweep.id).map((r) => [r.id, r.status]));
  const todo = plans.filter((p) => statusById.get(p.id) !== 'finished');
  const result: SweepRunResult = {
    total: plans.length,
    skipped: plans.length - todo.length,
    finished: 0,
    failed: 0,
    interrupted: 0,
    aborted: false,
  };
  progress.start(plans.length, result.skipped);

  const heartbeat = setInterval(() => store.heartbeat(sweep.id), options.heartbeatMs ?? 5000);
  const active = new Map<string, ActiveRun>();
  const queue = [...todo];
  const module = workerModule();
  const execArgv = workerExecArgv(process.execArgv, module);

  let wake: (() => void) | undefined;
  const settledOne = () => {
    wake?.();
  };

  const settle = (run: ActiveRun, status: 'finished' | 'failed' | 'interrupted', detail: string) => {
    if (run.settled) return;
    run.settled = true;
    result[status]++;
    progress.runEnded(run.label, status, detail);
  };

  const start = (plan: RunPlan) => {
    const label: RunLabel = { id: plan.id, index: plan.index, params: plan.params, epochs: plan.epochs };
    store.startRun(plan.id, { gitCommit });
    progress.runStarted(label);
    const child = fork(module, [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: {
        ...process.env,
        // OpenBLAS reads this once when it loads, so it must be in the worker's environment from the start.
        OPENBLAS_NUM_THREADS: String(threads),
        RBM_LAB_BLAS_THREADS: String(threads),
      },
    });
    const run: ActiveRun = { plan, label, child, startedAt: Date.now(), settled: false };
    active.set(plan.id, run);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('message', (message: WorkerMessage) => {
      if (run.settled) return;
      switch (message.type) {
        case 'backend':
          store.recordBackend(plan.id, message.path, message.detail);
          break;
        case 'epoch':
          store.recordEpoch(plan.id, message.epoch, message.metrics);
          progress.runEpoch(label, message.epoch);
          break;
        case 'done': {
          const durationMs = Date.now() - run.startedAt;
          store.finishRun(plan.id, { metrics: message.metrics, artifacts: message.artifacts, durationMs });
          const main = options.mainMetric !== undefined ? message.metrics[options.mainMetric] : undefined;
          const shown = main === undefined ? '' : `  ${options.mainMetric}=${main.toPrecision(4)}`;
          settle(run, 'finished', `${formatDuration(durationMs)}${shown}`);
          break;
        }
        case 'failed':
          store.failRun(plan.id, message.error);
          settle(run, 'failed', message.error.split('\n')[0]);
          break;
      }
    });
    let channelError = '';
    child.on('error', (error) => {
      // A failed send (the worker died first) is followed by 'exit', which records the run; a failed spawn is not.
      channelError = error.message;
      if (child.pid === undefined && !run.settled) {
        active.delete(plan.id);
        store.failRun(plan.id, `cannot start a worker process: ${error.message}`);
        settle(run, 'failed', error.message);
        settledOne();
      }
    });
    child.on('exit', (code, signal) => {
      active.delete(plan.id);
      if (!run.settled) {
        const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
        const tail = stderr.trim().split('\n').slice(-15).join('\n');
        const details = [tail, channelError && `(${channelError})`].filter((t) => t !== '').join('\n');
        const error = `worker process ended (${how}) before finishing the run${details ? `\n${details}` : ''}`;
        // Ctrl-C reaches the workers too (same process group), possibly before the sweep process sees it.
        const stopped = code === 130 || signal === 'SIGINT' || signal === 'SIGTERM';
        store.failRun(plan.id, error, stopped ? 'interrupted' : 'failed');
        settle(run, stopped ? 'interrupted' : 'failed', `worker ended (${how})`);
      }
      settledOne();
    });
    const message: ParentMessage = {
      type: 'run',
      job: {
        runId: plan.id,
        config: plan.config,
        artifactDir: artifactDirOf(store, sweep.name, plan.id),
        cacheDir,
      } satisfies WorkerJob,
    };
    child.send(message);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (result.aborted) return;
    result.aborted = true;
    queue.length = 0;
    for (const run of active.values()) {
      if (run.settled) continue;
      store.failRun(run.plan.id, `interrupted by ${signal}`, 'interrupted');
      settle(run, 'interrupted', `by ${signal}`);
      run.child.kill('SIGTERM');
    }
    progress.log(`${signal}: stopping; active runs marked interrupted (run the same sweep again to resume)`);
    settledOne();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    while (queue.length > 0 || active.size > 0) {
      while (!result.aborted && active.size < jobs && queue.length > 0) start(queue.shift()!);
      if (active.size === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
      if (result.aborted) {
        // Give workers a moment to exit on SIGTERM, then make sure.
        const deadline = Date.now() + 3000;
        while (active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        for (const run of active.values()) run.child.kill('SIGKILL');
        break;
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    clearInterval(heartbeat);
    store.releaseSweep(sweep.id);
    progress.stop();
  }
  return result;
}
