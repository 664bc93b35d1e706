/**
 * bench/rbm-epoch: one CD-1 epoch of an RBM on binarized MNIST (60000 x 784,
 * 500 hidden, batch 100, learning rate 0.01) on every available compute path,
 * against scikit-learn's BernoulliRBM and numpy's float32 matmul measured in
 * the same run, and against each path's own sgemm limit (the epoch's FLOPs at
 * the best rate the path's sgemm reaches on the epoch's own shapes, measured
 * just before its epochs). Not a test: it prints figures for bench/RESULTS.md.
 *
 *   node --conditions=@rbm-lab/source --import tsx bench/rbm-epoch.ts [options]
 *   RBM_LAB_BACKEND=wasm-sgemm node ... bench/rbm-epoch.ts   # only the no-system-package path
 *
 * Options:
 *   --paths native-blas,wasm-sgemm  paths to time (default: RBM_LAB_BACKEND, else every available one)
 *   --subset wasm=3000,cpu=600      rows timed on slow paths, extrapolated to 60000
 *   --threads 2                     threads of native-blas and wasm-sgemm (default: all cores)
 *   --no-sklearn                    skip the Python reference
 *   --repeat 3                      epochs timed per path and by scikit-learn; the best is reported
 *   --parallel                      also time 2 concurrent 1-thread processes vs 1 process with 2 threads
 *                                   (on the first timed path that has threads: native-blas or wasm-sgemm)
 *   --breakdown                     also time one epoch with every product timed: where the epoch goes
 *   --cpu-time                      the breakdown in process CPU seconds instead of wall time: steadier on a
 *                                   loaded machine, meaningful with --threads 1 (BLAS threads spin)
 *   --worker PATH                   (internal) time one epoch on PATH, print JSON
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
  BACKEND_ENV,
  computeThreads,
  configureOpenblasCoreType,
  createGemm,
  Rbm,
  rbmModelSchema,
  rbmTrainSchema,
  resolveHyperparameters,
  SimdWorkspace,
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
  worker?: ComputePath;
  threads?: number;
  repeat: number;
  breakdown: boolean;
  cpuTime: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    subset: { wasm: 3000, cpu: 600, tensorflow: 60000 },
    sklearn: true,
    parallel: false,
    repeat: 3,
    breakdown: false,
    cpuTime: false,
  };
  const forced = process.env[BACKEND_ENV];
  if (forced) args.paths = [forced as ComputePath];
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
    else if (arg === '--breakdown') args.breakdown = true;
    else if (arg === '--cpu-time') args.cpuTime = true;
    else if (arg === '--repeat') args.repeat = Number(argv[++i]);
    else if (arg === '--worker') args.worker = argv[++i] as ComputePath;
    else if (arg === '--threads') args.threads = Number(argv[++i]);
    else throw new Error(`unknown option ${arg}`);
  }
  return args;
}

/** FLOPs of one CD-1 epoch: per batch 3 products of batch x nV x nH, the stacked gradient (2 batch) counts twice. */
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

/** Seconds and FLOPs per kind of call, collected by timedGemm. */
type CallTimes = Map<string, { calls: number; seconds: number; flops: number }>;

/** A clock in seconds: wall time, or this process's CPU time (all threads). */
type Clock = () => number;
const wallClock: Clock = () => performance.now() / 1000;
const cpuClock: Clock = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** gemm with every call timed into `times` (keyed by transposes and shape); in-place memory is kept. */
function timedGemm(gemm: Gemm, times: CallTimes, clock: Clock): Gemm {
  const record = (key: string, flops: number, started: number): void => {
    const entry = times.get(key) ?? { calls: 0, seconds: 0, flops: 0 };
    entry.calls++;
    entry.seconds += clock() - started;
    entry.flops += flops;
    times.set(key, entry);
  };
  return {
    path: gemm.path,
    detail: gemm.detail,
    sgemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      const started = clock();
      gemm.sgemm(transA, transB, m, n, k, alpha, a, b, beta, c);
      record(`sgemm ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} ${m}x${n}x${k}`, 2 * m * n * k, started);
    },
    saxpy(n, alpha, x, y) {
      const started = clock();
      gemm.saxpy(n, alpha, x, y);
      record(`saxpy ${n}`, 2 * n, started);
    },
    dispose: () => gemm.dispose(),
    workspaceMemory: gemm.workspaceMemory?.bind(gemm),
  };
}

