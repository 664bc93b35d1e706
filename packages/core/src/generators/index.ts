export { Autoencoder, autoencoderSpec, type AutoencoderHyperparameters, type GeneratorContext } from './autoencoder.js';
export { Vae, vaeSpec, VAE_IMPORTANCE_SAMPLES, type VaeHyperparameters } from './vae.js';
export { Gan, ganSpec, type GanHyperparameters } from './gan.js';
export { fitGaussian, sampleGaussian, standardGaussian, type GaussianFit } from './gaussian.js';
export { DataShapeError } from './training.js';
export { WeightsMismatchError } from './layers.js';
