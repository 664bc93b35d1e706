// Binary AlphaDigits (Sam Roweis): 36 classes ('0'-'9', 'A'-'Z') x 39 binary 20x16 images,
// distributed as a MATLAB level-5 MAT-file holding `dat`, a 36x39 cell of 20x16 matrices.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseMatFile, type MatFile } from './mat.js';
import { cacheDir, findProjectRoot, sharedDataDir } from './paths.js';
import { DataFileError, UserError } from './errors.js';
import type { ImageSet } from './types.js';

export const ALPHADIGITS_CLASSES: readonly string[] = Object.freeze([...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ']);
export const ALPHADIGITS_HEIGHT = 20;
export const ALPHADIGITS_WIDTH = 16;
export const ALPHADIGITS_IMAGES_PER_CLASS = 39;
export const ALPHADIGITS_FILE_NAME = 'binaryalphadigs.mat';
export const ALPHADIGITS_URL = 'https://cs.nyu.edu/~roweis/data/binaryalphadigs.mat';
/** sha256 of the canonical file at ALPHADIGITS_URL (as listed in ../shared/data/README.md). */
export const ALPHADIGITS_SHA256 = '3ee9392e64e4e3bb7b35502b69bf2555a0b4197c1b31048c4189b84bc0bc6ea7';

/** Characters to load: symbols ('a', 'B', '3'), indices 0-35, or a comma-separated string of either. */
export type CharacterSelection = Array<string | number> | string;

const ALLOWED_CHARACTERS = "a symbol '0'-'9' or 'A'-'Z' (any case) or an index 0-35";

function characterIndex(token: string | number): number {
  if (typeof token === 'number') {
    if (Number.isInteger(token) && token >= 0 && token < ALPHADIGITS_CLASSES.length) return token;
    throw new UserError(`unknown character ${token}: expected ${ALLOWED_CHARACTERS}`);
  }
  const trimmed = token.trim();
  // Digits double as indices ('3' is symbol 3 and index 3), so numeric tokens are indices.
  if (/^\d{1,2}$/.test(trimmed) && Number(trimmed) < ALPHADIGITS_CLASSES.length) return Number(trimmed);
  const index = ALPHADIGITS_CLASSES.indexOf(trimmed.toUpperCase());
  if (trimmed.length === 1 && index >= 0) return index;
  throw new UserError(`unknown character ${JSON.stringify(token)}: expected ${ALLOWED_CHARACTERS}`);
}

/**
 * Turns a character selection into sorted, distinct class indices 0-35, so that
 * 'B,a' and ['A', 11] name the same data set.
 */
export function parseCharacterSelection(spec: CharacterSelection): number[] {
  const tokens: Array<string | number> =
    typeof spec === 'string' ? spec.split(',').filter((t) => t.trim() !== '') : Array.isArray(spec) ? spec : [];
  if (!Array.isArray(spec) && typeof spec !== 'string') {
    throw new UserError(
      `invalid character selection ${JSON.stringify(spec)}: expected a list or a comma-separated string of characters`,
    );
  }
  if (tokens.length === 0) {
    throw new UserError(`empty character selection: expected 1 to 36 characters, each ${ALLOWED_CHARACTERS}`);
  }
  const indices = new Set<number>();
  for (const token of tokens) indices.add(characterIndex(token));
  return [...indices].sort((a, b) => a - b);
}

/**
 * The full data set (all 1404 images) from a parsed MAT-file, checking that it has
 * the structure of Binary AlphaDigits: `dat` a 36x39 cell of 20x16 binary images,
 * and, when present, `classlabels` naming '0'..'Z'.
 */
export function alphaDigitsFromMat(mat: MatFile, fileName: string): ImageSet {
  const nClasses = ALPHADIGITS_CLASSES.length;
  const perClass = ALPHADIGITS_IMAGES_PER_CLASS;
  const height = ALPHADIGITS_HEIGHT;
  const width = ALPHADIGITS_WIDTH;
  const pixels = height * width;
  const expected = `expected variable "dat": a ${nClasses}x${perClass} cell of ${height}x${width} binary images`;

  const dat = mat.variables.get('dat');
  if (!dat)
    throw new DataFileError(
      fileName,
      `no variable "dat" (found: ${[...mat.variables.keys()].join(', ') || 'none'}); ${expected}`,
    );
  if (dat.kind !== 'cell' || dat.dims.length !== 2 || dat.dims[0] !== nClasses || dat.dims[1] !== perClass) {
    const shape = dat.dims.join('x');
    throw new DataFileError(
      fileName,
      `"dat" is a ${shape} ${dat.kind === 'cell' ? 'cell' : dat.kind} array; ${expected}`,
    );
  }

  const labelsVar = mat.variables.get('classlabels');
  if (labelsVar && labelsVar.kind === 'cell') {
    const names = labelsVar.cells.map((c) => (c.kind === 'char' ? c.rows.join('') : '?'));
    if (names.join('') !== ALPHADIGITS_CLASSES.join('')) {
      throw new DataFileError(fileName, `"classlabels" is ${names.join('')}; expected ${ALPHADIGITS_CLASSES.join('')}`);
    }
  }

  const n = nClasses * perClass;
  const data = new Float32Array(n * pixels);
  const labels = new Int32Array(n);
  for (let cls = 0; cls < nClasses; cls++) {
    for (let j = 0; j < perClass; j++) {
      const cell = dat.cells[cls + j * nClasses]; // cells are column-major: (class, example)
      const where = `dat{${cls + 1},${j + 1}}`;
      if (cell.kind !== 'numeric' || cell.dims.length !== 2 || cell.dims[0] !== height || cell.dims[1] !== width) {
        const shape = cell.dims.join('x');
        throw new DataFileError(
          fileName,
          `${where} is a ${shape} ${cell.kind === 'numeric' ? cell.className : cell.kind} array; ${expected}`,
        );
      }
      const row = cls * perClass + j;
      labels[row] = cls;
      const out = row * pixels;
      // MATLAB stores each image column-major; ImageSet rows are row-major so images display upright.
      for (let c = 0; c < width; c++) {
        for (let r = 0; r < height; r++) {
          const v = cell.data[r + c * height];
          if (v !== 0 && v !== 1)
            throw new DataFileError(
              fileName,
              `${where} has pixel value ${v} at (${r + 1},${c + 1}); ${expected} (0 or 1)`,
            );
          data[out + r * width + c] = v;
        }
      }
    }
  }
  return { images: { data, rows: n, cols: pixels }, height, width, labels, classNames: [...ALPHADIGITS_CLASSES] };
}

export type AlphaDigitsSource = 'path' | 'env' | 'cache' | 'shared' | 'download';

export interface AlphaDigitsFileOptions {
  /** A MAT-file, or a folder holding binaryalphadigs.mat. Wins over every other place. */
  path?: string;
  /** Project root whose `.cache/` and `../shared/data` are searched; default findProjectRoot(). */
  projectRoot?: string;
  /** Download address; default the canonical ALPHADIGITS_URL. */
  url?: string;
  /** Receives notices such as "accepted a re-saved copy"; default prints `warning: ...` to stderr. */
  onWarning?: (message: string) => void;
}

export interface AlphaDigitsFile {
  path: string;
  source: AlphaDigitsSource;
  /** Whether the file is byte-identical to the canonical one. */
  checksumMatches: boolean;
  /** All 1404 images. */
  set: ImageSet;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function defaultWarning(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

function fileIn(pathOrDir: string): string {
  return existsSync(pathOrDir) && statSync(pathOrDir).isDirectory()
    ? path.join(pathOrDir, ALPHADIGITS_FILE_NAME)
    : pathOrDir;
}

/**
 * Reads and checks a local copy.
 *
 * Checksum rule: a file whose sha256 is the canonical one is accepted as is. A file
 * with another sha256 is accepted only if it parses and has exactly the structure and
 * values of Binary AlphaDigits (36x39 cell of 20x16 0/1 images, matching class labels):
 * MATLAB, scipy or Octave re-saves of the same data (e.g. compressed with -v7) differ
 * byte-wise but hold the same images. Such a file is accepted with a warning; any other
 * mismatch is rejected with both the expected and actual checksum. Downloads get no
 * such latitude (see downloadAlphaDigits): the canonical address must serve the canonical bytes.
 */
async function openLocal(
  file: string,
  source: AlphaDigitsSource,
  onWarning: (m: string) => void,
): Promise<AlphaDigitsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new DataFileError(
      file,
      `cannot read the Binary AlphaDigits file (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
      { cause },
    );
  }
  const actual = sha256(bytes);
  if (actual === ALPHADIGITS_SHA256) {
    return { path: file, source, checksumMatches: true, set: alphaDigitsFromMat(parseMatFile(bytes, file), file) };
  }
  let set: ImageSet;
  try {
    set = alphaDigitsFromMat(parseMatFile(bytes, file), file);
  } catch (cause) {
    const reason = cause instanceof DataFileError ? cause.message.slice(file.length + 2) : String(cause);
    throw new DataFileError(
      file,
      `sha256 is ${actual}, expected ${ALPHADIGITS_SHA256} (the canonical ${ALPHADIGITS_FILE_NAME}), ` +
        `and the file is not another save of the same data: ${reason}`,
      { cause },
    );
  }
  onWarning(
    `${file}: sha256 ${actual} differs from the canonical ${ALPHADIGITS_SHA256}, ` +
      'but it holds the Binary AlphaDigits structure (36x39 cell of 20x16 binary images); using it',
  );
  return { path: file, source, checksumMatches: false, set };
}

/** Downloads into the cache atomically: bytes are verified in memory, written to a temp file, then renamed. */
async function downloadAlphaDigits(url: string, cache: string): Promise<string> {
  const target = path.join(cache, ALPHADIGITS_FILE_NAME);
  const whereToPut =
    `Put ${ALPHADIGITS_FILE_NAME} (sha256 ${ALPHADIGITS_SHA256}) in ${cache}/, ` +
    'or set RBM_LAB_DATA_DIR to the folder holding it, or pass its path explicitly (--data).';
  let bytes: Uint8Array;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    const reason =
      cause instanceof Error
        ? cause.cause instanceof Error
          ? `${cause.message}: ${cause.cause.message}`
          : cause.message
        : String(cause);
    throw new UserError(
      `Binary AlphaDigits not found locally and the download from ${url} failed (${reason}). ${whereToPut}`,
      { cause },
    );
  }
  const actual = sha256(bytes);
  if (actual !== ALPHADIGITS_SHA256) {
    throw new DataFileError(
      url,
      `downloaded ${bytes.byteLength} bytes with sha256 ${actual}, expected ${ALPHADIGITS_SHA256}; nothing was saved. ${whereToPut}`,
    );
  }
  await mkdir(cache, { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
  return target;
}

/**
 * Finds, verifies and parses binaryalphadigs.mat. Order: `options.path`;
 * RBM_LAB_DATA_DIR; the cache (`<project root>/.cache/`, or RBM_LAB_CACHE_DIR);
 * `../shared/data` beside the project root; else a download into the cache.
 */
export async function openAlphaDigitsFile(options: AlphaDigitsFileOptions = {}): Promise<AlphaDigitsFile> {
  const onWarning = options.onWarning ?? defaultWarning;
  if (options.path !== undefined) {
    const file = fileIn(path.resolve(options.path));
    if (!existsSync(file))
      throw new DataFileError(
        file,
        `does not exist; expected the Binary AlphaDigits MAT-file ${ALPHADIGITS_FILE_NAME}`,
      );
    return openLocal(file, 'path', onWarning);
  }
  const envDir = process.env.RBM_LAB_DATA_DIR;
  if (envDir) {
    const file = fileIn(path.resolve(envDir));
    if (!existsSync(file)) {
      throw new DataFileError(
        file,
        `does not exist (RBM_LAB_DATA_DIR=${envDir}); expected a folder holding ${ALPHADIGITS_FILE_NAME}`,
      );
    }
    return openLocal(file, 'env', onWarning);
  }
  const root = options.projectRoot ?? findProjectRoot();
  const cache = cacheDir(root);
  const cached = path.join(cache, ALPHADIGITS_FILE_NAME);
  if (existsSync(cached)) return openLocal(cached, 'cache', onWarning);
  const shared = path.join(sharedDataDir(root), ALPHADIGITS_FILE_NAME);
  if (existsSync(shared)) return openLocal(shared, 'shared', onWarning);
  const downloaded = await downloadAlphaDigits(options.url ?? ALPHADIGITS_URL, cache);
  return openLocal(downloaded, 'download', onWarning);
}

/** The path of a verified binaryalphadigs.mat, downloading it if needed (see openAlphaDigitsFile). */
export async function resolveAlphaDigitsPath(options: AlphaDigitsFileOptions = {}): Promise<string> {
  return (await openAlphaDigitsFile(options)).path;
}

export interface LoadAlphaDigitsOptions extends AlphaDigitsFileOptions {
  /** Characters to load (default all 36); see parseCharacterSelection. */
  chars?: CharacterSelection;
}

/**
 * Binary AlphaDigits images of the selected characters, grouped by class in index
 * order: images [n, 320] row-major 20x16 with values 0/1, labels the class index
 * 0-35, classNames all 36 names.
 */
export async function loadAlphaDigits(options: LoadAlphaDigitsOptions = {}): Promise<ImageSet> {
  // Validate the selection before touching the file system, so a typo fails fast.
  const classes =
    options.chars === undefined ? ALPHADIGITS_CLASSES.map((_, i) => i) : parseCharacterSelection(options.chars);
  const { set } = await openAlphaDigitsFile(options);
  if (classes.length === ALPHADIGITS_CLASSES.length) return set;
  const pixels = set.images.cols;
  const perClass = ALPHADIGITS_IMAGES_PER_CLASS;
  const n = classes.length * perClass;
  const data = new Float32Array(n * pixels);
  const labels = new Int32Array(n);
  classes.forEach((cls, k) => {
    const from = cls * perClass;
    data.set(set.images.data.subarray(from * pixels, (from + perClass) * pixels), k * perClass * pixels);
    labels.fill(cls, k * perClass, (k + 1) * perClass);
  });
  return { ...set, images: { data, rows: n, cols: pixels }, labels };
}
