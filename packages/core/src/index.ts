// Public API of @rbm-lab/core. See README "Architecture".
export * from './model.js';
export * from './model-spec.js';
export * from './metrics.js';
export * from './persistence.js';
export * from './hyperparameters.js';
export * from './dnn.js';
export * from './registry.js';
export * from './backend.js';
export * from './linalg/index.js';
export * from './nn/index.js';
export * from './rbm/index.js';
export * from './dbn.js';
export * from './generators/index.js';
export * from './quality/index.js';
export * from './baselines/index.js';
export * from './model-metrics.js';
