import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRunStore, openRunStoreReader, type RunRecord } from '../src/index.js';
import { cliInProcess, readRuns as readRunsAt, spawnCli, tinyStudy, waitFor } from './helpers.js';

let dir: string;
let db: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-sweep-'));
  db = join(dir, 'runs', 'rbm-lab.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readRuns = (sweepName: string) => readRunsAt(db, sweepName);

describe('sweep: kill -9, resume, readers', () => {
  const config = () => join(dir, 'resume.yaml');
  let finishedBeforeKill: RunRecord[] = [];

  it('a sweep killed with SIGKILL keeps every finished run intact', async () => {
    writeFileSync(config(), tinyStudy('resume', '  grid:\n    model.hidden_units: [4, 6, 8, 10, 12, 14]'));
    const sweep = spawnCli(['sweep', config(), '--db', db, '--jobs', '2']);
    await waitFor(
      async () => (await readRuns('resume')).filter((r) => r.status === 'finished').length >= 2,
      90_000,
      'two finished runs',
    );
    sweep.child.kill('SIGKILL');
    const { signal } = await sweep.exit;
    expect(signal).toBe('SIGKILL');

    const runs = await readRuns('resume');
    expect(runs).toHaveLength(6);
    finishedBeforeKill = runs.filter((r) => r.status === 'finished');
    expect(finishedBeforeKill.length).toBeGreaterThanOrEqual(2);
    expect(finishedBeforeKill.length).toBeLessThan(6);
    const store = await openRunStoreReader(db);
    for (const run of finishedBeforeKill) {
      expect(run.metrics.recon_error).toBeGreaterThan(0);
      expect(run.durationMs).toBeGreaterThan(0);
      expect(run.backend).not.toBeNull();
      if (run.backend === 'native-blas') {
        // Two workers share the cores: each OpenBLAS gets floor(cores / 2) threads.
        const threads = Math.max(1, Math.floor(availableParallelism() / 2));
        expect(run.backendDetail).toMatch(new RegExp(`\\b${threads} threads?\\b`));
      }
      expect((await store.getEpochMetrics(run.id)).recon_error?.map((p) => p.step) ?? []).toEqual([1, 2]);
      const artifacts = await store.listArtifacts(run.id);
      expect(artifacts.map((a) => [a.kind, a.inDatabase])).toEqual([
        ['evaluation', true],
        ['model', false],
        ['samples_png', true],
      ]);
      expect(existsSync(store.resolveArtifactPath(artifacts[1]))).toBe(true);
      expect(store.resolveArtifactPath(artifacts[1])).toContain(join(dir, 'runs', 'rbm-lab.artifacts', 'resume'));
      const samples = (await store.getSamples(run.id))!;
      expect([samples.n, samples.height, samples.width]).toEqual([4, 20, 16]);
    }
    await store.close();
  });

  it('rerunning completes the grid with exactly one finished run per grid point, while a reader holds the database', async () => {
    // A dashboard-like reader: a read-only store plus a read transaction held open for the whole sweep.
    const reader = await openRunStoreReader(db);
    const raw = new Database(db, { readonly: true });
    raw.exec('BEGIN');
    raw.prepare('SELECT COUNT(*) FROM runs').get();
    const tokenBefore = await reader.changeToken();

    const sweep = spawnCli(['sweep', config(), '--db', db]);
    const { code } = await sweep.exit;
    expect(sweep.stderr()).toMatch(/back in the queue|already finished/);
    expect(code).toBe(0);
    expect(await reader.changeToken()).not.toBe(tokenBefore);
    raw.exec('COMMIT');
    raw.close();
    await reader.close();

    const runs = await readRuns('resume');
    expect(runs).toHaveLength(6);
    expect(runs.every((r) => r.status === 'finished')).toBe(true);
    expect(new Set(runs.map((r) => r.params['model.hidden_units']))).toEqual(new Set([4, 6, 8, 10, 12, 14]));
    // Runs finished before the kill were skipped, not redone.
    for (const before of finishedBeforeKill) {
      const after = runs.find((r) => r.id === before.id)!;
      expect(after.endedAt).toBe(before.endedAt);
      expect(after.metrics).toEqual(before.metrics);
    }
    const counts = new Database(db, { readonly: true });
    expect(counts.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 6 });
    expect(counts.prepare('SELECT COUNT(*) AS n FROM sweeps').get()).toEqual({ n: 1 });
    counts.close();
  });

  it('a third run of the same sweep has nothing to do', async () => {
    const sweep = spawnCli(['sweep', config(), '--db', db]);
    const { code } = await sweep.exit;
    expect(code).toBe(0);
    expect(sweep.stdout()).toMatch(/0 finished, 0 failed, 0 interrupted, 6 already done of 6/);
  });

  it('--dry-run prints the grid with each run status and writes nothing', async () => {
    const before = statSync(db).mtimeMs;
    const result = await cliInProcess(['sweep', config(), '--dry-run', '--db', db], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/model\.hidden_units/);
    expect(result.stdout.match(/│ finished/g)?.length).toBe(6);
    expect(result.stdout).toMatch(/6 runs, 6 already finished/);
    expect(statSync(db).mtimeMs).toBe(before);
  });
});

