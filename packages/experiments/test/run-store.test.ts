/**
 * The run store contract, on both engines: the same tests run against SQLite
 * and a real PostgreSQL server (skipped, and reported so, where none starts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LeaseLostError,
  openRunStore,
  openRunStoreReader,
  type PlannedRunRow,
  type SweepDefinition,
} from '../src/index.js';
import { freshPostgresDatabase, HAS_POSTGRES } from './postgres.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-store-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sweepOf(values: number[], id = `sweep${values.join('')}`): SweepDefinition {
  return {
    id,
    name: 'hidden',
    configPath: 'configs/hidden.yaml',
    config: { name: 'hidden', sweep: { grid: { 'model.hidden_units': values } } },
    sweptParams: ['model.hidden_units'],
    mainMetric: { name: 'recon_error', lowerIsBetter: true },
    totalRuns: values.length,
    maxAttempts: 2,
    metricDefinitions: [
      { name: 'recon_error', direction: 'lower', description: 'mean squared error', split: 'test', nPoints: 20 },
    ],
  };
}
function runsOf(values: number[]): PlannedRunRow[] {
  return values.map((h, index) => ({
    id: `run${h}abcdef`,
    index,
    config: { model: { type: 'rbm', hidden_units: h } },
    params: { 'model.hidden_units': h },
    seed: 0,
    epochs: 3,
  }));
}
const me = { host: 'test-host', pid: process.pid };
const samples = (n: number, fill: number) => ({ data: new Float32Array(n * 6).fill(fill), n, height: 2, width: 3 });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const STORE_SOURCE = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/** A process that creates (opens for writing) the SQLite database at `path`, then closes it. */
function spawnCreator(path: string): ChildProcess {
  const script = `import { openRunStore } from ${JSON.stringify(STORE_SOURCE)};
    await (await openRunStore(${JSON.stringify(path)})).close();`;
  return spawn(
    process.execPath,
    ['--conditions=@rbm-lab/source', '--import', 'tsx', '--input-type=module', '-e', script],
    { stdio: 'ignore' },
  );
}

const engines: Array<{ name: string; skip: boolean; location: () => Promise<string> }> = [
  { name: 'sqlite', skip: false, location: async () => join(mkdtempSync(join(dir, 'db-')), 'runs', 'rbm-lab.db') },
  { name: 'postgres', skip: !HAS_POSTGRES, location: () => freshPostgresDatabase('store') },
];

