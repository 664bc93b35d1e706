import { Type } from '@sinclair/typebox';
import {
  HYPERPARAMETER_LIMITS as LIMITS,
  hyperparameterSection,
  type Resolved,
  stringEnum,
} from '../hyperparameters.js';

export type VisibleBiasInit = 'zero' | 'data';
export type CdMethod = 'cd' | 'pcd';
export type LearningRateSchedule = 'constant' | 'linear' | 'exponential';
export type EarlyStopping = 'none' | 'ais';
export type ChainStart = 'data' | 'base_rates';

export const VISIBLE_BIAS_INITS: readonly VisibleBiasInit[] = ['zero', 'data'];
export const CD_METHODS: readonly CdMethod[] = ['cd', 'pcd'];
export const LEARNING_RATE_SCHEDULES: readonly LearningRateSchedule[] = ['constant', 'linear', 'exponential'];
export const EARLY_STOPPING: readonly EarlyStopping[] = ['none', 'ais'];
export const CHAIN_STARTS: readonly ChainStart[] = ['data', 'base_rates'];

/** How an RBM's parameters start; shared by the RBM and every layer of a DBN. */
export const rbmInitProperties = {
  visible_bias_init: stringEnum(VISIBLE_BIAS_INITS, {
    default: 'data',
    description: "Initial visible biases: 'zero', or 'data' = log(p/(1-p)) of the training pixel means.",
  }),
  weight_init_std: Type.Number({
    exclusiveMinimum: 0,
    maximum: 10,
    default: 0.01,
    description: 'Initial weights ~ N(0, std^2) (0.01 as in Hinton, A Practical Guide to Training RBMs).',
  }),
};

/** Architecture of an RBM: the `model:` config section. */
export const rbmModelSchema = hyperparameterSection({
  hidden_units: Type.Integer({
    minimum: 1,
    maximum: LIMITS.units,
    default: 100,
    description: 'Number of hidden units.',
  }),
  ...rbmInitProperties,
});

/** Contrastive-divergence training settings; also applied to each layer by the DBN. */
export const cdTrainProperties = {
  epochs: Type.Integer({
    minimum: 1,
    maximum: LIMITS.epochs,
    default: 30,
    description: 'Passes over the training data.',
  }),
  learning_rate: Type.Number({
    exclusiveMinimum: 0,
    maximum: LIMITS.learningRate,
    default: 0.1,
    description: 'Step size of the contrastive-divergence updates.',
  }),
  batch_size: Type.Integer({
    minimum: 1,
    maximum: LIMITS.batchSize,
    default: 20,
    description: 'Images per mini-batch (and persistent chains with pcd).',
  }),
  k: Type.Integer({
    minimum: 1,
    maximum: LIMITS.gibbsSteps,
    default: 1,
    description: 'Gibbs steps per update (CD-k / PCD-k).',
  }),
  method: stringEnum(CD_METHODS, {
    default: 'cd',
    description: "'cd': chains start at the batch; 'pcd': persistent chains (one per batch row).",
  }),
  momentum: Type.Number({
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0.5,
    description: 'Momentum of the updates before momentum_switch_epoch.',
  }),
  final_momentum: Type.Number({
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0.9,
    description: 'Momentum from momentum_switch_epoch on.',
  }),
  momentum_switch_epoch: Type.Integer({
    minimum: 1,
    maximum: LIMITS.epochs,
    default: 6,
    description: 'First epoch (1-based) trained with final_momentum (Hinton: 0.5 for 5 epochs, then 0.9).',
  }),
  weight_decay: Type.Number({ minimum: 0, maximum: 1, default: 0.0002, description: 'L2 penalty on the weights.' }),
  persistent_chains: Type.Integer({
    minimum: 0,
    maximum: LIMITS.batchSize,
    default: 0,
    description:
      'PCD: persistent chains, independent of the batch size, started at random training images (0 = one per batch row, started at the first batch).',
  }),
  persistent_temperatures: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 1,
    description:
      'PCD with persistent_chains: temperatures per chain (parallel tempering in the negative phase, Desjardins et al. 2010): each of the persistent_chains ladders runs one chain per temperature, evenly spaced from the base-rate model to the RBM, with swaps between neighbours; the beta = 1 chains give the negative statistics (1 = plain PCD).',
  }),
  persistent_chains_start: stringEnum(CHAIN_STARTS, {
    default: 'data',
    description:
      "Where the persistent_chains start: 'data' = random training images; 'base_rates' = independent pixels at the training pixel means (the chains then also visit states far from the data).",
  }),
  centering: Type.Boolean({
    default: false,
    description:
      'Centered gradient (Melchior, Fischer & Wiskott, JMLR 2016): the weight gradient uses (v - mu)(h - lambda), mu = training pixel means, lambda = running mean of p(h | data); the biases get the matching correction. Same model, better-conditioned updates.',
  }),
  learning_rate_schedule: stringEnum(LEARNING_RATE_SCHEDULES, {
    default: 'constant',
    description:
      "Learning rate over the training budget: 'constant', or from learning_rate to final_learning_rate 'linear'ly or 'exponential'ly (per update).",
  }),
  final_learning_rate: Type.Number({
    exclusiveMinimum: 0,
    maximum: LIMITS.learningRate,
    default: 0.001,
    description: "Learning rate of the last update under a 'linear' or 'exponential' schedule.",
  }),
  updates: Type.Integer({
    minimum: 0,
    maximum: 100_000_000,
    default: 0,
    description:
      'Parameter updates (mini-batches) to train for instead of epochs: an equal budget whatever the data size (0 = use epochs).',
  }),
};

