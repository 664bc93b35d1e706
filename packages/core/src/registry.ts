import { UserError } from '@rbm-lab/datasets';
import { baseRateSpec, bernoulliMixtureSpec } from './baselines/index.js';
import { dbnSpec } from './dbn.js';
import { dnnSpec } from './dnn.js';
import { autoencoderSpec, ganSpec, vaeSpec } from './generators/index.js';
import type { Model, ModelContext, ModelSpec } from './model.js';
import { readSavedModelType } from './persistence.js';
import { rbmSpec } from './rbm/index.js';

/**
 * Every model type RBM Lab can train, in the order listings show them.
 * A new type plugs in by adding its spec here; experiments and the dashboard need no change.
 */
const MODEL_SPECS: readonly ModelSpec[] = [
  rbmSpec,
  dbnSpec,
  dnnSpec,
  autoencoderSpec,
  vaeSpec,
  ganSpec,
  baseRateSpec,
  bernoulliMixtureSpec,
];

/** A model type that is not registered (typo in a config's `model.type`, or a model saved by a newer RBM Lab). */
export class UnknownModelTypeError extends UserError {}

export function listModelSpecs(): ModelSpec[] {
  return [...MODEL_SPECS];
}

export function getModelSpec(type: string): ModelSpec {
  const spec = MODEL_SPECS.find((s) => s.type === type);
  if (!spec) {
    throw new UnknownModelTypeError(
      `unknown model type '${type}' (known types: ${MODEL_SPECS.map((s) => s.type).join(', ')})`,
    );
  }
  return spec;
}

/**
 * Creates an untrained model. The spec validates the sections and fills in
 * defaults itself (`resolveHyperparameters`), so callers may pass the raw
 * config sections or resolved ones alike.
 */
export function createModel(
  type: string,
  modelParams: Record<string, unknown>,
  trainParams: Record<string, unknown>,
  context: ModelContext,
): Model {
  return getModelSpec(type).create(modelParams, trainParams, context);
}

/** Loads a model saved by `Model.save`, whatever its type. */
export async function loadModel(dir: string): Promise<Model> {
  const type = await readSavedModelType(dir);
  let spec: ModelSpec;
  try {
    spec = getModelSpec(type);
  } catch (error) {
    if (error instanceof UnknownModelTypeError) {
      throw new UnknownModelTypeError(`${dir}/model.json: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return spec.load(dir);
}