describe.each(engines)('run store contract on $name', ({ skip, location }) => {
  const open = async () => {
    const where = await location();
    return { where, store: await openRunStore(where, { artifactRoot: mkdtempSync(join(dir, 'artifacts-')) }) };
  };

  it.skipIf(skip)('records a claimed run from start to finish and reads everything back', async () => {
    const { where, store } = await open();
    await store.submitSweep(sweepOf([10, 20]), runsOf([10, 20]));
    const lease = (await store.claimRun(me))!;
    expect(lease.runId).toBe('run10abcdef');
    expect(lease.attempt).toBe(1);
    expect(lease.artifactDir).toContain(join('hidden', 'run10abcdef', 'attempt-1-'));
    await store.recordBackend(lease, 'native-blas', 'OpenBLAS, 2 threads');
    await store.recordEpoch(lease, 1, { recon_error: 0.3, gap: Number.NaN }, samples(2, 0.25));
    await store.recordEpoch(lease, 2, { recon_error: 0.2 }, samples(2, 0.5));
    const modelDir = join(lease.artifactDir, 'model');
    await store.finishRun(lease, {
      metrics: { recon_error: 0.15 },
      artifacts: [
        { kind: 'model', path: modelDir, meta: { type: 'rbm' } },
        { kind: 'samples_png', name: 'samples.png', data: new Uint8Array([137, 80, 78, 71]), meta: { n: 2 } },
      ],
      samples: samples(3, 1),
      warnings: [{ code: 'below_baseline', message: 'log-likelihood below the base-rate model' }],
      cost: { training: 1.5, evaluation: 0.25 },
      durationMs: 1234,
    });
    const other = (await store.claimRun(me))!;
    await store.failRun(other, 'boom');
    await store.addTag(lease.runId, 'keep');
    await store.addTag(lease.runId, 'keep');
    await store.addTag(lease.runId, 'paper');
    await store.removeTag(lease.runId, 'paper');
    await store.setNote(lease.runId, 'best so far');

    const reader = await openRunStoreReader(where, { artifactRoot: store.artifactRoot });
    const summary = (await reader.getSweep('hidden'))!;
    expect(summary.counts).toEqual({ pending: 0, running: 0, finished: 1, failed: 1, interrupted: 0 });
    expect(summary.best).toEqual({ runId: 'run10abcdef', value: 0.15 });
    expect(summary.maxAttempts).toBe(2);
    const run = (await reader.getRun('run10'))!;
    expect(run).toMatchObject({
      status: 'finished',
      epoch: 2,
      backend: 'native-blas',
      metrics: { recon_error: 0.15 },
      durationMs: 1234,
      attempts: 1,
      worker: `test-host:${process.pid}`,
      tags: ['keep'],
      note: 'best so far',
      warnings: [{ code: 'below_baseline', message: 'log-likelihood below the base-rate model' }],
      cost: { evaluation: 0.25, training: 1.5 },
    });
    expect((await reader.getEpochMetrics(run.id)).recon_error).toEqual([
      { step: 1, value: 0.3 },
      { step: 2, value: 0.2 },
    ]);
    expect(await reader.listSampleEpochs(run.id)).toEqual([1, 2]);
    expect(Array.from((await reader.getSamples(run.id, { epoch: 1 }))!.data)).toEqual(Array(12).fill(0.25));
    expect(await reader.getSamples(run.id)).toMatchObject({ n: 3, height: 2, width: 3 });
    expect((await reader.getSamples(run.id))!.data.every((v) => v === 1)).toBe(true);
    const artifacts = await reader.listArtifacts(run.id);
    expect(artifacts.map((a) => [a.kind, a.inDatabase])).toEqual([
      ['model', false],
      ['samples_png', true],
    ]);
    expect(reader.resolveArtifactPath(artifacts[0])).toBe(modelDir);
    expect(Array.from((await reader.readArtifact(artifacts[1]))!)).toEqual([137, 80, 78, 71]);
    expect(await reader.getMetricDefinitions(summary.id)).toEqual(sweepOf([]).metricDefinitions);
    expect((await reader.getRun('run20abcdef'))!.error).toBe('boom');
    expect(await reader.getRun('run')).toBeUndefined(); // ambiguous prefix
    expect(await reader.findRuns('run')).toHaveLength(2);
    await reader.close();
    await store.close();
  });

  it.skipIf(skip)('submits idempotently: twice adds nothing, a widened grid adds only new points', async () => {
    const { store } = await open();
    expect(await store.submitSweep(sweepOf([10, 20]), runsOf([10, 20]))).toMatchObject({ added: 2, requeued: 0 });
    const lease = (await store.claimRun(me))!;
    await store.finishRun(lease, { metrics: { recon_error: 1 }, artifacts: [], durationMs: 1 });
    expect(await store.submitSweep(sweepOf([10, 20]), runsOf([10, 20]))).toEqual({
      added: 0,
      requeued: 0,
      finished: 1,
      total: 2,
    });
    const wide = sweepOf([10, 20, 30]);
    expect(await store.submitSweep(wide, runsOf([10, 20, 30]))).toEqual({
      added: 1,
      requeued: 0,
      finished: 1,
      total: 3,
    });
    expect(await store.queueState([wide.id])).toEqual({ queued: 2, running: 0 });
    const widened = await store.listRuns(wide.id);
    expect(widened.map((r) => [r.id, r.status])).toEqual([
      ['run10abcdef', 'finished'],
      ['run20abcdef', 'pending'],
      ['run30abcdef', 'pending'],
    ]);
    // The earlier version of the study still lists its own two runs.
    expect((await store.listRuns(sweepOf([10, 20]).id)).map((r) => r.id)).toEqual(['run10abcdef', 'run20abcdef']);
    await store.close();
  });

  it.skipIf(skip)(
    'guards every write with the lease: a reaped claim records nothing, attempts are capped',
    async () => {
      const { store } = await open();
      await store.submitSweep(sweepOf([10]), runsOf([10]));
      const first = (await store.claimRun(me))!;
      await store.recordEpoch(first, 1, { recon_error: 0.5 });
      await pause(20);
      expect(await store.reapExpiredClaims({ graceMs: 10 })).toEqual({ requeued: ['run10abcdef'], failed: [] });
      const second = (await store.claimRun({ host: 'other-host', pid: 1 }))!;
      expect(second.token).not.toBe(first.token);
      expect(second.attempt).toBe(2);
      expect(second.artifactDir).not.toBe(first.artifactDir);
      expect(await store.getEpochMetrics(second.runId)).toEqual({});
      for (const write of [
        () => store.heartbeat(first),
        () => store.recordEpoch(first, 2, { recon_error: 0.1 }),
        () => store.finishRun(first, { metrics: { recon_error: 9 }, artifacts: [], durationMs: 1 }),
        () => store.failRun(first, 'late'),
      ]) {
        await expect(write()).rejects.toBeInstanceOf(LeaseLostError);
      }
      expect((await store.getRun(second.runId))!).toMatchObject({ status: 'running', metrics: {}, epoch: 0 });
      await pause(20);
      // Second attempt of max_attempts 2 abandoned: the run fails with the reason.
      expect(await store.reapExpiredClaims({ graceMs: 10 })).toEqual({ requeued: [], failed: ['run10abcdef'] });
      const failed = (await store.getRun(second.runId))!;
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/worker other-host:1 stopped renewing its claim.*failed after 2 attempt\(s\)/);
      await expect(store.heartbeat(second)).rejects.toBeInstanceOf(LeaseLostError);
      // A user's resubmit with retryFailed queues it again with a fresh attempt count.
      expect(await store.submitSweep(sweepOf([10]), runsOf([10]), { retryFailed: true })).toMatchObject({
        requeued: 1,
      });
      expect((await store.claimRun(me))!.attempt).toBe(1);
      await store.close();
    },
  );

  it.skipIf(skip)('takes back at once the claims of dead processes on this host, never of live ones', async () => {
    const { store } = await open();
    await store.submitSweep(sweepOf([10, 20]), runsOf([10, 20]));
    const dead = (await store.claimRun({ host: 'here', pid: 4_194_999 }))!;
    const live = (await store.claimRun({ host: 'here', pid: process.pid }))!;
    const result = await store.reapExpiredClaims({ graceMs: 60_000, localHost: 'here' });
    expect(result).toEqual({ requeued: [dead.runId], failed: [] });
    expect((await store.getRun(dead.runId))!.error).toMatch(/worker here:4194999 is no longer running/);
    await store.heartbeat(live);
    expect(await store.queueState()).toEqual({ queued: 1, running: 1 });
    await store.close();
  });

  it.skipIf(skip)('readers see live writes and their change token moves', async () => {
    const { where, store } = await open();
    await store.submitSweep(sweepOf([10]), runsOf([10]));
    const reader = await openRunStoreReader(where);
    const before = await reader.changeToken();
    expect(await reader.changeToken()).toBe(before);
    const lease = (await store.claimRun(me))!;
    await store.recordEpoch(lease, 1, { recon_error: 0.5 });
    expect(await reader.changeToken()).not.toBe(before);
    expect((await reader.getRun(lease.runId))!.epoch).toBe(1);
    await reader.close();
    await store.close();
  });

  it.skipIf(skip)('reads the curves of many runs at once, the same as one run at a time', async () => {
    const { where, store } = await open();
    const hidden = [10, 20, 30];
    await store.submitSweep(sweepOf(hidden), runsOf(hidden));
    for (const h of hidden.slice(0, 2)) {
      const lease = (await store.claimRun(me))!;
      for (let e = 1; e <= 3; e++) await store.recordEpoch(lease, e, { recon_error: h / 100 + 1 / e, pll: -h * e });
    }
    const reader = await openRunStoreReader(where);
    const ids = [...hidden.map((h) => `run${h}abcdef`), 'nosuchrun'];
    const bulk = await reader.getEpochMetricsOfRuns(ids);
    expect([...bulk.keys()]).toEqual(ids);
    for (const id of ids) expect(bulk.get(id)).toEqual(await reader.getEpochMetrics(id));
    expect(bulk.get('run20abcdef')?.pll).toEqual([1, 2, 3].map((e) => ({ step: e, value: -20 * e })));
    expect(bulk.get('run30abcdef')).toEqual({});
    expect((await reader.getEpochMetricsOfRuns([])).size).toBe(0);
    await reader.close();
    await store.close();
  });
});

