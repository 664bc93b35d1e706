/**
 * bench/mlp-epoch: the feed-forward models on the nn engine (core/src/nn) against
 * PyTorch on the same machine, data and thread count, measured in the same run.
 * Not a test: it prints figures for bench/RESULTS.md.
 *
 *   node --conditions=@rbm-lab/source --import tsx bench/mlp-epoch.ts [options]
 *
 * - dnn: 784-200-10 sigmoid classifier on 10000 binarized MNIST images, 20 epochs,
 *   batch 50, SGD momentum 0.5, lr 0.1, no pre-training: Dnn.fit (with its
 *   per-epoch training-set error and loss), and the bare training loop;
 * - ae / vae: one Adam step of the default autoencoder and VAE (784-256-16,
 *   batch 64), averaged over `--steps` steps.
 *
 * Options:
 *   --threads 1          BLAS and torch threads (a sweep with --jobs 2 on 2 cores gives each run 1)
 *   --path native-blas   compute path (default: the one initBackend picks)
 *   --epochs 20 --steps 300 --no-torch
 *   --repeat 2           rounds of (PyTorch, ours), alternated so both see similar load; the best of each is kept
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadMnist, type Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import {
  Autoencoder,
  type ComputePath,
  configureOpenblasCoreType,
  DenseNetwork,
  dnnSpec,
  gatherRowsInto,
  initBackend,
  initializedGemm,
  SgdMomentum,
  trainClassifierBatch,
  Vae,
} from '@rbm-lab/core';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const ROWS = 10000;
const BATCH = 50;
const LEARNING_RATE = 0.1;
const MOMENTUM = 0.5;
const GENERATOR_BATCH = 64;

interface Args {
  threads: number;
  path?: ComputePath;
  epochs: number;
  steps: number;
  torch: boolean;
  repeat: number;
}

interface TorchFigures {
  torch: string | null;
  message?: string;
  threads: number;
  dnn_seconds: number;
  dnn_train_error: number;
  dnn_train_only_seconds: number;
  ae_step_seconds: number;
  vae_step_seconds: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { threads: 1, epochs: 20, steps: 300, torch: true, repeat: 2 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--threads') args.threads = Number(argv[++i]);
    else if (arg === '--path') args.path = argv[++i] as ComputePath;
    else if (arg === '--epochs') args.epochs = Number(argv[++i]);
    else if (arg === '--steps') args.steps = Number(argv[++i]);
    else if (arg === '--no-torch') args.torch = false;
    else if (arg === '--repeat') args.repeat = Number(argv[++i]);
    else throw new Error(`unknown option ${arg}`);
  }
  return args;
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

async function timeDnnFit(x: Matrix, labels: Int32Array, epochs: number): Promise<{ seconds: number; error: number }> {
  const dnn = dnnSpec.create(
    { layers: [200], pretrain: false },
    { epochs, learning_rate: LEARNING_RATE, momentum: MOMENTUM, batch_size: BATCH, optimizer: 'sgd' },
    { nVisible: x.cols, seed: 1, backend: await initBackend() },
  );
  let error = Number.NaN;
  const time = await seconds(async () => {
    const result = await dnn.fit({ x, labels, nClasses: 10 });
    error = result.history[result.history.length - 1].train_error;
  });
  return { seconds: time, error };
}

/** The same loop with the engine's pieces only: no per-epoch scoring, no event-loop yields. */
async function timeTrainingLoop(x: Matrix, labels: Int32Array, epochs: number): Promise<number> {
  const gemm = await initializedGemm();
  const network = new DenseNetwork(x.cols, [
    { units: 200, activation: 'sigmoid' },
    { units: 10, activation: 'linear' },
  ]);
  const rng = new Xoshiro128(1);
  network.initialize(() => rng.nextFloat());
  const optimizer = new SgdMomentum(gemm, network.parameters.length, LEARNING_RATE, MOMENTUM);
  const batchX = new Float32Array(BATCH * x.cols);
  const batchLabels = new Int32Array(BATCH);
  const order = Int32Array.from({ length: x.rows }, (_, i) => i);
  return seconds(async () => {
    for (let epoch = 0; epoch < epochs; epoch++) {
      rng.shuffle(order);
      for (let start = 0; start < x.rows; start += BATCH) {
        const end = Math.min(x.rows, start + BATCH);
        gatherRowsInto(x, order, start, end, batchX);
        for (let i = start; i < end; i++) batchLabels[i - start] = labels[order[i]];
        trainClassifierBatch(gemm, network, optimizer, batchX, batchLabels, end - start);
      }
    }
  });
}

/** Seconds per Adam step of a default autoencoder or VAE: one epoch of `steps` batches through fit. */
async function timeGeneratorStep(kind: 'ae' | 'vae', x: Matrix, steps: number): Promise<number> {
  const rows = Math.min(x.rows, steps * GENERATOR_BATCH);
  const subset: Matrix = { data: x.data.subarray(0, rows * x.cols), rows, cols: x.cols };
  const hyperparameters = { hidden_units: [256], latent_dim: 16, epochs: 1, batch_size: GENERATOR_BATCH };
  const context = { nVisible: x.cols, seed: 1 };
  const model = kind === 'ae' ? new Autoencoder(hyperparameters, context) : new Vae(hyperparameters, context);
  return (await seconds(() => model.fit({ x: subset }))) / Math.ceil(rows / GENERATOR_BATCH);
}