describe('list, show, compare, export on what the sweep wrote', () => {
  it('compare marks differing parameters and the best value of each metric', async () => {
    const runs = await readRuns('resume');
    const [a, b, c] = runs;
    const result = await cliInProcess(['compare', a.id, b.id.slice(0, 6), c.id, '--db', db], dir);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const paramLine = lines.find((l) => l.includes('model.hidden_units'))!;
    expect(paramLine).toMatch(/\* model\.hidden_units/);
    expect(lines.find((l) => l.includes(' status'))).not.toMatch(/\* status/);
    const metricLine = lines.find((l) => l.includes('recon_error'))!;
    const values = [a, b, c].map((r) => r.metrics.recon_error);
    const best = values.indexOf(Math.min(...values));
    const cells = metricLine.split('│').slice(2, 5);
    cells.forEach((cell, i) => expect(cell.includes('*')).toBe(i === best));
    expect(metricLine).toMatch(/lower is better/);
  });

  it('export --csv writes one row per run with the swept parameters and final metrics', async () => {
    const result = await cliInProcess(['export', 'resume', '--csv', '--db', db], dir);
    expect(result.code).toBe(0);
    const [head, ...rows] = result.stdout.trim().split('\n');
    const columns = head.split(',');
    expect(columns.slice(0, 5)).toEqual(['run_id', 'index', 'status', 'seed', 'model.hidden_units']);
    // Every run also records its cost and data sizes (train_seconds, n_test, ...).
    expect(columns).toEqual(expect.arrayContaining(['recon_error', 'train_seconds', 'n_test']));
    const reconColumn = columns.indexOf('recon_error');
    expect(rows).toHaveLength(6);
    const runs = await readRuns('resume');
    for (const row of rows) {
      const cells = row.split(',');
      const run = runs.find((r) => r.id === cells[0])!;
      expect(Number(cells[4])).toBe(run.params['model.hidden_units']);
      expect(Number(cells[reconColumn])).toBe(run.metrics.recon_error);
    }
    const out = join(dir, 'out.csv');
    expect((await cliInProcess(['export', 'resume', '--csv', '--out', out, '--db', db], dir)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(result.stdout);
  });

  it('list and show read the sweep; unknown runs and missing databases are user errors', async () => {
    const list = await cliInProcess(['list', '--db', db], dir);
    expect(list.stdout).toMatch(/resume\s+│ \w{12}\s+│ 6\/6/);
    const run = (await readRuns('resume'))[0];
    const show = await cliInProcess(['show', run.id.slice(0, 5), '--db', db], dir);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`run ${run.id}`);
    expect(show.stdout).toMatch(/samples_png: samples\.png \(in the database\)/);
    expect(show.stdout).toMatch(/model: .*rbm-lab\.artifacts\/resume\/\w+\/attempt-1-\w+\/model/);
    const unknown = await cliInProcess(['show', 'zzzz', '--db', db], dir);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toMatch(/^error: no run 'zzzz'/);
    const missing = await cliInProcess(['list', '--db', join(dir, 'nothing.db')], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run a sweep first/);
  });
});

describe('sweep: Ctrl-C and a crashing worker', () => {
  it('SIGINT marks the active run interrupted and exits 130; a crashed worker fails only its run', async () => {
    const config = join(dir, 'interrupt.yaml');
    writeFileSync(config, tinyStudy('interrupt', '  grid:\n    model.hidden_units: [5, 7, 9]'));
    const sweep = spawnCli(['sweep', config, '--db', db]);
    await waitFor(
      async () => (await readRuns('interrupt')).some((r) => r.status === 'running'),
      60_000,
      'a running run',
    );
    sweep.child.kill('SIGINT');
    const { code } = await sweep.exit;
    expect(code).toBe(130);
    let runs = await readRuns('interrupt');
    expect(runs.some((r) => r.status === 'running')).toBe(false);
    expect(runs.filter((r) => r.status === 'interrupted').length).toBeGreaterThanOrEqual(1);

    // Resume; kill the first worker process we see: that run fails, the others finish.
    const resumed = spawnCli(['sweep', config, '--db', db, '--jobs', '1']);
    const parentPid = resumed.child.pid!;
    // The forked run process, not another child of the sweep (it also runs `git rev-parse`, for example).
    const isWorker = (pid: number): boolean => {
      try {
        return /worker\.[jt]s/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    };
    const workerPid = await waitFor(
      () => {
        try {
          const children = readFileSync(`/proc/${parentPid}/task/${parentPid}/children`, 'utf8').trim();
          return children.split(/\s+/).filter(Boolean).map(Number).find(isWorker);
        } catch {
          return undefined;
        }
      },
      30_000,
      'a worker process',
    );
    process.kill(workerPid, 'SIGKILL');
    const second = await resumed.exit;
    expect(second.code).toBe(1);
    runs = await readRuns('interrupt');
    const failed = runs.filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toMatch(/signal SIGKILL/);
    expect(runs.filter((r) => r.status === 'finished')).toHaveLength(2);
  });
});

describe('sweep: config errors leave the database untouched', () => {
  const cases: Record<string, string> = {
    'malformed YAML': tinyStudy('bad', '  grid:\n    model.hidden_units: [4, 6'),
    'unknown key': tinyStudy('bad', '  grid:\n    model.hidden_units: [4]').replace(
      'hidden_units: 8',
      'hidden_units: 8\n  hiden: 3',
    ),
    'wrong type': tinyStudy('bad', '  grid:\n    model.hidden_units: [4, "six"]'),
    'unknown character': tinyStudy('bad', '  grid:\n    model.hidden_units: [4]').replace('[A, B]', '[A, "#"]'),
    'empty grid': tinyStudy('bad', '  grid:\n    model.hidden_units: []'),
  };

  it.each(Object.entries(cases))('%s: located error, exit 2, database byte-identical', async (_name, text) => {
    const errorDb = join(dir, 'errors', 'rbm-lab.db');
    if (!existsSync(errorDb)) await (await openRunStore(errorDb)).close();
    const before = readFileSync(errorDb);
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, text);
    const result = await cliInProcess(['sweep', file, '--db', errorDb], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: invalid study config/);
    expect(result.stderr).toMatch(/bad\.yaml:\d+:\d+: /);
    expect(readFileSync(errorDb).equals(before)).toBe(true);
    expect(existsSync(`${errorDb}-wal`)).toBe(false);
  });

  it('a bad config does not create a database that does not exist', async () => {
    const file = join(dir, 'bad2.yaml');
    writeFileSync(file, tinyStudy('bad', '  grid:\n    model.hidden_units: []'));
    const missing = join(dir, 'none', 'rbm-lab.db');
    const result = await cliInProcess(['sweep', file, '--db', missing], dir);
    expect(result.code).toBe(2);
    expect(existsSync(missing)).toBe(false);
  });
});
