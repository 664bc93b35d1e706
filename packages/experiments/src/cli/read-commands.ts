import { stringify } from 'yaml';
import { formatDuration } from '../runner/progress.js';
import type { RunRecord, RunStoreReader } from '../store/types.js';
import { type CliCommand, dbOption, EXIT, findRun, parse, UsageError, withReader } from './common.js';
import { formatNumber, formatValue } from './format.js';
import { compareCommand } from './compare-command.js';
import { exportCommand } from './export-command.js';
import { listCommand } from './list-command.js';

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

export const READ_COMMANDS: Record<string, CliCommand> = {
  list: listCommand,
  show: showCommand,
  compare: compareCommand,
  export: exportCommand,
};
