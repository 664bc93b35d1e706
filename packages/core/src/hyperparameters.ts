import { type Static, type TObject, type TPartial, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { UserError } from '@rbm-lab/datasets';

export type { ErrorObject, ValidateFunction };

/** A hyperparameter that is missing, of the wrong type or out of range. */
export class InvalidParameterError extends UserError {}

/**
 * The one JSON Schema validator of RBM Lab: model specs' hyperparameter sections
 * and experiments' study files are checked (and defaults filled) by it.
 * - useDefaults: a missing property with a `default` is filled in (that is how configs resolve);
 * - strictNumbers: NaN and ±Infinity fail `type: number` (YAML `.inf` is a number to ajv otherwise,
 *   and NaN slips through `maximum` because every comparison with it is false);
 * - verbose: errors carry the offending value and the schema, for messages that show both;
 * - strictTypes off: the study schema's if/then branches name properties without repeating `type`.
 */
const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strictNumbers: true, verbose: true, strictTypes: false });

const compiled = new WeakMap<object, ValidateFunction>();

/** The validator of `schema` on the shared ajv instance, compiled once per schema object. */
export function compileSchema(schema: object): ValidateFunction {
  const cached = compiled.get(schema);
  if (cached !== undefined) return cached;
  // A rebuilt schema with the same $id (e.g. the study schema for another list of specs) replaces the old one.
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id === 'string' && ajv.getSchema(id) !== undefined) ajv.removeSchema(id);
  const validate = ajv.compile(schema);
  compiled.set(schema, validate);
  return validate;
}

/**
 * A `model:` or `train:` section: an object of hyperparameters, each with a
 * `default`, so none is required in a config and unknown keys are errors.
 */
export function hyperparameterSection<P extends TProperties>(properties: P): TPartial<TObject<P>> {
  return Type.Partial(Type.Object(properties, { additionalProperties: false }));
}

/** The values of a section after resolution: every property present (defaults filled in). */
export type Resolved<S extends TSchema> = Required<Static<S>>;

/**
 * Upper bounds of the numeric hyperparameters: what a 24 GiB, 2-core machine
 * can honour in reasonable time, and well above anything the studies use.
 */
export const HYPERPARAMETER_LIMITS = {
  /** Units of one layer (hidden_units, each entry of a layer list). */
  units: 10_000,
  epochs: 100_000,
  batchSize: 100_000,
  learningRate: 10,
  /** Gibbs steps per update (CD-k / PCD-k). */
  gibbsSteps: 1_000,
  aisRuns: 10_000,
  aisBetas: 1_000_000,
  latentDim: 1_024,
} as const;

/** A list of layer sizes, input side first. */
export function layerSizes(options: { default: number[]; description: string; maxItems?: number }) {
  return Type.Array(Type.Integer({ minimum: 1, maximum: HYPERPARAMETER_LIMITS.units }), {
    minItems: 1,
    ...(options.maxItems === undefined ? {} : { maxItems: options.maxItems }),
    default: options.default,
    description: options.description,
  });
}

/** A string hyperparameter with a fixed set of values, as a JSON Schema `enum` (TypeBox's recommended form). */
export function stringEnum<T extends string>(values: readonly T[], options: { default: T; description?: string }) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}

/**
 * Validates one section of hyperparameters against its schema and returns a
 * typed copy with defaults filled in, properties in schema order; `params` is
 * not modified. Throws InvalidParameterError naming the section and key of
 * every problem, e.g. `rbm train.learning_rate: expected a number > 0, got -1`.
 */
export function resolveHyperparameters<S extends TObject>(schema: S, params: unknown, where: string): Resolved<S> {
  const validate = compileSchema(schema);
  const copy = params === undefined ? {} : structuredClone(params);
  if (!validate(copy)) throw new InvalidParameterError(formatValidationErrors(validate.errors ?? [], where));
  const values = copy as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) if (values[key] !== undefined) ordered[key] = values[key];
  return ordered as Resolved<S>;
}

/** One line per ajv error, `<where>.<path>: <problem>`; repeated lines (allErrors over a list) once. */
export function formatValidationErrors(errors: readonly ErrorObject[], where: string): string {
  const lines = errors.map((error) => formatValidationError(error, where));
  return [...new Set(lines)].join('; ');
}

/** The keys of a JSON Pointer (ajv's instancePath), unescaped: '/train/a~1b' -> ['train', 'a/b']; '' -> []. */
export function jsonPointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** JSON Schema types in the words error messages use: "expected an integer", "expected a mapping". */
export const SCHEMA_TYPE_WORDS: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

export function formatValidationError(error: ErrorObject, where: string): string {
  const segments = jsonPointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
    const path = dotted(where, [...segments, String(params.additionalProperty)]);
    return `${path}: unknown parameter (known: ${known.join(', ')})`;
  }
  return `${dotted(where, segments)}: expected ${expectation(error)}, got ${describeValue(error.data)}`;
}

/** `where` then the instance path: `rbm train.learning_rate`, `dnn model.layers[1]` (no leading dot when where is ''). */
function dotted(where: string, segments: readonly string[]): string {
  return segments.reduce((path, s) => {
    if (/^\d+$/.test(s)) return `${path}[${s}]`;
    return path === '' ? s : `${path}.${s}`;
  }, where);
}

/** What the schema wanted, in words: "a number > 0", "an integer <= 10000", "one of 'cd', 'pcd'". */
function expectation(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const kind = typeWords(params.type ?? parent.type);
  const bound: Record<string, string> = { minimum: '>=', exclusiveMinimum: '>', maximum: '<=', exclusiveMaximum: '<' };
  if (error.keyword in bound) return `${kind} ${bound[error.keyword]} ${String(params.limit)}`;
  switch (error.keyword) {
    case 'type':
      return typeof error.data === 'number' && !Number.isFinite(error.data) ? `a finite ${String(params.type)}` : kind;
    case 'enum':
      return `one of ${(params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')}`;
    case 'minItems':
      return `a list of ${String(params.limit)} or more values`;
    case 'maxItems':
      return `a list of at most ${String(params.limit)} values`;
    default:
      return error.message ?? 'a valid value';
  }
}

function typeWords(type: unknown): string {
  return typeof type === 'string' ? (SCHEMA_TYPE_WORDS[type] ?? type) : 'a value';
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value); // JSON.stringify would print NaN and Infinity as null
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  return JSON.stringify(value) ?? String(value);
}
