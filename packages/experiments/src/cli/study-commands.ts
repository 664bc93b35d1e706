/** sweep, submit and worker: the commands that enqueue and execute runs. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '@rbm-lab/datasets';
import { driftWarning } from '../config/grid.js';
import type { RunPlan } from '../config/types.js';
import { createProgressReporter } from '../runner/progress.js';
import { currentGitCommit, runSweep, withInterruptSignal } from '../runner/sweep-runner.js';
import { runWorkerPool } from '../runner/worker-pool.js';
import { ensureFolder } from '../store/fs-checks.js';
import { isPostgresUrl } from '../store/postgres-engine.js';
import { resolveDbPath } from '../store/paths.js';
import { openRunStore, openRunStoreReader, thisWorker } from '../store/run-store.js';
import type { RunStatus, RunStore } from '../store/types.js';
import {
  type CliCommand,
  type CliIo,
  countOption,
  dbOption,
  EXIT,
  parse,
  secondsOption,
  UsageError,
} from './common.js';
import { formatCell, formatNumber, plainTable, sweptValues } from './format.js';
import {
  checkBeforeEnqueuing,
  readSubmission,
  STUDY_OPTIONS_HELP,
  type Submission,
  studyOptions,
} from './submission.js';

export { loadSubmission, type Submission } from './submission.js';

/** The configs finished runs executed, by the id of the plan for the same grid point (for driftWarning). */
async function finishedConfigs(store: RunStore, sweepName: string, plans: RunPlan[]): Promise<Map<string, unknown>> {
  const planOf = new Map(plans.map((plan) => [plan.pointKey, plan.id]));
  const configs = new Map<string, unknown>();
  for (const sweep of (await store.listSweeps()).filter((s) => s.name === sweepName)) {
    for (const run of await store.listRuns(sweep.id)) {
      const planId = run.pointKey === null ? undefined : planOf.get(run.pointKey);
      if (run.status === 'finished' && planId !== undefined) configs.set(planId, run.config);
    }
  }
  return configs;
}

/** A failure of the store while working (disk full, server gone): a clear line, exit 1, never a stack. */
function reportStoreFailure(io: CliIo, error: Error): number {
  io.stderr.write(
    `error: the run store failed: ${error.message.split('\n')[0]}\n` +
      'runs it could not record are taken back by the next `sweep` or `worker` on this database\n',
  );
  return EXIT.failed;
}

async function withStore<T>(location: string, io: CliIo, body: (store: RunStore) => Promise<T>): Promise<T> {
  const store = await openRunStore(location, { env: io.env });
  try {
    // Workers write saved models there: an unusable root is the user's to fix, before any run starts.
    ensureFolder(store.artifactRoot, 'artifact root');
    return await body(store);
  } finally {
    await store.close().catch(() => undefined);
  }
}

async function printDryRun(io: CliIo, dbPath: string, submission: Submission): Promise<number> {
  const { plans, sweep, study } = submission;
  const statuses = new Map<string, RunStatus>();
  if (isPostgresUrl(dbPath) || existsSync(dbPath)) {
    const reader = await openRunStoreReader(dbPath, { env: io.env });
    try {
      // By grid point: a widened study lists the points it kept with their status.
      const byPoint = new Map<string, RunStatus>();
      for (const known of (await reader.listSweeps()).filter((s) => s.name === sweep.name)) {
        for (const run of await reader.listRuns(known.id))
          if (run.pointKey !== null) byPoint.set(run.pointKey, run.status);
      }
      for (const plan of plans) {
        const status = byPoint.get(plan.pointKey);
        if (status !== undefined) statuses.set(plan.id, status);
      }
    } finally {
      await reader.close();
    }
  }
  const table = plainTable(['#', 'run', ...sweep.sweptParams, 'epochs', 'status']);
  for (const plan of plans) {
    table.push([
      plan.index,
      plan.id,
      ...sweptValues(sweep.sweptParams, plan).map((v) => formatCell(v)),
      plan.epochs,
      statuses.get(plan.id) ?? 'new',
    ]);
  }
  io.stdout.write(`${table.toString()}\n`);
  const done = plans.filter((p) => statuses.get(p.id) === 'finished').length;
  io.stdout.write(
    `study '${study.name}' (sweep ${sweep.id}): ${plans.length} runs, ${done} already finished; ` +
      `model ${[...new Set(plans.map((p) => p.config.model.type))].join(', ')}, main metric ${sweep.mainMetric.name}; database ${dbPath}\n`,
  );
  return EXIT.ok;
}