async function torchFigures(x: Matrix, labels: Int32Array, args: Args): Promise<TorchFigures | undefined> {
  if (!args.torch) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'mlp-bench-'));
  try {
    const base = join(dir, 'mnist');
    await writeFile(`${base}.x`, Buffer.from(x.data.buffer, x.data.byteOffset, x.rows * x.cols * 4));
    await writeFile(`${base}.y`, Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength));
    const { stdout } = await run(
      '/usr/bin/python3',
      [
        join(here, 'torch_mlp_epoch.py'),
        base,
        String(x.rows),
        String(args.threads),
        String(args.epochs),
        String(BATCH),
        String(LEARNING_RATE),
        String(MOMENTUM),
        String(args.steps),
      ],
      { maxBuffer: 1 << 20, env: { ...process.env, OMP_NUM_THREADS: String(args.threads) } },
    );
    const figures = JSON.parse(stdout.trim().split('\n').pop() as string) as TorchFigures;
    if (figures.torch === null) {
      console.log(`PyTorch column skipped: ${figures.message}`);
      return undefined;
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (value: number | undefined, digits = 2): string =>
  value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Before PyTorch's python starts (Debian's links OpenBLAS), so both run the same OpenBLAS kernels.
  const openblasKernels = configureOpenblasCoreType() ?? "OpenBLAS's own choice";
  const backend = await initBackend({ path: args.path, blasThreads: args.threads });
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}`,
  );
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(`compute path: ${backend.path} (${backend.detail}); threads: ${args.threads}`);
  console.log(`OpenBLAS kernels (native-blas and PyTorch): ${openblasKernels}`);
  const set = await loadMnist({ split: 'train', limit: ROWS, binarize: { kind: 'threshold', threshold: 127 } });
  const x = set.images;
  const labels = set.labels as Int32Array;

  let torch: TorchFigures | undefined;
  const best = {
    fit: Number.POSITIVE_INFINITY,
    error: Number.NaN,
    loop: Number.POSITIVE_INFINITY,
    ae: Number.POSITIVE_INFINITY,
    vae: Number.POSITIVE_INFINITY,
  };
  for (let round = 0; round < args.repeat; round++) {
    const figures = await torchFigures(x, labels, args);
    if (figures) torch = torch ? bestOf(torch, figures) : figures;
    const fitRun = await timeDnnFit(x, labels, args.epochs);
    best.fit = Math.min(best.fit, fitRun.seconds);
    best.error = fitRun.error;
    best.loop = Math.min(best.loop, await timeTrainingLoop(x, labels, args.epochs));
    best.ae = Math.min(best.ae, await timeGeneratorStep('ae', x, args.steps));
    best.vae = Math.min(best.vae, await timeGeneratorStep('vae', x, args.steps));
    console.log(
      `round ${round + 1}: load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  }
  if (torch) console.log(`PyTorch ${torch.torch}, ${torch.threads} thread(s)`);
  const { fit: fitSeconds, loop, ae, vae } = best;
  const fit = { seconds: fitSeconds, error: best.error };

  const rows: Array<[string, number, number | undefined, string]> = [
    [
      `DNN 784-200-10, ${args.epochs} epochs, Dnn.fit with per-epoch train scoring (s)`,
      fit.seconds,
      torch?.dnn_seconds,
      `final train error ${fmt(fit.error, 4)} vs ${fmt(torch?.dnn_train_error, 4)}`,
    ],
    [`DNN same, training loop only (s)`, loop, torch?.dnn_train_only_seconds, ''],
    ['autoencoder 784-256-16, one Adam step, batch 64 (ms)', ae * 1000, scale(torch?.ae_step_seconds), ''],
    ['VAE 784-256-16, one Adam step, batch 64 (ms)', vae * 1000, scale(torch?.vae_step_seconds), ''],
  ];
  console.log('\n| measurement | ours | PyTorch | ours / PyTorch | note |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, ours, theirs, note] of rows) {
    const ratio = theirs === undefined ? undefined : ours / theirs;
    console.log(`| ${name} | ${fmt(ours)} | ${fmt(theirs)} | ${fmt(ratio)} | ${note} |`);
  }
  console.log(
    `\nload average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

/** The faster of two PyTorch runs, figure by figure. */
function bestOf(a: TorchFigures, b: TorchFigures): TorchFigures {
  return {
    ...b,
    dnn_seconds: Math.min(a.dnn_seconds, b.dnn_seconds),
    dnn_train_only_seconds: Math.min(a.dnn_train_only_seconds, b.dnn_train_only_seconds),
    ae_step_seconds: Math.min(a.ae_step_seconds, b.ae_step_seconds),
    vae_step_seconds: Math.min(a.vae_step_seconds, b.vae_step_seconds),
  };
}

function scale(secondsPerStep: number | undefined): number | undefined {
  return secondsPerStep === undefined ? undefined : secondsPerStep * 1000;
}

await main();
