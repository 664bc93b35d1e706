export { Autoencoder, autoencoderSpec, type AutoencoderHyperparameters } from './autoencoder.js';
export { Vae, vaeSpec, VAE_IMPORTANCE_SAMPLES, type VaeHyperparameters } from './vae.js';
export { Gan, ganSpec, type GanHyperparameters } from './gan.js';
export { type GeneratorContext, GeneratorModel } from './generator-model.js';
export { fitGaussian, sampleGaussian, standardGaussian, type GaussianFit } from './gaussian.js';
export { DataShapeError } from './training.js';
export { WeightsMismatchError } from '../nn/arrays.js';
