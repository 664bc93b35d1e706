import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listModelSpecs } from '@rbm-lab/core';
import { buildStudySchema, deepMerge, loadStudy, StudyConfigError, type ConfigIssue } from '../src/index.js';
import { studySchemaText, SCHEMA_FILE } from '../scripts/write-schema.js';

const specs = listModelSpecs();
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

function issuesOf(file: string): ConfigIssue[] {
  try {
    loadStudy(file, specs, dir);
  } catch (error) {
    expect(error).toBeInstanceOf(StudyConfigError);
    return (error as StudyConfigError).issues;
  }
  throw new Error('expected the study to be rejected');
}

const VALID = `name: tiny
dataset:
  name: alphadigits
  characters: [A, B]
model:
  type: rbm
  hidden_units: 20
train:
  epochs: 2
sweep:
  grid:
    model.hidden_units: [10, 20]
`;

describe('loadStudy', () => {
  it('accepts baselines by type or with model parameters, and rejects unknown ones with the place', () => {
    const { study } = loadStudy(
      write('baselines.yaml', `${VALID}\nbaselines: [base_rate, { type: bernoulli_mixture, components: [2, 5] }]\n`),
      specs,
      dir,
    );
    expect(study.baselines).toEqual(['base_rate', { type: 'bernoulli_mixture', components: [2, 5] }]);
    const issues = issuesOf(write('bad-baseline.yaml', `${VALID}\nbaselines: [rbm]\n`));
    expect(issues.map((issue) => issue.path).join(' ')).toMatch(/baselines/);
  });

  it('accepts a valid study', () => {
    const { study, files } = loadStudy(write('ok.yaml', VALID), specs, dir);
    expect(study.name).toBe('tiny');
    expect(study.sweep?.grid).toEqual({ 'model.hidden_units': [10, 20] });
    expect(files).toEqual(['ok.yaml']);
  });

  it('merges `extends` like Hydra: maps deeply, lists replaced; errors point into the right file', () => {
    write('base.yaml', VALID.replace('name: tiny\n', ''));
    write(
      'child.yaml',
      'extends: base.yaml\nname: child\ndataset:\n  characters: [C]\ntrain:\n  learning_rate: 0.05\n',
    );
    const { study, files } = loadStudy('child.yaml', specs, dir);
    expect(files).toEqual(['child.yaml', 'base.yaml']);
    expect(study.dataset).toEqual({ name: 'alphadigits', characters: ['C'] });
    expect(study.train).toEqual({ epochs: 2, learning_rate: 0.05 });
    expect(study.model).toEqual({ type: 'rbm', hidden_units: 20 });
    expect('extends' in study).toBe(false);

    write('child2.yaml', 'extends: base.yaml\nname: child2\ntrain:\n  epochs: many\n');
    write(
      'base.yaml',
      VALID.replace('name: tiny\n', '').replace('hidden_units: 20', 'hidden_units: 20\n  weight_init_std: -1'),
    );
    const issues = issuesOf('child2.yaml');
    expect(issues.map((i) => [i.file, i.line, i.path])).toEqual([
      ['base.yaml', 7, 'model.weight_init_std'],
      ['child2.yaml', 4, 'train.epochs'],
    ]);
  });

  it('deepMerge replaces lists and scalars, merges maps', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({
      a: { b: 1, c: [3] },
      d: 1,
      e: 2,
    });
  });

  it('reports malformed YAML with line and column', () => {
    const issues = issuesOf(
      write('bad.yaml', 'name: x\ndataset:\n  name: alphadigits\n  characters: [A, B\nmodel: {type: rbm}\n'),
    );
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0].file).toBe('bad.yaml');
    expect(issues[0].line).toBeGreaterThanOrEqual(4);
    expect(issues[0].message).toMatch(/YAML syntax/);
  });

  it('reports every problem at once: unknown keys, wrong types, unknown characters, bad grid values', () => {
    const text = `name: many
dataset:
  name: alphadigits
  characters: [A, "?", C]
  limt: 3
model:
  type: rbm
  hiden_units: 3
train:
  epochs: "ten"
sweep:
  grid:
    model.hidden_units: [10, "abc"]
    model.no_such_param: [1]
`;
    const issues = issuesOf(write('many.yaml', text));
    const at = (path: string) => issues.find((i) => i.path === path);
    expect(at('dataset.characters.1')).toMatchObject({ line: 4, column: 19 });
    expect(at('dataset.characters.1')!.message).toMatch(/unknown character "\?"/);
    expect(at('dataset.limt')).toMatchObject({ line: 5, column: 3 });
    expect(at('dataset.limt')!.message).toMatch(/unknown key 'limt'.*limit/);
    expect(at('model.hiden_units')).toMatchObject({ line: 8, column: 3 });
    expect(at('model.hiden_units')!.message).toMatch(/hidden_units/);
    expect(at('train.epochs')).toMatchObject({ line: 10, column: 11 });
    expect(at('train.epochs')!.message).toMatch(/expected an integer, got string "ten"/);
    expect(at('model.hidden_units')).toMatchObject({ line: 13, column: 30 });
    expect(at('model.no_such_param')).toMatchObject({ line: 14, column: 5 });
    expect(issues).toHaveLength(6);
    // The message lists them all, each as file:line:column.
    try {
      loadStudy('many.yaml', specs, dir);
    } catch (error) {
      expect((error as Error).message).toContain('many.yaml:4:19: dataset.characters.1');
      expect((error as Error).message).toContain('many.yaml:10:11: train.epochs');
    }
  });

  it('rejects an empty grid axis, unequal zip lists, an unknown model type and a missing section', () => {
    const empty = issuesOf(write('empty.yaml', VALID.replace('[10, 20]', '[]')));
    expect(empty).toHaveLength(1);
    expect(empty[0]).toMatchObject({ line: 12, column: 25 });
    expect(empty[0].message).toMatch(/empty list/);

    const zip = issuesOf(
      write('zip.yaml', `${VALID}  zip:\n    train.learning_rate: [0.1, 0.2]\n    train.batch_size: [5]\n`),
    );
    expect(zip).toHaveLength(1);
    expect(zip[0].message).toMatch(/equal lengths/);
    expect(zip[0].line).toBe(15);

    const type = issuesOf(write('type.yaml', VALID.replace('type: rbm', 'type: rbmm')));
    expect(type[0]).toMatchObject({ line: 6, column: 9, path: 'model.type' });
    expect(type[0].message).toContain('"rbm"');

    const missing = issuesOf(write('missing.yaml', 'name: m\nmodel:\n  type: rbm\n'));
    expect(missing.map((i) => i.message)).toEqual(["missing required key 'dataset'"]);
  });

  it('locates a missing base file and a character list that is too short for n_characters', () => {
    const issues = issuesOf(write('nobase.yaml', 'extends: nowhere.yaml\nname: x\n'));
    expect(issues[0]).toMatchObject({ file: 'nobase.yaml', line: 1, path: 'extends' });
    const n = issuesOf(write('n.yaml', VALID.replace('characters: [A, B]', 'characters: [A, B]\n  n_characters: 3')));
    expect(n[0]).toMatchObject({ line: 5, path: 'dataset.n_characters' });
  });

  it('rejects infinities, NaN and values above a hyperparameter bound, and returns the study without defaults', () => {
    const issues = issuesOf(
      write(
        'bounds.yaml',
        VALID.replace('epochs: 2', 'epochs: 2\n  learning_rate: .inf\n  weight_decay: .nan\n  batch_size: 100001'),
      ),
    );
    const at = (path: string) => issues.find((issue) => issue.path === path);
    expect(at('train.learning_rate')).toMatchObject({ line: 10, column: 18 });
    expect(at('train.weight_decay')?.message).toMatch(/NaN/);
    expect(at('train.batch_size')?.message).toMatch(/must be <= 100000; got 100001/);
    // Validation fills defaults into a copy only: the study is what the files say.
    const { study } = loadStudy(write('ok.yaml', VALID), specs, dir);
    expect(study.train).toEqual({ epochs: 2 });
    expect(study.dataset).toEqual({ name: 'alphadigits', characters: ['A', 'B'] });
  });

  it('publishes the schema file, in sync with the registered model specs', () => {
    expect(
      readFileSync(SCHEMA_FILE, 'utf8'),
      'schema/study.schema.json is stale: run `npx nx run experiments:schema`',
    ).toBe(studySchemaText());
    const schema = buildStudySchema(specs) as { allOf: unknown[] };
    expect(schema.allOf).toHaveLength(specs.length);
  });
});
