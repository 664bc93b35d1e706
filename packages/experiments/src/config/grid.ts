import { createHash } from 'node:crypto';
import type { JsonSchemaObject, ModelSpec } from '@rbm-lab/core';
import type { DatasetConfig, RunConfig, RunPlan, Study } from './types.js';

export type SweepSource = 'grid' | 'zip';

/** One parameter's chosen value at a grid point. */
export interface AxisChoice {
  path: string;
  source: SweepSource;
  index: number;
  value: unknown;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function splitPath(dotted: string): string[] {
  return dotted.split('.');
}

export function getPath(object: unknown, segments: readonly string[]): unknown {
  let node: unknown = object;
  for (const segment of segments) {
    if (!isPlainObject(node)) return undefined;
    node = node[segment];
  }
  return node;
}

/** A copy of `object` with `value` at `segments`, creating maps on the way. */
export function setPath<T>(object: T, segments: readonly string[], value: unknown): T {
  if (segments.length === 0) return structuredClone(value) as T;
  const [head, ...rest] = segments;
  const base: Record<string, unknown> = isPlainObject(object) ? object : {};
  return { ...base, [head]: setPath(base[head], rest, value) } as T;
}

/** JSON with object keys sorted at every level, so equal configs hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function shortHash(value: unknown, length = 12): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}

/**
 * Grid points without seeds: the cartesian product of `sweep.grid` (first key
 * outermost) crossed with the `sweep.zip` lists, which move together.
 */
export function sweepCombinations(study: Pick<Study, 'sweep'>): AxisChoice[][] {
  const grid = Object.entries(study.sweep?.grid ?? {});
  const zip = Object.entries(study.sweep?.zip ?? {});
  let combos: AxisChoice[][] = [[]];
  for (const [path, values] of grid) {
    const next: AxisChoice[][] = [];
    for (const combo of combos) {
      values.forEach((value, index) => next.push([...combo, { path, source: 'grid', index, value }]));
    }
    combos = next;
  }
  if (zip.length > 0) {
    const length = Math.min(...zip.map(([, values]) => values.length));
    const next: AxisChoice[][] = [];
    for (const combo of combos) {
      for (let index = 0; index < length; index++) {
        next.push([
          ...combo,
          ...zip.map(([path, values]): AxisChoice => ({ path, source: 'zip', index, value: values[index] })),
        ]);
      }
    }
    combos = next;
  }
  return combos;
}

export function applyCombination<T>(config: T, combo: readonly AxisChoice[]): T {
  return combo.reduce((acc, choice) => setPath(acc, splitPath(choice.path), choice.value), config);
}

export function studySeeds(study: Pick<Study, 'seed' | 'sweep'>): number[] {
  const base = study.seed ?? 0;
  const seeds = study.sweep?.seeds;
  if (seeds === undefined) return [base];
  if (typeof seeds === 'number') return Array.from({ length: seeds }, (_, i) => base + i);
  return [...seeds];
}

/** Dotted paths that vary across the grid, in config order (grid, then zip, then seed). */
export function sweptParams(study: Pick<Study, 'seed' | 'sweep'>): string[] {
  const paths = [...Object.keys(study.sweep?.grid ?? {}), ...Object.keys(study.sweep?.zip ?? {})];
  if (studySeeds(study).length > 1) paths.push('seed');
  return paths;
}

/** Stable id of a study: everything that changes what runs, not its description or file layout. */
export function sweepIdOf(study: Study): string {
  const { description: _description, ...rest } = study as Study & { extends?: unknown };
  delete (rest as { extends?: unknown }).extends;
  // How runs are executed (retries, time limit) does not change what they compute.
  if (rest.sweep !== undefined) {
    const { max_attempts: _attempts, run_timeout: _timeout, ...grid } = rest.sweep;
    rest.sweep = grid;
  }
  return shortHash(rest);
}

/** Fills `default`s of a JSON Schema's properties (recursing into nested objects). */
export function applySchemaDefaults(
  schema: JsonSchemaObject,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...params };
  const properties = schema.properties;
  if (!isPlainObject(properties)) return result;
  for (const [key, propertySchema] of Object.entries(properties)) {
    if (!isPlainObject(propertySchema)) continue;
    if (result[key] === undefined && 'default' in propertySchema) result[key] = structuredClone(propertySchema.default);
    if (isPlainObject(result[key]) && isPlainObject(propertySchema.properties)) {
      result[key] = applySchemaDefaults(propertySchema, result[key] as Record<string, unknown>);
    }
  }
  return result;
}

export const EVAL_DEFAULTS = { n_samples: 64, gibbs_steps: 200, quality: true } as const;
const DATASET_DEFAULTS = { validation_fraction: 0.1, seed: 0 } as const;
const MNIST_DEFAULTS = { binarize: 'threshold', threshold: 127 } as const;

function resolveRunConfig(study: Study, seed: number, specs: readonly ModelSpec[]): RunConfig {
  const spec = specs.find((s) => s.type === study.model.type);
  if (spec === undefined) throw new Error(`no model spec for type '${study.model.type}'`);
  const { type, ...modelParams } = study.model;
  const defaults: Partial<DatasetConfig> = {
    ...DATASET_DEFAULTS,
    ...(study.dataset.name === 'mnist' ? MNIST_DEFAULTS : {}),
  };
  const dataset: DatasetConfig = { ...study.dataset };
  for (const [key, value] of Object.entries(defaults)) {
    if (dataset[key as keyof DatasetConfig] === undefined) Object.assign(dataset, { [key]: value });
  }
  return {
    seed,
    dataset,
    model: { type, ...applySchemaDefaults(spec.modelSchema, modelParams) },
    train: applySchemaDefaults(spec.trainSchema, study.train ?? {}),
    eval: { ...EVAL_DEFAULTS, ...study.eval },
  };
}

/**
 * The runs of a study: one per grid point and seed, each with its resolved
 * config (defaults filled in) and a stable id, so that running the same study
 * again finds the same runs. Pure.
 */
export function expandGrid(study: Study, specs: readonly ModelSpec[]): RunPlan[] {
  const sweepId = sweepIdOf(study);
  const seeds = studySeeds(study);
  const multipleSeeds = seeds.length > 1;
  const runs: RunPlan[] = [];
  for (const combo of sweepCombinations(study)) {
    const point = applyCombination(study, combo);
    for (const seed of seeds) {
      const config = resolveRunConfig(point, seed, specs);
      const params: Record<string, unknown> = {};
      for (const choice of combo) params[choice.path] = choice.value;
      if (multipleSeeds) params.seed = seed;
      const epochs = typeof config.train.epochs === 'number' ? config.train.epochs : 0;
      runs.push({
        // The grid point's key: the study's name and this run's config, not the rest of the grid, so a
        // widened grid keeps the ids (and results) of the points it already had.
        id: shortHash({ study: study.name, config }),
        sweepId,
        index: runs.length,
        config,
        params,
        seed,
        epochs,
      });
    }
  }
  return runs;
}
