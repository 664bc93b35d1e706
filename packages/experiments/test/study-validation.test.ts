/**
 * Inputs a study file must not get through: repeated grid points, axes that
 * overwrite each other, grids too large to expand, alias bombs, huge files,
 * names that are not folder names, unknown metrics. Each is a located error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listModelSpecs } from '@rbm-lab/core';
import { type ConfigIssue, expandGrid, loadStudy, StudyConfigError, type Study } from '../src/index.js';

const specs = listModelSpecs();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-validation-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = `name: check
dataset:
  name: alphadigits
  characters: [A, B]
model:
  type: rbm
  hidden_units: 8
`;

/** The issues loadStudy reports for a study text (HEAD plus `rest`); fails if it accepts it. */
function issuesOf(text: string, options: Parameters<typeof loadStudy>[3] = {}): ConfigIssue[] {
  writeFileSync(join(dir, 'study.yaml'), text);
  try {
    loadStudy('study.yaml', specs, dir, options);
  } catch (error) {
    expect(error).toBeInstanceOf(StudyConfigError);
    return (error as StudyConfigError).issues;
  }
  throw new Error('expected the study to be rejected');
}

const where = (issue: ConfigIssue) => [issue.path, issue.line, issue.column];

describe('repeated grid points', () => {
  it('rejects a value listed twice on a grid axis (deep equality), at the repeat', () => {
    const issues = issuesOf(`${HEAD}sweep:\n  grid:\n    model.hidden_units: [10, 20, 10]\n`);
    expect(issues.map(where)).toEqual([['sweep.grid.model.hidden_units.2', 10, 34]]);
    expect(issues[0].message).toMatch(/duplicate value 10: the same as item 0/);
    const lists = issuesOf(`${HEAD}sweep:\n  grid:\n    dataset.characters: [[A, B], [C], [A, B]]\n`);
    expect(lists.map(where)).toEqual([['sweep.grid.dataset.characters.2', 10, 39]]);
  });

  it('rejects a zip row that repeats another row, and accepts rows that differ in one list', () => {
    const issues = issuesOf(
      `${HEAD}sweep:\n  zip:\n    train.learning_rate: [0.1, 0.1, 0.1]\n    train.batch_size: [10, 20, 10]\n`,
    );
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toMatch(/zip row 2 repeats row 0/);
    expect(issues[0].line).toBe(10);
    writeFileSync(
      join(dir, 'ok.yaml'),
      `${HEAD}sweep:\n  zip:\n    train.learning_rate: [0.1, 0.1]\n    train.batch_size: [10, 20]\n`,
    );
    expect(expandGrid(loadStudy('ok.yaml', specs, dir).study, specs)).toHaveLength(2);
  });

  it('rejects a seed listed twice', () => {
    const issues = issuesOf(`${HEAD}sweep:\n  seeds: [1, 2, 1]\n`);
    expect(issues.map(where)).toEqual([['sweep.seeds.2', 9, 17]]);
    expect(issues[0].message).toMatch(/duplicate value 1/);
  });

  it('rejects a zip path that contains a grid path, or lies inside one', () => {
    const inside = issuesOf(
      `${HEAD}sweep:\n  zip:\n    train: [{epochs: 2}, {epochs: 3}]\n  grid:\n    train.epochs: [4, 5]\n`,
    );
    expect(inside.map(where)).toEqual([['sweep.grid.train.epochs', 12, 5]]);
    expect(inside[0].message).toMatch(/'train.epochs' lies inside 'train', which sweep.zip also sweeps/);
    const outside = issuesOf(
      `${HEAD}sweep:\n  grid:\n    model.hidden_units: [4, 5]\n  zip:\n    model: [{type: rbm}]\n`,
    );
    expect(outside.map(where)).toEqual([['sweep.grid.model.hidden_units', 10, 5]]);
  });

  it('rejects a character selected twice, in a list or a string, and says an empty selection is empty', () => {
    const list = issuesOf(HEAD.replace('[A, B]', '[A, B, A]'));
    expect(list.map(where)).toEqual([['dataset.characters.2', 4, 22]]);
    expect(list[0].message).toMatch(/duplicate character "A"/);
    // 10 is the index of A.
    expect(issuesOf(HEAD.replace('[A, B]', '[A, 10]'))[0].message).toMatch(/duplicate character 10: "A" is already/);
    expect(issuesOf(HEAD.replace('[A, B]', '"A,B,A"'))[0].message).toMatch(/duplicate character "A"/);
    const empty = issuesOf(HEAD.replace('[A, B]', '[]'));
    expect(empty.map((i) => [...where(i), i.message])).toEqual([
      ['dataset.characters', 4, 15, 'empty list: choose at least one character'],
    ]);
    expect(issuesOf(HEAD.replace('[A, B]', '""'))[0].message).toBe('empty string');
  });
});

