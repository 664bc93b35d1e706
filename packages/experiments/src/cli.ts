/**
 * The rbm-lab command line (all commands except `ui`, which the dashboard
 * package adds through `extraCommands`). Run from source with
 *   node --conditions=@rbm-lab/source --import tsx packages/experiments/src/cli.ts <command> ...
 */
import { existsSync, realpathSync, writeFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { stringify } from 'yaml';
import { UserError } from '@rbm-lab/datasets';
import { bestIndex, formatCell, formatNumber, formatValue, plainTable, runsToCsv } from './cli/format.js';
import { metricDirection } from './metric-direction.js';
import { driftWarning, sweepIdOf, sweptParams } from './config/grid.js';
import { formatGridSummary } from './config/grid-summary.js';
import { invocationDirectory } from './config/invocation.js';
import { SPLIT_OVERRIDE_HINT } from './config/overrides.js';
import { checkStudyResources, readStudyInput } from './config/study-input.js';
import { createProgressReporter, formatDuration } from './runner/progress.js';
import { runSweep } from './runner/sweep-runner.js';
import { reportCommand } from './report/command.js';
import { resolveDbPath } from './store/paths.js';
import { RunStore } from './store/run-store.js';
import type { RunRecord, RunStatus } from './store/types.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  /** One line for `rbm-lab help`. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

export interface RunCliOptions {
  io?: Partial<CliIo>;
  /** More commands (e.g. `ui` from the dashboard package, `report`). */
  extraCommands?: Record<string, CliCommand>;
}

/** Exit codes: 0 ok, 1 some runs failed (or an internal error), 2 user error, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

class UsageError extends UserError {}

function parse<T extends ParseArgsConfig['options']>(args: string[], options: T, command: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}`);
  }
}

const dbOption = { db: { type: 'string' } } as const;

function openReader(db: string | undefined, io: CliIo): RunStore {
  return RunStore.openReadOnly(resolveDbPath(db, io.env, io.cwd));
}

function findRun(store: RunStore, idOrPrefix: string): RunRecord {
  const found = store.findRuns(idOrPrefix);
  if (found.length === 0)
    throw new UsageError(`no run '${idOrPrefix}' in ${store.path} (see \`rbm-lab list <sweep>\`)`);
  if (found.length > 1) {
    throw new UsageError(
      `run id prefix '${idOrPrefix}' is ambiguous: ${found.map((r) => r.id).join(', ')}; give more characters`,
    );
  }
  return found[0];
}

const sweepCommand: CliCommand = {
  usage:
    'sweep <config.yaml> [--set path=value ...] [--jobs N] [--dry-run] [--db PATH] [--data DIR]   run (or resume) a study',
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      {
        ...dbOption,
        jobs: { type: 'string', short: 'j' },
        'dry-run': { type: 'boolean' },
        data: { type: 'string' },
        set: { type: 'string', multiple: true },
      },
      'sweep',
    );
    if (positionals.length !== 1) {
      const got = positionals.length === 0 ? '' : `; got ${positionals.map((p) => `'${p}'`).join(', ')}`;
      const hint = values.set === undefined ? '' : ` (${SPLIT_OVERRIDE_HINT})`;
      throw new UsageError(`sweep: expected one study file, e.g. \`rbm-lab sweep configs/hidden.yaml\`${got}${hint}`);
    }
    const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1)
      throw new UsageError(`sweep: --jobs expects a whole number >= 1, got '${values.jobs}'`);
    const dbPath = resolveDbPath(values.db, io.env, io.cwd);
    // Loaded here, not at the top: list/show/compare (and the dashboard importing this module) never load the models.
    const { getModelSpec, listModelSpecs } = await import('@rbm-lab/core');
    const specs = listModelSpecs();
    const {
      study,
      plans,
      source: configPath,
    } = readStudyInput(positionals[0], specs, io.cwd, {
      overrides: values.set,
      databaseBesideArtifacts: dbPath,
    });
    const spec = getModelSpec(plans[0].config.model.type);
    const chosen = study.eval?.main_metric;
    const mainMetric =
      chosen === undefined ? spec.mainMetric : { name: chosen.name, lowerIsBetter: chosen.lower_is_better };
    const sweepId = sweepIdOf(study);
    const swept = sweptParams(study);
    (values['dry-run'] === true ? io.stdout : io.stderr).write(formatGridSummary(study));

    if (values['dry-run'] === true) {
      let statuses = new Map<string, RunStatus>();
      if (existsSync(dbPath)) {
        const reader = RunStore.openReadOnly(dbPath);
        try {
          statuses = new Map(reader.listRuns(sweepId).map((r) => [r.id, r.status]));
        } finally {
          reader.close();
        }
      }
      const table = plainTable(['#', 'run', ...swept, 'epochs', 'status']);
      for (const plan of plans) {
        table.push([
          plan.index,
          plan.id,
          ...swept.map((p) => formatCell(p === 'seed' ? plan.seed : plan.params[p])),
          plan.epochs,
          statuses.get(plan.id) ?? 'new',
        ]);
      }
      io.stdout.write(`${table.toString()}\n`);
      const done = plans.filter((p) => statuses.get(p.id) === 'finished').length;
      io.stdout.write(
        `study '${study.name}' (sweep ${sweepId}): ${plans.length} runs, ${done} already finished; ` +
          `model ${[...new Set(plans.map((p) => p.config.model.type))].join(', ')}, main metric ${mainMetric.name}; database ${dbPath}\n`,
      );
      return EXIT.ok;
    }

    if (values.data !== undefined) {
      // The workers find the data through the same variable a user would set; they inherit it.
      process.env.RBM_LAB_DATA_DIR = resolve(io.cwd, values.data);
    }
    // Before the database is opened: a run that cannot fit, or data that cannot load, writes nothing.
    await checkStudyResources(plans, { freeBytes: freemem(), jobs });
    const store = RunStore.open(dbPath);
    try {
      const finished = store.listRuns(sweepId).filter((run) => run.status === 'finished');
      const drift = driftWarning(plans, new Map(finished.map((run) => [run.id, run.config])));
      if (drift !== undefined) io.stderr.write(`${drift}\n`);
      const result = await runSweep({
        store,
        sweep: {
          id: sweepId,
          name: study.name,
          configPath,
          config: study,
          sweptParams: swept,
          mainMetric,
          totalRuns: plans.length,
        },
        plans,
        jobs,
        progress: createProgressReporter(io.stderr as NodeJS.WriteStream),
        mainMetric: mainMetric.name,
      });
      const summary = store.getSweep(sweepId);
      const best = summary?.best
        ? `; best ${mainMetric.name} ${formatNumber(summary.best.value)} (run ${summary.best.runId})`
        : '';
      io.stdout.write(
        `sweep '${study.name}' (${sweepId}): ${result.finished} finished, ${result.failed} failed, ` +
          `${result.interrupted} interrupted, ${result.skipped} already done of ${result.total}${best}\n`,
      );
      if (result.aborted) return EXIT.interrupted;
      return result.failed > 0 ? EXIT.failed : EXIT.ok;
    } finally {
      store.close();
    }
  },
};

const listCommand: CliCommand = {
  usage: 'list [sweep] [--db PATH]                                  sweeps, or the runs of one sweep',
  async run(args, io) {
    const { values, positionals } = parse(args, dbOption, 'list');
    const store = openReader(values.db, io);
    try {
      if (positionals.length === 0) {
        const sweeps = store.listSweeps();
        if (sweeps.length === 0) {
          io.stdout.write(`no sweeps yet in ${store.path}; start one with \`rbm-lab sweep configs/hidden.yaml\`\n`);
          return EXIT.ok;
        }
        const table = plainTable(['sweep', 'id', 'finished', 'running', 'failed', 'interrupted', 'best', 'updated']);
        for (const s of sweeps) {
          table.push([
            s.name,
            s.id,
            `${s.counts.finished}/${s.totalRuns}`,
            s.counts.running,
            s.counts.failed,
            s.counts.interrupted,
            s.best ? `${s.mainMetric.name}=${formatNumber(s.best.value)}` : '',
            s.updatedAt.replace('T', ' ').slice(0, 19),
          ]);
        }
        io.stdout.write(`${table.toString()}\n`);
        return EXIT.ok;
      }
      const sweep = store.getSweep(positionals[0]);
      if (sweep === undefined)
        throw new UsageError(`no sweep '${positionals[0]}' in ${store.path} (see \`rbm-lab list\`)`);
      const runs = store.listRuns(sweep.id);
      const main = sweep.mainMetric.name;
      const table = plainTable(['#', 'run', ...sweep.sweptParams, 'status', 'epoch', main, 'duration']);
      for (const run of runs) {
        table.push([
          run.index,
          run.id,
          ...sweep.sweptParams.map((p) => formatCell(p === 'seed' ? run.seed : run.params[p])),
          run.status,
          `${run.epoch}/${run.epochs}`,
          run.metrics[main] === undefined ? '' : formatNumber(run.metrics[main]),
          run.durationMs === null ? '' : formatDuration(run.durationMs),
        ]);
      }
      io.stdout.write(`${table.toString()}\n`);
      return EXIT.ok;
    } finally {
      store.close();
    }
  },
};

const showCommand: CliCommand = {
  usage: 'show <run> [--db PATH]                                    one run: config, metrics, artifacts',
  async run(args, io) {
    const { values, positionals } = parse(args, dbOption, 'show');
    if (positionals.length !== 1) throw new UsageError('show: expected one run id (or unique prefix)');
    const store = openReader(values.db, io);
    try {
      const run = findRun(store, positionals[0]);
      const sweep = store.getSweep(run.sweepId);
      const out: string[] = [];
      out.push(`run ${run.id} (#${run.index} of sweep '${sweep?.name ?? run.sweepId}')`);
      out.push(`status:   ${run.status}${run.status === 'running' ? ` (epoch ${run.epoch}/${run.epochs})` : ''}`);
      out.push(`seed:     ${run.seed}`);
      out.push(`backend:  ${run.backend ?? '-'}${run.backendDetail ? ` (${run.backendDetail})` : ''}`);
      out.push(`git:      ${run.gitCommit ?? '-'}`);
      out.push(
        `started:  ${run.startedAt ?? '-'}   ended: ${run.endedAt ?? '-'}   duration: ${run.durationMs === null ? '-' : formatDuration(run.durationMs)}`,
      );
      if (Object.keys(run.params).length > 0) {
        out.push('swept parameters:');
        for (const [k, v] of Object.entries(run.params)) out.push(`  ${k}: ${formatValue(v)}`);
      }
      if (Object.keys(run.metrics).length > 0) {
        out.push('final metrics:');
        for (const [k, v] of Object.entries(run.metrics)) out.push(`  ${k}: ${formatNumber(v)}`);
      }
      const curves = store.getEpochMetrics(run.id);
      if (Object.keys(curves).length > 0) {
        out.push('per-epoch metrics (first -> last):');
        for (const [name, points] of Object.entries(curves)) {
          const first = points[0];
          const last = points[points.length - 1];
          out.push(
            `  ${name}: ${formatNumber(first.value)} (epoch ${first.step}) -> ${formatNumber(last.value)} (epoch ${last.step})`,
          );
        }
      }
      const artifacts = store.listArtifacts(run.id);
      if (artifacts.length > 0) {
        out.push('artifacts:');
        for (const a of artifacts) out.push(`  ${a.kind}: ${store.resolveArtifactPath(a)}`);
      }
      if (run.error !== null) out.push(`error:\n  ${run.error.split('\n').join('\n  ')}`);
      out.push('config:');
      out.push(
        stringify(run.config)
          .trimEnd()
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n'),
      );
      io.stdout.write(`${out.join('\n')}\n`);
      return EXIT.ok;
    } finally {
      store.close();
    }
  },
};

const compareCommand: CliCommand = {
  usage: 'compare <run> <run> ... [--db PATH]                       parameters (* = differs) and metrics (* = best)',
  async run(args, io) {
    const { values, positionals } = parse(args, dbOption, 'compare');
    if (positionals.length < 2) throw new UsageError('compare: expected at least two run ids (or unique prefixes)');
    const store = openReader(values.db, io);
    try {
      const runs = positionals.map((p) => findRun(store, p));
      const sweeps = new Map(runs.map((r) => [r.sweepId, store.getSweep(r.sweepId)]));
      const main = sweeps.size === 1 ? [...sweeps.values()][0]?.mainMetric : undefined;
      io.stdout.write(compareRuns(runs, main));
      return EXIT.ok;
    } finally {
      store.close();
    }
  },
};

/** The compare table: swept parameters (differences marked *) then final metrics (best marked *). */
export function compareRuns(runs: RunRecord[], main?: { name: string; lowerIsBetter: boolean }): string {
  const table = plainTable(['', ...runs.map((r) => r.id)]);
  const paramNames = [...new Set(runs.flatMap((r) => Object.keys(r.params)))];
  if (!paramNames.includes('seed') && new Set(runs.map((r) => r.seed)).size > 1) paramNames.push('seed');
  for (const name of paramNames) {
    const cells = runs.map((r) => formatValue(name === 'seed' && !(name in r.params) ? r.seed : r.params[name]));
    const differs = new Set(cells).size > 1;
    table.push([`${differs ? '* ' : '  '}${name}`, ...cells]);
  }
  table.push(['  status', ...runs.map((r) => r.status)]);
  const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort((a, b) =>
    a === main?.name ? -1 : b === main?.name ? 1 : a.localeCompare(b),
  );
  for (const name of metricNames) {
    const values = runs.map((r) => r.metrics[name]);
    const direction = metricDirection(name, main);
    const best = direction === null ? -1 : bestIndex(values, direction === 'lower');
    const cells = values.map((v, i) => (v === undefined ? '' : `${formatNumber(v)}${i === best ? ' *' : ''}`));
    table.push([direction === null ? `  ${name}` : `  ${name} (${direction} is better)`, ...cells]);
  }
  table.push(['  duration', ...runs.map((r) => (r.durationMs === null ? '' : formatDuration(r.durationMs)))]);
  return `${table.toString()}\n* parameter: differs between runs; * metric: best of these runs\n`;
}

const exportCommand: CliCommand = {
  usage: 'export <sweep> --csv [--out FILE] [--db PATH]             runs of a sweep as CSV',
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { ...dbOption, csv: { type: 'boolean' }, out: { type: 'string', short: 'o' } },
      'export',
    );
    if (positionals.length !== 1) throw new UsageError('export: expected one sweep name or id');
    if (values.csv !== true) throw new UsageError('export: choose a format: --csv');
    const store = openReader(values.db, io);
    try {
      const sweep = store.getSweep(positionals[0]);
      if (sweep === undefined)
        throw new UsageError(`no sweep '${positionals[0]}' in ${store.path} (see \`rbm-lab list\`)`);
      const csv = runsToCsv(
        store.listRuns(sweep.id),
        sweep.sweptParams.filter((p) => p !== 'seed'),
      );
      if (values.out !== undefined) {
        writeFileSync(resolve(io.cwd, values.out), csv);
        io.stderr.write(`wrote ${sweep.totalRuns} runs to ${values.out}\n`);
      } else {
        io.stdout.write(csv);
      }
      return EXIT.ok;
    } finally {
      store.close();
    }
  },
};

