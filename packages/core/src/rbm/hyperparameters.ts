import type { JsonSchemaObject } from '../model.js';
import { applyDefaults, ParamReader } from '../params.js';

export type VisibleBiasInit = 'zero' | 'data';
export type CdMethod = 'cd' | 'pcd';

/** Architecture of an RBM: the `model:` config section. */
export interface RbmModelParams {
  hidden_units: number;
  /** 'data' starts visible biases at log(p / (1 - p)) of the training pixel means (Hinton's guide, 8.1). */
  visible_bias_init: VisibleBiasInit;
  /** Standard deviation of the initial weights, drawn from N(0, std^2). */
  weight_init_std: number;
}

/** Training (and evaluation) of an RBM: the `train:` config section. */
export interface RbmTrainParams {
  epochs: number;
  learning_rate: number;
  batch_size: number;
  /** Gibbs steps per update (CD-k / PCD-k). */
  k: number;
  method: CdMethod;
  momentum: number;
  final_momentum: number;
  /** First epoch (1-based) that uses final_momentum. */
  momentum_switch_epoch: number;
  /** L2 penalty on the weights (not the biases). */
  weight_decay: number;
  /** AIS: independent annealing runs (chains) per log Z estimate. */
  ais_runs: number;
  /** AIS: number of intermediate inverse temperatures. */
  ais_betas: number;
}

export const VISIBLE_BIAS_INITS: readonly VisibleBiasInit[] = ['zero', 'data'];
export const CD_METHODS: readonly CdMethod[] = ['cd', 'pcd'];

export const rbmModelSchema: JsonSchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    hidden_units: { type: 'integer', minimum: 1, default: 100, description: 'Number of hidden units.' },
    visible_bias_init: {
      type: 'string',
      enum: [...VISIBLE_BIAS_INITS],
      default: 'data',
      description: "Initial visible biases: 'zero', or 'data' = log(p/(1-p)) of the training pixel means.",
    },
    weight_init_std: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 0.01,
      description: 'Initial weights ~ N(0, std^2) (0.01 as in Hinton, A Practical Guide to Training RBMs).',
    },
  },
};

/** Training settings; also used per layer by the DBN. */
export const rbmTrainProperties: Record<string, JsonSchemaObject> = {
  epochs: { type: 'integer', minimum: 1, default: 30 },
  learning_rate: { type: 'number', exclusiveMinimum: 0, default: 0.1 },
  batch_size: { type: 'integer', minimum: 1, default: 20 },
  k: { type: 'integer', minimum: 1, default: 1, description: 'Gibbs steps per update (CD-k / PCD-k).' },
  method: {
    type: 'string',
    enum: [...CD_METHODS],
    default: 'cd',
    description: "'cd': chains start at the batch; 'pcd': persistent chains (one per batch row).",
  },
  momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.5 },
  final_momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9 },
  momentum_switch_epoch: {
    type: 'integer',
    minimum: 1,
    default: 6,
    description: 'First epoch (1-based) trained with final_momentum (Hinton: 0.5 for 5 epochs, then 0.9).',
  },
  weight_decay: { type: 'number', minimum: 0, default: 0.0002, description: 'L2 penalty on the weights.' },
};

/** Evaluation settings of the AIS log-likelihood estimate. */
export const aisTrainProperties: Record<string, JsonSchemaObject> = {
  ais_runs: { type: 'integer', minimum: 1, default: 100, description: 'AIS: independent annealing runs.' },
  ais_betas: {
    type: 'integer',
    minimum: 2,
    default: 5000,
    description:
      'AIS: intermediate temperatures, spread 500 : 4000 : 10000 over [0,0.5], [0.5,0.9], [0.9,1] as Salakhutdinov & Murray 2008 (who used 14500). 5000 keeps evaluation to seconds on AlphaDigits and ~20 s for a 784x500 MNIST RBM.',
  },
};

export const rbmTrainSchema: JsonSchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: { ...rbmTrainProperties, ...aisTrainProperties },
};

export function parseRbmModelParams(params: Record<string, unknown>, where = 'rbm model'): RbmModelParams {
  const reader = new ParamReader(applyDefaults(rbmModelSchema, params), where);
  reader.onlyKeys(rbmModelSchema);
  return {
    hidden_units: reader.integer('hidden_units', 1),
    visible_bias_init: reader.oneOf('visible_bias_init', VISIBLE_BIAS_INITS),
    weight_init_std: reader.number('weight_init_std', { exclusiveMin: 0 }),
  };
}

export function parseRbmTrainParams(params: Record<string, unknown>, where = 'rbm train'): RbmTrainParams {
  const reader = new ParamReader(applyDefaults(rbmTrainSchema, params), where);
  reader.onlyKeys(rbmTrainSchema);
  return {
    ...readCdParams(reader),
    ais_runs: reader.integer('ais_runs', 1),
    ais_betas: reader.integer('ais_betas', 2),
  };
}

/** The training settings without the AIS ones (what a DBN applies to each layer). */
export type CdTrainParams = Omit<RbmTrainParams, 'ais_runs' | 'ais_betas'>;

/** Reads the keys of rbmTrainProperties from a reader whose params already have defaults applied. */
export function readCdParams(reader: ParamReader): CdTrainParams {
  return {
    epochs: reader.integer('epochs', 1),
    learning_rate: reader.number('learning_rate', { exclusiveMin: 0 }),
    batch_size: reader.integer('batch_size', 1),
    k: reader.integer('k', 1),
    method: reader.oneOf('method', CD_METHODS),
    momentum: reader.number('momentum', { min: 0, exclusiveMax: 1 }),
    final_momentum: reader.number('final_momentum', { min: 0, exclusiveMax: 1 }),
    momentum_switch_epoch: reader.integer('momentum_switch_epoch', 1),
    weight_decay: reader.number('weight_decay', { min: 0 }),
  };
}
