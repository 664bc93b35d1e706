import {
  findMetricDeclaration,
  listModelSpecs,
  type MetricDeclaration,
  type MetricPoints,
  type ModelSpec,
  RUN_METRICS,
} from '@rbm-lab/core';
import type { MetricDefinition } from '../store/types.js';

/** A metric's meaning within one sweep: what the store keeps per sweep and readers rank by. */
export interface DeclaredMetric extends MetricDeclaration {
  /** The sweep's model types that record it. */
  modelTypes: string[];
}

/** Two model types declare one metric name with different directions or splits: a bug in a spec. */
export class ConflictingMetricError extends Error {}

/**
 * The metric definitions of a sweep whose runs have these model types: every
 * run's bookkeeping metrics, then each type's declarations in order, one entry
 * per name. Pure; the runner stores them with the sweep at submit.
 */
export function metricDefinitionsFor(
  modelTypes: Iterable<string>,
  specs: readonly ModelSpec[] = listModelSpecs(),
): DeclaredMetric[] {
  const types = [...new Set(modelTypes)];
  const byName = new Map<string, DeclaredMetric>();
  for (const declaration of RUN_METRICS) byName.set(declaration.name, { ...declaration, modelTypes: [...types] });
  for (const type of types) {
    const spec = specs.find((s) => s.type === type);
    if (spec === undefined) throw new RangeError(`no model spec for type '${type}'`);
    for (const declaration of spec.metrics) {
      const known = byName.get(declaration.name);
      if (known === undefined) {
        byName.set(declaration.name, { ...declaration, modelTypes: [type] });
        continue;
      }
      if (known.direction !== declaration.direction || known.split !== declaration.split) {
        throw new ConflictingMetricError(
          `metric ${declaration.name}: ${known.modelTypes.join(', ')} declare ${known.direction} on ${known.split}, ${type} ${declaration.direction} on ${declaration.split}`,
        );
      }
      if (!known.modelTypes.includes(type)) known.modelTypes.push(type);
    }
  }
  return [...byName.values()];
}

/** Every registered type's definitions (what readers use when a sweep stored none). */
export function allMetricDefinitions(): DeclaredMetric[] {
  return metricDefinitionsFor(listModelSpecs().map((spec) => spec.type));
}

/**
 * What the store keeps per sweep: each metric's direction, split and meaning,
 * so readers on any machine rank by the declarations.
 */
export function storedMetricDefinitions(declared: readonly DeclaredMetric[]): MetricDefinition[] {
  return declared.map(({ name, direction, description, split }) => ({
    name,
    direction,
    description,
    split,
    nPoints: null,
  }));
}

/** The definition of a recorded metric name (patterns like `layer*_recon_error` included), or undefined. */
export function findMetricDefinition(definitions: readonly DeclaredMetric[], name: string): DeclaredMetric | undefined {
  return findMetricDeclaration(definitions, name);
}

/** `kid (test, 40 points, 1000 samples)`: a metric with the data it used, for tables and warnings. */
export function describeMetricPoints(name: string, points: MetricPoints | undefined): string {
  if (points === undefined) return name;
  const samples = points.samples === undefined ? '' : `, ${points.samples} samples`;
  return `${name} (${points.split}, ${points.points} points${samples})`;
}
