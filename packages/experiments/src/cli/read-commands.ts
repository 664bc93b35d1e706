/** list, show, compare, export: read-only commands over the run store. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { metricDirection } from '../metric-direction.js';
import { formatDuration } from '../runner/progress.js';
import { checkOutputFile } from '../store/fs-checks.js';
import type { RunRecord, RunStoreReader } from '../store/types.js';
import { type CliCommand, dbOption, EXIT, findRun, parse, UsageError, withReader } from './common.js';
import { bestIndex, formatCell, formatNumber, formatValue, plainTable, runsToCsv } from './format.js';

async function listSweeps(store: RunStoreReader): Promise<string> {
  const sweeps = await store.listSweeps();
  if (sweeps.length === 0) {
    return `no sweeps yet in ${store.location}; start one with \`rbm-lab sweep configs/hidden.yaml\`\n`;
  }
  const table = plainTable([
    'sweep',
    'id',
    'finished',
    'running',
    'queued',
    'failed',
    'interrupted',
    'best',
    'updated',
  ]);
  for (const s of sweeps) {
    table.push([
      s.name,
      s.id,
      `${s.counts.finished}/${s.totalRuns}`,
      s.counts.running,
      s.counts.pending,
      s.counts.failed,
      s.counts.interrupted,
      s.best ? `${s.mainMetric.name}=${formatNumber(s.best.value)}` : '',
      s.updatedAt.replace('T', ' ').slice(0, 19),
    ]);
  }
  return `${table.toString()}\n`;
}

async function listRuns(store: RunStoreReader, idOrName: string): Promise<string> {
  const sweep = await store.getSweep(idOrName);
  if (sweep === undefined) throw new UsageError(`no sweep '${idOrName}' in ${store.location} (see \`rbm-lab list\`)`);
  const runs = await store.listRuns(sweep.id);
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
  return `${table.toString()}\n`;
}

const listCommand: CliCommand = {
  usage: 'list [sweep] [--db URL]                                   sweeps, or the runs of one sweep',
  async run(args, io) {
    const { values, positionals } = parse(args, dbOption, 'list');
    await withReader(values.db, io, async (store) => {
      io.stdout.write(positionals.length === 0 ? await listSweeps(store) : await listRuns(store, positionals[0]));
    });
    return EXIT.ok;
  },
};

async function describeRun(store: RunStoreReader, run: RunRecord): Promise<string[]> {
  const sweep = await store.getSweep(run.sweepId);
  const out: string[] = [];
  out.push(`run ${run.id} (#${run.index} of sweep '${sweep?.name ?? run.sweepId}')`);
  out.push(`status:   ${run.status}${run.status === 'running' ? ` (epoch ${run.epoch}/${run.epochs})` : ''}`);
  out.push(`attempts: ${run.attempts}${run.worker === null ? '' : `   worker: ${run.worker}`}`);
  out.push(`seed:     ${run.seed}`);
  out.push(`backend:  ${run.backend ?? '-'}${run.backendDetail ? ` (${run.backendDetail})` : ''}`);
  out.push(`git:      ${run.gitCommit ?? '-'}`);
  out.push(
    `started:  ${run.startedAt ?? '-'}   ended: ${run.endedAt ?? '-'}   duration: ${run.durationMs === null ? '-' : formatDuration(run.durationMs)}`,
  );
  if (run.tags.length > 0) out.push(`tags:     ${run.tags.join(', ')}`);
  if (run.note !== null) out.push(`note:     ${run.note}`);
  if (Object.keys(run.params).length > 0) {
    out.push('swept parameters:');
    for (const [k, v] of Object.entries(run.params)) out.push(`  ${k}: ${formatValue(v)}`);
  }
  if (Object.keys(run.metrics).length > 0) {
    out.push('final metrics:');
    for (const [k, v] of Object.entries(run.metrics)) out.push(`  ${k}: ${formatNumber(v)}`);
  }
  if (run.warnings.length > 0) {
    out.push('warnings:');
    for (const w of run.warnings) out.push(`  ${w.code}: ${w.message}`);
  }
  if (Object.keys(run.cost).length > 0) {
    out.push(
      `cost (s): ${Object.entries(run.cost)
        .map(([phase, s]) => `${phase} ${formatNumber(s)}`)
        .join(', ')}`,
    );
  }
  return out;
}

const showCommand: CliCommand = {
  usage: 'show <run> [--db URL]                                     one run: config, metrics, warnings, artifacts',
  async run(args, io) {
    const { values, positionals } = parse(args, dbOption, 'show');
    if (positionals.length !== 1) throw new UsageError('show: expected one run id (or unique prefix)');
    await withReader(values.db, io, async (store) => {
      const run = await findRun(store, positionals[0]);
      const out = await describeRun(store, run);
      const curves = await store.getEpochMetrics(run.id);
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
      const artifacts = await store.listArtifacts(run.id);
      if (artifacts.length > 0) {
        out.push('artifacts:');
        for (const a of artifacts) {
          out.push(`  ${a.kind}: ${a.inDatabase ? `${a.path} (in the database)` : store.resolveArtifactPath(a)}`);
        }
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
    });
    return EXIT.ok;
  },
};

const compareCommand: CliCommand = {
  usage: 'compare <run> <run> ... [--db URL]                        parameters (* = differs) and metrics (* = best)',
  async run(args, io) {
    const { values, positionals } = parse(args, dbOption, 'compare');
    if (positionals.length < 2) throw new UsageError('compare: expected at least two run ids (or unique prefixes)');
    await withReader(values.db, io, async (store) => {
      const runs: RunRecord[] = [];
      for (const p of positionals) runs.push(await findRun(store, p));
      const sweepIds = [...new Set(runs.map((r) => r.sweepId))];
      const main = sweepIds.length === 1 ? (await store.getSweep(sweepIds[0]))?.mainMetric : undefined;
      io.stdout.write(compareRuns(runs, main));
    });
    return EXIT.ok;
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
  usage: 'export <sweep> --csv [--out FILE] [--db URL]              runs of a sweep as CSV',
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { ...dbOption, csv: { type: 'boolean' }, out: { type: 'string', short: 'o' } },
      'export',
    );
    if (positionals.length !== 1) throw new UsageError('export: expected one sweep name or id');
    if (values.csv !== true) throw new UsageError('export: choose a format: --csv');
    // Checked before the database is opened: a bad --out path costs nothing.
    const out =
      values.out === undefined
        ? undefined
        : checkOutputFile(resolve(io.cwd, values.out), 'export --out', { createFolder: false });
    await withReader(values.db, io, async (store) => {
      const sweep = await store.getSweep(positionals[0]);
      if (sweep === undefined)
        throw new UsageError(`no sweep '${positionals[0]}' in ${store.location} (see \`rbm-lab list\`)`);
      const runs = await store.listRuns(sweep.id);
      const csv = runsToCsv(
        runs,
        sweep.sweptParams.filter((p) => p !== 'seed'),
      );
      if (out === undefined) {
        io.stdout.write(csv);
        return;
      }
      try {
        writeFileSync(out, csv);
      } catch (error) {
        throw new UsageError(`export --out ${values.out}: cannot write (${(error as NodeJS.ErrnoException).code})`);
      }
      io.stderr.write(`wrote ${runs.length} runs to ${values.out}\n`);
    });
    return EXIT.ok;
  },
};

export const READ_COMMANDS: Record<string, CliCommand> = {
  list: listCommand,
  show: showCommand,
  compare: compareCommand,
  export: exportCommand,
};
