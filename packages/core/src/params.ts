import { UserError } from '@rbm-lab/datasets';
import type { JsonSchemaObject } from './model.js';

/** A hyperparameter that is missing, of the wrong type or out of range. */
export class InvalidParameterError extends UserError {}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Returns a copy of `params` with every property the schema gives a `default`
 * for and `params` lacks filled in (recursing into nested object schemas).
 * Same result as ajv's `useDefaults: true` for the schemas of this package,
 * without needing ajv at run time; values given are kept as they are.
 */
export function applyDefaults(schema: JsonSchemaObject, params: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...params };
  const properties = schema.properties;
  if (!isPlainObject(properties)) return result;
  for (const [key, propertySchema] of Object.entries(properties)) {
    if (!isPlainObject(propertySchema)) continue;
    if (result[key] === undefined && 'default' in propertySchema) {
      result[key] = structuredClone(propertySchema.default);
    }
    if (isPlainObject(result[key]) && isPlainObject(propertySchema.properties)) {
      result[key] = applyDefaults(propertySchema, result[key]);
    }
  }
  return result;
}

/**
 * Typed access to one section of hyperparameters, with errors that name the
 * section and key (e.g. "dnn train.learning_rate: expected a number > 0, got -1").
 */
export class ParamReader {
  constructor(
    private readonly params: Record<string, unknown>,
    private readonly where: string,
  ) {}

  private fail(key: string, expected: string): never {
    throw new InvalidParameterError(
      `${this.where}.${key}: expected ${expected}, got ${JSON.stringify(this.params[key])}`,
    );
  }

  number(
    key: string,
    range: { min?: number; max?: number; exclusiveMin?: number; exclusiveMax?: number } = {},
  ): number {
    const value = this.params[key];
    const parts: string[] = [];
    if (range.min !== undefined) parts.push(`>= ${range.min}`);
    if (range.exclusiveMin !== undefined) parts.push(`> ${range.exclusiveMin}`);
    if (range.max !== undefined) parts.push(`<= ${range.max}`);
    if (range.exclusiveMax !== undefined) parts.push(`< ${range.exclusiveMax}`);
    const expected = ['a number', ...parts].join(' ');
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(key, expected);
    if (range.min !== undefined && value < range.min) this.fail(key, expected);
    if (range.exclusiveMin !== undefined && value <= range.exclusiveMin) this.fail(key, expected);
    if (range.max !== undefined && value > range.max) this.fail(key, expected);
    if (range.exclusiveMax !== undefined && value >= range.exclusiveMax) this.fail(key, expected);
    return value;
  }

  integer(key: string, min: number): number {
    const value = this.params[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) this.fail(key, `an integer >= ${min}`);
    return value;
  }

  boolean(key: string): boolean {
    const value = this.params[key];
    if (typeof value !== 'boolean') this.fail(key, 'true or false');
    return value;
  }

  oneOf<T extends string>(key: string, choices: readonly T[]): T {
    const value = this.params[key];
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.fail(key, `one of ${choices.map((c) => `'${c}'`).join(', ')}`);
    }
    return value as T;
  }

  integerList(key: string, min: number): number[] {
    const value = this.params[key];
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= min)
    ) {
      this.fail(key, `a non-empty list of integers >= ${min}`);
    }
    return [...(value as number[])];
  }

  /** Rejects keys the schema does not know (mirrors additionalProperties: false). */
  onlyKeys(schema: JsonSchemaObject): void {
    const known = isPlainObject(schema.properties) ? Object.keys(schema.properties) : [];
    for (const key of Object.keys(this.params)) {
      if (!known.includes(key)) {
        throw new InvalidParameterError(`${this.where}.${key}: unknown parameter (known: ${known.join(', ')})`);
      }
    }
  }
}
