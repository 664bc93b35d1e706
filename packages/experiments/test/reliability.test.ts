/**
 * What goes wrong in real use, reproduced: a full disk, a run that never
 * ends, databases that are not ours, paths that cannot be written, a sweep
 * process that dies under its workers, duplicate grid points, --help.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_COMMANDS, LineProgress, openRunStore, runSweep, SCHEMA_VERSION } from '../src/index.js';
import { loadSubmission } from '../src/cli/study-commands.js';
import { cliInProcess, readRuns, spawnCli, tinyStudy, waitFor } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-reliability-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const quietProgress = () => new LineProgress({ write: () => true } as unknown as NodeJS.WritableStream);

describe('a full disk', () => {
  it('fails the run with the reason, ends the sweep with a clear error, and a rerun recovers', async () => {
    const db = join(dir, 'full', 'rbm-lab.db');
    const config = write(
      'full.yaml',
      tinyStudy('full', '  grid:\n    model.hidden_units: [4, 6]').replace('epochs: 2', 'epochs: 400'),
    );
    const submission = await loadSubmission(config, { cwd: dir });
    const setup = await openRunStore(db);
    await setup.submitSweep(submission.sweep, submission.plans);
    await setup.close();
    const pages = (new Database(db).pragma('page_count', { simple: true }) as number) + 2;

    const store = await openRunStore(db, { sqliteMaxPages: pages });
    const result = await runSweep({ store, ...submission, jobs: 1, progress: quietProgress(), heartbeatMs: 200 });
    await store.close();
    expect(result.storeError?.message).toMatch(/database or disk is full/);
    const runs = await readRuns(db, 'full');
    expect(runs.some((r) => r.status === 'running')).toBe(false);
    const failed = runs.find((r) => r.status === 'failed')!;
    expect(failed.error).toMatch(/the run store refused a write.*database or disk is full/);

    // With room again, the same sweep finishes every run.
    const rerun = spawnCli(['sweep', config, '--db', db]);
    const { code } = await rerun.exit;
    expect(code, rerun.stderr()).toBe(0);
    expect((await readRuns(db, 'full')).map((r) => r.status)).toEqual(['finished', 'finished']);
  });

  it('a run that cannot write its artifacts fails with the reason; an unusable artifact root is refused first', async () => {
    const db = join(dir, 'noartifacts', 'rbm-lab.db');
    const config = write('noart.yaml', tinyStudy('noart', '  grid:\n    model.hidden_units: [4, 6]'));
    // A file where the sweep's artifact folder should be: the model cannot be saved.
    const root = mkdtempSync(join(dir, 'root-'));
    writeFileSync(join(root, 'noart'), 'in the way');
    const sweep = spawnCli(['sweep', config, '--db', db], { RBM_LAB_ARTIFACTS: root });
    expect((await sweep.exit).code).toBe(1);
    const runs = await readRuns(db, 'noart');
    expect(runs.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(runs[0].error).toMatch(/ENOTDIR|not a directory/);

    const blocked = write('blocked', 'not a folder');
    const refused = spawnCli(['sweep', config, '--db', db], { RBM_LAB_ARTIFACTS: join(blocked, 'inside') });
    expect((await refused.exit).code).toBe(2);
    expect(refused.stderr()).toMatch(/^error: artifact root .*blocked is a file, not a folder/m);
    expect(refused.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe('per-run timeout', () => {
  it('kills a run past --run-timeout, fails it saying so, and goes on with the sweep', async () => {
    const db = join(dir, 'timeout', 'rbm-lab.db');
    const config = write('timeout.yaml', tinyStudy('timeout', '  grid:\n    train.epochs: [2, 100000]'));
    // The limit leaves room for a loaded machine to start the short run's process; the long run needs minutes.
    const sweep = spawnCli(['sweep', config, '--db', db, '--run-timeout', '20']);
    const { code } = await sweep.exit;
    expect(code).toBe(1);
    const runs = await readRuns(db, 'timeout');
    expect(runs.map((r) => r.status)).toEqual(['finished', 'failed']);
    expect(runs[1].error).toMatch(/timed out: the run took longer than its limit of 20 s/);
    expect(sweep.stderr()).toMatch(/failed .*timed out after 20 s/);
  });
});

describe('read commands on databases that are not usable', () => {
  const commands = (db: string) => [
    ['list', '--db', db],
    ['show', 'abc', '--db', db],
    ['compare', 'abc', 'def', '--db', db],
    ['export', 'x', '--csv', '--db', db],
    ['report', 'x', '--db', db],
    ['sweep', write('dry.yaml', tinyStudy('dry', '  grid:\n    model.hidden_units: [4]')), '--dry-run', '--db', db],
  ];

  it('name the problem, exit 2, and leave a foreign SQLite file untouched (no -wal/-shm, no tables)', async () => {
    const foreign = join(dir, 'foreign.sqlite');
    const other = new Database(foreign);
    other.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'ada')");
    other.close();
    const bytes = readFileSync(foreign);
    const notSqlite = write('notes.db', 'a plain text file that someone called notes.db\n'.repeat(4));
    const future = join(dir, 'future.db');
    const ours = new Database(future);
    ours.pragma('application_id = 1380076876');
    ours.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    ours.exec('CREATE TABLE sweeps (id TEXT)');
    ours.close();
    const futureBytes = readFileSync(future);

    for (const [db, pattern] of [
      [foreign, /not an RBM Lab run database \(its tables are customers\); nothing was changed/],
      [notSqlite, /not an RBM Lab run database \(not a SQLite file\)/],
      [future, /schema version \d+ is newer than this RBM Lab reads/],
    ] as const) {
      for (const args of commands(db)) {
        const result = await cliInProcess(args, dir);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toMatch(pattern);
        expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
      }
    }
    // Writing commands refuse too, before changing anything.
    for (const db of [foreign, future]) {
      const sweep = await cliInProcess(
        ['submit', write('w.yaml', tinyStudy('w', '  grid:\n    model.hidden_units: [4]')), '--db', db],
        dir,
      );
      expect(sweep.code).toBe(2);
    }
    expect(readFileSync(foreign).equals(bytes)).toBe(true);
    expect(readFileSync(future).equals(futureBytes)).toBe(true);
    for (const db of [foreign, future]) {
      expect(existsSync(`${db}-wal`)).toBe(false);
      expect(existsSync(`${db}-shm`)).toBe(false);
    }
  });

  it('upgrade a schema-1 database in place and keep its runs readable', async () => {
    const legacy = join(dir, 'legacy', 'rbm-lab.db');
    mkdirSync(join(dir, 'legacy'), { recursive: true });
    const raw = new Database(legacy);
    const { migrationSql } = await import('../src/store/migrations.js');
    raw.exec(migrationSql(0, 'sqlite'));
    raw.pragma('user_version = 1');
    raw.exec(`INSERT INTO sweeps VALUES ('s1', 'old', 'old.yaml', '{}', '[]', 'recon_error', 1, 1, '2024-01-01', '2024-01-01', NULL, NULL, NULL);
      INSERT INTO runs (id, sweep_id, idx, status, config_json, params_json, seed, epochs) VALUES ('r1', 's1', 0, 'finished', '{}', '{}', 0, 2);
      INSERT INTO artifacts VALUES ('r1', 'model', 'old/r1/model', '{}');`);
    raw.close();
    const read = await cliInProcess(['list', '--db', legacy], dir);
    expect(read.code).toBe(2);
    expect(read.stderr).toMatch(/schema version 1 is older .* run any sweep \(or submit\) once to upgrade it/);
    await (await openRunStore(legacy)).close();
    const show = await cliInProcess(['show', 'r1', '--db', legacy], dir);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`model: ${join(dir, 'legacy', 'old', 'r1', 'model')}`);
  });
});

describe('bad output paths', () => {
  it('get named errors and exit 2, never a stack or a hang', async () => {
    const file = write('plain.txt', 'x');
    const config = write('paths.yaml', tinyStudy('paths', '  grid:\n    model.hidden_units: [4]'));
    const db = join(dir, 'paths', 'rbm-lab.db');
    await (await openRunStore(db)).close();
    const cases: Array<[string[], RegExp]> = [
      [['submit', config, '--db', join(file, 'x.db')], /database .*plain\.txt.* is a file, not a folder/],
      [['list', '--db', join(file, 'x.db')], /no run database at/],
      [['submit', config, '--db', '/proc/rbm-lab-x/y.db'], /cannot create folder \/proc\/rbm-lab-x/],
      [
        ['export', 'paths', '--csv', '--db', db, '--out', join(dir, 'missing', 'x.csv')],
        /folder .*missing does not exist/,
      ],
      [['export', 'paths', '--csv', '--db', db, '--out', dir], /is a folder; give a file name/],
      [['report', 'paths', '--db', db, '--out', file], /plain\.txt is a file, not a folder/],
      [['report', 'paths', '--db', db, '--out', '/proc/rbm-lab-x'], /cannot create folder \/proc\/rbm-lab-x/],
    ];
    for (const [args, pattern] of cases) {
      const result = await cliInProcess(args, dir);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    }
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});

describe('orphaned and duplicate work', () => {
  it('a run process stops at once when its sweep process dies, and writes nothing after', async () => {
    const db = join(dir, 'orphan', 'rbm-lab.db');
    const artifacts = join(dir, 'orphan-artifacts');
    const config = write(
      'orphan.yaml',
      tinyStudy('orphan', '  grid:\n    model.hidden_units: [4]').replace('epochs: 2', 'epochs: 100000'),
    );
    const sweep = spawnCli(['sweep', config, '--db', db], { RBM_LAB_ARTIFACTS: artifacts });
    await waitFor(async () => (await readRuns(db, 'orphan')).some((r) => r.epoch > 10), 60_000, 'epochs recorded');
    // The run's process among the sweep's children (tsx also starts an esbuild service).
    const children = readFileSync(`/proc/${sweep.child.pid}/task/${sweep.child.pid}/children`, 'utf8').trim();
    const runPid = children
      .split(/\s+/)
      .map(Number)
      .find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker.ts'))!;
    expect(runPid).toBeGreaterThan(0);
    sweep.child.kill('SIGKILL');
    await sweep.exit;
    const gone = await waitFor(
      () => {
        try {
          process.kill(runPid, 0);
          return false;
        } catch {
          return true;
        }
      },
      3000,
      'the orphaned run process to exit',
    );
    expect(gone).toBe(true);
    const folder = join(artifacts, 'orphan');
    const written = existsSync(folder) ? readdirSync(folder, { recursive: true }) : [];
    expect(written.filter((f) => String(f).endsWith('model'))).toEqual([]);
  });

  it('refuses a grid point listed twice: a located error, exit 2, nothing written', async () => {
    // Changed on purpose (config stream): a repeated value trained the same run twice, then ran it once silently.
    const db = join(dir, 'dup', 'rbm-lab.db');
    const config = write('dup.yaml', tinyStudy('dup', '  grid:\n    model.hidden_units: [4, 4, 6]'));
    const result = await cliInProcess(['sweep', config, '--db', db, '--jobs', '2'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /dup\.yaml:\d+:\d+: sweep\.grid\.model\.hidden_units\.1: duplicate value 4: the same as item 0; its runs would train twice/,
    );
    expect(existsSync(db)).toBe(false);
  });
});

describe('--help', () => {
  it('every command prints its usage and exits 0', async () => {
    for (const name of Object.keys(BUILTIN_COMMANDS)) {
      const result = await cliInProcess([name, '--help'], dir);
      expect(result.code, name).toBe(0);
      expect(result.stdout, name).toMatch(new RegExp(`usage: rbm-lab ${name}`));
    }
  });
});
