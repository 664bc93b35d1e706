import { Type } from '@sinclair/typebox';
import { HYPERPARAMETER_LIMITS as LIMITS, hyperparameterSection, layerSizes } from '../hyperparameters.js';

/** Hidden layer sizes of one network of a generator (encoder, generator, discriminator): 1 to 4 layers. */
export const hiddenUnitsProperty = (description: string, defaults: number[]) =>
  layerSizes({ default: defaults, description, maxItems: 4 });

export const latentDimProperty = (defaultValue: number) =>
  Type.Integer({
    description: 'Dimension of the latent code',
    minimum: 1,
    maximum: LIMITS.latentDim,
    default: defaultValue,
  });

/** The `train:` section every generator shares (Adam on mini-batches); each type picks its defaults. */
export function trainProperties(defaults: { epochs: number; learning_rate: number; batch_size: number }) {
  return {
    epochs: Type.Integer({
      description: 'Passes over the training data',
      minimum: 1,
      maximum: LIMITS.epochs,
      default: defaults.epochs,
    }),
    learning_rate: Type.Number({
      description: 'Adam step size',
      exclusiveMinimum: 0,
      maximum: 1,
      default: defaults.learning_rate,
    }),
    batch_size: Type.Integer({
      description: 'Images per mini-batch',
      minimum: 1,
      maximum: LIMITS.batchSize,
      default: defaults.batch_size,
    }),
  };
}

/** The `model:` section of the autoencoder and the VAE: an encoder, a decoder mirroring it, a latent code. */
export const encoderDecoderModelProperties = {
  hidden_units: hiddenUnitsProperty('Encoder hidden layer sizes (the decoder mirrors them)', [256]),
  latent_dim: latentDimProperty(16),
};

/** The `train:` section of the autoencoder and the VAE: the same defaults, so the two compare like for like. */
export const encoderDecoderTrainProperties = trainProperties({ epochs: 20, learning_rate: 0.001, batch_size: 64 });

/** Both sections together: what the autoencoder and the VAE resolve their hyperparameters against. */
export const encoderDecoderSchema = hyperparameterSection({
  ...encoderDecoderModelProperties,
  ...encoderDecoderTrainProperties,
});
