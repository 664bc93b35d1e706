import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFileNames, findStudyFile, invocationDirectory } from '../src/config/invocation.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rbm-invocation-'));
  mkdirSync(join(root, 'configs'));
  mkdirSync(join(root, 'packages', 'core', 'configs'), { recursive: true });
  writeFileSync(join(root, 'configs', 'hidden.yaml'), 'name: hidden\n');
  writeFileSync(join(root, 'packages', 'core', 'mine.yaml'), 'name: mine\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('invocationDirectory', () => {
  it("is npm's INIT_CWD under this package's CLI targets, the working directory elsewhere", () => {
    const user = join(root, 'packages', 'core');
    const nx = { NX_TASK_TARGET_PROJECT: 'experiments', NX_TASK_TARGET_TARGET: 'sweep', INIT_CWD: user };
    expect(invocationDirectory(nx, root)).toBe(user);
    expect(invocationDirectory({ ...nx, NX_TASK_TARGET_TARGET: 'cli' }, root)).toBe(user);
    // npm test sets INIT_CWD too: a CLI started by a test keeps its own working directory.
    expect(invocationDirectory({ ...nx, NX_TASK_TARGET_TARGET: 'test' }, root)).toBe(root);
    expect(invocationDirectory({ INIT_CWD: user }, root)).toBe(root);
    expect(invocationDirectory({ ...nx, INIT_CWD: undefined }, root)).toBe(root);
  });
});

describe('findStudyFile', () => {
  it("takes a path relative to the user's directory first, then to the project root", () => {
    const user = join(root, 'packages', 'core');
    expect(findStudyFile('mine.yaml', user, root)).toBe(join(user, 'mine.yaml'));
    expect(findStudyFile('configs/hidden.yaml', user, root)).toBe(join(root, 'configs', 'hidden.yaml'));
    expect(findStudyFile('../../configs/hidden.yaml', user, root)).toBe(join(root, 'configs', 'hidden.yaml'));
    // Found nowhere: relative to the user, for the error message.
    expect(findStudyFile('nope.yaml', user, root)).toBe(join(user, 'nope.yaml'));
    expect(findStudyFile('/abs/x.yaml', user, root)).toBe('/abs/x.yaml');
  });
});

describe('databaseFileNames', () => {
  it("lists the database's file and SQLite's side files", () => {
    expect(databaseFileNames('/x/runs/rbm-lab.db')).toEqual([
      'rbm-lab.db',
      'rbm-lab.db-journal',
      'rbm-lab.db-wal',
      'rbm-lab.db-shm',
    ]);
  });
});
