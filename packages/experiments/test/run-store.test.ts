import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '@rbm-lab/datasets';
import { RunStore, SweepLockedError, type PlannedRunRow, type SweepDefinition } from '../src/index.js';

let dir: string;
let dbPath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-store-'));
  dbPath = join(dir, 'nested', 'rbm-lab.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sweep: SweepDefinition = {
  id: 'sweep0001',
  name: 'hidden',
  configPath: 'configs/hidden.yaml',
  config: { name: 'hidden', sweep: { grid: { 'model.hidden_units': [10, 20] } } },
  sweptParams: ['model.hidden_units'],
  mainMetric: { name: 'reconstruction_error', lowerIsBetter: true },
  totalRuns: 2,
};
const runs: PlannedRunRow[] = [10, 20].map((h, index) => ({
  id: `run${h}abcdef`,
  index,
  config: { model: { type: 'rbm', hidden_units: h } },
  params: { 'model.hidden_units': h },
  seed: 0,
  epochs: 3,
}));

describe('RunStore', () => {
  it('records a run from start to finish and reads it back', () => {
    const store = RunStore.open(dbPath);
    store.registerSweep(sweep, runs);
    store.acquireSweep(sweep.id);
    store.startRun('run10abcdef', { gitCommit: 'abc' });
    store.recordBackend('run10abcdef', 'native-blas', 'OpenBLAS');
    store.recordEpoch('run10abcdef', 1, { reconstruction_error: 0.3, free_energy_gap: 1 });
    store.recordEpoch('run10abcdef', 2, { reconstruction_error: 0.2, free_energy_gap: 2 });
    const samples = new Float32Array([0, 0.5, 1, 0.25, 1, 0]);
    writeFileSync(join(dir, 'nested', 'samples.f32'), Buffer.from(samples.buffer));
    store.finishRun('run10abcdef', {
      metrics: { reconstruction_error: 0.15 },
      artifacts: [
        { kind: 'samples_raw', path: join(dir, 'nested', 'samples.f32'), meta: { n: 2, height: 1, width: 3 } },
      ],
      durationMs: 1234,
    });
    store.startRun('run20abcdef', { gitCommit: 'abc' });
    store.failRun('run20abcdef', 'boom');

    const summary = store.getSweep('hidden')!;
    expect(summary.counts).toEqual({ pending: 0, running: 0, finished: 1, failed: 1, interrupted: 0 });
    expect(summary.best).toEqual({ runId: 'run10abcdef', value: 0.15 });
    expect(store.getSweep('sweep0')?.id).toBe(sweep.id);

    const run = store.getRun('run10')!;
    expect(run.status).toBe('finished');
    expect(run.epoch).toBe(2);
    expect(run.backend).toBe('native-blas');
    expect(run.metrics).toEqual({ reconstruction_error: 0.15 });
    expect(run.durationMs).toBe(1234);
    expect(store.getEpochMetrics(run.id).reconstruction_error).toEqual([
      { step: 1, value: 0.3 },
      { step: 2, value: 0.2 },
    ]);
    const [artifact] = store.listArtifacts(run.id);
    expect(artifact.path).toBe('samples.f32');
    const read = store.getSamples(run.id)!;
    expect(Array.from(read.data)).toEqual(Array.from(samples));
    expect(store.getRun('run')).toBeUndefined(); // ambiguous prefix
    expect(store.findRuns('run')).toHaveLength(2);
    expect(store.listRuns(sweep.id).map((r) => r.status)).toEqual(['finished', 'failed']);
    expect(store.getRun('run20abcdef')!.error).toBe('boom');
    store.close();
  });

  it('keeps finished results when the same sweep is registered again, and a rerun starts clean', () => {
    const store = RunStore.open(dbPath);
    store.registerSweep(sweep, runs);
    store.startRun('run10abcdef', { gitCommit: null });
    store.recordEpoch('run10abcdef', 1, { reconstruction_error: 0.3 });
    store.failRun('run10abcdef', 'crash');
    store.registerSweep(sweep, runs);
    expect(store.rowCounts().runs).toBe(2);
    expect(store.getRun('run10abcdef')!.status).toBe('failed');
    store.startRun('run10abcdef', { gitCommit: null });
    expect(store.getEpochMetrics('run10abcdef')).toEqual({});
    expect(store.getRun('run10abcdef')!.error).toBeNull();
    store.close();
  });

  it('turns runs left running by a dead process into interrupted ones, and refuses a live owner', () => {
    const store = RunStore.open(dbPath);
    store.registerSweep(sweep, runs);
    // A pid that cannot be alive: the maximum pid on Linux is below 2^22.
    store.acquireSweep(sweep.id, { pid: 4_194_999 });
    store.startRun('run10abcdef', { gitCommit: null });
    expect(store.acquireSweep(sweep.id)).toEqual(['run10abcdef']);
    expect(store.getRun('run10abcdef')!.status).toBe('interrupted');
    expect(store.getRun('run10abcdef')!.error).toMatch(/pid 4194999/);

    // Now this (live) process owns it with a fresh heartbeat: another pid must be refused.
    const other = RunStore.open(dbPath);
    expect(() => other.acquireSweep(sweep.id, { pid: process.ppid })).toThrow(SweepLockedError);
    store.releaseSweep(sweep.id);
    expect(other.acquireSweep(sweep.id, { pid: process.ppid })).toEqual([]);
    other.close();
    store.close();
  });

  it('read-only connections see live writes, change token moves, and cannot write', () => {
    const writer = RunStore.open(dbPath);
    writer.registerSweep(sweep, runs);
    const reader = RunStore.openReadOnly(dbPath);
    const before = reader.changeToken();
    expect(reader.changeToken()).toBe(before);
    writer.startRun('run10abcdef', { gitCommit: null });
    writer.recordEpoch('run10abcdef', 1, { reconstruction_error: 0.5 });
    expect(reader.changeToken()).not.toBe(before);
    expect(reader.getRun('run10abcdef')!.epoch).toBe(1);
    expect(() => reader.startRun('run20abcdef', { gitCommit: null })).toThrow(/read-only/);
    reader.close();
    writer.close();
  });

  it('a reader in the middle of a read transaction does not block writes', () => {
    const writer = RunStore.open(dbPath);
    writer.registerSweep(sweep, runs);
    const raw = new Database(dbPath, { readonly: true });
    raw.exec('BEGIN');
    raw.prepare('SELECT COUNT(*) FROM runs').get(); // holds a read snapshot open
    const started = Date.now();
    writer.startRun('run10abcdef', { gitCommit: null });
    for (let e = 1; e <= 20; e++) writer.recordEpoch('run10abcdef', e, { x: e });
    expect(Date.now() - started).toBeLessThan(2000);
    // The open snapshot still sees the old state; a new read sees the new one.
    expect((raw.prepare(`SELECT status FROM runs WHERE id = 'run10abcdef'`).get() as { status: string }).status).toBe(
      'pending',
    );
    raw.exec('COMMIT');
    expect((raw.prepare(`SELECT status FROM runs WHERE id = 'run10abcdef'`).get() as { status: string }).status).toBe(
      'running',
    );
    raw.close();
    writer.close();
  });

  it('readers get a UserError that says how to create a missing database', () => {
    expect(() => RunStore.openReadOnly(join(dir, 'none.db'))).toThrow(UserError);
    expect(() => RunStore.openReadOnly(join(dir, 'none.db'))).toThrow(/run a sweep/);
    writeFileSync(join(dir, 'empty.db'), '');
    expect(() => RunStore.openReadOnly(join(dir, 'empty.db'))).toThrow(/not an RBM Lab run database/);
  });

  it('applies migrations once and records the schema version', () => {
    RunStore.open(dbPath).close();
    const store = RunStore.open(dbPath);
    expect(store.schemaVersion()).toBeGreaterThanOrEqual(1);
    expect(store.rowCounts()).toEqual({ sweeps: 0, runs: 0, epoch_metrics: 0, final_metrics: 0, artifacts: 0 });
    store.close();
  });
});
