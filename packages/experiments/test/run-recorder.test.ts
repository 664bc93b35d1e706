import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRunStore, type RunStore } from '../src/index.js';
import { RunRecorder } from '../src/runner/run-recorder.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-recorder-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const me = { host: 'recorder-test', pid: process.pid };

async function storeWithOneRun(name: string): Promise<{ path: string; store: RunStore }> {
  const path = join(dir, name, 'rbm-lab.db');
  const store = await openRunStore(path, { artifactRoot: join(dir, name, 'artifacts') });
  await store.submitSweep(
    {
      id: `sweep-${name}`,
      name,
      configPath: `${name}.yaml`,
      config: {},
      sweptParams: [],
      mainMetric: { name: 'loss', lowerIsBetter: true },
      totalRuns: 1,
    },
    [{ id: `run-${name}`, index: 0, config: {}, params: {}, seed: 0, epochs: 2 }],
  );
  return { path, store };
}

function hooks() {
  const seen = { lost: 0, storeErrors: [] as Error[], epochs: [] as number[] };
  return {
    seen,
    hooks: {
      onLeaseLost: () => seen.lost++,
      onStoreError: (error: Error) => seen.storeErrors.push(error),
      onEpoch: (epoch: number) => seen.epochs.push(epoch),
    },
  };
}

describe('the run recorder: every write guarded, every failure kept', () => {
  it('records epochs and the result under the lease', async () => {
    const { store } = await storeWithOneRun('ok');
    const lease = (await store.claimRun(me))!;
    const { seen, hooks: h } = hooks();
    const recorder = new RunRecorder(store, lease, h);
    recorder.onMessage({ type: 'backend', path: 'cpu', detail: 'test' });
    recorder.onMessage({ type: 'epoch', epoch: 1, metrics: { loss: 0.5 } });
    const outcome = await recorder.record({ kind: 'done', metrics: { loss: 0.4 }, artifacts: [] }, 10);
    expect(outcome).toEqual({ status: 'finished', detail: '', metrics: { loss: 0.4 } });
    expect(seen).toEqual({ lost: 0, storeErrors: [], epochs: [1] });
    expect(await store.getRun(lease.runId)).toMatchObject({ status: 'finished', backend: 'cpu', epoch: 1 });
    await store.close();
  });

  it('stops recording once the claim is lost, and records nothing after', async () => {
    const { store } = await storeWithOneRun('lost');
    const lease = (await store.claimRun(me))!;
    const { seen, hooks: h } = hooks();
    const recorder = new RunRecorder(store, lease, h);
    await new Promise((r) => setTimeout(r, 20));
    await store.reapExpiredClaims({ graceMs: 10 });
    const winner = (await store.claimRun({ host: 'other', pid: 1 }))!;
    recorder.onMessage({ type: 'epoch', epoch: 1, metrics: { loss: 0.5 } });
    const outcome = await recorder.record({ kind: 'done', metrics: { loss: 9 }, artifacts: [] }, 10);
    expect(outcome.status).toBe('lost');
    expect(seen.lost).toBe(1);
    expect(await store.getEpochMetrics(lease.runId)).toEqual({});
    expect(await store.getRun(winner.runId)).toMatchObject({ status: 'running', metrics: {}, attempts: 2 });
    await store.close();
  });

  it('keeps a refused write (database full) and fails the run with the reason', async () => {
    const { path, store: setup } = await storeWithOneRun('full');
    await setup.close();
    const pages = new Database(path).pragma('page_count', { simple: true }) as number;
    const store = await openRunStore(path, { artifactRoot: join(dir, 'full', 'artifacts'), sqliteMaxPages: pages });
    const lease = (await store.claimRun(me))!;
    const { seen, hooks: h } = hooks();
    const recorder = new RunRecorder(store, lease, h);
    const metrics = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`metric_${i}`, i]));
    recorder.onMessage({ type: 'epoch', epoch: 1, metrics });
    const outcome = await recorder.record({ kind: 'done', metrics: {}, artifacts: [] }, 10);
    expect(outcome).toMatchObject({ status: 'unrecorded', detail: 'database or disk is full' });
    expect(seen.storeErrors.map((e) => e.message)).toEqual(['database or disk is full']);
    const run = (await store.getRun(lease.runId))!;
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/refused a write.*database or disk is full/);
    await store.close();
  });
});
