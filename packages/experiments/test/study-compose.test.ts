/** What `extends` does with `sweep`, `--set` overrides, and the grid summary printed before a sweep. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listModelSpecs } from '@rbm-lab/core';
import {
  type ConfigIssue,
  expandGrid,
  formatGridSummary,
  loadStudy,
  StudyConfigError,
  sweepIdOf,
} from '../src/index.js';

const specs = listModelSpecs();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-compose-'));
  writeFileSync(
    join(dir, 'parent.yaml'),
    `name: parent
dataset: {name: alphadigits, characters: [A, B]}
model: {type: rbm, hidden_units: 8}
train: {epochs: 2}
sweep:
  grid:
    model.hidden_units: [4, 8, 16]
    train.learning_rate: [0.1, 0.01, 0.001]
  zip:
    train.batch_size: [5, 10]
  seeds: 2
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

function issuesOf(file: string, overrides: string[] = []): ConfigIssue[] {
  try {
    loadStudy(file, specs, dir, { overrides });
  } catch (error) {
    expect(error).toBeInstanceOf(StudyConfigError);
    return (error as StudyConfigError).issues;
  }
  throw new Error('expected the study to be rejected');
}

describe('extends and sweep', () => {
  it("replaces the parent's grid with the child's, keeping the parent's zip and seeds", () => {
    write('child.yaml', 'extends: parent.yaml\nname: child\nsweep:\n  grid:\n    train.learning_rate: [0.5]\n');
    const { study } = loadStudy('child.yaml', specs, dir);
    expect(study.sweep).toEqual({
      grid: { 'train.learning_rate': [0.5] },
      zip: { 'train.batch_size': [5, 10] },
      seeds: 2,
    });
    expect(expandGrid(study, specs)).toHaveLength(4);
  });

  it("keeps the parent's grid when the child sets only seeds", () => {
    write('seeds.yaml', 'extends: parent.yaml\nname: seeds\nsweep:\n  seeds: 5\n');
    const { study } = loadStudy('seeds.yaml', specs, dir);
    expect(study.sweep?.grid).toEqual({ 'model.hidden_units': [4, 8, 16], 'train.learning_rate': [0.1, 0.01, 0.001] });
    expect(expandGrid(study, specs)).toHaveLength(3 * 3 * 2 * 5);
  });

  it('adds the child axes to the parent grid with extend_grid: true (same path replaced), without recording the key', () => {
    write(
      'extend.yaml',
      'extends: parent.yaml\nname: extend\nsweep:\n  extend_grid: true\n  grid:\n    train.learning_rate: [0.5]\n    train.k: [1, 2]\n',
    );
    const { study } = loadStudy('extend.yaml', specs, dir);
    expect(study.sweep?.grid).toEqual({
      'model.hidden_units': [4, 8, 16],
      'train.learning_rate': [0.5],
      'train.k': [1, 2],
    });
    expect(study.sweep && 'extend_grid' in study.sweep).toBe(false);
    expect(expandGrid(study, specs)).toHaveLength(3 * 1 * 2 * 2 * 2);
  });

  it('rejects an extend_grid that is not true or false, or in a file that extends nothing', () => {
    write('bad-extend.yaml', 'extends: parent.yaml\nname: bad\nsweep:\n  extend_grid: yes please\n');
    expect(issuesOf('bad-extend.yaml').map((i) => [i.path, i.line, i.column, i.message])).toEqual([
      ['sweep.extend_grid', 4, 16, 'expected true or false'],
    ]);
    write(
      'root.yaml',
      'name: root\ndataset: {name: alphadigits}\nmodel: {type: rbm}\nsweep:\n  extend_grid: true\n  seeds: 2\n',
    );
    expect(issuesOf('root.yaml')[0].message).toMatch(/the file has no extends/);
  });
});

describe('--set overrides', () => {
  it('apply after extends, change the sweep id, and add or replace grid axes', () => {
    write('over.yaml', 'extends: parent.yaml\nname: over\nsweep:\n  grid:\n    model.hidden_units: [4, 8]\n');
    const plain = loadStudy('over.yaml', specs, dir);
    const overridden = loadStudy('over.yaml', specs, dir, {
      overrides: ['train.epochs=3', 'sweep.grid.train.learning_rate=[0.1, 0.01]', 'sweep.seeds=1', 'train.epochs=4'],
    });
    expect(overridden.overrides).toEqual([
      'train.epochs=3',
      'sweep.grid.train.learning_rate=[0.1, 0.01]',
      'sweep.seeds=1',
      'train.epochs=4',
    ]);
    expect(overridden.study.train).toEqual({ epochs: 4 });
    expect(overridden.study.sweep).toEqual({
      grid: { 'model.hidden_units': [4, 8], 'train.learning_rate': [0.1, 0.01] },
      zip: { 'train.batch_size': [5, 10] },
      seeds: 1,
    });
    expect(sweepIdOf(overridden.study)).not.toBe(sweepIdOf(plain.study));
    // An override that sets what the file already says is the same study.
    expect(sweepIdOf(loadStudy('over.yaml', specs, dir, { overrides: ['train.epochs=2'] }).study)).toBe(
      sweepIdOf(plain.study),
    );
    expect(expandGrid(overridden.study, specs).map((plan) => plan.config.train.epochs)).toEqual(Array(8).fill(4));
  });

  it("locates a bad override's errors in the argument, like a file's", () => {
    write('plain.yaml', 'name: plain\ndataset: {name: alphadigits}\nmodel: {type: rbm}\n');
    const issues = issuesOf('plain.yaml', ['model.hidden_units=abc', 'model.nope=1', 'sweep.grid.train.epochs=[2, 2]']);
    expect(issues.map((i) => [i.file, i.column, i.path, i.message])).toEqual([
      ['--set model.hidden_units=abc', 26, 'model.hidden_units', 'expected an integer, got string "abc"'],
      ['--set model.nope=1', 7, 'model.nope', expect.stringMatching(/^unknown key 'nope' \(expected one of: type, /)],
      [
        '--set sweep.grid.train.epochs=[2, 2]',
        35,
        'sweep.grid.train.epochs.1',
        expect.stringMatching(/^duplicate value 2/),
      ],
    ]);
    try {
      loadStudy('plain.yaml', specs, dir, { overrides: ['model.hidden_units=abc'] });
    } catch (error) {
      expect((error as Error).message).toContain(
        '--set model.hidden_units=abc (column 26): model.hidden_units: expected an integer, got string "abc"',
      );
    }
  });

  it('rejects an override without a value, with a bad path or YAML, of extends, or of a swept value', () => {
    const issues = issuesOf('over.yaml', [
      'model.hidden_units',
      'model..x=1',
      'train.epochs=[1, 2',
      'extends=other.yaml',
    ]);
    expect(issues.map((i) => [i.file, i.column, i.message])).toEqual([
      ['--set model.hidden_units', 7, 'expected path=value, e.g. --set model.hidden_units=64'],
      ['--set model..x=1', 7, expect.stringMatching(/^invalid path 'model..x': expected dotted keys/)],
      ['--set train.epochs=[1, 2', 25, expect.stringMatching(/^YAML syntax: Flow sequence must end/)],
      ['--set extends=other.yaml', 7, "'extends' cannot be overridden: overrides apply after it"],
    ]);
    const swept = issuesOf('over.yaml', ['model.hidden_units=64']);
    expect(swept.map((i) => [i.file, i.column, i.message])).toEqual([
      [
        '--set model.hidden_units=64',
        7,
        "'model.hidden_units' is swept by sweep.grid, which sets it at every grid point; override the axis instead, e.g. --set 'sweep.grid.model.hidden_units=[...]'",
      ],
    ]);
    expect(issuesOf('over.yaml', ['sweep.extend_grid=true'])[0].message).toMatch(/not to --set/);
  });
});

describe('grid summary', () => {
  it('lists each axis with its size and values, and the seeds', () => {
    const { study } = loadStudy('parent.yaml', specs, dir);
    expect(formatGridSummary(study)).toBe(
      [
        'grid: 3 x 3 x 2 zip rows x 2 seeds = 36 runs',
        '  model.hidden_units (grid, 3): 4, 8, 16',
        '  train.learning_rate (grid, 3): 0.1, 0.01, 0.001',
        '  train.batch_size (zip, 2): 5, 10',
        '  seeds (2): 0, 1',
        '',
      ].join('\n'),
    );
    expect(expandGrid(study, specs)).toHaveLength(36);
    expect(formatGridSummary(loadStudy('plain.yaml', specs, dir).study)).toBe('grid: 1 run (no sweep)\n');
  });
});