/** One epoch with every call timed: the time per kind of call and what is left for everything else. */
async function printBreakdown(x: Matrix, gemm: Gemm, clock: Clock): Promise<void> {
  const times: CallTimes = new Map();
  const started = clock();
  await timeEpoch(x, timedGemm(gemm, times, clock));
  const seconds = clock() - started;
  const unit = clock === cpuClock ? 'CPU s' : 's';
  let inCalls = 0;
  for (const [key, { calls, seconds: s, flops }] of [...times].sort((p, q) => q[1].seconds - p[1].seconds)) {
    inCalls += s;
    if (s < 0.005) continue;
    console.log(
      `|   ${gemm.path} ${key}: ${calls} calls, ${fmt(s)} ${unit}, ${fmt(flops / s / 1e9, 1)} GFLOP/s | | | | | | | |`,
    );
  }
  console.log(
    `|   ${gemm.path} epoch ${fmt(seconds)} ${unit}: calls ${fmt(inCalls)}, everything else ${fmt(seconds - inCalls)} | | | | | | | |`,
  );
}

/** GFLOP/s of gemm on the epoch's own products, operands in the path's workspace memory (as the RBM has them). */
function sgemmGflops(gemm: Gemm, nVisible: number): Record<string, number> {
  const size = Math.max(2 * BATCH * nVisible, nVisible * HIDDEN, 2 * BATCH * HIDDEN);
  const workspace = new SimdWorkspace(3 * size, 4, gemm);
  const [a, w, c] = [workspace.allocate(size), workspace.allocate(size), workspace.allocate(size)];
  for (const buffer of [a, w]) for (let i = 0; i < size; i++) buffer[i] = Math.random();
  const product = 2 * BATCH * nVisible * HIDDEN;
  const cases: Record<string, [() => void, number]> = {
    v_w: [() => gemm.sgemm(false, false, BATCH, HIDDEN, nVisible, 1, a, w, 0, c), product],
    h_wT: [() => gemm.sgemm(false, true, BATCH, nVisible, HIDDEN, 1, a, w, 0, c), product],
    vT_h_stacked: [() => gemm.sgemm(true, false, nVisible, HIDDEN, 2 * BATCH, 1, a, w, 1, c), 2 * product],
  };
  const result: Record<string, number> = {};
  for (const [name, [run, flops]] of Object.entries(cases)) {
    for (let i = 0; i < 3; i++) run();
    // Best of 3 trials of >= 0.3 s each (few products on the slow tfjs paths, hundreds on BLAS).
    let best = 0;
    for (let trial = 0; trial < 3; trial++) {
      const started = performance.now();
      let count = 0;
      while (performance.now() - started < 300) {
        run();
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

async function worker(path: ComputePath): Promise<void> {
  const x = await loadData();
  const gemm = await createGemm(path);
  const { seconds } = await timeEpoch(x, gemm);
  console.log(JSON.stringify({ seconds, threads: computeThreads() }));
}

async function spawnWorker(path: ComputePath, threads: number): Promise<number> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=@rbm-lab/source', '--import', 'tsx', join(here, 'rbm-epoch.ts'), '--worker', path],
    {
      env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), RBM_LAB_BLAS_THREADS: String(threads) },
      maxBuffer: 1 << 20,
    },
  );
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { seconds: number }).seconds;
}

const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

interface SklearnResult {
  sklearn_seconds: number;
  sklearn_all_seconds: number[];
  numpy_matmul_gflops: Record<string, number>;
  sklearn_version: string;
}

