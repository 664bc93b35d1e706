/** launch slurm|k8s: enqueue a study and write the job file that starts its workers on a cluster. */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { kubernetesJob, kubernetesName, slurmScript } from '../launch/job-files.js';
import { checkOutputFile } from '../store/fs-checks.js';
import { findProjectRoot, resolveDbPath } from '../store/paths.js';
import { isPostgresUrl } from '../store/postgres-engine.js';
import { openRunStore } from '../store/run-store.js';
import { type CliCommand, type CliIo, countOption, dbOption, EXIT, parse, UsageError } from './common.js';
import { loadSubmission } from './study-commands.js';

const HELP = `usage: rbm-lab launch slurm|k8s <config.yaml> --workers N [options]

Enqueues the study (as \`submit\` does), then writes the job file that starts
N workers (\`rbm-lab worker --exit-when-idle\` on this sweep):
  slurm   an sbatch job-array script (--submit also runs sbatch on it)
  k8s     a Kubernetes Indexed Job manifest (apply it with kubectl)
Workers on several machines need PostgreSQL (--db postgres://...) and a shared
artifact folder; SQLite is for one machine.

  --workers N         worker processes (array tasks / pods)
  --db URL            database the workers use (default $RBM_LAB_DB)
  --dry-run           print the job file; enqueue and write nothing
  --submit            slurm: run sbatch on the written script
  --out FILE          where to write the job file (default <artifact root>/<sweep>/launch/)
  --slots N           runs at a time per worker (default 1)
  --cpus N            CPUs per worker (default 2); --memory GIB (default 4)
  --artifacts DIR     artifact root as the workers see it (default: this store's)
  --time LIMIT        slurm: --time of each task, e.g. 04:00:00
  --image IMAGE       k8s: container image with RBM Lab installed (default rbm-lab:latest)
  --db-secret NAME    k8s: Secret holding the database URL under key 'url' (default rbm-lab-db)
  --artifacts-claim NAME  k8s: PersistentVolumeClaim mounted at the artifact root (default rbm-lab-artifacts)`;

const OPTIONS = {
  ...dbOption,
  workers: { type: 'string' },
  'dry-run': { type: 'boolean' },
  submit: { type: 'boolean' },
  out: { type: 'string' },
  slots: { type: 'string' },
  cpus: { type: 'string' },
  memory: { type: 'string' },
  artifacts: { type: 'string' },
  time: { type: 'string' },
  image: { type: 'string' },
  'db-secret': { type: 'string' },
  'artifacts-claim': { type: 'string' },
} as const;

/** Checked before anything is written: --submit needs sbatch on this machine. */
function requireSbatch(): void {
  const probe = spawnSync('sbatch', ['--version'], { stdio: 'ignore', timeout: 10_000 });
  if ((probe.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new UsageError(
      'launch: --submit needs sbatch, which is not installed here; write the script and submit it on the cluster',
    );
  }
}

async function runSbatch(file: string, io: CliIo): Promise<number> {
  try {
    const { stdout } = await promisify(execFile)('sbatch', [file], { timeout: 60_000 });
    io.stdout.write(stdout);
    return EXIT.ok;
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    io.stderr.write(`error: sbatch ${file} failed: ${detail}\n`);
    return EXIT.failed;
  }
}

export const launchCommand: CliCommand = {
  usage: 'launch slurm|k8s <config.yaml> --workers N [--db URL] [--dry-run|--submit]   job files for cluster workers',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, 'launch');
    const [kind, configPath] = positionals;
    if ((kind !== 'slurm' && kind !== 'k8s') || configPath === undefined || positionals.length !== 2) {
      throw new UsageError('launch: expected `launch slurm <config.yaml>` or `launch k8s <config.yaml>`');
    }
    if (values.workers === undefined) throw new UsageError('launch: --workers N is required');
    if (values.submit === true && (kind !== 'slurm' || values['dry-run'] === true)) {
      throw new UsageError('launch: --submit runs sbatch, for `launch slurm` without --dry-run');
    }
    const workers = countOption(values.workers, '--workers', 'launch', 1);
    if (values.submit === true) requireSbatch();
    const { sweep, plans } = await loadSubmission(configPath, io);
    const db = resolveDbPath(values.db, io.env, io.cwd);
    if (!isPostgresUrl(db)) {
      io.stderr.write(
        `warning: ${db} is a SQLite file: fine for workers on this machine only (its WAL does not work over network filesystems); use --db postgres://...\n`,
      );
    }
    const store = values['dry-run'] === true ? undefined : await openRunStore(db, { env: io.env });
    try {
      const artifactRoot = resolve(io.cwd, values.artifacts ?? store?.artifactRoot ?? '/artifacts');
      const base = {
        sweepId: sweep.id,
        sweepName: sweep.name,
        workers,
        db,
        artifactRoot,
        slots: countOption(values.slots, '--slots', 'launch', 1),
        cpus: countOption(values.cpus, '--cpus', 'launch', 2),
        memoryGiB: countOption(values.memory, '--memory', 'launch', 4),
      };
      const text =
        kind === 'slurm'
          ? slurmScript({
              ...base,
              projectDir: findProjectRoot(io.cwd),
              logDir: join(artifactRoot, sweep.name, 'launch'),
              timeLimit: values.time,
            })
          : kubernetesJob({
              ...base,
              image: values.image ?? 'rbm-lab:latest',
              dbSecret: values['db-secret'] ?? 'rbm-lab-db',
              artifactsClaim: values['artifacts-claim'] ?? 'rbm-lab-artifacts',
            });
      if (store === undefined) {
        io.stdout.write(text);
        return EXIT.ok;
      }
      const name = kind === 'slurm' ? `${sweep.name}-workers.sbatch` : `${kubernetesName(sweep.name)}-workers.yaml`;
      const out = checkOutputFile(
        values.out === undefined ? join(store.artifactRoot, sweep.name, 'launch', name) : resolve(io.cwd, values.out),
        'launch --out',
        { createFolder: values.out === undefined },
      );
      const submitted = await store.submitSweep(sweep, plans);
      writeFileSync(out, text);
      io.stdout.write(
        `sweep '${sweep.name}' (${sweep.id}): ${submitted.added} new run(s) queued, ${submitted.finished} already finished; ` +
          `wrote ${out} for ${workers} worker(s)\n`,
      );
      return values.submit === true ? await runSbatch(out, io) : EXIT.ok;
    } finally {
      await store?.close();
    }
  },
};

export const LAUNCH_COMMANDS: Record<string, CliCommand> = { launch: launchCommand };
