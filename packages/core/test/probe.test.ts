import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableComputePaths, createGemm, PROBE_CACHE_FILE } from '../src/backend.js';
import {
  fastestPath,
  type ProbeResult,
  probeCacheKey,
  probeGemm,
  readProbeCache,
  writeProbeCache,
} from '../src/linalg/probe.js';
import type { BackendInfo } from '../src/model.js';
import { initBackendIn } from './backend-fixtures.js';

const available = await availableComputePaths();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbm-lab-probe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * initBackend() in a fresh process with the probe cache in `cacheDir` and no forced path;
 * probes are cached up to load `maxLoad` (the default, the core count, would make the test
 * depend on what else runs on the machine).
 */
async function initBackendWithCache(cacheDir: string, maxLoad = 1e9): Promise<BackendInfo> {
  const env = { RBM_LAB_CACHE_DIR: cacheDir, RBM_LAB_BACKEND: '', RBM_LAB_PROBE_MAX_LOAD: String(maxLoad) };
  const { ok, text } = await initBackendIn(env);
  expect(ok, text).toBe(true);
  return JSON.parse(text) as BackendInfo;
}

describe('probe figures', () => {
  it('fastestPath takes the highest GFLOP/s and refuses an empty probe', () => {
    expect(fastestPath({ wasm: 9, 'native-blas': 150, 'wasm-sgemm': 95 })).toBe('native-blas');
    expect(fastestPath({ wasm: 9, 'wasm-sgemm': 95 })).toBe('wasm-sgemm');
    expect(() => fastestPath({})).toThrow(RangeError);
  });

  it('the cache key changes with the thread budget and the provider versions, not with their order', () => {
    const key = probeCacheKey(2, { nblas: '2.1.13', 'wasm-sgemm': 'abc' });
    expect(probeCacheKey(2, { 'wasm-sgemm': 'abc', nblas: '2.1.13' })).toBe(key);
    expect(probeCacheKey(1, { nblas: '2.1.13', 'wasm-sgemm': 'abc' })).not.toBe(key);
    expect(probeCacheKey(2, { nblas: '2.1.14', 'wasm-sgemm': 'abc' })).not.toBe(key);
    expect(probeCacheKey(2, { 'wasm-sgemm': 'abc' })).not.toBe(key);
  });

  it('writes entries per key, reads them back, and treats a corrupt file as empty', async () => {
    const file = join(dir, 'unit', PROBE_CACHE_FILE);
    const first: ProbeResult = {
      gflops: { 'native-blas': 150, wasm: 9 },
      chosen: 'native-blas',
      cached: false,
      measuredAt: '2026-01-01T00:00:00.000Z',
      loadAverage: 0.5,
    };
    const second: ProbeResult = { ...first, gflops: { 'wasm-sgemm': 80 }, chosen: 'wasm-sgemm' };
    expect(await readProbeCache(file, 'a')).toBeUndefined();
    await writeProbeCache(file, 'a', first);
    await writeProbeCache(file, 'b', second);
    expect(await readProbeCache(file, 'a')).toEqual({ ...first, cached: true });
    expect(await readProbeCache(file, 'b')).toEqual({ ...second, cached: true });
    // An entry of an older format (no load average) or with a broken figure is probed again.
    const { loadAverage: _dropped, ...oldFormat } = first;
    await writeFile(
      file,
      JSON.stringify({ version: 1, entries: { a: oldFormat, b: { ...second, gflops: { wasm: 'x' } } } }),
    );
    expect(await readProbeCache(file, 'a')).toBeUndefined();
    expect(await readProbeCache(file, 'b')).toBeUndefined();
    await writeFile(file, '{ not json');
    expect(await readProbeCache(file, 'a')).toBeUndefined();
  });

  it.each(available.filter((path) => path !== 'cpu'))('probes %s to a positive rate', async (path) => {
    const gemm = await createGemm(path);
    const gflops = probeGemm(gemm, 2);
    expect(gflops).toBeGreaterThan(0);
    expect(Number.isFinite(gflops)).toBe(true);
    gemm.dispose();
  });
});

describe('initBackend and the probe cache', () => {
  it('probes once, picks an available path, and the next process reads the cache back', async () => {
    const cacheDir = join(dir, 'init');
    const first = await initBackendWithCache(cacheDir);
    expect(available).toContain(first.path);
    expect(first.probe?.cached).toBe(false);
    expect(fastestPath(first.probe?.gflops ?? {})).toBe(first.path);
    const file = JSON.parse(await readFile(join(cacheDir, PROBE_CACHE_FILE), 'utf8'));
    const [key] = Object.keys(file.entries);
    expect(file.entries[key]).toMatchObject({ chosen: first.path, gflops: first.probe?.gflops });

    const second = await initBackendWithCache(cacheDir);
    expect(second.path).toBe(first.path);
    expect(second.probe).toEqual({ ...first.probe, cached: true });
    expect(second.detail).toMatch(/chosen by probe: .* GFLOP\/s \(cached \d{4}-\d\d-\d\d, load \d+\.\d\)/);

    // What the cache says is what runs: plant another available path as the winner.
    const planted = first.path === 'wasm' ? 'cpu' : 'wasm';
    file.entries[key] = { ...file.entries[key], chosen: planted, gflops: { [planted]: 1000 } };
    await writeFile(join(cacheDir, PROBE_CACHE_FILE), JSON.stringify(file));
    const third = await initBackendWithCache(cacheDir);
    expect(third.path).toBe(planted);
    expect(third.probe?.gflops).toEqual({ [planted]: 1000 });
  });

  it('does not cache a probe taken on a machine busier than the limit', async () => {
    const cacheDir = join(dir, 'busy');
    const info = await initBackendWithCache(cacheDir, -1);
    expect(info.probe?.cached).toBe(false);
    expect(info.probe?.loadAverage).toBeGreaterThanOrEqual(0);
    await expect(readFile(join(cacheDir, PROBE_CACHE_FILE), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
