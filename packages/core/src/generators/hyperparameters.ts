import type { JsonSchemaObject } from '../model.js';
import { InvalidParameterError } from '../params.js';

/** A property schema in the subset these specs use: integers, numbers and arrays of integers. */
interface PropertySchema {
  type: 'integer' | 'number' | 'array';
  description: string;
  default: number | number[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  items?: { type: 'integer'; minimum: number };
  minItems?: number;
  maxItems?: number;
}

export type PropertySchemas = Record<string, PropertySchema>;

export function objectSchema(properties: PropertySchemas): JsonSchemaObject {
  return { type: 'object', additionalProperties: false, properties };
}

export const hiddenUnitsProperty = (description: string, defaults: number[]): PropertySchema => ({
  type: 'array',
  description,
  items: { type: 'integer', minimum: 1 },
  minItems: 1,
  maxItems: 4,
  default: defaults,
});

export const latentDimProperty = (defaultValue: number): PropertySchema => ({
  type: 'integer',
  description: 'Dimension of the latent code',
  minimum: 1,
  maximum: 1024,
  default: defaultValue,
});

export function trainProperties(defaults: {
  epochs: number;
  learning_rate: number;
  batch_size: number;
}): PropertySchemas {
  return {
    epochs: { type: 'integer', description: 'Passes over the training data', minimum: 1, default: defaults.epochs },
    learning_rate: {
      type: 'number',
      description: 'Adam step size',
      exclusiveMinimum: 0,
      maximum: 1,
      default: defaults.learning_rate,
    },
    batch_size: { type: 'integer', description: 'Images per mini-batch', minimum: 1, default: defaults.batch_size },
  };
}

/**
 * Fills defaults and checks values against the schema subset above. experiments
 * validates configs with ajv first; this guards direct API use and loaded files.
 */
export function resolveHyperparameters(
  modelType: string,
  properties: PropertySchemas,
  given: Record<string, unknown>,
): Record<string, number | number[]> {
  const resolved: Record<string, number | number[]> = {};
  for (const key of Object.keys(given)) {
    if (!(key in properties)) {
      throw new InvalidParameterError(
        `${modelType}.${key}: unknown parameter (known: ${Object.keys(properties).join(', ')})`,
      );
    }
  }
  for (const [key, schema] of Object.entries(properties)) {
    const value = given[key] ?? schema.default;
    const fail = (expected: string): never => {
      throw new InvalidParameterError(`${modelType}.${key}: expected ${expected}, got ${JSON.stringify(value)}`);
    };
    if (schema.type === 'array') {
      if (
        !Array.isArray(value) ||
        value.length < (schema.minItems ?? 0) ||
        value.length > (schema.maxItems ?? Infinity)
      ) {
        fail(`a list of ${schema.minItems ?? 0} to ${schema.maxItems ?? 'any number of'} positive integers`);
      }
      const list = value as unknown[];
      if (!list.every((item) => Number.isInteger(item) && (item as number) >= (schema.items?.minimum ?? -Infinity))) {
        fail('positive integers');
      }
      resolved[key] = [...(list as number[])];
      continue;
    }
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      (schema.type === 'integer' && !Number.isInteger(value))
    ) {
      fail(schema.type === 'integer' ? 'an integer' : 'a number');
    }
    const number = value as number;
    if (schema.minimum !== undefined && number < schema.minimum) fail(`>= ${schema.minimum}`);
    if (schema.exclusiveMinimum !== undefined && number <= schema.exclusiveMinimum)
      fail(`> ${schema.exclusiveMinimum}`);
    if (schema.maximum !== undefined && number > schema.maximum) fail(`<= ${schema.maximum}`);
    resolved[key] = number;
  }
  return resolved;
}
