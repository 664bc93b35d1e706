import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '@rbm-lab/datasets';

/**
 * One on-disk format for every model type: `model.json` (versioned metadata and
 * an index of named float32 arrays) plus `weights.bin` (the arrays, little-endian,
 * back to back). Reloading needs no model code beyond the type's own `load`.
 */
export const MODEL_FORMAT = 'rbm-lab-model';
export const MODEL_FORMAT_VERSION = 1;

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export interface SavedModel {
  type: string;
  hyperparameters: Record<string, unknown>;
  /** Anything else the type needs to rebuild itself (e.g. nVisible, training state). */
  extra: Record<string, unknown>;
  arrays: Record<string, NamedArray>;
}

interface ModelJson {
  format: string;
  version: number;
  type: string;
  hyperparameters: Record<string, unknown>;
  extra: Record<string, unknown>;
  arrays: Array<{ name: string; shape: number[]; offset: number; length: number }>;
  savedAt: string;
}

export class ModelFileError extends UserError {}

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

export async function saveModelFiles(dir: string, model: SavedModel): Promise<void> {
  await mkdir(dir, { recursive: true });
  const index: ModelJson['arrays'] = [];
  let offset = 0;
  for (const [name, array] of Object.entries(model.arrays)) {
    if (product(array.shape) !== array.data.length) {
      throw new Error(`array ${name}: shape [${array.shape}] does not match length ${array.data.length}`);
    }
    index.push({ name, shape: array.shape, offset, length: array.data.length });
    offset += array.data.length;
  }
  const weights = new Float32Array(offset);
  for (const entry of index) weights.set(model.arrays[entry.name].data, entry.offset);
  const json: ModelJson = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    type: model.type,
    hyperparameters: model.hyperparameters,
    extra: model.extra,
    arrays: index,
    savedAt: new Date().toISOString(),
  };
  // Write to temporary names then rename, so a crash never leaves a half-written model.
  // The names are unique per process: two workers may save the same cached model at once.
  const tmp = `.tmp-${process.pid}-${Date.now()}`;
  await writeFile(join(dir, `weights.bin${tmp}`), Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength));
  await writeFile(join(dir, `model.json${tmp}`), JSON.stringify(json, null, 2));
  await rename(join(dir, `weights.bin${tmp}`), join(dir, 'weights.bin'));
  await rename(join(dir, `model.json${tmp}`), join(dir, 'model.json'));
}

/** Reads just the type of a saved model (to pick the right loader). */
export async function readSavedModelType(dir: string): Promise<string> {
  return (await readModelJson(dir)).type;
}

export async function loadModelFiles(dir: string, expectedType?: string): Promise<SavedModel> {
  const json = await readModelJson(dir);
  if (expectedType !== undefined && json.type !== expectedType) {
    throw new ModelFileError(`${join(dir, 'model.json')}: holds a '${json.type}' model, expected '${expectedType}'`);
  }
  const weightsPath = join(dir, 'weights.bin');
  let bytes: Buffer;
  try {
    bytes = await readFile(weightsPath);
  } catch (error) {
    throw new ModelFileError(`${weightsPath}: cannot read model weights (${(error as Error).message})`, {
      cause: error,
    });
  }
  const total = json.arrays.reduce((sum, a) => sum + a.length, 0);
  if (bytes.byteLength !== total * 4) {
    throw new ModelFileError(
      `${weightsPath}: expected ${total * 4} bytes of float32 weights, found ${bytes.byteLength}`,
    );
  }
  // Copy into an aligned buffer: Buffer slices may start at any byte offset.
  const all = new Float32Array(total);
  new Uint8Array(all.buffer).set(bytes);
  const arrays: Record<string, NamedArray> = {};
  for (const entry of json.arrays) {
    arrays[entry.name] = { shape: entry.shape, data: all.slice(entry.offset, entry.offset + entry.length) };
  }
  return { type: json.type, hyperparameters: json.hyperparameters, extra: json.extra, arrays };
}

async function readModelJson(dir: string): Promise<ModelJson> {
  const path = join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelFileError(`${path}: no saved model here (${(error as Error).message})`, { cause: error });
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (error) {
    throw new ModelFileError(`${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (json.format !== MODEL_FORMAT || typeof json.type !== 'string' || !Array.isArray(json.arrays)) {
    throw new ModelFileError(`${path}: not an RBM Lab model file (expected format '${MODEL_FORMAT}')`);
  }
  if (json.version > MODEL_FORMAT_VERSION) {
    throw new ModelFileError(
      `${path}: model format version ${json.version} is newer than this RBM Lab reads (${MODEL_FORMAT_VERSION}); upgrade RBM Lab`,
    );
  }
  return json;
}
