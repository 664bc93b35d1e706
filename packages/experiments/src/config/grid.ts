import { createHash } from 'node:crypto';
import { formatValidationErrors, InvalidParameterError, type ModelSpec, type ValidateFunction } from '@rbm-lab/core';
import { isPlainObject } from '@rbm-lab/datasets';
import { baselinePoints } from './baselines.js';
import { MAX_GRID_RUNS } from './limits.js';
import { plannedTrainRows } from './memory-estimate.js';
import { studyValidator } from './study-schema.js';
import type { RunConfig, RunPlan, Study } from './types.js';

export type SweepSource = 'grid' | 'zip';

/** One parameter's chosen value at a grid point. */
export interface AxisChoice {
  path: string;
  source: SweepSource;
  index: number;
  value: unknown;
}

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

/** How many runs a study's grid has, computed from the list lengths without expanding anything. */
export interface GridSize {
  /** Values per axis of sweep.grid, in order. */
  grid: Array<{ path: string; values: number }>;
  /** Rows of sweep.zip (0 without zip), and its paths. */
  zip: { paths: string[]; rows: number };
  seeds: number;
  /** Grid points times seeds. */
  runs: number;
}

/** The size of a study's grid (a list that is not a list counts as one value: the schema reports it). */
export function gridSize(study: { sweep?: unknown }): GridSize {
  const sweep = isPlainObject(study.sweep) ? study.sweep : {};
  const lengths = (axes: unknown) =>
    isPlainObject(axes)
      ? Object.entries(axes).map(([path, values]) => ({ path, values: Array.isArray(values) ? values.length : 1 }))
      : [];
  const grid = lengths(sweep.grid);
  const zipAxes = lengths(sweep.zip);
  const rows = zipAxes.length === 0 ? 0 : Math.min(...zipAxes.map((axis) => axis.values));
  const seeds = typeof sweep.seeds === 'number' ? sweep.seeds : Array.isArray(sweep.seeds) ? sweep.seeds.length : 1;
  const points = grid.reduce((product, axis) => product * axis.values, 1) * (zipAxes.length === 0 ? 1 : rows);
  return { grid, zip: { paths: zipAxes.map((axis) => axis.path), rows }, seeds, runs: points * seeds };
}

export function studySeeds(study: Pick<Study, 'seed' | 'sweep'>): number[] {
  const base = study.seed ?? 0;
  const seeds = study.sweep?.seeds;
  if (seeds === undefined) return [base];
  if (typeof seeds === 'number') return Array.from({ length: seeds }, (_, i) => base + i);
  return [...seeds];
}

/** Dotted paths that vary across the grid, in config order (grid, then zip, then seed). */
export function sweptParams(study: Pick<Study, 'seed' | 'sweep' | 'baselines'>): string[] {
  const paths = [...Object.keys(study.sweep?.grid ?? {}), ...Object.keys(study.sweep?.zip ?? {})];
  if ((study.baselines?.length ?? 0) > 0 && !paths.includes('model.type')) paths.unshift('model.type');
  if (studySeeds(study).length > 1) paths.push('seed');
  return paths;
}

/**
 * Samples drawn during training (eval.sample_every) leave a run's numbers as
 * they are (a test checks this for every model), so they are no part of any id:
 * turning them on in a study keeps its sweep and runs.
 */
function withoutSampling<T extends { eval?: unknown }>(sections: T): T {
  const evalSection = sections.eval as Record<string, unknown> | undefined;
  if (evalSection === undefined || !('sample_every' in evalSection)) return sections;
  const { sample_every: _every, ...kept } = evalSection;
  const { eval: _eval, ...others } = sections;
  return (Object.keys(kept).length > 0 ? { ...others, eval: kept } : others) as T;
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
  return shortHash(withoutSampling(rest));
}

/** The sections of a grid point that make up a run's config, as the study sets them (no defaults). */
function runSections(point: Study): Pick<RunConfig, 'dataset' | 'model' | 'train' | 'eval'> {
  return {
    dataset: point.dataset,
    model: point.model,
    train: point.train ?? {},
    eval: (point.eval ?? {}) as RunConfig['eval'],
  };
}

/** The sections that make a run's identity: what the study sets, samples over training left out. */
function identitySections(point: Study) {
  const sections = runSections(point);
  return { ...sections, eval: withoutSampling(sections).eval ?? {} };
}

/**
 * A run's stable id: the sweep id, the seed and the values the study sets at this
 * grid point, defaults left out, so that a new hyperparameter with a default (or a
 * changed default) keeps every id and a database's finished runs stay finished.
 */
export function runIdOf(sweepId: string, point: Study, seed: number): string {
  return shortHash({ sweep: sweepId, seed, set: identitySections(point) });
}

/**
 * The grid point's key in the run queue: the study's name, the seed and the
 * values the study sets at this point, not the rest of the grid (unlike the
 * run id, which hashes the sweep id). A widened grid has the points it kept
 * under the same keys, so submitting it adds only the new points.
 */