describe('limits', () => {
  it('counts seeds in the grid size, before expanding anything', () => {
    const seeds = issuesOf(
      `${HEAD}sweep:\n  grid:\n    model.hidden_units: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  seeds: 1000\n`,
    );
    expect(seeds.map((i) => i.message)).toEqual([
      'the grid has 10 x 1000 seeds = 10000 runs; at most 5000 are allowed',
    ]);
    expect(where(seeds[0])).toEqual(['sweep', 8, 1]);
    const tooMany = issuesOf(`${HEAD}sweep:\n  seeds: 20000\n`);
    expect(tooMany.map((i) => [...where(i), i.message])).toEqual([
      ['sweep', 8, 1, 'the grid has 20000 seeds = 20000 runs; at most 5000 are allowed'],
      ['sweep.seeds', 9, 10, 'must be <= 1000; got 20000'],
    ]);
    expect(issuesOf(`${HEAD}sweep:\n  seeds: 1000000000\n`)[0].message).toMatch(/1000000000 runs/);
  });

  it('refuses nine 10-value axes from their sizes (a billion points are never built)', () => {
    const axes = ['hidden_units', 'weight_init_std'].map(
      (p) => `    model.${p}: [${Array.from({ length: 10 }, (_, i) => i + 1).join(', ')}]`,
    );
    const train = ['epochs', 'batch_size', 'k', 'learning_rate', 'momentum', 'final_momentum', 'weight_decay'].map(
      (p) => `    train.${p}: [${Array.from({ length: 10 }, (_, i) => (i + 1) / 100).join(', ')}]`,
    );
    const issues = issuesOf(`${HEAD}sweep:\n  grid:\n${[...axes, ...train].join('\n')}\n`);
    expect(issues.map((i) => i.message)).toEqual([
      'the grid has 10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 = 1000000000 runs; at most 5000 are allowed',
    ]);
    // expandGrid itself refuses such a study rather than run out of memory.
    const study = { name: 'big', dataset: { name: 'alphadigits' }, model: { type: 'rbm' }, sweep: { seeds: 1e9 } };
    expect(() => expandGrid(study as Study, specs)).toThrow(/1000000000 runs; at most 5000/);
  });

  it('refuses a YAML alias bomb with a located error', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const issues = issuesOf(`${HEAD}description: x\n${levels.join('\n')}\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'study.yaml', line: 10, column: 8 });
    expect(issues[0].message).toMatch(/aliases expand to more than 1000 values/);
  });

  it('refuses a file over 1 MB before parsing it', () => {
    const issues = issuesOf(`${HEAD}description: "${'x'.repeat(1_000_001)}"\n`);
    expect(issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/^the study file has 1000\d{3} bytes; at most 1000000 \(1 MB\) are allowed$/),
    ]);
  });

  it('accepts only names every filesystem accepts as a folder, not the database', () => {
    const long = issuesOf(HEAD.replace('name: check', `name: ${'a'.repeat(65)}`));
    expect(long.map(where)).toEqual([['name', 1, 7]]);
    expect(long[0].message).toMatch(/^expected 1 to 64 letters, digits/);
    expect(issuesOf(HEAD.replace('name: check', 'name: ..'))[0].message).toMatch(/starting with a letter or digit/);
    expect(issuesOf(HEAD.replace('name: check', 'name: a/b'))[0].message).toMatch(/1 to 64 letters/);
    expect(issuesOf(HEAD.replace('name: check', 'name: rbm-lab.db'))[0].message).toMatch(/ending in '.db'/);
    const reserved = issuesOf(HEAD.replace('name: check', 'name: Results.sqlite'), {
      reservedNames: ['results.sqlite', 'results.sqlite-wal'],
    });
    expect(reserved.map((i) => [...where(i), i.message])).toEqual([
      [
        'name',
        1,
        7,
        "'Results.sqlite' is the name of a database file beside the artifact folders; choose another name",
      ],
    ]);
    writeFileSync(join(dir, 'ok.yaml'), HEAD.replace('name: check', `name: A9._-${'b'.repeat(59)}`));
    expect(loadStudy('ok.yaml', specs, dir).study.name).toHaveLength(64);
  });

  it('checks eval.metrics and eval.main_metric against the metrics of the model type', () => {
    const issues = issuesOf(
      `${HEAD}eval:\n  metrics: [recon_error, nope_metric]\n  main_metric: {name: nope, lower_is_better: true}\n`,
    );
    expect(issues.map(where)).toEqual([
      ['eval.metrics.1', 9, 26],
      ['eval.main_metric.name', 10, 23],
    ]);
    expect(issues[0].message).toMatch(/^unknown metric 'nope_metric' for a rbm model \(expected one of: recon_error, /);
    expect(issues[1].message).toMatch(
      /^a rbm run does not record 'nope': it records recon_error, .* and the quality scale$/,
    );
    // A quality metric is recorded only with the quality scale on; a DNN records no quality metric.
    const off = issuesOf(
      `${HEAD}eval:\n  quality: false\n  main_metric: {name: frechet_distance, lower_is_better: true}\n`,
    );
    expect(off[0].message).toMatch(/\(the quality scale is off\)$/);
    const swept = issuesOf(
      `${HEAD}eval:\n  main_metric: {name: frechet_distance, lower_is_better: true}\nsweep:\n  zip:\n    model: [{type: rbm}, {type: dnn}]\n`,
    );
    expect(swept.map((i) => [...where(i), i.message])).toEqual([
      ['eval.main_metric.name', 9, 23, expect.stringMatching(/^a dnn run does not record 'frechet_distance'/)],
    ]);
    writeFileSync(
      join(dir, 'ok.yaml'),
      `${HEAD}eval:\n  metrics: [recon_error]\n  main_metric: {name: class_coverage, lower_is_better: false}\n`,
    );
    expect(loadStudy('ok.yaml', specs, dir).study.eval?.main_metric?.name).toBe('class_coverage');
  });

  it('rejects infinities, NaN and unbounded sizes through the model schemas', () => {
    const issues = issuesOf(
      `${HEAD.replace('hidden_units: 8', 'hidden_units: 10001')}train:\n  learning_rate: .inf\n  ais_runs: 10001\n  epochs: .nan\n`,
    );
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['model.hidden_units', 'must be <= 10000; got 10001'],
      ['train.learning_rate', 'expected a number, got Infinity'],
      ['train.ais_runs', 'must be <= 10000; got 10001'],
      ['train.epochs', 'expected an integer, got NaN'],
    ]);
  });
});