/** Options of the commands that run work: sweep and worker. */
const workOptions = {
  ...dbOption,
  heartbeat: { type: 'string' },
  grace: { type: 'string' },
  'run-timeout': { type: 'string' },
  data: { type: 'string' },
} as const;

function timing(values: { heartbeat?: string; grace?: string }, command: string) {
  const heartbeat = secondsOption(values.heartbeat, '--heartbeat', command);
  const grace = secondsOption(values.grace, '--grace', command);
  return {
    heartbeatMs: heartbeat === undefined ? undefined : heartbeat * 1000,
    graceMs: grace === undefined ? undefined : grace * 1000,
  };
}

const sweepCommand: CliCommand = {
  usage:
    'sweep <config.yaml> [--set PATH=VALUE ...] [--jobs N] [--dry-run] [--db URL] [--data DIR]   run (or resume) a study',
  help: `usage: rbm-lab sweep <config.yaml> [options]

Submits the study (idempotently), then runs its queued runs with local worker
processes until every run of the sweep has ended. Interrupted and failed runs
are queued again. A second sweep of the same study joins as more workers.
Before anything is written it prints the grid, loads the data once and checks
that each run fits in the free memory divided by --jobs.

  --jobs N            runs at a time (default 1)
  --dry-run           print the grid and each run's status; write nothing
  --db URL            database: a SQLite path or postgres://... (default $RBM_LAB_DB, else runs/rbm-lab.db)
${STUDY_OPTIONS_HELP}
  --run-timeout S     kill and fail a run after S seconds (default: the study's sweep.run_timeout)
  --heartbeat S       claim heartbeat interval (default 5)
  --grace S           a claim not renewed for S seconds is taken back (default 30)`,
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { ...workOptions, ...studyOptions, jobs: { type: 'string', short: 'j' }, 'dry-run': { type: 'boolean' } },
      'sweep',
    );
    const jobs = countOption(values.jobs, '--jobs', 'sweep', 1);
    const runTimeout = secondsOption(values['run-timeout'], '--run-timeout', 'sweep');
    const dryRun = values['dry-run'] === true;
    const { submission, dbPath } = await readSubmission(
      'sweep',
      positionals,
      values,
      io,
      dryRun ? io.stdout : io.stderr,
    );
    if (dryRun) return printDryRun(io, dbPath, submission);
    await checkBeforeEnqueuing(submission, values, io, jobs);
    const { sweep, plans, duplicates } = submission;
    return withStore(dbPath, io, async (store) => {
      const progress = createProgressReporter(io.stderr as NodeJS.WriteStream);
      if (duplicates > 0) progress.log(`${duplicates} grid point(s) repeat another one exactly and run once`);
      const drift = driftWarning(plans, await finishedConfigs(store, sweep.name, plans));
      if (drift !== undefined) progress.log(drift);
      let result: Awaited<ReturnType<typeof runSweep>>;
      try {
        result = await runSweep({
          store,
          sweep,
          plans,
          jobs,
          progress,
          mainMetric: sweep.mainMetric.name,
          runTimeoutSeconds: runTimeout,
          ...timing(values, 'sweep'),
        });
      } catch (error) {
        if (error instanceof UserError) throw error;
        return reportStoreFailure(io, error as Error);
      }
      const best = result.summary?.best
        ? `; best ${sweep.mainMetric.name} ${formatNumber(result.summary.best.value)} (run ${result.summary.best.runId})`
        : '';
      io.stdout.write(
        `sweep '${sweep.name}' (${sweep.id}): ${result.finished} finished, ${result.failed} failed, ` +
          `${result.interrupted} interrupted, ${result.skipped} already done of ${result.total}${best}\n`,
      );
      if (result.storeError !== undefined) return reportStoreFailure(io, result.storeError);
      if (result.aborted) return EXIT.interrupted;
      const counts = result.summary?.counts;
      return counts !== undefined && counts.finished === result.total && result.failed === 0 ? EXIT.ok : EXIT.failed;
    });
  },
};

