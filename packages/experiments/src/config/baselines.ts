import type { JsonSchemaObject, ModelSpec } from '@rbm-lab/core';
import type { BaselineEntry, Study } from './types.js';

/** Property schemas minus their defaults (ajv ignores, and in strict mode rejects, defaults under oneOf). */
function withoutDefaults(properties: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries((properties ?? {}) as Record<string, object>)) {
    const { default: _default, ...rest } = schema as Record<string, unknown>;
    result[key] = rest;
  }
  return result;
}

/**
 * The `baselines:` entry of the study schema: each item a baseline model type,
 * or `{type, ...its model parameters}`.
 */
export function baselinesSchema(specs: readonly ModelSpec[]): JsonSchemaObject {
  const baselines = specs.filter((spec) => spec.baseline === true);
  return {
    type: 'array',
    uniqueItems: true,
    description:
      'Reference models run on the data of every grid point (once per distinct dataset section and seed), e.g. [base_rate, bernoulli_mixture]; reports flag runs that do worse.',
    items: {
      oneOf: [
        { enum: baselines.map((spec) => spec.type) },
        ...baselines.map((spec) => ({
          type: 'object',
          required: ['type'],
          additionalProperties: false,
          properties: { type: { const: spec.type }, ...withoutDefaults(spec.modelSchema.properties) },
        })),
      ],
    },
  };
}

const baselineModel = (entry: BaselineEntry): { type: string; [key: string]: unknown } =>
  typeof entry === 'string' ? { type: entry } : { ...entry };

/** A baseline run to add: its grid point (a study with the baseline as model), seed and swept values. */
export interface BaselinePoint {
  point: Study;
  seed: number;
  params: Record<string, unknown>;
}

/**
 * The study's baseline runs: for every distinct (dataset section, seed) among
 * the grid points, one point per baseline on exactly that data, with default
 * training and the study's eval settings. `params` keep the point's dataset
 * values and `model.type`, the column that tells baselines from the rest. Pure.
 */
export function baselinePoints(
  study: Study,
  points: ReadonlyArray<{ point: Study; seed: number; params: Record<string, unknown> }>,
): BaselinePoint[] {
  const entries = study.baselines ?? [];
  const seen = new Set<string>();
  const result: BaselinePoint[] = [];
  for (const { point, seed, params } of points) {
    const key = JSON.stringify([point.dataset, seed]);
    if (entries.length === 0 || seen.has(key)) continue;
    seen.add(key);
    const dataParams = Object.fromEntries(
      Object.entries(params).filter(([path]) => path.startsWith('dataset.') || path === 'seed'),
    );
    for (const entry of entries) {
      const model = baselineModel(entry);
      const { metrics: _metrics, main_metric: _main, ...evalSettings } = point.eval ?? {};
      result.push({
        point: { ...point, model, train: {}, eval: evalSettings },
        seed,
        params: { 'model.type': model.type, ...dataParams },
      });
    }
  }
  return result;
}
