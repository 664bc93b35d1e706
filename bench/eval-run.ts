/**
 * bench/eval-run: wall time of one whole run (training, evaluation, sampling,
 * quality scoring) for a small AlphaDigits RBM and a 2-epoch MNIST RBM, as a
 * sweep worker executes it. Not a test: it prints figures for bench/RESULTS.md.
 *
 *   node --conditions=@rbm-lab/source --import tsx bench/eval-run.ts [--cases alphadigits,mnist] [--repeat 2]
 *
 * Each case runs in its own process, `repeat` times with one classifier cache,
 * so the first repetition includes training the quality classifier and the
 * later ones do not (that is the cost of every run but the first in a folder).
 * The per-phase seconds are the run's own `*_seconds` metrics where the code
 * records them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { listModelSpecs } from '@rbm-lab/core';
import { expandGrid, type Study } from '@rbm-lab/experiments';
import { executeRun } from '../packages/experiments/src/runner/execute-run.js';

const run = promisify(execFile);

const CASES: Record<string, Study> = {
  // The default AlphaDigits RBM of the studies (200 hidden units, 5 characters).
  alphadigits: {
    name: 'bench-alphadigits',
    dataset: { name: 'alphadigits', characters: ['A', 'B', 'C', 'D', 'E'] },
    model: { type: 'rbm', hidden_units: 200 },
    train: { epochs: 30, learning_rate: 0.1, batch_size: 10, ais_runs: 100, ais_betas: 5000 },
    eval: { n_samples: 36, gibbs_steps: 1000 },
  },
  // The case: a 2-epoch 784-50 MNIST RBM with mnist.yaml's evaluation settings.
  mnist: {
    name: 'bench-mnist',
    dataset: { name: 'mnist', validation_fraction: 0.05, test_limit: 10000 },
    model: { type: 'rbm', hidden_units: 50 },
    train: { epochs: 2, learning_rate: 0.05, batch_size: 100, ais_runs: 100, ais_betas: 5000 },
    eval: { n_samples: 64, gibbs_steps: 1000 },
  },
};

interface CaseResult {
  wallSeconds: number;
  phases: Record<string, number>;
}

async function runCase(name: string, cacheDir: string): Promise<CaseResult> {
  const study = CASES[name];
  if (study === undefined) throw new Error(`unknown case ${name} (known: ${Object.keys(CASES).join(', ')})`);
  const [plan] = expandGrid(study, listModelSpecs());
  const artifactDir = await mkdtemp(join(tmpdir(), 'eval-run-'));
  const started = performance.now();
  try {
    const result = await executeRun({ runId: plan.id, config: plan.config, artifactDir, cacheDir }, () => {});
    const phases = Object.fromEntries(Object.entries(result.metrics).filter(([key]) => key.endsWith('_seconds')));
    return { wallSeconds: (performance.now() - started) / 1000, phases };
  } finally {
    await rm(artifactDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const option = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv[0] === '--worker') {
    process.stdout.write(`${JSON.stringify(await runCase(argv[1], argv[2]))}\n`);
    return;
  }
  const cases = (option('--cases') ?? 'alphadigits,mnist').split(',');
  const repeat = Number(option('--repeat') ?? 2);
  const self = fileURLToPath(import.meta.url);
  console.log(`machine: ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, Node ${process.version}`);
  for (const name of cases) {
    const cacheDir = await mkdtemp(join(tmpdir(), 'eval-run-cache-'));
    try {
      for (let r = 1; r <= repeat; r++) {
        const load = loadavg()[0].toFixed(1);
        const { stdout } = await run(
          process.execPath,
          ['--conditions=@rbm-lab/source', '--import', 'tsx', self, '--worker', name, cacheDir],
          { maxBuffer: 1 << 24 },
        );
        const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as CaseResult;
        const phases = Object.entries(result.phases)
          .map(([key, value]) => `${key}=${value.toFixed(1)}`)
          .join(' ');
        const note = r === 1 ? ' (trains the quality classifier)' : '';
        console.log(`${name} #${r}${note}: ${result.wallSeconds.toFixed(1)} s  load ${load}  ${phases}`);
      }
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  }
}

await main();
