import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { cpus, hostname } from 'node:os';
import { dirname } from 'node:path';
import type { ComputePath, ComputeProbe } from '../model.js';
import type { Gemm } from './gemm.js';
import { Xoshiro128 } from '@rbm-lab/datasets';
import { SimdWorkspace } from './simd.js';

/** [transA, transB, m, n, k] */
type ProbeShape = readonly [boolean, boolean, number, number, number];

/**
 * The products timed by the probe: one CD-1 step of two workloads, each with its
 * three products (v W, h W^T, and the stacked gradient [v0; v1]^T [h0; -h1]):
 * MNIST (784 x 500 RBM, batch 100), where throughput matters, and AlphaDigits
 * (320 x 200, batch 10), where per-call overhead does. A path's score is the
 * geometric mean over the workloads of FLOPs / time for the workload's products.
 */
export const PROBE_WORKLOADS: Readonly<Record<string, readonly ProbeShape[]>> = {
  mnist: [
    [false, false, 100, 500, 784],
    [false, true, 100, 784, 500],
    [true, false, 784, 500, 200],
  ],
  alphadigits: [
    [false, false, 10, 200, 320],
    [false, true, 10, 320, 200],
    [true, false, 320, 200, 20],
  ],
};

/** Milliseconds of repeated products timed per shape and round. */
const PROBE_MS_PER_SHAPE = 12;
/**
 * Milliseconds of untimed products first: V8 runs new wasm code on its baseline
 * compiler until the optimised tier is ready, and worker threads need to start.
 */
const PROBE_WARM_UP_MS = 30;

/** Runs product() for at least ms milliseconds (at least once); returns the count and the elapsed ms. */
function repeatFor(ms: number, product: () => void): { count: number; elapsed: number } {
  const started = performance.now();
  let count = 0;
  let elapsed = 0;
  do {
    product();
    count++;
    elapsed = performance.now() - started;
  } while (elapsed < ms);
  return { count, elapsed };
}

/**
 * GFLOP/s of one provider on PROBE_WORKLOADS, each product timed for about
 * msPerShape. Operands come from a SimdWorkspace on the provider, so a provider
 * that multiplies in place (wasm-sgemm) is timed the way the RBM uses it.
 */
export function probeGemm(gemm: Gemm, msPerShape = PROBE_MS_PER_SHAPE, warmUpMs = PROBE_WARM_UP_MS): number {
  const shapes = Object.values(PROBE_WORKLOADS).flat();
  const largest = Math.max(...shapes.map(([, , m, n, k]) => Math.max(m * k, k * n, m * n)));
  const workspace = new SimdWorkspace(3 * largest, 4, gemm);
  const [a, b, c] = [workspace.allocate(largest), workspace.allocate(largest), workspace.allocate(largest)];
  const rng = new Xoshiro128(1);
  for (const buffer of [a, b]) for (let i = 0; i < buffer.length; i++) buffer[i] = rng.nextFloat() - 0.5;
  const [firstA, firstB, firstM, firstN, firstK] = shapes[0];
  repeatFor(warmUpMs, () => gemm.sgemm(firstA, firstB, firstM, firstN, firstK, 1, a, b, 0, c));
  let logSum = 0;
  for (const workload of Object.values(PROBE_WORKLOADS)) {
    let flops = 0;
    let seconds = 0;
    for (const [transA, transB, m, n, k] of workload) {
      const { count, elapsed } = repeatFor(msPerShape, () => gemm.sgemm(transA, transB, m, n, k, 1, a, b, 0, c));
      flops += 2 * m * n * k;
      seconds += elapsed / 1000 / count;
    }
    logSum += Math.log(flops / seconds / 1e9);
  }
  return Math.exp(logSum / Object.keys(PROBE_WORKLOADS).length);
}

/** The figures of one probe and the fastest path among them. */
export interface ProbeResult extends ComputeProbe {
  chosen: ComputePath;
}

/**
 * GFLOP/s of each provider: two rounds of probeGemm, the providers interleaved and the
 * better round kept, so a burst of load from another process hits one round of one
 * provider rather than deciding the choice. Rounded to 0.1.
 */
export function probeGemms(gemms: readonly Gemm[]): ComputeProbe['gflops'] {
  const gflops: ComputeProbe['gflops'] = {};
  for (const round of [0, 1]) {
    for (const gemm of gemms) {
      const rate = Math.round(probeGemm(gemm, PROBE_MS_PER_SHAPE, round === 0 ? PROBE_WARM_UP_MS : 0) * 10) / 10;
      gflops[gemm.path] = Math.max(gflops[gemm.path] ?? 0, rate);
    }
  }
  return gflops;
}

/** The probe a parent passed down with the path it forced (RBM_LAB_PROBE), when it is well formed and chose that path. */
export function probeFromEnvironment(value: string | undefined, path: ComputePath): ProbeResult | undefined {
  if (value === undefined || value === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !hasProbeFigures(parsed)) return undefined;
  const { gflops, cached, measuredAt, loadAverage } = parsed as Record<string, unknown>;
  if (typeof cached !== 'boolean') return undefined;
  const probe: ComputeProbe = {
    gflops: gflops as ComputeProbe['gflops'],
    cached: cached as boolean,
    measuredAt: measuredAt as string,
    loadAverage: loadAverage as number,
  };
  return fastestPath(probe.gflops) === path ? { ...probe, chosen: path } : undefined;
}

