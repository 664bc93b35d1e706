import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cacheDir, UserError } from '@rbm-lab/datasets';
import type { BackendInfo, ComputePath, ComputeProbe } from './model.js';
import type { Gemm } from './linalg/gemm.js';
import {
  blasThreadCount,
  configureOpenblasCoreType,
  intendedOpenblasCoreType,
  loadNativeBlasGemm,
} from './linalg/native-blas.js';
import {
  BACKEND_ENV,
  describeProbe,
  fastestPath,
  PROBE_ENV,
  probeFromEnvironment,
  type ProbeResult,
  probeCacheKey,
  probeGemms,
  readProbeCache,
  writeProbeCache,
} from './linalg/probe.js';
import { createTfjsGemm } from './linalg/tfjs-gemm.js';
import { perturbationSeed, perturbedGemm } from './linalg/perturbed.js';
import { loadWasmSgemm } from './linalg/wasm-sgemm.js';
import { WASM_SGEMM_BASE64 } from './linalg/wasm-sgemm-binary.js';

/**
 * Every compute path, in the order used where nothing is measured (availableComputePaths()).
 * initBackend() measures the available ones instead (see chooseByProbe).
 */
export const COMPUTE_PATHS: readonly ComputePath[] = ['tensorflow', 'native-blas', 'wasm-sgemm', 'wasm', 'cpu'];

/**
 * The paths initBackend() probes. The tfjs cpu path is plain JavaScript (about 1 GFLOP/s,
 * a single MNIST-sized product takes a third of a second), so it is only the last resort.
 */
const PROBED_PATHS: readonly ComputePath[] = COMPUTE_PATHS.filter((path) => path !== 'cpu');

/** Environment variable: the busiest load average at which a probe is cached (default: the core count). */
export const PROBE_MAX_LOAD_ENV = 'RBM_LAB_PROBE_MAX_LOAD';

/** The probe cache, in the project cache folder (RBM_LAB_CACHE_DIR overrides it). */
export const PROBE_CACHE_FILE = 'compute-paths.json';

export { BACKEND_ENV, describeProbe, PROBE_ENV, probeEnvironment, probeFromEnvironment } from './linalg/probe.js';

/** Environment variable giving OpenBLAS's thread count (read before nblas loads). */
export const BLAS_THREADS_ENV = 'RBM_LAB_BLAS_THREADS';

export class BackendUnavailableError extends UserError {}

export interface BackendOptions {
  /** Force a compute path; default: RBM_LAB_BACKEND, else the fastest that loads. */
  path?: ComputePath;
  /**
   * Threads of the native-blas and wasm-sgemm paths (default RBM_LAB_BLAS_THREADS, else
   * OPENBLAS_NUM_THREADS, else all cores). OpenBLAS reads its thread count once when
   * the library loads, so this only takes effect if given before the first native
   * product in this process; a sweep runner with --jobs N gives each worker process
   * blasThreads = cores / N (it sets RBM_LAB_BLAS_THREADS in the worker's env).
   */
  blasThreads?: number;
}

interface BackendState {
  info: BackendInfo;
  gemm: Gemm;
}

let pending: Promise<BackendState> | undefined;
let ready: BackendState | undefined;

/**
 * Chooses the compute path for the RBM/DBN and feed-forward maths (the forced one, else the
 * fastest by a short probe, cached per machine) and the tfjs backend for the remaining tfjs ops
 * (tensorflow if tfjs-node loads, else wasm, else cpu; a forced tfjs path also forces it).
 * Idempotent: later calls return the first call's result.
 */
export function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  let forced: ComputePath | undefined;
  try {
    forced = options.path ?? parseComputePathEnv();
  } catch (error) {
    return Promise.reject(error);
  }
  if (pending !== undefined) {
    return pending.then((state) => {
      if (forced !== undefined && forced !== state.info.path) {
        throw new BackendUnavailableError(
          `compute path already initialised as '${state.info.path}'; cannot switch to '${forced}' in the same process`,
        );
      }
      return state.info;
    });
  }
  pending = selectBackend(forced, options.blasThreads).then(
    (state) => {
      ready = state;
      return state;
    },
    (error: unknown) => {
      pending = undefined;
      throw error;
    },
  );
  return pending.then((state) => state.info);
}

