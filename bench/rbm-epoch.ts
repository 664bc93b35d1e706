/**
 * bench/rbm-epoch: one CD-1 epoch of an RBM on binarized MNIST (60000 x 784,
 * 500 hidden, batch 100, learning rate 0.01) on every available compute path,
 * against scikit-learn's BernoulliRBM and numpy's float32 matmul measured in
 * the same run. Not a test: it prints figures for bench/RESULTS.md.
 *
 *   node --conditions=@rbm-lab/source --import tsx bench/rbm-epoch.ts [options]
 *
 * Options:
 *   --paths native-blas,wasm,cpu   paths to time (default: every available one)
 *   --subset wasm=3000,cpu=600     rows timed on slow paths, extrapolated to 60000
 *   --no-sklearn                   skip the Python reference
 *   --repeat 3                     epochs timed per path and by scikit-learn; the best is reported
 *   --parallel                     also time 2 concurrent 1-thread processes vs 1 process with 2 threads
 *   --worker                       (internal) time one native-blas epoch, print JSON
 */
import { execFile } from 'node:child_process';
import { writeFile, rm, mkdtemp } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadMnist, type Matrix } from '@rbm-lab/datasets';
import {
  availableComputePaths,
  blasThreadCount,
  createGemm,
  Rbm,
  rbmModelSchema,
  rbmTrainSchema,
  resolveHyperparameters,
  type ComputePath,
  type Gemm,
} from '@rbm-lab/core';

const run = promisify(execFile);
const HIDDEN = 500;
const BATCH = 100;
const LEARNING_RATE = 0.01;
const here = fileURLToPath(new URL('.', import.meta.url));

interface Args {
  paths?: ComputePath[];
  subset: Record<string, number>;
  sklearn: boolean;
  parallel: boolean;
  worker: boolean;
  repeat: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    subset: { wasm: 3000, cpu: 600, tensorflow: 60000 },
    sklearn: true,
    parallel: false,
    worker: false,
    repeat: 3,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--paths') args.paths = argv[++i].split(',') as ComputePath[];
    else if (arg === '--subset') {
      for (const part of argv[++i].split(',')) {
        const [path, rows] = part.split('=');
        args.subset[path] = Number(rows);
      }
    } else if (arg === '--no-sklearn') args.sklearn = false;
    else if (arg === '--parallel') args.parallel = true;
    else if (arg === '--repeat') args.repeat = Number(argv[++i]);
    else if (arg === '--worker') args.worker = true;
    else throw new Error(`unknown option ${arg}`);
  }
  return args;
}

/** FLOPs of one CD-1 step: 3 products of batch x nV x nH, the stacked gradient (2 batch) counts twice. */
function epochFlops(rows: number, nVisible: number): number {
  return 10 * rows * nVisible * HIDDEN;
}

function firstRows(x: Matrix, rows: number): Matrix {
  const n = Math.min(rows, x.rows);
  return { data: x.data.subarray(0, n * x.cols), rows: n, cols: x.cols };
}

function benchRbm(nVisible: number, gemm: Gemm): Rbm {
  // scikit-learn's BernoulliRBM has no momentum or weight decay: match it.
  return new Rbm(
    resolveHyperparameters(rbmModelSchema, { hidden_units: HIDDEN, visible_bias_init: 'zero' }, 'rbm model'),
    resolveHyperparameters(
      rbmTrainSchema,
      {
        epochs: 1,
        learning_rate: LEARNING_RATE,
        batch_size: BATCH,
        k: 1,
        momentum: 0,
        final_momentum: 0,
        weight_decay: 0,
      },
      'rbm train',
    ),
    { nVisible, seed: 1 },
    { gemm },
  );
}

/** Seconds for one epoch over x (fit includes the per-epoch monitoring on 2000 rows). */
async function timeEpoch(x: Matrix, gemm: Gemm): Promise<{ seconds: number; reconError: number }> {
  const rbm = benchRbm(x.cols, gemm);
  const started = performance.now();
  const result = await rbm.fit({ x });
  return { seconds: (performance.now() - started) / 1000, reconError: result.history[0].recon_error };
}