const submitCommand: CliCommand = {
  usage: "submit <config.yaml> [--set PATH=VALUE ...] [--db URL]     enqueue a study's runs for workers",
  help: `usage: rbm-lab submit <config.yaml> [--db URL] [--retry-failed] [--set PATH=VALUE ...] [--data DIR]

Validates the study, expands its grid and enqueues the runs the store does
not have yet (a run id is the grid point's key: submitting twice adds nothing,
a widened grid adds only the new points). Interrupted runs are queued again;
with --retry-failed, failed ones too. Workers (\`rbm-lab worker\`) run them.
Before anything is written it prints the grid, loads the data once and checks
that each run fits in this machine's free memory.

${STUDY_OPTIONS_HELP}`,
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { ...dbOption, ...studyOptions, 'retry-failed': { type: 'boolean' } },
      'submit',
    );
    const { submission, dbPath } = await readSubmission('submit', positionals, values, io, io.stderr);
    await checkBeforeEnqueuing(submission, values, io, 1);
    const { sweep, plans } = submission;
    return withStore(dbPath, io, async (store) => {
      let result: Awaited<ReturnType<RunStore['submitSweep']>>;
      try {
        result = await store.submitSweep(sweep, plans, { retryFailed: values['retry-failed'] === true });
      } catch (error) {
        if (error instanceof UserError) throw error;
        return reportStoreFailure(io, error as Error);
      }
      io.stdout.write(
        `sweep '${sweep.name}' (${sweep.id}): ${result.added} new run(s) queued, ${result.requeued} queued again, ` +
          `${result.finished} already finished, ${result.total} in the grid; database ${store.location}\n`,
      );
      return EXIT.ok;
    });
  },
};

const workerCommand: CliCommand = {
  usage: 'worker [--db URL] [--sweep NAME] [--slots N] [--exit-when-idle] [--run-timeout S]   run queued runs',
  help: `usage: rbm-lab worker [options]

Claims queued runs one at a time per slot and executes each in its own
process, renewing the claim with a heartbeat. Runs anywhere that reaches the
database and the artifact root ($RBM_LAB_ARTIFACTS).

  --db URL            database (default $RBM_LAB_DB, else runs/rbm-lab.db)
  --sweep NAME        only runs of this sweep (name or id); default any
  --slots N           runs at a time (default 1)
  --exit-when-idle    exit once nothing is queued and nothing is running; default: wait for work
  --run-timeout S     kill and fail a run after S seconds (default: its study's sweep.run_timeout)
  --data DIR          folder holding binaryalphadigs.mat
  --heartbeat S       claim heartbeat interval (default 5)
  --grace S           a claim not renewed for S seconds is taken back (default 30)`,
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { ...workOptions, sweep: { type: 'string' }, slots: { type: 'string' }, 'exit-when-idle': { type: 'boolean' } },
      'worker',
    );
    if (positionals.length > 0) throw new UsageError(`worker: unexpected argument '${positionals[0]}'`);
    const slots = countOption(values.slots, '--slots', 'worker', 1);
    const runTimeout = secondsOption(values['run-timeout'], '--run-timeout', 'worker');
    if (values.data !== undefined) process.env.RBM_LAB_DATA_DIR = resolve(io.cwd, values.data);
    const dbPath = resolveDbPath(values.db, io.env, io.cwd);
    return withStore(dbPath, io, async (store) => {
      let sweepIds: string[] | undefined;
      if (values.sweep !== undefined) {
        const name = values.sweep;
        sweepIds = (await store.listSweeps()).filter((s) => s.name === name || s.id.startsWith(name)).map((s) => s.id);
        if (sweepIds.length === 0) throw new UsageError(`worker: no sweep '${name}' in ${store.location}`);
      }
      const progress = createProgressReporter(io.stderr as NodeJS.WriteStream);
      const worker = thisWorker();
      progress.log(`worker ${worker.host}:${worker.pid} on ${store.location}, ${slots} slot(s)`);
      const result = await withInterruptSignal((signal) =>
        runWorkerPool({
          store,
          slots,
          sweepIds,
          exitWhenIdle: values['exit-when-idle'] === true,
          progress,
          worker,
          gitCommit: currentGitCommit(),
          cacheDir: resolve(store.artifactRoot, '.classifiers'),
          runTimeoutSeconds: runTimeout,
          signal,
          ...timing(values, 'worker'),
        }),
      );
      progress.stop();
      io.stdout.write(
        `worker ${worker.host}:${worker.pid}: ${result.finished} finished, ${result.failed} failed, ` +
          `${result.interrupted} interrupted, ${result.lost} lost to other workers\n`,
      );
      if (result.storeError !== undefined) return reportStoreFailure(io, result.storeError);
      if (result.aborted) return EXIT.interrupted;
      return result.failed > 0 ? EXIT.failed : EXIT.ok;
    });
  },
};

export const STUDY_COMMANDS: Record<string, CliCommand> = {
  sweep: sweepCommand,
  submit: submitCommand,
  worker: workerCommand,
};