/** The GEMM provider initBackend() chose. Throws if initBackend() has not resolved yet. */
export function getGemm(): Gemm {
  if (ready === undefined) throw new Error('getGemm(): call `await initBackend()` first');
  return ready.gemm;
}

/** The BackendInfo initBackend() returned, or undefined before it resolved. */
export function getBackendInfo(): BackendInfo | undefined {
  return ready?.info;
}

/**
 * A GEMM provider for one explicit path, independent of initBackend()'s choice
 * (to compare paths in one process). Throws BackendUnavailableError if the path
 * cannot load here.
 */
export async function createGemm(path: ComputePath, options: { blasThreads?: number } = {}): Promise<Gemm> {
  const gemm = await loadGemm(path, options);
  const seed = perturbationSeed();
  return seed === undefined ? gemm : perturbedGemm(gemm, seed);
}

async function loadGemm(path: ComputePath, options: { blasThreads?: number }): Promise<Gemm> {
  switch (path) {
    case 'native-blas':
      return loadNative(options.blasThreads);
    case 'wasm-sgemm':
      try {
        return loadWasmSgemm(computeThreads(options.blasThreads));
      } catch (error) {
        if (error instanceof BackendUnavailableError) throw error;
        throw unavailable('wasm-sgemm', (error as Error).message, error);
      }
    case 'tensorflow':
      if (!(await loadTfjsNode())) throw unavailable('tensorflow', '@tensorflow/tfjs-node does not load here');
      return createTfjsGemm('tensorflow', 'tensorflow', 'tfjs-node (libtensorflow) matMul');
    case 'wasm':
      if (!(await initialiseTfjsBackend('wasm'))) throw unavailable('wasm', 'tfjs-backend-wasm does not initialise');
      return createTfjsGemm('wasm', 'wasm', wasmDetail());
    case 'cpu':
      if (!(await initialiseTfjsBackend('cpu'))) throw unavailable('cpu', 'the tfjs cpu backend does not initialise');
      silenceCpuBackendBanner();
      return createTfjsGemm('cpu', 'cpu', 'tfjs cpu backend matMul (plain JavaScript)');
  }
}

/** The compute paths that load on this machine, in COMPUTE_PATHS order. */
export async function availableComputePaths(): Promise<ComputePath[]> {
  const result: ComputePath[] = [];
  for (const path of COMPUTE_PATHS) {
    try {
      (await createGemm(path)).dispose();
      result.push(path);
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
    }
  }
  return result;
}

function parseComputePathEnv(): ComputePath | undefined {
  const value = process.env[BACKEND_ENV];
  if (value === undefined || value === '') return undefined;
  if (!(COMPUTE_PATHS as readonly string[]).includes(value)) {
    throw new BackendUnavailableError(`${BACKEND_ENV}=${value}: expected one of ${COMPUTE_PATHS.join(', ')}`);
  }
  return value as ComputePath;
}

/**
 * Chooses the compute path as initBackend() does (RBM_LAB_BACKEND, else the cached probe) without keeping it,
 * for a parent that forks the runs: probeEnvironment makes the variables its children need to use it as it is.
 */
export async function chooseComputePath(
  options: BackendOptions = {},
): Promise<{ path: ComputePath; probe?: ComputeProbe }> {
  const forced = options.path ?? parseComputePathEnv();
  if (forced !== undefined) return { path: forced };
  const { gemm, probe } = await chooseByProbe(options.blasThreads);
  gemm.dispose();
  if (probe === undefined) return { path: gemm.path };
  const { gflops, cached, measuredAt, loadAverage } = probe;
  return { path: gemm.path, probe: { gflops, cached, measuredAt, loadAverage } };
}