function sgemmGflops(gemm: Gemm, nVisible: number): Record<string, number> {
  const a = new Float32Array(BATCH * nVisible).map(() => Math.random());
  const w = new Float32Array(nVisible * HIDDEN).map(() => Math.random());
  const h = new Float32Array(2 * BATCH * HIDDEN).map(() => Math.random());
  const c = new Float32Array(Math.max(BATCH * HIDDEN, BATCH * nVisible, nVisible * HIDDEN));
  const cases: Record<string, [() => void, number]> = {
    v_w: [() => gemm.sgemm(false, false, BATCH, HIDDEN, nVisible, 1, a, w, 0, c), 2 * BATCH * nVisible * HIDDEN],
    h_wT: [() => gemm.sgemm(false, true, BATCH, nVisible, HIDDEN, 1, h, w, 0, c), 2 * BATCH * nVisible * HIDDEN],
    vT_h_stacked: [
      () => gemm.sgemm(true, false, nVisible, HIDDEN, BATCH, 1, a, h, 0, c),
      2 * BATCH * nVisible * HIDDEN,
    ],
  };
  const result: Record<string, number> = {};
  for (const [name, [product, flops]] of Object.entries(cases)) {
    for (let i = 0; i < 3; i++) product();
    // Best of 3 trials of >= 0.3 s each (few products on the slow tfjs paths, hundreds on BLAS).
    let best = 0;
    for (let trial = 0; trial < 3; trial++) {
      const started = performance.now();
      let count = 0;
      while (performance.now() - started < 300) {
        product();
        count++;
      }
      best = Math.max(best, (flops * count) / ((performance.now() - started) / 1000) / 1e9);
    }
    result[name] = best;
  }
  return result;
}

async function loadData(): Promise<Matrix> {
  const set = await loadMnist({ split: 'train', binarize: { kind: 'threshold', threshold: 127 } });
  return set.images;
}

async function worker(): Promise<void> {
  const x = await loadData();
  const gemm = await createGemm('native-blas');
  const { seconds } = await timeEpoch(x, gemm);
  console.log(JSON.stringify({ seconds, threads: blasThreadCount() }));
}

async function spawnWorker(threads: number): Promise<number> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=@rbm-lab/source', '--import', 'tsx', join(here, 'rbm-epoch.ts'), '--worker'],
    {
      env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), RBM_LAB_BLAS_THREADS: String(threads) },
      maxBuffer: 1 << 20,
    },
  );
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { seconds: number }).seconds;
}

