import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
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
import { alphaDigitsSubset, makeRbm } from './rbm-fixtures.js';

const run = promisify(execFile);
const backendModule = fileURLToPath(new URL('../src/backend.ts', import.meta.url));

/** initBackend() in a fresh process (its choice is per process) with the given environment. */
async function initBackendIn(env: Record<string, string>): Promise<{ ok: boolean; text: string }> {
  const script = `import { initBackend } from ${JSON.stringify(backendModule)};
    initBackend().then((info) => console.log(JSON.stringify(info)), (e) => { console.log(e.name + ': ' + e.message); process.exitCode = 3; });`;
  try {
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@rbm-lab/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { env: { ...process.env, ...env } },
    );
    return { ok: true, text: stdout.trim() };
  } catch (error) {
    return { ok: false, text: String((error as { stdout?: string }).stdout ?? error).trim() };
  }
}

describe('initBackend', () => {
  it('picks the fastest available path, sets the tfjs backend, and is idempotent', async () => {
    const available = await availableComputePaths();
    expect(available.length).toBeGreaterThan(0);
    expect(available).toContain('cpu');
    const info = await initBackend();
    expect(info.path).toBe(available[0]);
    expect(getGemm().path).toBe(info.path);
    expect(getBackendInfo()).toEqual(info);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.tfjsBackend);
    expect(tf.getBackend()).toBe(info.tfjsBackend);
    expect(info.detail.length).toBeGreaterThan(0);
    expect(await initBackend()).toEqual(info);
    const other = COMPUTE_PATHS.find((p) => p !== info.path)!;
    await expect(initBackend({ path: other })).rejects.toThrow(BackendUnavailableError);
  });

  it('an unavailable path is a UserError; RBM_LAB_BACKEND forces a path and rejects unknown names', async () => {
    await expect(createGemm('tensorflow')).rejects.toThrow(/tfjs-node/);
    const [forcedTensorflow, forcedCpu, bogus] = await Promise.all([
      initBackendIn({ RBM_LAB_BACKEND: 'tensorflow' }),
      initBackendIn({ RBM_LAB_BACKEND: 'cpu' }),
      initBackendIn({ RBM_LAB_BACKEND: 'gpu' }),
    ]);
    expect(forcedTensorflow.ok).toBe(false);
    expect(forcedTensorflow.text).toMatch(/^BackendUnavailableError: compute path 'tensorflow' is not available/);
    expect(forcedCpu.ok).toBe(true);
    expect(JSON.parse(forcedCpu.text)).toMatchObject({ path: 'cpu', tfjsBackend: 'cpu' });
    expect(bogus.ok).toBe(false);
    expect(bogus.text).toMatch(/RBM_LAB_BACKEND=gpu: expected one of tensorflow, native-blas, wasm, cpu/);
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

  it.each(['cpu', 'wasm'] as const)(
    'native-blas and %s agree on reconstruction error after training with one seed',
    async (path) => {
      let native;
      try {
        native = await createGemm('native-blas');
      } catch (error) {
        if (error instanceof BackendUnavailableError) return;
        throw error;
      }
      const x = await alphaDigitsSubset();
      const train = { epochs: 6, learning_rate: 0.1, batch_size: 20 };
      const errors: number[] = [];
      for (const gemm of [native, await createGemm(path)]) {
        const rbm = makeRbm({ hidden_units: 32 }, train, 17, gemm);
        const result = await rbm.fit({ x });
        errors.push(result.history[result.history.length - 1].recon_error);
      }
      // Same algorithm and random stream; only float rounding differs (it can flip a few samples).
      expect(Math.abs(errors[0] - errors[1]) / errors[0]).toBeLessThan(0.05);
    },
  );
});