async function selectBackend(forced: ComputePath | undefined, blasThreads: number | undefined): Promise<BackendState> {
  let gemm: Gemm;
  let probe: ProbeResult | undefined;
  if (forced !== undefined) {
    gemm = await createGemm(forced, { blasThreads });
    probe = probeFromEnvironment(process.env[PROBE_ENV], forced);
  } else ({ gemm, probe } = await chooseByProbe(blasThreads));

  // tfjs ops follow the forced tfjs path; otherwise they get the best tfjs backend.
  const tfjsCandidates =
    gemm.path === 'wasm' || gemm.path === 'cpu' || gemm.path === 'tensorflow'
      ? [gemm.path === 'tensorflow' ? 'tensorflow' : gemm.path]
      : ['tensorflow', 'wasm', 'cpu'];
  let tfjsBackend: string | undefined;
  for (const name of tfjsCandidates) {
    const ok = name === 'tensorflow' ? await loadTfjsNode() : await initialiseTfjsBackend(name);
    if (ok && (await tf.setBackend(name))) {
      tfjsBackend = name;
      break;
    }
  }
  if (tfjsBackend === undefined) throw new BackendUnavailableError('no tfjs backend initialises');
  if (tfjsBackend === 'cpu') silenceCpuBackendBanner();
  const tfjsDetail = tfjsBackend === 'wasm' ? wasmDetail() : tfjsBackend;
  const detail = gemm.path === tfjsBackend ? gemm.detail : `${gemm.detail}; tfjs ops on ${tfjsDetail}`;
  const info: BackendInfo = { path: gemm.path, tfjsBackend, detail };
  if (probe !== undefined) {
    const { gflops, cached, measuredAt, loadAverage } = probe;
    info.probe = { gflops, cached, measuredAt, loadAverage };
    info.detail += `; ${describeProbe(probe)}`;
  }
  return { gemm, info };
}

/**
 * The fastest available path: read from the per-machine probe cache, else measured
 * (probeGemms on every path that loads, about 0.2 s each) and cached when the machine is not busy. The tfjs cpu
 * path is used only when nothing else loads.
 */
async function chooseByProbe(blasThreads: number | undefined): Promise<{ gemm: Gemm; probe?: ProbeResult }> {
  const threads = computeThreads(blasThreads);
  const key = probeCacheKey(threads, providerVersions());
  const file = join(cacheDir(), PROBE_CACHE_FILE);
  const cached = await readProbeCache(file, key);
  if (cached !== undefined) {
    try {
      return { gemm: await createGemm(cached.chosen, { blasThreads }), probe: cached };
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
    }
  }
  const loaded: Gemm[] = [];
  for (const path of PROBED_PATHS) {
    try {
      loaded.push(await createGemm(path, { blasThreads }));
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
    }
  }
  if (loaded.length === 0) return { gemm: await createGemm('cpu') };
  const loadAverage = Math.round(loadavg()[0] * 100) / 100;
  const gflops = probeGemms(loaded);
  const chosen = fastestPath(gflops);
  const probe: ProbeResult = { gflops, chosen, cached: false, measuredAt: new Date().toISOString(), loadAverage };
  for (const gemm of loaded) if (gemm.path !== chosen) gemm.dispose();
  // A busy machine slows the paths unequally (OpenBLAS's spinning threads most): use that
  // choice for this run only, and probe again next time.
  if (loadAverage <= probeMaxLoad()) await writeProbeCache(file, key, probe);
  return { gemm: loaded.find((gemm) => gemm.path === probe.chosen)!, probe };
}

/** The busiest 1-minute load average at which a probe is cached: RBM_LAB_PROBE_MAX_LOAD, else the core count. */
function probeMaxLoad(): number {
  const value = Number.parseFloat(process.env[PROBE_MAX_LOAD_ENV] ?? '');
  return Number.isFinite(value) ? value : availableParallelism();
}