const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.worker) return worker();

  const load = loadavg();
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}`,
  );
  console.log(`load average at start: ${load.map((l) => l.toFixed(2)).join(' ')}`);
  const x = await loadData();
  console.log(
    `data: binarized MNIST train ${x.rows} x ${x.cols}; RBM ${HIDDEN} hidden, CD-1, batch ${BATCH}, lr ${LEARNING_RATE}`,
  );
  const flops = epochFlops(x.rows, x.cols);
  console.log(`matrix products per epoch: ${fmt(flops / 1e9, 0)} GFLOP`);

  let sklearn:
    | {
        sklearn_seconds: number;
        sklearn_all_seconds: number[];
        numpy_matmul_gflops: Record<string, number>;
        sklearn_version: string;
      }
    | undefined;
  if (args.sklearn) {
    const dir = await mkdtemp(join(tmpdir(), 'rbm-bench-'));
    try {
      const file = join(dir, 'mnist.f32');
      await writeFile(file, Buffer.from(x.data.buffer, x.data.byteOffset, x.rows * x.cols * 4));
      const { stdout } = await run(
        '/usr/bin/python3',
        [
          join(here, 'sklearn_rbm_epoch.py'),
          file,
          String(x.rows),
          String(x.cols),
          String(HIDDEN),
          String(BATCH),
          String(LEARNING_RATE),
          String(args.repeat),
        ],
        { maxBuffer: 1 << 20 },
      );
      sklearn = JSON.parse(stdout.trim());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const np = sklearn!.numpy_matmul_gflops;
    console.log(
      `scikit-learn ${sklearn!.sklearn_version} BernoulliRBM: best ${fmt(sklearn!.sklearn_seconds)} s/epoch (${sklearn!.sklearn_all_seconds
        .map((t) => fmt(t))
        .join(', ')}); numpy float32 matmul GFLOP/s: ` +
        Object.entries(np)
          .map(([k, v]) => `${k} ${fmt(v, 0)}`)
          .join(', '),
    );
  }
  const numpyBest = sklearn ? Math.max(...Object.values(sklearn.numpy_matmul_gflops)) : Number.NaN;

  const paths = args.paths ?? (await availableComputePaths());
  console.log('');
  console.log(
    '| path | rows timed | s/epoch (60000 rows) | ratio to sklearn | GFLOP/s | of sgemm peak | of numpy matmul | recon error |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  let nativePeak = Number.NaN;
  for (const path of paths) {
    const gemm = await createGemm(path);
    const peak = sgemmGflops(gemm, x.cols);
    const best = Math.max(...Object.values(peak));
    if (path === 'native-blas') nativePeak = best;
    const rows = Math.min(args.subset[path] ?? x.rows, x.rows);
    // Slow paths (extrapolated from a subset) are timed once.
    const repeats = rows < x.rows ? 1 : args.repeat;
    const times: number[] = [];
    let reconError = Number.NaN;
    for (let i = 0; i < repeats; i++) {
      const timing = await timeEpoch(firstRows(x, rows), gemm);
      times.push(timing.seconds);
      reconError = timing.reconError;
    }
    const seconds = Math.min(...times);
    const perEpoch = (seconds * x.rows) / rows;
    const gflops = flops / perEpoch / 1e9;
    console.log(
      `| ${path} (${gemm.detail}) | ${rows}${rows < x.rows ? ' (extrapolated)' : ''} | ${fmt(perEpoch)} | ${
        sklearn ? fmt(perEpoch / sklearn.sklearn_seconds) : 'n/a'
      } | ${fmt(gflops, 1)} | ${fmt(gflops / best)} | ${fmt(gflops / numpyBest)} | ${fmt(reconError, 4)} |`,
    );
    console.log(
      `|   ${path}: epochs timed ${times.map((t) => fmt((t * x.rows) / rows)).join(', ')} s; sgemm GFLOP/s ${Object.entries(
        peak,
      )
        .map(([k, v]) => `${k} ${fmt(v, 1)}`)
        .join(', ')} | | | | | | | |`,
    );
  }
  if (Number.isFinite(nativePeak)) {
    console.log(`\nmatmul limit (epoch FLOPs at the best native sgemm rate): ${fmt(flops / nativePeak / 1e9)} s`);
  }

  if (args.parallel) {
    console.log('\nparallel runs (native-blas, full epoch each):');
    const startedOne = performance.now();
    const a = await spawnWorker(2);
    const b = await spawnWorker(2);
    const oneAtATime = (performance.now() - startedOne) / 1000;
    const startedTwo = performance.now();
    const [c, d] = await Promise.all([spawnWorker(1), spawnWorker(1)]);
    const twoAtOnce = (performance.now() - startedTwo) / 1000;
    console.log(
      `  --jobs 1 style: two runs one after another, 2 BLAS threads each: epochs ${fmt(a)} s + ${fmt(b)} s, wall ${fmt(oneAtATime)} s (incl. process start and data load)`,
    );
    console.log(
      `  --jobs 2 style: two runs at once, 1 BLAS thread each: epochs ${fmt(c)} s and ${fmt(d)} s, wall ${fmt(twoAtOnce)} s`,
    );
    console.log(
      `  speed-up of --jobs 2 over --jobs 1: ${fmt(oneAtATime / twoAtOnce)}x (epoch time only: ${fmt((a + b) / Math.max(c, d))}x)`,
    );
  }
  console.log(
    `\nload average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
