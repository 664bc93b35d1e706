import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listModelSpecs } from '@rbm-lab/core';
import { checkStudyData, expandGrid, StudyDataError, type Study } from '../src/index.js';

const specs = listModelSpecs();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-study-data-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function study(dataset: Study['dataset'], grid: Record<string, unknown[]> = {}): Study {
  return { name: 'data', dataset, model: { type: 'rbm', hidden_units: 4 }, sweep: { grid } };
}

async function withDataDir<T>(folder: string, body: () => Promise<T>): Promise<T> {
  const before = process.env.RBM_LAB_DATA_DIR;
  process.env.RBM_LAB_DATA_DIR = folder;
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env.RBM_LAB_DATA_DIR;
    else process.env.RBM_LAB_DATA_DIR = before;
  }
}

describe('checkStudyData', () => {
  it('loads the data of every dataset section of the grid', async () => {
    const plans = expandGrid(
      study({ name: 'alphadigits' }, { 'dataset.n_characters': [1, 2], 'model.hidden_units': [4, 8] }),
      specs,
    );
    expect(plans).toHaveLength(4);
    await expect(checkStudyData(plans)).resolves.toBeUndefined();
  });

  it('fails once, naming the file, when the MNIST files in RBM_LAB_DATA_DIR are corrupt', async () => {
    const corrupt = mkdtempSync(join(dir, 'corrupt-'));
    for (const name of [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ]) {
      writeFileSync(join(corrupt, name), Buffer.from([0, 0, 8, 3, 0, 0, 0, 9]));
    }
    const plans = expandGrid(study({ name: 'mnist', limit: 100 }, { 'model.hidden_units': [4, 8, 16] }), specs);
    const error = await withDataDir(corrupt, () =>
      checkStudyData(plans).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(error).toBeInstanceOf(StudyDataError);
    expect((error as Error).message).toMatch(
      /^cannot load the data of dataset \{.*"limit":100,"name":"mnist".*\}: .*train-(images|labels)-idx[13]-ubyte: truncated/,
    );
  });
});
