import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ALPHADIGITS_CLASSES,
  ALPHADIGITS_SHA256,
  DataFileError,
  findProjectRoot,
  loadAlphaDigits,
  openAlphaDigitsFile,
  parseCharacterSelection,
  resolveAlphaDigitsPath,
  UserError,
  type ImageSet,
} from '../src/index.js';
import { expectSameArray } from './helpers/same.js';

// Real data through the normal resolution (../shared/data beside the project root).
const fullSet: Promise<ImageSet> = loadAlphaDigits();
let realFile: string;
let realBytes: Buffer;
let tmp: string;

beforeAll(async () => {
  realFile = await resolveAlphaDigitsPath();
  realBytes = readFileSync(realFile);
  tmp = mkdtempSync(path.join(tmpdir(), 'rbm-alphadigits-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeEach(() => {
  // Resolution tests must not see a developer's own settings.
  vi.stubEnv('RBM_LAB_DATA_DIR', '');
  vi.stubEnv('RBM_LAB_CACHE_DIR', '');
});
afterEach(() => vi.unstubAllEnvs());

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** Ink summed over all images per pixel row or per pixel column. */
function inkProfile(set: ImageSet, axis: 'row' | 'col'): number[] {
  const ink = new Array<number>(axis === 'row' ? set.height : set.width).fill(0);
  for (let i = 0; i < set.images.rows; i++) {
    for (let r = 0; r < set.height; r++) {
      for (let c = 0; c < set.width; c++)
        ink[axis === 'row' ? r : c] += set.images.data[i * set.images.cols + r * set.width + c];
    }
  }
  return ink;
}

/** Re-saves the real file with every top-level miMATRIX wrapped as a deflated miCOMPRESSED element. */
function compressedCopy(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, 128)];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 128; offset < bytes.byteLength; ) {
    const size = 8 + Math.ceil(view.getUint32(offset + 4, true) / 8) * 8;
    const deflated = deflateSync(bytes.subarray(offset, offset + size));
    const tag = Buffer.alloc(8);
    tag.writeUInt32LE(15, 0);
    tag.writeUInt32LE(deflated.byteLength, 4);
    parts.push(tag, deflated);
    offset += size;
  }
  return Buffer.concat(parts);
}

