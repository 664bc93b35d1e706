import { describe, expect, it } from 'vitest';
import { UserError } from '@rbm-lab/datasets';
import { dnnModelSchema, dnnTrainSchema } from '../src/dnn.js';
import {
  compileSchema,
  HYPERPARAMETER_LIMITS,
  InvalidParameterError,
  resolveHyperparameters,
} from '../src/hyperparameters.js';
import { rbmModelSchema, rbmTrainSchema } from '../src/rbm/hyperparameters.js';
import { listModelSpecs } from '../src/registry.js';

/** The property schemas of every spec's model and train sections, named `<type> <section>.<key>`. */
function allProperties(): Array<[string, Record<string, unknown>]> {
  return listModelSpecs().flatMap((spec) =>
    (['model', 'train'] as const).flatMap((section) => {
      const schema = section === 'model' ? spec.modelSchema : spec.trainSchema;
      return Object.entries(schema.properties).map(([key, property]): [string, Record<string, unknown>] => [
        `${spec.type} ${section}.${key}`,
        property,
      ]);
    }),
  );
}

describe('resolveHyperparameters', () => {
  it('fills defaults in schema order, keeps given values, and leaves its input untouched', () => {
    const given = { weight_init_std: 0.05, hidden_units: 20 };
    const resolved = resolveHyperparameters(rbmModelSchema, given, 'rbm model');
    expect(resolved).toEqual({ hidden_units: 20, visible_bias_init: 'data', weight_init_std: 0.05 });
    expect(Object.keys(resolved)).toEqual(['hidden_units', 'visible_bias_init', 'weight_init_std']);
    expect(given).toEqual({ weight_init_std: 0.05, hidden_units: 20 });
    expect(resolveHyperparameters(rbmModelSchema, undefined, 'rbm model').hidden_units).toBe(100);
  });

  it('gives each resolution its own copy of list defaults', () => {
    const first = resolveHyperparameters(dnnModelSchema, {}, 'dnn model');
    first.layers.push(7);
    expect(resolveHyperparameters(dnnModelSchema, {}, 'dnn model').layers).toEqual([500, 200]);
  });

  it('names section and key with what was expected and what was given', () => {
    const message = (schema: Parameters<typeof resolveHyperparameters>[0], params: unknown, where: string) => {
      try {
        resolveHyperparameters(schema, params, where);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidParameterError);
        expect(error).toBeInstanceOf(UserError);
        return (error as Error).message;
      }
      throw new Error('expected resolveHyperparameters to throw');
    };
    expect(message(rbmTrainSchema, { learning_rate: -1 }, 'rbm train')).toBe(
      'rbm train.learning_rate: expected a number > 0, got -1',
    );
    expect(message(rbmTrainSchema, { learning_rate: 11 }, 'rbm train')).toBe(
      'rbm train.learning_rate: expected a number <= 10, got 11',
    );
    expect(message(rbmModelSchema, { hidden_units: 'abc' }, 'rbm model')).toBe(
      'rbm model.hidden_units: expected an integer, got "abc"',
    );
    expect(message(rbmModelSchema, { hidden_units: 2.5 }, 'rbm model')).toBe(
      'rbm model.hidden_units: expected an integer, got 2.5',
    );
    expect(message(rbmTrainSchema, { method: 'gibbs' }, 'rbm train')).toBe(
      `rbm train.method: expected one of 'cd', 'pcd', got "gibbs"`,
    );
    expect(message(rbmTrainSchema, { learning_rte: 0.1 }, 'rbm train')).toMatch(
      /^rbm train\.learning_rte: unknown parameter \(known: epochs, learning_rate, /,
    );
    expect(message(dnnModelSchema, { layers: [10, 0] }, 'dnn model')).toBe(
      'dnn model.layers[1]: expected an integer >= 1, got 0',
    );
    expect(message(dnnModelSchema, { layers: [] }, 'dnn model')).toBe(
      'dnn model.layers: expected a list of 1 or more values, got []',
    );
    expect(message(dnnModelSchema, 5, 'dnn model')).toBe('dnn model: expected a mapping, got 5');
    // Every problem at once, not only the first.
    expect(message(dnnTrainSchema, { epochs: 0, momentum: 1 }, 'dnn train').split('; ')).toEqual([
      'dnn train.epochs: expected an integer >= 1, got 0',
      'dnn train.momentum: expected a number < 1, got 1',
    ]);
  });

  it('rejects NaN and infinities, which JSON Schema bounds alone let through', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => resolveHyperparameters(rbmTrainSchema, { weight_decay: value }, 'rbm train')).toThrow(
        `rbm train.weight_decay: expected a finite number, got ${value}`,
      );
      expect(() => resolveHyperparameters(rbmModelSchema, { hidden_units: value }, 'rbm model')).toThrow(
        InvalidParameterError,
      );
    }
  });

  it('compiles each schema once on the shared validator', () => {
    expect(compileSchema(rbmTrainSchema)).toBe(compileSchema(rbmTrainSchema));
    const schema = { $id: 'https://rbm-lab.local/test.json', type: 'integer' };
    const rebuilt = { $id: 'https://rbm-lab.local/test.json', type: 'string' };
    expect(compileSchema(schema)(3)).toBe(true);
    expect(compileSchema(rebuilt)(3)).toBe(false);
  });
});

describe('hyperparameter declarations', () => {
  it('give every property of every model type a default, a description and finite bounds', () => {
    const properties = allProperties();
    expect(properties.length).toBeGreaterThan(30);
    for (const [name, property] of properties) {
      expect(property.default, `${name} has no default`).toBeDefined();
      expect(property.description, `${name} has no description`).toBeTypeOf('string');
      const numeric = property.type === 'array' ? (property.items as Record<string, unknown>) : property;
      if (numeric.type === 'integer' || numeric.type === 'number') {
        const upper = numeric.maximum ?? numeric.exclusiveMaximum;
        expect(upper, `${name} has no upper bound`).toBeTypeOf('number');
        expect(Number.isFinite(upper), `${name}`).toBe(true);
        const lower = numeric.minimum ?? numeric.exclusiveMinimum;
        expect(Number.isFinite(lower), `${name} has no finite lower bound`).toBe(true);
      }
      if (property.type === 'array') expect(property.minItems, `${name}`).toBe(1);
    }
  });

  it('accept the upper bounds themselves and reject one more', () => {
    const { units, epochs, aisBetas } = HYPERPARAMETER_LIMITS;
    expect(resolveHyperparameters(rbmModelSchema, { hidden_units: units }, 'rbm model').hidden_units).toBe(units);
    expect(() => resolveHyperparameters(rbmModelSchema, { hidden_units: units + 1 }, 'rbm model')).toThrow(
      `rbm model.hidden_units: expected an integer <= ${units}, got ${units + 1}`,
    );
    expect(() => resolveHyperparameters(rbmTrainSchema, { epochs: epochs + 1, ais_betas: aisBetas }, 'x')).toThrow(
      `x.epochs: expected an integer <= ${epochs}`,
    );
    expect(() => resolveHyperparameters(dnnModelSchema, { layers: [units + 1] }, 'dnn model')).toThrow(
      'dnn model.layers[0]',
    );
  });
});
