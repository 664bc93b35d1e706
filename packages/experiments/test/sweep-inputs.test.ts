/** `sweep` with --set, --data and --jobs: what it prints, records and refuses before writing anything. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openRunStoreReader } from '../src/index.js';
import { cliInProcess, spawnCli, tinyStudy } from './helpers.js';

let dir: string;
const dataDirBefore = process.env.RBM_LAB_DATA_DIR;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-sweep-inputs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// `--data` sets RBM_LAB_DATA_DIR for the workers, in this process too.
afterEach(() => {
  if (dataDirBefore === undefined) delete process.env.RBM_LAB_DATA_DIR;
  else process.env.RBM_LAB_DATA_DIR = dataDirBefore;
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('sweep --set', () => {
  it('applies overrides to the dry run, which prints the grid', async () => {
    const study = write('set.yaml', tinyStudy('set', '  grid:\n    model.hidden_units: [4, 6]'));
    const db = join(dir, 'dry.db');
    const result = await cliInProcess(
      [
        'sweep',
        study,
        '--db',
        db,
        '--dry-run',
        '--set',
        'sweep.grid.train.learning_rate=[0.1, 0.05]',
        '--set',
        'sweep.seeds=2',
      ],
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^grid: 2 x 2 x 2 seeds = 8 runs\n {2}model\.hidden_units \(grid, 2\): 4, 6\n {2}train\.learning_rate \(grid, 2\): 0\.1, 0\.05\n {2}seeds \(2\): 0, 1\n/,
    );
    expect(result.stdout).toMatch(/8 runs, 0 already finished/);
    expect(existsSync(db)).toBe(false);
  });

  it('rejects a bad override with exit 2, naming the argument, and writes nothing', async () => {
    const study = write('bad-set.yaml', tinyStudy('bad-set', '  grid:\n    model.hidden_units: [4]'));
    const db = join(dir, 'bad-set.db');
    const result = await cliInProcess(['sweep', study, '--db', db, '--set', 'train.epochs=abc'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--set train.epochs=abc (column 20): train.epochs: expected an integer, got string "abc"',
    );
    expect(existsSync(db)).toBe(false);
  });

  it('says how to quote a --set value that nx split at its spaces', async () => {
    const study = write('split.yaml', tinyStudy('split', '  grid:\n    model.hidden_units: [4]'));
    // What `npx nx run experiments:sweep ... --set 'sweep.grid.x=[0.1, 0.01]'` passes on.
    const result = await cliInProcess(['sweep', study, '--set', 'sweep.grid.train.learning_rate=[0.1,', '0.01]'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`got '${study}', '0.01]' (if a --set value has spaces and went through nx`);
  });

  it('records the overridden study with the sweep: the values in its config, the arguments with its file', async () => {
    const study = write('rec.yaml', tinyStudy('rec', '  grid:\n    model.hidden_units: [4]'));
    const db = join(dir, 'rec.db');
    const result = await cliInProcess(['sweep', study, '--db', db, '--set', 'train.epochs=1'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^grid: 1 = 1 run\n/);
    const store = await openRunStoreReader(db);
    try {
      const [sweep] = await store.listSweeps();
      expect(sweep.configPath).toBe(`${study} --set train.epochs=1`);
      expect((sweep.config as { train: { epochs: number } }).train.epochs).toBe(1);
      const [run] = await store.listRuns(sweep.id);
      expect([run.status, run.epochs]).toEqual(['finished', 1]);
    } finally {
      await store.close();
    }
  });
});

describe('sweep checks before it writes', () => {
  it('fails once, exit 2, when --data holds corrupt MNIST files, and enqueues nothing', async () => {
    const data = join(dir, 'corrupt');
    mkdirSync(data);
    for (const name of [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ]) {
      writeFileSync(join(data, name), Buffer.from('corrupt'));
    }
    const study = write(
      'mnist.yaml',
      tinyStudy('mnist-bad', '  grid:\n    model.hidden_units: [4, 6, 8]').replace(
        'name: alphadigits\n  characters: [A, B]',
        'name: mnist\n  limit: 100',
      ),
    );
    const db = join(dir, 'mnist.db');
    const result = await cliInProcess(['sweep', study, '--db', db, '--data', data], dir);
    expect(result.code).toBe(2);
    expect(
      result.stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('error:')),
    ).toHaveLength(1);
    expect(result.stderr).toMatch(
      /error: cannot load the data of dataset .*"name":"mnist".*: .*train-(images|labels)-idx[13]-ubyte: /,
    );
    expect(existsSync(db)).toBe(false);
  });

  it('submit checks the data before it enqueues: corrupt files are exit 2 with nothing written', async () => {
    const data = join(dir, 'corrupt-submit');
    mkdirSync(data);
    writeFileSync(join(data, 'train-images-idx3-ubyte'), Buffer.from('corrupt'));
    const mnist = write(
      'submit-mnist.yaml',
      tinyStudy('submit-bad', '  grid:\n    model.hidden_units: [4, 6]').replace(
        'name: alphadigits\n  characters: [A, B]',
        'name: mnist\n  limit: 100',
      ),
    );
    const db = join(dir, 'submit.db');
    const bad = await cliInProcess(['submit', mnist, '--db', db, '--data', data], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/error: cannot load the data of dataset .*train-(images-idx3|labels-idx1)-ubyte: /);
    expect(existsSync(db)).toBe(false);
  });

  it('submit records --set with the sweep', async () => {
    const db = join(dir, 'submit.db');
    const study = write('submit.yaml', tinyStudy('submit-ok', '  grid:\n    model.hidden_units: [4]'));
    const ok = await cliInProcess(['submit', study, '--db', db, '--set', 'sweep.seeds=3'], dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/^grid: 1 x 3 seeds = 3 runs\n/);
    expect(ok.stdout).toMatch(/3 new run\(s\) queued/);
    const store = await openRunStoreReader(db);
    try {
      const [sweep] = await store.listSweeps();
      expect(sweep.configPath).toBe(`${study} --set sweep.seeds=3`);
    } finally {
      await store.close();
    }
  });

  it('refuses, exit 2, runs that cannot fit in the free memory divided by --jobs', async () => {
    const study = write('mem.yaml', tinyStudy('mem', '  grid:\n    model.hidden_units: [4]'));
    const db = join(dir, 'mem.db');
    // Every run needs more than 200 MiB: this many jobs leave each less than that.
    const jobs = Math.ceil(freemem() / (200 * 2 ** 20)) + 1;
    const result = await cliInProcess(['sweep', study, '--db', db, '--jobs', String(jobs)], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /error: run #0 \(model\.hidden_units=4\) needs about \d+ MiB \(runtime \d+ MiB.*\), more than this machine's free memory allows: \d+ MiB free, shared by \d+ jobs/,
    );
    expect(existsSync(db)).toBe(false);
  });

  it('refuses a study named like a database file when the artifact folders go beside the database', async () => {
    const study = write('named.yaml', tinyStudy('results.sqlite-wal', '  grid:\n    model.hidden_units: [4]'));
    const db = join(dir, 'results.sqlite');
    const beside = spawnCli(['sweep', study, '--db', db, '--dry-run'], { RBM_LAB_ARTIFACTS: dir });
    expect((await beside.exit).code).toBe(2);
    expect(beside.stderr()).toMatch(/named\.yaml:1:7: name: 'results\.sqlite-wal' is the name of a database file/);
    // By default artifacts go to results.artifacts/: no folder sits beside the database's files.
    const apart = spawnCli(['sweep', study, '--db', db, '--dry-run'], { RBM_LAB_ARTIFACTS: '' });
    expect((await apart.exit).code, apart.stderr()).toBe(0);
    expect(existsSync(db)).toBe(false);
  });
});