describe('Binary AlphaDigits from the real file', () => {
  it('has 36 classes x 39 images of 20x16 = 320 binary pixels', async () => {
    const set = await fullSet;
    expect(set.images.rows).toBe(1404);
    expect(set.images.cols).toBe(320);
    expect(set.images.data.length).toBe(1404 * 320);
    expect([set.height, set.width]).toEqual([20, 16]);
    expect(set.classNames).toEqual([...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ']);
    const counts = new Array<number>(36).fill(0);
    for (const label of set.labels) counts[label]++;
    expect(counts).toEqual(new Array(36).fill(39));
    expect(set.images.data.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('is upright and row-major: "1" images have far more ink in the middle columns than the edges', async () => {
    const ones = await loadAlphaDigits({ chars: '1' });
    const cols = inkProfile(ones, 'col');
    // Thick strokes and the base serif put some ink at the edges; a misread (transposed
    // or column-major) image smears the stroke and brings this ratio near 1.
    expect(cols[7] + cols[8]).toBeGreaterThan(2 * (cols[0] + cols[15]));
  });

  it('is neither flipped vertically nor mirrored: T is top-heavy, L is bottom- and left-heavy', async () => {
    const t = inkProfile(await loadAlphaDigits({ chars: 'T' }), 'row');
    expect(t[1] + t[2] + t[3]).toBeGreaterThan(2 * (t[16] + t[17] + t[18]));
    const l = await loadAlphaDigits({ chars: 'L' });
    const lRows = inkProfile(l, 'row');
    expect(lRows[16] + lRows[17] + lRows[18]).toBeGreaterThan(2 * (lRows[1] + lRows[2] + lRows[3]));
    const lCols = inkProfile(l, 'col');
    expect(lCols[1] + lCols[2] + lCols[3]).toBeGreaterThan(2 * (lCols[12] + lCols[13] + lCols[14]));
  });

  it('selects the same images by symbol (any case) and by index', async () => {
    const bySymbol = await loadAlphaDigits({ chars: ['a', 'B', '3'] });
    const byIndex = await loadAlphaDigits({ chars: [3, 10, 11] });
    const byString = await loadAlphaDigits({ chars: 'B, 3,A' });
    expect(bySymbol.images.rows).toBe(3 * 39);
    expect(Array.from(new Set(bySymbol.labels))).toEqual([3, 10, 11]);
    expectSameArray(bySymbol.images.data, byIndex.images.data);
    expectSameArray(bySymbol.labels, byIndex.labels);
    expectSameArray(byString.images.data, byIndex.images.data);
    // The selection is the full set's rows for those classes.
    const full = await fullSet;
    const aRow = bySymbol.labels.indexOf(10);
    expectSameArray(
      bySymbol.images.data.subarray(aRow * 320, (aRow + 39) * 320),
      full.images.data.subarray(10 * 39 * 320, 11 * 39 * 320),
    );
  });
});

describe('parseCharacterSelection', () => {
  it('accepts symbols in any case, indices and comma strings; sorts and de-duplicates', () => {
    expect(parseCharacterSelection('A,B,3')).toEqual([3, 10, 11]);
    expect(parseCharacterSelection(['z', 'Z', 35, '0'])).toEqual([0, 35]);
    expect(parseCharacterSelection('10,11')).toEqual(parseCharacterSelection('a,b'));
    expect(parseCharacterSelection(ALPHADIGITS_CLASSES.join(','))).toHaveLength(36);
  });

  it('rejects an unknown character, naming it and what is allowed', () => {
    for (const bad of ['A,?', ['AB'], [36], [-1], [2.5], '36']) {
      const error = errorOf(() => parseCharacterSelection(bad as string));
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toMatch(
        /^unknown character .*(\?|AB|36|-1|2\.5).*: expected a symbol '0'-'9' or 'A'-'Z' \(any case\) or an index 0-35$/,
      );
    }
  });

  it('rejects an empty selection', () => {
    for (const empty of ['', ' , ', []]) {
      const error = errorOf(() => parseCharacterSelection(empty));
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toMatch(/^empty character selection: expected 1 to 36 characters/);
    }
  });

  it('fails before reading any file', async () => {
    const error = await rejectionOf(loadAlphaDigits({ chars: 'A,%', path: path.join(tmp, 'missing.mat') }));
    expect(error.message).toMatch(/unknown character "%"/);
  });
});

describe('file resolution', () => {
  let project: string;
  beforeEach(() => {
    // <case>/main is a project root without .cache and without ../shared beside it.
    project = path.join(mkdtempSync(path.join(tmp, 'case-')), 'main');
    mkdirSync(project);
  });

  it('finds the project root holding nx.json', () => {
    expect(existsSync(path.join(findProjectRoot(), 'nx.json'))).toBe(true);
    expect(existsSync(path.join(findProjectRoot(), 'packages', 'datasets'))).toBe(true);
  });

  it('uses ../shared/data beside the project root, then prefers the cache, then RBM_LAB_DATA_DIR, then an explicit path', async () => {
    const shared = path.join(project, '..', 'shared', 'data');
    mkdirSync(shared, { recursive: true });
    symlinkSync(realFile, path.join(shared, 'binaryalphadigs.mat'));
    expect(await openAlphaDigitsFile({ projectRoot: project })).toMatchObject({
      source: 'shared',
      checksumMatches: true,
    });

    mkdirSync(path.join(project, '.cache'));
    symlinkSync(realFile, path.join(project, '.cache', 'binaryalphadigs.mat'));
    const cached = await openAlphaDigitsFile({ projectRoot: project });
    expect(cached).toMatchObject({ source: 'cache', path: path.join(project, '.cache', 'binaryalphadigs.mat') });

    const envDir = path.join(project, '..', 'env-data');
    mkdirSync(envDir);
    symlinkSync(realFile, path.join(envDir, 'binaryalphadigs.mat'));
    vi.stubEnv('RBM_LAB_DATA_DIR', envDir);
    expect(await openAlphaDigitsFile({ projectRoot: project })).toMatchObject({
      source: 'env',
      path: path.join(envDir, 'binaryalphadigs.mat'),
    });

    const explicit = await openAlphaDigitsFile({ projectRoot: project, path: realFile });
    expect(explicit).toMatchObject({ source: 'path', path: realFile });
    expectSameArray(explicit.set.images.data, (await fullSet).images.data);
  });

  it('honours RBM_LAB_CACHE_DIR for the cache folder', async () => {
    const cache = path.join(project, '..', 'elsewhere');
    mkdirSync(cache);
    symlinkSync(realFile, path.join(cache, 'binaryalphadigs.mat'));
    vi.stubEnv('RBM_LAB_CACHE_DIR', cache);
    expect(await openAlphaDigitsFile({ projectRoot: project })).toMatchObject({
      source: 'cache',
      path: path.join(cache, 'binaryalphadigs.mat'),
    });
  });

  it('reports an explicit path or RBM_LAB_DATA_DIR that holds no file', async () => {
    const missing = path.join(project, 'nope.mat');
    const error = await rejectionOf(resolveAlphaDigitsPath({ path: missing, projectRoot: project }));
    expect(error).toBeInstanceOf(DataFileError);
    expect(error.message).toBe(
      `${missing}: does not exist; expected the Binary AlphaDigits MAT-file binaryalphadigs.mat`,
    );

    vi.stubEnv('RBM_LAB_DATA_DIR', project);
    const envError = await rejectionOf(resolveAlphaDigitsPath({ projectRoot: project }));
    expect(envError.message).toContain(`RBM_LAB_DATA_DIR=${project}`);
  });

  describe('download', () => {
    let server: Server;
    let body: Uint8Array = new Uint8Array();
    let url: string;
    beforeAll(async () => {
      server = createServer((_req, res) => res.end(body));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/binaryalphadigs.mat`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('downloads into the cache when no local copy exists, verifies it, and reuses it', async () => {
      body = realBytes;
      const first = await openAlphaDigitsFile({ projectRoot: project, url });
      expect(first).toMatchObject({
        source: 'download',
        checksumMatches: true,
        path: path.join(project, '.cache', 'binaryalphadigs.mat'),
      });
      expect(readdirSync(path.join(project, '.cache'))).toEqual(['binaryalphadigs.mat']); // no temp file left
      expect(first.set.images.rows).toBe(1404);
      body = new Uint8Array(); // a second call must not download again
      expect(await openAlphaDigitsFile({ projectRoot: project, url })).toMatchObject({ source: 'cache' });
    });

    it('rejects a download with the wrong sha256 and saves nothing', async () => {
      body = compressedCopy(realBytes); // valid data, but not the canonical bytes
      const error = await rejectionOf(openAlphaDigitsFile({ projectRoot: project, url }));
      expect(error).toBeInstanceOf(DataFileError);
      expect(error.message).toMatch(
        new RegExp(
          `^${url}: downloaded \\d+ bytes with sha256 [0-9a-f]{64}, expected ${ALPHADIGITS_SHA256}; nothing was saved`,
        ),
      );
      expect(existsSync(path.join(project, '.cache')) ? readdirSync(path.join(project, '.cache')) : []).toEqual([]);
    });

    it('offline: says where to put the file', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/binaryalphadigs.mat`;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const error = await rejectionOf(openAlphaDigitsFile({ projectRoot: project, url: deadUrl }));
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toContain(`the download from ${deadUrl} failed`);
      expect(error.message).toContain(
        `Put binaryalphadigs.mat (sha256 ${ALPHADIGITS_SHA256}) in ${path.join(project, '.cache')}/`,
      );
      expect(error.message).toContain('RBM_LAB_DATA_DIR');
    });
  });
});

describe('checksum rule for local files', () => {
  it('accepts a re-saved (compressed) copy of the same data with a warning, and loads it identically', async () => {
    const file = path.join(tmp, 'resaved.mat');
    writeFileSync(file, compressedCopy(realBytes));
    const warnings: string[] = [];
    const opened = await openAlphaDigitsFile({ path: file, onWarning: (m) => warnings.push(m) });
    expect(opened.checksumMatches).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /resaved\.mat: sha256 [0-9a-f]{64} differs from the canonical .* holds the Binary AlphaDigits structure/,
    );
    const full = await fullSet;
    expectSameArray(opened.set.images.data, full.images.data);
    expectSameArray(opened.set.labels, full.labels);
    const selected = await loadAlphaDigits({ path: file, chars: 'Q', onWarning: () => {} });
    expectSameArray(selected.images.data, (await loadAlphaDigits({ chars: 'Q' })).images.data);
  });

  it('rejects a file with the wrong sha256 whose content is not the data set', async () => {
    // One pixel of dat{1,1} set to 2: same structure, wrong values.
    const tampered = Buffer.from(realBytes);
    const firstPixel = tampered.indexOf(Buffer.from([0x02, 0, 0, 0, 0x40, 0x01, 0, 0])) + 8; // miUINT8 tag, 320 bytes
    tampered[firstPixel] = 2;
    const file = path.join(tmp, 'tampered.mat');
    writeFileSync(file, tampered);
    const error = await rejectionOf(loadAlphaDigits({ path: file }));
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as DataFileError).fileName).toBe(file);
    expect(error.message).toMatch(
      new RegExp(
        `^${file}: sha256 is [0-9a-f]{64}, expected ${ALPHADIGITS_SHA256} \\(the canonical binaryalphadigs.mat\\), and the file is not another save of the same data: dat\\{1,1\\} has pixel value 2 at \\(1,1\\)`,
      ),
    );
  });

  it('rejects a truncated file, naming it', async () => {
    const file = path.join(tmp, 'truncated.mat');
    writeFileSync(file, realBytes.subarray(0, 200_000));
    const error = await rejectionOf(loadAlphaDigits({ path: file }));
    expect(error).toBeInstanceOf(DataFileError);
    expect(error.message).toMatch(
      /truncated\.mat: sha256 .* not another save of the same data: not a valid MAT-file: truncated: data element of type 14 claims/,
    );
  });

  it('rejects a corrupt file (not a MAT-file at all)', async () => {
    const file = path.join(tmp, 'corrupt.mat');
    writeFileSync(file, Buffer.alloc(4096, 0x5a));
    const error = await rejectionOf(loadAlphaDigits({ path: file }));
    expect(error).toBeInstanceOf(DataFileError);
    expect(error.message).toMatch(/corrupt\.mat: sha256 .*not a level-5 MAT-file: expected the endian indicator/);
  });
});