export const BUILTIN_COMMANDS: Record<string, CliCommand> = {
  sweep: sweepCommand,
  list: listCommand,
  show: showCommand,
  compare: compareCommand,
  export: exportCommand,
  report: reportCommand,
};

function helpText(commands: Record<string, CliCommand>): string {
  const lines = ['usage: rbm-lab <command> [options]', '', 'commands:'];
  for (const [name, command] of Object.entries(commands))
    lines.push(`  ${name === command.usage.split(' ')[0] ? '' : `${name}: `}${command.usage}`);
  lines.push('', 'The database is --db PATH, else $RBM_LAB_DB, else <project root>/runs/rbm-lab.db.');
  return `${lines.join('\n')}\n`;
}

/** Runs one rbm-lab command; resolves with the process exit code. */
export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<number> {
  const io: CliIo = {
    stdout: options.io?.stdout ?? process.stdout,
    stderr: options.io?.stderr ?? process.stderr,
    // Under `npx nx run experiments:sweep`, the directory the user ran it in, not the workspace root.
    cwd: options.io?.cwd ?? invocationDirectory(process.env, process.cwd()),
    env: options.io?.env ?? process.env,
  };
  const commands = { ...BUILTIN_COMMANDS, ...options.extraCommands };
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(helpText(commands));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr.write(`error: unknown command '${name}'\n${helpText(commands)}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UserError) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}

function isMainModule(): boolean {
  if (process.argv[1] === undefined) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  // Let pending writes (pipes) drain: set the exit code rather than exiting at once.
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