describe.skipIf(!HAS_POSTGRES)('PostgreSQL engine', () => {
  it('refuses a database of another application without touching it, and a future schema', async () => {
    const url = await freshPostgresDatabase('foreign');
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE customers (id INT)');
    await expect(openRunStore(url)).rejects.toThrow(/not an RBM Lab run database .*nothing was changed/);
    await expect(openRunStoreReader(url)).rejects.toThrow(/not an RBM Lab run database/);
    const tables = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tables.rows.map((r) => r.table_name)).toEqual(['customers']);
    await client.end();

    const ours = await freshPostgresDatabase('future');
    await (await openRunStore(ours)).close();
    const admin = new pg.Client({ connectionString: ours });
    await admin.connect();
    await admin.query(`UPDATE rbm_lab_meta SET value = '99' WHERE key = 'schema_version'`);
    await admin.end();
    await expect(openRunStore(ours)).rejects.toThrow(/schema version 99 is newer/);
  });

  it('gives a named error, not a hang, when no server answers', async () => {
    await expect(openRunStoreReader('postgres://nobody@127.0.0.1:1/none')).rejects.toThrow(
      /cannot open the run database/,
    );
  });
});

describe('SQLite file checks', () => {
  it('never shows a reader a database that is still being created (several creators at once)', async () => {
    for (let round = 0; round < 2; round++) {
      const path = join(mkdtempSync(join(dir, 'create-')), 'rbm-lab.db');
      const creators = Array.from({ length: 3 }, () => spawnCreator(path));
      while (creators.some((c) => c.exitCode === null)) {
        if (existsSync(path)) {
          // No 'no schema' and no 'older than' in between: the file appears complete.
          const reader = await openRunStoreReader(path);
          expect(await reader.listSweeps()).toEqual([]);
          await reader.close();
        }
        await pause(1);
      }
      expect(creators.map((c) => c.exitCode)).toEqual([0, 0, 0]);
      const reader = await openRunStoreReader(path);
      expect(await reader.listSweeps()).toEqual([]);
      await reader.close();
      // nothing of the creation is left beside the database
      expect(readdirSync(dirname(path)).filter((f) => f.includes('.creating-'))).toEqual([]);
    }
  });

  it('reads a file that is not a database, or empty, as a named error and creates nothing', async () => {
    const text = join(dir, 'notes.db');
    writeFileSync(text, 'just some text, long enough to have a header of one hundred bytes...'.repeat(3));
    await expect(openRunStoreReader(text)).rejects.toThrow(/not an RBM Lab run database \(not a SQLite file\)/);
    await expect(openRunStore(text)).rejects.toThrow(/not a SQLite file/);
    await expect(openRunStoreReader(join(dir, 'none.db'))).rejects.toThrow(/run a sweep first/);
  });
});
