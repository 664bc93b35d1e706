import type { TObject } from '@sinclair/typebox';
import { type Resolved, resolveHyperparameters } from './hyperparameters.js';
import type { Model, ModelContext, ModelSpec } from './model.js';

/** A model's two config sections, resolved against their schemas (defaults filled, unknown keys refused). */
export interface ResolvedSections<M extends TObject, T extends TObject> {
  model: Resolved<M>;
  train: Resolved<T>;
}

/**
 * Resolves the `model:` and `train:` sections of a config or a saved model file; errors name
 * `<where> model` or `<where> train` (the model section is checked first).
 */
export function resolveSections<M extends TObject, T extends TObject>(
  schemas: { modelSchema: M; trainSchema: T },
  modelParams: unknown,
  trainParams: unknown,
  where: string,
): ResolvedSections<M, T> {
  const model = resolveHyperparameters(schemas.modelSchema, modelParams, `${where} model`);
  return { model, train: resolveHyperparameters(schemas.trainSchema, trainParams, `${where} train`) };
}

/** A model class as the registry uses it: built from resolved sections, read back from a saved folder. */
export interface ModelClass<M extends TObject, T extends TObject> {
  new (model: Resolved<M>, train: Resolved<T>, context: ModelContext): Model;
  load(dir: string): Promise<Model>;
}

/**
 * A registry entry for a model class: `create` resolves both sections (errors name `<type> model`
 * and `<type> train`) and constructs the class, `load` is the class's own; each model declares its
 * schemas once and never re-validates by hand.
 */
export function modelSpec<M extends TObject, T extends TObject>(
  spec: Omit<ModelSpec, 'modelSchema' | 'trainSchema' | 'create' | 'load'> & {
    modelSchema: M;
    trainSchema: T;
    implementation: ModelClass<M, T>;
  },
): ModelSpec {
  const { implementation, ...fields } = spec;
  return {
    ...fields,
    create: (modelParams, trainParams, context) => {
      const { model, train } = resolveSections(spec, modelParams, trainParams, spec.type);
      return new implementation(model, train, context);
    },
    load: (dir) => implementation.load(dir),
  };
}
