import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { encodePngGrid } from '@rbm-lab/datasets';
import { formatDuration } from '../runner/progress.js';
import type { RunRecord, RunStoreReader } from '../store/types.js';
import {
  type CliCommand,
  dbOption,
  EXIT,
  findRun,
  optionalOutputFile,
  parse,
  UsageError,
  withReader,
} from './common.js';
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

/**
 * Writes a run's generated samples (the final grid, or the one drawn at `epoch` during training) as a PNG.
 * Samples live in the database, so this is how a user gets the picture out.
 */
async function writeSamplesPng(
  store: RunStoreReader,
  run: RunRecord,
  file: string,
  epoch: number | undefined,
): Promise<string> {
  const grid = await store.getSamples(run.id, epoch === undefined ? {} : { epoch });
  if (grid === undefined) {
    const epochs = await store.listSampleEpochs(run.id);
    const which = epoch === undefined ? 'final samples' : `samples at epoch ${epoch}`;
    const known = epochs.length > 0 ? ` (samples exist at epochs ${epochs.join(', ')})` : '';
    throw new UsageError(`show --samples: run ${run.id} has no ${which}${known}`);
  }
  const images = { rows: grid.n, cols: grid.height * grid.width, data: grid.data };
  writeFileSync(file, encodePngGrid(images, { height: grid.height, width: grid.width }));
  return `wrote ${grid.n} samples${epoch === undefined ? '' : ` of epoch ${epoch}`} (${grid.height}x${grid.width}) to ${file}`;
}

const showCommand: CliCommand = {
  usage: 'show <run> [--samples FILE.png [--epoch N]] [--db URL]         one run: config, metrics, warnings, artifacts',
  help: `usage: rbm-lab show <run> [--samples FILE.png [--epoch N]] [--db URL]

Prints one run: status, backend, metrics, warnings, per-epoch curves, artifacts and its config.
  --samples FILE  also write the run's generated samples as a PNG grid (they are kept in the database)
  --epoch N       with --samples: the samples drawn at epoch N during training (eval.sample_every)
  --db URL        database (default $RBM_LAB_DB, else runs/rbm-lab.db)`,
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { ...dbOption, samples: { type: 'string' }, epoch: { type: 'string' } },
      'show',
    );
    if (positionals.length !== 1) throw new UsageError('show: expected one run id (or unique prefix)');
    const epoch = values.epoch === undefined ? undefined : Number(values.epoch);
    if (epoch !== undefined && (!Number.isInteger(epoch) || epoch < 1 || values.samples === undefined)) {
      throw new UsageError(`show: --epoch expects a whole number >= 1, together with --samples; got '${values.epoch}'`);
    }
    const samplesFile = optionalOutputFile(values.samples, io, 'show --samples');
    await withReader(values.db, io, async (store) => {
      const run = await findRun(store, positionals[0]);
      if (samplesFile !== undefined) io.stderr.write(`${await writeSamplesPng(store, run, samplesFile, epoch)}\n`);
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
