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

/**
 * A registry entry whose `create` receives both sections already resolved (as `<type> model` and
 * `<type> train`), so each model declares its schemas once and never re-validates by hand.
 */
export function modelSpec<M extends TObject, T extends TObject>(
  spec: Omit<ModelSpec, 'modelSchema' | 'trainSchema' | 'create'> & {
    modelSchema: M;
    trainSchema: T;
    create: (model: Resolved<M>, train: Resolved<T>, context: ModelContext) => Model;
  },
): ModelSpec {
  return {
    ...spec,
    create: (modelParams, trainParams, context) => {
      const { model, train } = resolveSections(spec, modelParams, trainParams, spec.type);
      return spec.create(model, train, context);
    },
  };
}