/** Early stopping of a single RBM on a validation estimate of its log-likelihood. */
export const earlyStoppingProperties = {
  early_stopping: stringEnum(EARLY_STOPPING, {
    default: 'none',
    description:
      "'ais': every early_stopping_every epochs, estimate the validation log-likelihood by a small AIS (32 runs, 1000 temperatures), keep the best parameters, restore them at the end; 'none': keep the last.",
  }),
  early_stopping_every: Type.Integer({
    minimum: 1,
    maximum: LIMITS.epochs,
    default: 5,
    description: 'Epochs between two validation checks.',
  }),
  early_stopping_patience: Type.Integer({
    minimum: 0,
    maximum: LIMITS.epochs,
    default: 4,
    description: 'Checks without improvement before training stops (0 = train the whole budget, still keep the best).',
  }),
};

/** Evaluation settings of the AIS log-likelihood estimate. */
export const aisTrainProperties = {
  ais_runs: Type.Integer({
    minimum: 1,
    maximum: LIMITS.aisRuns,
    default: 100,
    description: 'AIS: independent annealing runs.',
  }),
  ais_betas: Type.Integer({
    minimum: 2,
    maximum: LIMITS.aisBetas,
    default: 5000,
    description:
      'AIS: intermediate temperatures, spread 500 : 4000 : 10000 over [0,0.5], [0.5,0.9], [0.9,1] as Salakhutdinov & Murray 2008 (who used 14500). 5000 keeps evaluation to seconds on AlphaDigits and ~20 s for a 784x500 MNIST RBM.',
  }),
};

/** Training (and evaluation) of an RBM: the `train:` config section. */
export const rbmTrainSchema = hyperparameterSection({
  ...cdTrainProperties,
  ...earlyStoppingProperties,
  ...aisTrainProperties,
});

/** The training settings without the AIS ones (what a DBN applies to each layer). */
export const cdTrainSchema = hyperparameterSection(cdTrainProperties);

export type RbmModelParams = Resolved<typeof rbmModelSchema>;
export type RbmTrainParams = Resolved<typeof rbmTrainSchema>;
export type CdTrainParams = Resolved<typeof cdTrainSchema>;
