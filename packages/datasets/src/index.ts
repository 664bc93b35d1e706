// Public API of @rbm-lab/datasets.
export * from './types.js';
export * from './errors.js';
export * from './objects.js';
export * from './mat.js';
export * from './idx.js';
export * from './paths.js';
export * from './alphadigits.js';
export * from './mnist.js';
export * from './random.js';
export * from './splits.js';
export * from './grid.js';
export * from './png.js';
export * from './terminal.js';
