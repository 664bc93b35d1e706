import { compileSchema, type JsonSchemaObject, type ModelSpec, type ValidateFunction } from '@rbm-lab/core';
import { baselinesSchema } from './baselines.js';
import { MAX_ALIAS_COUNT, MAX_GRID_RUNS, MAX_STUDY_FILE_BYTES } from './limits.js';

export const STUDY_SCHEMA_ID = 'https://rbm-lab.local/schema/study.schema.json';

/** Dotted parameter path as used in sweep.grid / sweep.zip, e.g. `model.hidden_units`. */
const DOTTED_PATH = '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$';

const datasetSchema: JsonSchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: {
      enum: ['alphadigits', 'mnist'],
      description: 'Binary AlphaDigits (36 characters x 39 images, 20x16) or MNIST (28x28).',
    },
    characters: {
      description:
        "AlphaDigits: characters to learn: a list of symbols ('A', '3') or indices 0-35, or a comma-separated string ('A,B,C'). Default: all 36.",
      oneOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', minItems: 1, items: { type: ['string', 'integer'] } },
      ],
    },
    n_characters: {
      type: 'integer',
      minimum: 1,
      maximum: 36,
      description:
        'AlphaDigits: keep only the first n of the selected characters (sweep it for the number-of-characters study).',
    },
    digits: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'integer', minimum: 0, maximum: 9 },
      description: 'MNIST: digits to keep. Default: all ten.',
    },
    limit: {
      type: 'integer',
      minimum: 1,
      description: 'MNIST: number of training images (first ones, file order). Default: all 60000.',
    },
    test_limit: { type: 'integer', minimum: 1, description: 'MNIST: number of test images. Default: all 10000.' },
    binarize: {
      enum: ['threshold', 'stochastic', 'none'],
      description:
        "MNIST: 'threshold' (pixel > threshold, the default), 'stochastic' (1 with probability pixel/255) or 'none' (grey levels in [0,1]).",
    },
    threshold: {
      type: 'integer',
      minimum: 0,
      maximum: 254,
      description: 'MNIST: binarization threshold on 0-255 (default 127).',
    },
    validation_fraction: {
      type: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      default: 0.1,
      description: 'Fraction of the training images held out for validation (AlphaDigits: per character).',
    },
    seed: { type: 'integer', minimum: 0, default: 0, description: 'Seed of the train/validation split.' },
  },
  // MNIST's binarization defaults apply to MNIST only: an AlphaDigits run config has no such keys.
  allOf: [
    {
      if: { properties: { name: { const: 'mnist' } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
      then: { properties: { binarize: { default: 'threshold' }, threshold: { default: 127 } } },
    },
  ],
};

const evalSchema: JsonSchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    metrics: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      description: "Metric names passed to the model's evaluate(); omitted = the model's defaults.",
    },
    n_samples: {
      type: 'integer',
      minimum: 0,
      maximum: 1024,
      default: 64,
      description: 'Generated images kept for display (samples.png): the first ones of the scoring draw (0 = none).',
    },
    sampler: {
      enum: ['gibbs', 'annealed', 'tempered'],
      default: 'gibbs',
      description:
        "RBM generation: 'gibbs' = chains from uniform noise, gibbs_steps sweeps; 'annealed' = chains from the base-rate model cooled to the RBM over annealing_steps temperatures, then gibbs_steps sweeps; 'tempered' = parallel tempering (100 ladders of 20 temperatures from the base-rate model to the RBM), gibbs_steps sweeps of burn-in, then each ladder's beta = 1 chain every 50 sweeps.",
    },
    annealing_steps: {
      type: 'integer',
      minimum: 2,
      maximum: 100000,
      default: 1000,
      description: "Temperatures of the 'annealed' sampler.",
    },
    n_score_samples: {
      type: 'integer',
      minimum: 0,
      maximum: 100000,
      default: 1000,
      description:
        'Generated images, from independent chains, that the quality scale scores (KID, Fréchet, coverage, Parzen); 0 = no scoring.',
    },
    gibbs_steps: {
      type: 'integer',
      minimum: 1,
      maximum: 1_000_000,
      default: 200,
      description: 'Gibbs steps per generated image (RBM/DBN).',
    },
    main_metric: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'lower_is_better'],
      properties: { name: { type: 'string', minLength: 1 }, lower_is_better: { type: 'boolean' } },
      description:
        "Metric to rank this sweep's runs by; default the model type's own (set it when sweeping model types).",
    },
    quality: {
      type: 'boolean',
      default: true,
      description: 'Score generated images against the data (generative models).',
    },
    sample_every: {
      type: 'integer',
      minimum: 0,
      maximum: 100000,
      default: 0,
      description:
        'Generative models: draw 16 images (50 Gibbs steps) every this many epochs during training, for the dashboard and reports (0 = never).',
    },
  },
};

