import type { JsonSchemaObject, ModelSpec } from '@rbm-lab/core';
// Circular with grid.ts, which calls appendBaselinePlans; applySchemaDefaults is only used at call time.
import { applySchemaDefaults } from './grid.js';
import type { BaselineEntry, RunPlan, Study } from './types.js';

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
          properties: { type: { const: spec.type }, ...((spec.modelSchema.properties ?? {}) as object) },
        })),
      ],
    },
  };
}

const baselineModel = (entry: BaselineEntry): { type: string; [key: string]: unknown } =>
  typeof entry === 'string' ? { type: entry } : { ...entry };

/**
 * Appends the study's baseline runs to its planned runs: for every distinct
 * (dataset section, seed) of the grid, one run per baseline on exactly that
 * data, with the study's eval settings. Every run's params get `model.type`,
 * the column that tells baselines from the rest. Pure; ids hash the sweep id
 * and the resolved config like every other run.
 */
export function appendBaselinePlans(
  study: Study,
  plans: RunPlan[],
  specs: readonly ModelSpec[],
  runId: (config: RunPlan['config']) => string,
): RunPlan[] {
  const entries = study.baselines ?? [];
  if (entries.length === 0) return plans;
  const withType = plans.map((plan) => ({ ...plan, params: { 'model.type': plan.config.model.type, ...plan.params } }));
  const seen = new Set<string>();
  const extra: RunPlan[] = [];
  for (const plan of plans) {
    const key = JSON.stringify([plan.config.dataset, plan.seed]);
    if (seen.has(key)) continue;
    seen.add(key);
    const dataParams = Object.fromEntries(
      Object.entries(plan.params).filter(([path]) => path.startsWith('dataset.') || path === 'seed'),
    );
    for (const entry of entries) {
      const { type, ...modelParams } = baselineModel(entry);
      const spec = specs.find((s) => s.type === type);
      if (spec === undefined) throw new Error(`no model spec for baseline type '${type}'`);
      const config: RunPlan['config'] = {
        seed: plan.seed,
        dataset: plan.config.dataset,
        model: { type, ...applySchemaDefaults(spec.modelSchema, modelParams) },
        train: applySchemaDefaults(spec.trainSchema, {}),
        eval: { ...plan.config.eval, metrics: undefined, main_metric: undefined },
      };
      const components = config.model.components;
      extra.push({
        id: runId(config),
        sweepId: plan.sweepId,
        index: plans.length + extra.length,
        config,
        params: { 'model.type': type, ...dataParams },
        seed: plan.seed,
        epochs: Array.isArray(components) ? components.length : 1,
      });
    }
  }
  return [...withType, ...extra];
}