/** Versions of the installed GEMM providers (part of the probe cache key). */
function providerVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const versions: Record<string, string> = {
    'wasm-sgemm': createHash('sha256').update(WASM_SGEMM_BASE64).digest('hex').slice(0, 12),
  };
  // The kernel set OpenBLAS will run changes its speed as much as a version.
  const coreType = intendedOpenblasCoreType();
  if (coreType !== undefined) versions.openblas = coreType;
  for (const name of ['nblas', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']) {
    try {
      versions[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      // Not installed: absent from the key, so installing it later probes again.
    }
  }
  return versions;
}

/** Threads of the native-blas and wasm-sgemm paths: the explicit budget, else RBM_LAB_BLAS_THREADS, else OpenBLAS's. */
export function computeThreads(blasThreads?: number): number {
  return blasThreads ?? parseThreadsEnv() ?? blasThreadCount();
}

let nativeThreadsAtLoad: number | undefined;

function loadNative(blasThreads: number | undefined): Gemm {
  const threads = blasThreads ?? parseThreadsEnv();
  if (nativeThreadsAtLoad === undefined) {
    // Must happen before the shared library is loaded: OpenBLAS reads both once.
    if (threads !== undefined) process.env.OPENBLAS_NUM_THREADS = String(threads);
    configureOpenblasCoreType();
  }
  try {
    const gemm = loadNativeBlasGemm();
    nativeThreadsAtLoad ??= blasThreadCount();
    return gemm;
  } catch (error) {
    throw unavailable('native-blas', `npm nblas does not load (${(error as Error).message.split('\n')[0]})`, error);
  }
}

function parseThreadsEnv(): number | undefined {
  const value = process.env[BLAS_THREADS_ENV];
  if (value === undefined || value === '') return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new BackendUnavailableError(`${BLAS_THREADS_ENV}=${value}: expected a positive integer`);
  }
  return threads;
}

let tfjsNode: Promise<boolean> | undefined;

/**
 * tfjs-node is an optional dependency: a dynamic import that may fail. libtensorflow
 * sizes its thread pools from TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS when it
 * starts, so they are set first to the same per-run budget as the other paths
 * (a sweep with --jobs N gives each run cores / N), unless the user set them.
 */
function loadTfjsNode(): Promise<boolean> {
  tfjsNode ??= (async () => {
    try {
      process.env.TF_NUM_INTRAOP_THREADS ||= String(computeThreads());
      process.env.TF_NUM_INTEROP_THREADS ||= '1';
      // A variable specifier keeps TypeScript from requiring the (uninstalled) module's types.
      const specifier = '@tensorflow/tfjs-node';
      await import(specifier);
      return tf.findBackendFactory('tensorflow') !== null && (await initialiseTfjsBackend('tensorflow'));
    } catch {
      return false;
    }
  })();
  return tfjsNode;
}

let wasmRegistered: Promise<boolean> | undefined;

async function registerWasm(): Promise<boolean> {
  wasmRegistered ??= (async () => {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // Load the .wasm binaries from the installed package, never from the network.
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
      return true;
    } catch {
      return false;
    }
  })();
  return wasmRegistered;
}

/** Initialises a tfjs backend without leaving it active. */
async function initialiseTfjsBackend(name: string): Promise<boolean> {
  if (name === 'wasm' && !(await registerWasm())) return false;
  if (tf.findBackendFactory(name) === null) return false;
  const previous = tf.engine().backendName;
  try {
    const ok = await tf.setBackend(name);
    return ok;
  } catch {
    return false;
  } finally {
    if (previous !== null && previous !== undefined && previous !== name && tf.findBackend(previous) !== null) {
      await tf.setBackend(previous);
    }
  }
}

/**
 * The tfjs cpu backend prints "install tfjs-node" on its first tensor in Node.
 * Here the cpu path is a recorded, deliberate fallback (tfjs-node cannot install),
 * so the banner would only mislead.
 */
function silenceCpuBackendBanner(): void {
  const backend = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (backend !== null && typeof backend.firstUse === 'boolean') backend.firstUse = false;
}

function wasmDetail(): string {
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  return `tfjs wasm${simd ? ' SIMD' : ''}, ${threads ? 'multi-threaded' : '1 thread'}`;
}

function unavailable(path: ComputePath, reason: string, cause?: unknown): BackendUnavailableError {
  return new BackendUnavailableError(`compute path '${path}' is not available: ${reason}`, { cause });
}

/** The OpenBLAS thread count fixed when nblas loaded (undefined if it has not). */
export function loadedBlasThreads(): number | undefined {
  return nativeThreadsAtLoad;
}

/** The GEMM of the chosen compute path, initialising the backend on first use (models call this lazily). */
export async function initializedGemm(): Promise<Gemm> {
  await initBackend();
  return getGemm();
}