/** scikit-learn's BernoulliRBM epoch and numpy's matmul on the same data, in Debian's python3. */
async function runSklearn(x: Matrix, repeat: number): Promise<SklearnResult> {
  const dir = await mkdtemp(join(tmpdir(), 'rbm-bench-'));
  try {
    const file = join(dir, 'mnist.f32');
    await writeFile(file, Buffer.from(x.data.buffer, x.data.byteOffset, x.rows * x.cols * 4));
    const script = join(here, 'sklearn_rbm_epoch.py');
    const sizes = [x.rows, x.cols, HIDDEN, BATCH, LEARNING_RATE, repeat].map(String);
    const { stdout } = await run('/usr/bin/python3', [script, file, ...sizes], { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim()) as SklearnResult;
    console.log(
      `scikit-learn ${result.sklearn_version} BernoulliRBM: best ${fmt(result.sklearn_seconds)} s/epoch (${result.sklearn_all_seconds
        .map((t) => fmt(t))
        .join(', ')}); numpy float32 matmul GFLOP/s: ${Object.entries(result.numpy_matmul_gflops)
        .map(([k, v]) => `${k} ${fmt(v, 0)}`)
        .join(', ')}`,
    );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Times one path: its sgemm limit on the epoch's shapes, then its epochs; prints two table rows. */
async function timePath(path: ComputePath, x: Matrix, args: Args, sklearn: SklearnResult | undefined): Promise<void> {
  const flops = epochFlops(x.rows, x.cols);
  const gemm = await createGemm(path, { blasThreads: args.threads });
  const peak = sgemmGflops(gemm, x.cols);
  const best = Math.max(...Object.values(peak));
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
  if (args.breakdown && rows === x.rows) await printBreakdown(x, gemm, args.cpuTime ? cpuClock : wallClock);
  gemm.dispose();
  const perEpoch = (Math.min(...times) * x.rows) / rows;
  const limit = flops / best / 1e9;
  const numpyBest = sklearn ? Math.max(...Object.values(sklearn.numpy_matmul_gflops)) : Number.NaN;
  const cells = [
    `${path} (${gemm.detail})`,
    `${rows}${rows < x.rows ? ' (extrapolated)' : ''}`,
    fmt(perEpoch),
    sklearn ? fmt(perEpoch / sklearn.sklearn_seconds) : 'n/a',
    `${fmt(perEpoch / limit)} (limit ${fmt(limit)} s)`,
    fmt(flops / perEpoch / 1e9, 1),
    fmt(flops / perEpoch / 1e9 / numpyBest),
    fmt(reconError, 4),
  ];
  console.log(`| ${cells.join(' | ')} |`);
  const rates = Object.entries(peak)
    .map(([k, v]) => `${k} ${fmt(v, 1)}`)
    .join(', ');
  const epochs = times.map((t) => fmt((t * x.rows) / rows)).join(', ');
  console.log(`|   ${path}: epochs timed ${epochs} s; sgemm GFLOP/s ${rates} | | | | | | | |`);
}

/** Two runs one after the other with all threads each, against two at once with one thread each. */
async function timeParallel(path: ComputePath): Promise<void> {
  console.log(`\nparallel runs (${path}, full epoch each):`);
  const startedOne = performance.now();
  const a = await spawnWorker(path, 2);
  const b = await spawnWorker(path, 2);
  const oneAtATime = (performance.now() - startedOne) / 1000;
  const startedTwo = performance.now();
  const [c, d] = await Promise.all([spawnWorker(path, 1), spawnWorker(path, 1)]);
  const twoAtOnce = (performance.now() - startedTwo) / 1000;
  console.log(
    `  --jobs 1 style: two runs one after another, 2 threads each: epochs ${fmt(a)} s + ${fmt(b)} s, wall ${fmt(oneAtATime)} s (incl. process start and data load)`,
  );
  console.log(
    `  --jobs 2 style: two runs at once, 1 thread each: epochs ${fmt(c)} s and ${fmt(d)} s, wall ${fmt(twoAtOnce)} s`,
  );
  console.log(
    `  speed-up of --jobs 2 over --jobs 1: ${fmt(oneAtATime / twoAtOnce)}x (epoch time only: ${fmt((a + b) / Math.max(c, d))}x)`,
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.worker) return worker(args.worker);

  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}`,
  );
  console.log(`load average at start: ${load()}`);
  // Before scikit-learn's python starts, so it runs the same OpenBLAS kernels as native-blas.
  console.log(`OpenBLAS kernels (native-blas and numpy): ${configureOpenblasCoreType() ?? "OpenBLAS's own choice"}`);
  const x = await loadData();
  console.log(
    `data: binarized MNIST train ${x.rows} x ${x.cols}; RBM ${HIDDEN} hidden, CD-1, batch ${BATCH}, lr ${LEARNING_RATE}`,
  );
  console.log(`matrix products per epoch: ${fmt(epochFlops(x.rows, x.cols) / 1e9, 0)} GFLOP`);
  let sklearn: SklearnResult | undefined;
  if (args.sklearn) {
    try {
      sklearn = await runSklearn(x, args.repeat);
    } catch (error) {
      const reason = String((error as { stderr?: string }).stderr ?? error)
        .trim()
        .split('\n')
        .pop();
      console.log(`scikit-learn reference failed (${reason}); install python3-sklearn. Ratios to it are n/a.`);
    }
  }

  const paths = args.paths ?? (await availableComputePaths());
  console.log('');
  console.log(
    '| path | rows timed | s/epoch (60000 rows) | ratio to sklearn | ratio to own sgemm limit | GFLOP/s | of numpy matmul | recon error |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const path of paths) await timePath(path, x, args, sklearn);

  const threaded = paths.find((path) => path === 'native-blas' || path === 'wasm-sgemm');
  if (args.parallel && threaded !== undefined) await timeParallel(threaded);
  console.log(`\nload average at end: ${load()}`);
}

await main();
