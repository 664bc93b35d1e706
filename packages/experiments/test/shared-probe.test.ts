/**
 * A sweep probes the compute paths once, in its own process, and hands the
 * choice and the figures to its run processes: every run of one sweep runs
 * and records the same path with the same probe figures, even when two run
 * processes start together on a machine too busy to cache the probe.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeEnvironment, probeFromEnvironment } from '@rbm-lab/core';
import { cliInProcess, readRuns } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rbm-shared-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('one probe per sweep', () => {
  it('passes the probe down as data, and refuses figures that chose another path', () => {
    const probe = {
      gflops: { 'native-blas': 40.5, wasm: 12 },
      cached: false,
      measuredAt: '2026-11-26T00:00:00Z',
      loadAverage: 3,
    };
    const env = probeEnvironment({ path: 'native-blas', probe });
    expect(env.RBM_LAB_BACKEND).toBe('native-blas');
    expect(probeFromEnvironment(env.RBM_LAB_PROBE, 'native-blas')).toEqual({ ...probe, chosen: 'native-blas' });
    expect(probeFromEnvironment(env.RBM_LAB_PROBE, 'wasm')).toBeUndefined();
    expect(probeFromEnvironment('{not json', 'native-blas')).toBeUndefined();
    expect(probeFromEnvironment(JSON.stringify({ ...probe, gflops: {} }), 'native-blas')).toBeUndefined();
    expect(probeEnvironment({ path: 'wasm' })).toEqual({ RBM_LAB_BACKEND: 'wasm' });
  });

  it('gives every run of a two-job sweep the same path and probe figures', async () => {
    const saved = { ...process.env };
    // A fresh cache and a load limit no machine is under: without the shared probe each run would measure its own.
    process.env.RBM_LAB_CACHE_DIR = join(dir, 'cache');
    process.env.RBM_LAB_PROBE_MAX_LOAD = '-1';
    delete process.env.RBM_LAB_BACKEND;
    delete process.env.RBM_LAB_PROBE;
    try {
      const config = join(dir, 'probe.yaml');
      writeFileSync(
        config,
        `name: probe-once
seed: 0
dataset: { name: alphadigits, characters: [A, B], validation_fraction: 0.1, seed: 0 }
model: { type: rbm, hidden_units: 8 }
train: { epochs: 2, learning_rate: 0.1, batch_size: 10, ais_runs: 4, ais_betas: 20 }
eval: { n_samples: 2, gibbs_steps: 5, quality: false }
sweep: { seeds: 4 }
`,
      );
      const db = join(dir, 'rbm-lab.db');
      const result = await cliInProcess(['sweep', config, '--jobs', '2', '--db', db], dir);
      expect(result.code).toBe(0);
      const runs = await readRuns(db, 'probe-once');
      expect(runs).toHaveLength(4);
      const details = new Set(runs.map((r) => r.backendDetail));
      expect(details.size).toBe(1);
      expect([...details][0]).toMatch(/chosen by probe: .*GFLOP\/s \(load /);
      expect(new Set(runs.map((r) => r.backend)).size).toBe(1);
    } finally {
      process.env = saved;
    }
  });
});