/** Environment variable that forces a compute path. */
export const BACKEND_ENV = 'RBM_LAB_BACKEND';
/**
 * Environment variable with the probe figures (JSON ComputeProbe) behind a
 * forced path: a sweep probes once and gives its run processes the choice and
 * the figures, so they all run and record the same path and the same probe.
 */
export const PROBE_ENV = 'RBM_LAB_PROBE';

/** RBM_LAB_BACKEND and RBM_LAB_PROBE for a child process that should use `choice` without probing. */
export function probeEnvironment(choice: { path: ComputePath; probe?: ComputeProbe }): Record<string, string> {
  return {
    [BACKEND_ENV]: choice.path,
    ...(choice.probe === undefined ? {} : { [PROBE_ENV]: JSON.stringify(choice.probe) }),
  };
}

/** 'chosen by probe: native-blas 150, wasm-sgemm 95, wasm 9 GFLOP/s (cached 2026-11-25)' */
export function describeProbe(probe: ProbeResult): string {
  const figures = Object.entries(probe.gflops)
    .sort((x, y) => y[1] - x[1])
    .map(([path, gflops]) => `${path} ${gflops.toFixed(1)}`)
    .join(', ');
  const when = probe.cached ? `cached ${probe.measuredAt.slice(0, 10)}, ` : '';
  return `chosen by probe: ${figures} GFLOP/s (${when}load ${probe.loadAverage.toFixed(1)})`;
}

/** Whether a probe read back (cache file, environment) has its figures: GFLOP/s per path, when, at what load. */
function hasProbeFigures(value: object): boolean {
  const { gflops, measuredAt, loadAverage } = value as Record<string, unknown>;
  const figures = typeof gflops === 'object' && gflops !== null ? Object.entries(gflops) : [];
  return (
    typeof measuredAt === 'string' &&
    typeof loadAverage === 'number' &&
    figures.length > 0 &&
    figures.every(([, rate]) => typeof rate === 'number' && Number.isFinite(rate))
  );
}

/** The fastest path of a probe's figures. */
export function fastestPath(gflops: Partial<Record<ComputePath, number>>): ComputePath {
  const ranked = (Object.entries(gflops) as [ComputePath, number][]).sort((x, y) => y[1] - x[1]);
  if (ranked.length === 0) throw new RangeError('fastestPath: no figures');
  return ranked[0][0];
}

/**
 * The cache key of a probe: the machine (host, CPU model), the thread budget
 * and the provider versions (installed packages and our kernel's build), so a
 * new CPU, a different --jobs split or an upgraded package probes again.
 */
export function probeCacheKey(threads: number, providerVersions: Record<string, string>): string {
  const versions = Object.entries(providerVersions)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([name, version]) => `${name}@${version}`)
    .join(',');
  return [
    hostname(),
    cpus()[0]?.model ?? 'unknown cpu',
    `threads=${threads}`,
    `node=${process.version}`,
    versions,
  ].join('|');
}

interface ProbeCacheFile {
  version: 1;
  entries: Record<string, Omit<ProbeResult, 'cached'>>;
}

async function readCacheFile(file: string): Promise<ProbeCacheFile> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<ProbeCacheFile>;
    if (parsed.version === 1 && typeof parsed.entries === 'object' && parsed.entries !== null) {
      return parsed as ProbeCacheFile;
    }
  } catch {
    // A missing or unreadable cache only means probing again.
  }
  return { version: 1, entries: {} };
}

/** The cached probe for this key, or undefined when absent or not in the current format (then the caller probes). */
export async function readProbeCache(file: string, key: string): Promise<ProbeResult | undefined> {
  const entry: unknown = (await readCacheFile(file)).entries[key];
  if (typeof entry !== 'object' || entry === null) return undefined;
  if (typeof (entry as { chosen?: unknown }).chosen !== 'string' || !hasProbeFigures(entry)) return undefined;
  return { ...(entry as Omit<ProbeResult, 'cached'>), cached: true };
}

/**
 * Stores a probe under its key, keeping other machines' entries; written to a
 * temporary file and renamed so concurrent sweep workers never read half a file.
 * A cache that cannot be written (read-only checkout) is not an error.
 */
export async function writeProbeCache(file: string, key: string, result: ProbeResult): Promise<void> {
  try {
    const cache = await readCacheFile(file);
    const { gflops, chosen, measuredAt, loadAverage } = result;
    cache.entries[key] = { gflops, chosen, measuredAt, loadAverage };
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${createHash('sha1').update(key).digest('hex').slice(0, 8)}.tmp`;
    await writeFile(tmp, `${JSON.stringify(cache, null, 2)}\n`);
    await rename(tmp, file);
  } catch {
    // Probing again next time is the only cost.
  }
}