export function pointKeyOf(studyName: string, point: Study, seed: number): string {
  return shortHash({ study: studyName, seed, set: identitySections(point) });
}

/**
 * The id the same run had before ids left defaults out (hash of the sweep id and the resolved config):
 * lets a store carry a database written by an older RBM Lab over to runIdOf ids instead of rerunning it.
 */
export function legacyRunIdOf(plan: Pick<RunPlan, 'sweepId' | 'config'>): string {
  // Configs of that time had no eval.sample_every.
  return shortHash({ sweep: plan.sweepId, config: withoutSampling(plan.config) });
}

/** The config a run executes: the grid point's sections with every default filled in by the study schema. */
function resolveRunConfig(point: Study, seed: number, validate: ValidateFunction): RunConfig {
  const resolved = structuredClone({ ...point, ...runSections(point) });
  if (!validate(resolved)) {
    throw new InvalidParameterError(
      `invalid study '${point.name}': ${formatValidationErrors(validate.errors ?? [], '')}`,
    );
  }
  return { seed, ...runSections(resolved) };
}

/** The epochs progress counts for a run: its model's own plan on the images it trains on, else `train.epochs`. */
function plannedEpochs(config: RunConfig, spec: ModelSpec | undefined): number {
  const { type: _type, ...model } = config.model;
  const planned = spec?.plannedEpochs?.({ model, train: config.train }, plannedTrainRows(config.dataset));
  if (planned !== undefined && Number.isFinite(planned)) return planned;
  return typeof config.train.epochs === 'number' ? config.train.epochs : 0;
}

/**
 * The runs of a study: one per grid point and seed, each with its resolved
 * config (defaults filled in) and a stable id (from what the study sets, see
 * runIdOf), so that running the same study again finds the same runs.
 * Pure apart from caching the study validator per list of specs.
 */
export function expandGrid(study: Study, specs: readonly ModelSpec[]): RunPlan[] {
  const { runs: size } = gridSize(study);
  if (size > MAX_GRID_RUNS) {
    throw new InvalidParameterError(`study '${study.name}' has ${size} runs; at most ${MAX_GRID_RUNS} are allowed`);
  }
  const validate = studyValidator(specs);
  const sweepId = sweepIdOf(study);
  const seeds = studySeeds(study);
  const multipleSeeds = seeds.length > 1;
  const withBaselines = (study.baselines?.length ?? 0) > 0;
  const points: Array<{ point: Study; seed: number; params: Record<string, unknown> }> = [];
  for (const combo of sweepCombinations(study)) {
    const point = applyCombination(study, combo);
    for (const seed of seeds) {
      const params: Record<string, unknown> = withBaselines ? { 'model.type': point.model.type } : {};
      for (const choice of combo) params[choice.path] = choice.value;
      if (multipleSeeds) params.seed = seed;
      points.push({ point, seed, params });
    }
  }
  // Baselines run once per distinct dataset section and seed, after the grid (see config/baselines.ts).
  return [...points, ...baselinePoints(study, points)].map(({ point, seed, params }, index) => {
    const config = resolveRunConfig(point, seed, validate);
    const epochs = plannedEpochs(
      config,
      specs.find((spec) => spec.type === config.model.type),
    );
    return {
      id: runIdOf(sweepId, point, seed),
      pointKey: pointKeyOf(study.name, point, seed),
      sweepId,
      index,
      config,
      params,
      seed,
      epochs,
    };
  });
}

/**
 * Dotted paths (sorted) where two resolved run configs differ: what changed
 * between the config a finished run executed and the one the current code
 * resolves for the same run (a default changed). Lists compare as whole values.
 */
export function configDrift(stored: unknown, current: unknown): string[] {
  const drift: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        walk(a[key], b[key], path === '' ? key : `${path}.${key}`);
      }
    } else if ((a === undefined) !== (b === undefined) || canonicalJson(a) !== canonicalJson(b)) {
      drift.push(path);
    }
  };
  walk(stored, current, '');
  return drift.sort();
}

/**
 * The sweep command's warning about finished runs (id -> the resolved config they ran with) whose
 * config the current code resolves differently, e.g. after a default changed; undefined when none.
 * Such runs keep their results and are not rerun: their id depends only on what the study sets.
 */
export function driftWarning(plans: readonly RunPlan[], finished: ReadonlyMap<string, unknown>): string | undefined {
  const drifted = plans
    .filter((plan) => finished.has(plan.id))
    .map((plan) => configDrift(finished.get(plan.id), plan.config))
    .filter((paths) => paths.length > 0);
  if (drifted.length === 0) return undefined;
  const paths = [...new Set(drifted.flat())].sort().join(', ');
  return (
    `warning: ${drifted.length} finished run(s) of this sweep ran with other values of ${paths} ` +
    'than the current defaults give; their results are kept, not rerun'
  );
}