const sweepValues: JsonSchemaObject = {
  type: 'array',
  minItems: 1,
  description: 'Values of this parameter (at least one).',
};

const sweepSchema: JsonSchemaObject = {
  type: 'object',
  additionalProperties: false,
  description: `What to vary. At most ${MAX_GRID_RUNS} runs (grid points x seeds); two axes may not set the same value (one path inside another).`,
  properties: {
    grid: {
      type: 'object',
      description:
        'Dotted parameter path -> list of values; runs are the cartesian product. Replaces the grid of the study this file extends, unless extend_grid is true.',
      propertyNames: { pattern: DOTTED_PATH },
      // A value twice would train the same runs twice (zip lists may repeat values: their rows must differ).
      additionalProperties: {
        ...sweepValues,
        uniqueItems: true,
        description: 'Values of this parameter (at least one, none twice).',
      },
    },
    zip: {
      type: 'object',
      description:
        'Dotted parameter path -> list of values; the lists move together (equal lengths, no row twice), crossed with the grid. Replaces the zip of the study this file extends, unless extend_grid is true.',
      propertyNames: { pattern: DOTTED_PATH },
      additionalProperties: sweepValues,
    },
    seeds: {
      description:
        'Repeats: a list of seeds (none twice), or a count n (seeds seed, seed+1, ..., seed+n-1); at most 1000. Merged with the extended study like other keys.',
      oneOf: [
        { type: 'integer', minimum: 1, maximum: 1000 },
        { type: 'array', minItems: 1, maxItems: 1000, uniqueItems: true, items: { type: 'integer', minimum: 0 } },
      ],
    },
    max_attempts: {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 3,
      description:
        'How many times a run is claimed before it is failed, when its worker stops heartbeating (killed, machine lost).',
    },
    run_timeout: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 604800,
      description:
        'Wall-clock limit of one run, in seconds: a run past it is killed and failed (--run-timeout overrides).',
    },
    extend_grid: {
      type: 'boolean',
      default: false,
      description:
        "In a file with extends: true adds this file's grid and zip axes to those of the study it extends (an axis on the same path is replaced); false (the default) replaces them.",
    },
  },
};

/**
 * The JSON Schema of a (merged) study file. The `model` and `train` sections
 * are composed from the registered model specs: one if/then per `model.type`,
 * so a new model type needs no change here.
 */
export function buildStudySchema(specs: readonly ModelSpec[]): JsonSchemaObject {
  const types = specs.map((s) => s.type);
  const perType = specs.map((spec) => {
    return {
      if: {
        properties: { model: { properties: { type: { const: spec.type } }, required: ['type'] } },
        required: ['model'],
      },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
      then: {
        properties: {
          model: {
            ...spec.modelSchema,
            type: 'object',
            properties: { type: { const: spec.type }, ...spec.modelSchema.properties },
            additionalProperties: false,
            description: spec.description,
          },
          train: { ...spec.trainSchema, type: 'object' },
        },
      },
    };
  });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: STUDY_SCHEMA_ID,
    title: 'RBM Lab study',
    description: `An RBM Lab study: data, model, training, evaluation and the parameters to sweep. 'extends' names a base file merged underneath (maps merged deeply, lists replaced; sweep.grid and sweep.zip replaced unless sweep.extend_grid). A study file has at most ${MAX_STUDY_FILE_BYTES} bytes, and its YAML aliases expand to at most ${MAX_ALIAS_COUNT} values.`,
    type: 'object',
    additionalProperties: false,
    required: ['name', 'dataset', 'model'],
    properties: {
      name: {
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
        description:
          "Study name; also the folder of its artifacts (<artifact root>/<name>/): 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, not ending in '.db', and not the name of one of the database's files when the artifact root is the database's folder.",
      },
      description: { type: 'string' },
      extends: { type: 'string', description: 'Base study file, relative to this file.' },
      seed: { type: 'integer', minimum: 0, default: 0, description: 'Seed of model initialisation and sampling.' },
      dataset: datasetSchema,
      model: {
        type: 'object',
        required: ['type'],
        properties: { type: { enum: types, description: 'Model type.' } },
      },
      train: { type: 'object' },
      eval: evalSchema,
      sweep: sweepSchema,
      baselines: baselinesSchema(specs),
    },
    allOf: perType,
  };
}

const validators = new WeakMap<readonly ModelSpec[], ValidateFunction>();

/**
 * The study schema's validator (core's shared ajv: all errors, verbose, defaults
 * filled in). It fills defaults into what it checks, so pass a copy of a study
 * that must stay as written.
 */
export function studyValidator(specs: readonly ModelSpec[]): ValidateFunction {
  let validate = validators.get(specs);
  if (validate === undefined) {
    validate = compileSchema(buildStudySchema(specs));
    validators.set(specs, validate);
  }
  return validate;
}
