/**
 * bench/run-memory: the peak resident memory of single runs (each in its own
 * process, as a sweep's worker runs it) against estimateRunMemory's estimate.
 * Not a test: it prints the figures kept in bench/RESULTS.md, which calibrate
 * the estimate (it should stay within a factor of 2 of every measurement).
 *
 *   node --conditions=@rbm-lab/source --import tsx bench/run-memory.ts [case ...]
 *
 * Each case is a study of configs/ with --set overrides that shorten training
 * (memory does not grow with epochs) and picks one grid point.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { listModelSpecs } from '@rbm-lab/core';
import { estimateRunMemory, expandGrid, loadStudy, type RunConfig } from '@rbm-lab/experiments';
import { executeRun } from '../packages/experiments/src/runner/execute-run.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const configs = join(here, '..', 'configs');

/** name -> [study file, overrides]; the first grid point is run. */
const CASES: Record<string, [string, string[]]> = {
  'rbm-alphadigits-200': ['rbm-alphadigits.yaml', ['train.epochs=5']],
  'rbm-alphadigits-800x36': [
    'cross.yaml',
    ['train.epochs=5', 'sweep.grid={model.hidden_units: [800], dataset.n_characters: [36]}'],
  ],
  'rbm-alphadigits-2000-ais-10000': [
    'rbm-alphadigits.yaml',
    ['train.epochs=2', 'model.hidden_units=2000', 'train.ais_runs=10000', 'train.ais_betas=100'],
  ],
  'rbm-mnist-500': ['mnist.yaml', ['train.epochs=1']],
  'vae-mnist': [
    'alternative-models.yaml',
    [
      'dataset={name: mnist, validation_fraction: 0.1}',
      'sweep.zip={model: [{type: vae, hidden_units: [512], latent_dim: 32}], train: [{epochs: 1}]}',
      'sweep.seeds=1',
    ],
  ],
  'dnn-mnist-10000-500x500': [
    'dnn-pretraining.yaml',
    [
      'train.epochs=1',
      'train.pretrain_epochs=1',
      'sweep.grid={model.pretrain: [true], dataset.limit: [10000], model.layers: [[500, 500]]}',
    ],
  ],
  'dnn-mnist-60000-500x500': [
    'dnn-pretraining.yaml',
    [
      'train.epochs=1',
      'train.pretrain_epochs=1',
      'dataset.limit=60000',
      'sweep.grid={model.pretrain: [true], model.layers: [[500, 500]]}',
    ],
  ],
  'vae-alphadigits': [
    'alternative-models.yaml',
    ['sweep.zip={model: [{type: vae}], train: [{epochs: 3}]}', 'sweep.seeds=1'],
  ],
  'gan-alphadigits': [
    'alternative-models.yaml',
    ['sweep.zip={model: [{type: gan}], train: [{epochs: 3}]}', 'sweep.seeds=1'],
  ],
  'dbn-alphadigits': [
    'alternative-models.yaml',
    ['sweep.zip={model: [{type: dbn, layers: [500, 200]}], train: [{epochs: 3}]}', 'sweep.seeds=1'],
  ],
};

function configOf(name: string): RunConfig {
  const [file, overrides] = CASES[name];
  const specs = listModelSpecs();
  const { study } = loadStudy(file, specs, configs, { overrides });
  return expandGrid(study, specs)[0].config;
}

/** In the child: run the case, print its peak RSS (bytes) as JSON. */
async function child(name: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rbm-memory-'));
  try {
    const config = configOf(name);
    await executeRun({ runId: name, config, artifactDir: join(dir, 'run'), cacheDir: join(dir, 'cache') }, () => {});
    process.stdout.write(`${JSON.stringify({ peak: process.resourceUsage().maxRSS * 1024 })}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (process.argv.includes('--child')) return child(names[0]);
  const run = promisify(execFile);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  console.log('| case | measured peak RSS (MiB) | estimate (MiB) | estimate / measured |');
  console.log('| ---- | ---- | ---- | ---- |');
  for (const name of names.length > 0 ? names : Object.keys(CASES)) {
    const { stdout } = await run(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--child', name],
      { maxBuffer: 1 << 24, env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } },
    );
    const peak = (JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { peak: number }).peak;
    const estimate = estimateRunMemory(configOf(name)).bytes;
    console.log(`| ${name} | ${mib(peak)} | ${mib(estimate)} | ${(estimate / peak).toFixed(2)} |`);
  }
}

await main();
