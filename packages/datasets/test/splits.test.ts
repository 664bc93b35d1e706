import { describe, expect, it } from 'vitest';
import {
  ALPHADIGITS_TEST_PER_CHARACTER,
  alphaDigitsNonTest,
  alphaDigitsTestRows,
  imageSetHash,
  loadAlphaDigits,
  loadMnist,
  selectRows,
  splitAlphaDigits,
  splitMnist,
  type DatasetSplit,
  type ImageSet,
} from '../src/index.js';

const fullSet: Promise<ImageSet> = loadAlphaDigits();

/** Every image of a part, as a string key of its pixels, with multiplicity. */
function rowKeys(set: ImageSet): string[] {
  const { data, rows, cols } = set.images;
  return Array.from({ length: rows }, (_, r) =>
    Buffer.from(data.buffer, data.byteOffset + r * cols * 4, cols * 4).toString('hex'),
  );
}

function expectDisjointRows(split: DatasetSplit): void {
  const rows = split.record.rows!;
  const all = [...rows.train, ...rows.validation, ...rows.test];
  expect(new Set(all).size).toBe(all.length);
}

describe('AlphaDigits splits', () => {
  it('the fixed test set holds 8 of the 39 images of every character and never changes', () => {
    const rows = alphaDigitsTestRows();
    expect(rows).toHaveLength(36 * ALPHADIGITS_TEST_PER_CHARACTER);
    for (let cls = 0; cls < 36; cls++) {
      expect(rows.filter((row) => Math.floor(row / 39) === cls)).toHaveLength(ALPHADIGITS_TEST_PER_CHARACTER);
    }
    expect(alphaDigitsTestRows()).toEqual(rows);
  });

  it('train, validation and test are disjoint (by row and by content) and cover the selected characters', async () => {
    const all = await fullSet;
    const split = splitAlphaDigits(all, [10, 11, 12, 13, 14], { validationFraction: 0.1, seed: 0 });
    expectDisjointRows(split);
    expect(split.record.counts).toEqual({ train: 5 * 28, validation: 5 * 3, test: 5 * 8 });
    for (const part of [split.train, split.validation, split.test]) {
      expect(new Set(part.labels)).toEqual(new Set([10, 11, 12, 13, 14]));
    }
    // No test image appears (as pixels) in train or validation, unless the file itself repeats it.
    const seen = new Set([...rowKeys(split.train), ...rowKeys(split.validation)]);
    const duplicatesInFile = rowKeys(all).length - new Set(rowKeys(all)).size;
    const leaked = rowKeys(split.test).filter((key) => seen.has(key));
    expect(leaked.length).toBeLessThanOrEqual(duplicatesInFile);
    expect(split.record.hashes.test).toBe(imageSetHash(split.test));
  });

  it("a character's split does not depend on the other characters selected; the seed moves validation only", async () => {
    const all = await fullSet;
    const small = splitAlphaDigits(all, [10, 11], { validationFraction: 0.1, seed: 3 });
    const large = splitAlphaDigits(all, undefined, { validationFraction: 0.1, seed: 3 });
    const ofClass = (rows: number[], cls: number) => rows.filter((row) => Math.floor(row / 39) === cls);
    for (const part of ['train', 'validation', 'test'] as const) {
      expect(ofClass(large.record.rows![part], 11)).toEqual(small.record.rows![part]?.filter((r) => r >= 11 * 39));
    }
    const reseeded = splitAlphaDigits(all, [10, 11], { validationFraction: 0.1, seed: 4 });
    expect(reseeded.record.rows!.test).toEqual(small.record.rows!.test);
    expect(reseeded.record.rows!.validation).not.toEqual(small.record.rows!.validation);
    expectDisjointRows(large);
  });

  it('the quality classifier data (all non-test images) shares no row with any test set', async () => {
    const all = await fullSet;
    const nonTest = alphaDigitsNonTest(all);
    expect(nonTest.images.rows).toBe(36 * (39 - ALPHADIGITS_TEST_PER_CHARACTER));
    const test = selectRows(all, alphaDigitsTestRows());
    const nonTestKeys = new Set(rowKeys(nonTest));
    const allKeys = rowKeys(all);
    const duplicatesInFile = allKeys.length - new Set(allKeys).size;
    expect(rowKeys(test).filter((key) => nonTestKeys.has(key)).length).toBeLessThanOrEqual(duplicatesInFile);
  });

  it('rejects a partial data set and bad fractions', async () => {
    const all = await fullSet;
    expect(() => splitAlphaDigits(selectRows(all, [0, 1]), undefined, { validationFraction: 0.1, seed: 0 })).toThrow(
      /needs all 1404 images/,
    );
    expect(() => splitAlphaDigits(all, [1], { validationFraction: 1.5, seed: 0 })).toThrow(/validation fraction/);
  });
});

describe('MNIST split', () => {
  it('test is the official test set; train and validation partition the training images', async () => {
    const train = await loadMnist({ split: 'train', limit: 2000 });
    const test = await loadMnist({ split: 'test', limit: 500 });
    const split = splitMnist(train, test, { validationFraction: 0.1, seed: 0 });
    const { train: nTrain, validation: nValidation, test: nTest } = split.record.counts;
    expect([nTrain + nValidation, nTest]).toEqual([2000, 500]);
    expect(Math.abs(nValidation - 200)).toBeLessThanOrEqual(5); // rounded per digit
    expect(split.record.hashes.test).toBe(imageSetHash(test));
    expect(split.record.hashes.train).not.toBe(split.record.hashes.validation);
    expect(split.record.testRule).toMatch(/official/);
  });
});
