import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  availableComputePaths,
  BackendUnavailableError,
  COMPUTE_PATHS,
  createGemm,
  getBackendInfo,
  getGemm,
  initBackend,
} from '../src/backend.js';
import { initBackendIn } from './backend-fixtures.js';
import { alphaDigitsSubset, makeRbm } from './rbm-fixtures.js';

// initBackend() caches its probe per machine: keep this file's probes out of the project cache.
process.env.RBM_LAB_CACHE_DIR = mkdtempSync(join(tmpdir(), 'rbm-lab-backend-test-'));
// This file tests the choice itself: a path forced for the rest of the suite (RBM_LAB_BACKEND) does not apply here.
delete process.env.RBM_LAB_BACKEND;
const available = await availableComputePaths();

describe('initBackend', () => {
  it('picks the fastest available path by its probe, sets the tfjs backend, and is idempotent', async () => {
    expect(available).toContain('cpu');
    const info = await initBackend();
    expect(available).toContain(info.path);
    expect(getGemm().path).toBe(info.path);
    expect(getBackendInfo()).toEqual(info);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.tfjsBackend);
    expect(tf.getBackend()).toBe(info.tfjsBackend);
    expect(info.detail.length).toBeGreaterThan(0);
    // Every path but cpu is probed; the chosen one is the fastest of them.
    const probed = available.filter((path) => path !== 'cpu');
    expect(Object.keys(info.probe?.gflops ?? {}).sort()).toEqual([...probed].sort());
    const figures = Object.values(info.probe?.gflops ?? {});
    expect(info.probe?.gflops[info.path]).toBe(Math.max(...figures));
    expect(info.detail).toContain('chosen by probe');
    expect(await initBackend()).toEqual(info);
    const other = COMPUTE_PATHS.find((p) => p !== info.path)!;
    await expect(initBackend({ path: other })).rejects.toThrow(BackendUnavailableError);
  });

  it.skipIf(available.length === COMPUTE_PATHS.length)('a path that cannot load here is a UserError', async () => {
    const missing = COMPUTE_PATHS.find((path) => !available.includes(path))!;
    await expect(createGemm(missing)).rejects.toThrow(BackendUnavailableError);
    const forced = await initBackendIn({ RBM_LAB_BACKEND: missing });
    expect(forced.ok).toBe(false);
    expect(forced.text).toMatch(new RegExp(`^BackendUnavailableError: compute path '${missing}' is not available`));
  });

  it('RBM_LAB_BACKEND forces a path (no probe) and rejects unknown names', async () => {
    const [forcedCpu, bogus] = await Promise.all([
      initBackendIn({ RBM_LAB_BACKEND: 'cpu' }),
      initBackendIn({ RBM_LAB_BACKEND: 'gpu' }),
    ]);
    expect(forcedCpu.ok).toBe(true);
    const info = JSON.parse(forcedCpu.text);
    expect(info).toMatchObject({ path: 'cpu', tfjsBackend: 'cpu' });
    expect(info.probe).toBeUndefined();
    expect(bogus.ok).toBe(false);
    expect(bogus.text).toMatch(/RBM_LAB_BACKEND=gpu: expected one of tensorflow, native-blas, wasm-sgemm, wasm, cpu/);
  });
});

describe('tfjs compute paths', () => {
  it('an RBM epoch on a tfjs path leaves no tensors behind', async () => {
    const gemm = await createGemm('cpu');
    const x = await alphaDigitsSubset();
    const rbm = makeRbm({ hidden_units: 16 }, { epochs: 1, batch_size: 40 }, 2, gemm);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await rbm.fit({ x }, { onEpoch: () => void counts.push(tf.memory().numTensors) });
    await rbm.evaluate({ x }, { metrics: ['recon_error', 'free_energy'] });
    await rbm.sample(4, { gibbsSteps: 3 });
    expect(counts).toEqual([before]);
    expect(tf.memory().numTensors).toBe(before);
  });

  for (const path of ['cpu', 'wasm', 'wasm-sgemm'] as const) {
    it.skipIf(!available.includes('native-blas') || !available.includes(path))(
      `native-blas and ${path} agree on reconstruction error after training with one seed`,
      async () => {
        const x = await alphaDigitsSubset();
        const train = { epochs: 6, learning_rate: 0.1, batch_size: 20 };
        const errors: number[] = [];
        for (const gemm of [await createGemm('native-blas'), await createGemm(path)]) {
          const rbm = makeRbm({ hidden_units: 32 }, train, 17, gemm);
          const result = await rbm.fit({ x });
          errors.push(result.history[result.history.length - 1].recon_error);
          gemm.dispose();
        }
        // Same algorithm and random stream; only float rounding differs (it can flip a few samples).
        expect(Math.abs(errors[0] - errors[1]) / errors[0]).toBeLessThan(0.05);
      },
    );
  }
});
