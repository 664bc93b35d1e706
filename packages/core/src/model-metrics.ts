/**
 * The metrics each built-in model type records, declared once (ModelSpec.metrics
 * points here): direction, split and meaning. Kept in one file so the model
 * sources stay about training.
 */
import type { MetricDeclaration } from './metrics.js';
import { QUALITY_METRIC_DECLARATIONS } from './quality/score.js';

const EPOCH_SECONDS: MetricDeclaration = {
  name: 'seconds',
  direction: 'none',
  split: 'run',
  description: 'Wall-clock seconds of the epoch (per-epoch only).',
};

/** An RBM's own metrics (also each DBN layer's, prefixed `layer<l>_`). */
export const RBM_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'recon_error',
    direction: 'lower',
    split: 'test',
    epochSplit: 'train',
    description:
      'Mean squared error per pixel of the mean-field reconstruction p(v|p(h|v)); per epoch on <= 2000 training images. Falls as models grow even while they overfit.',
  },
  {
    name: 'pseudo_log_likelihood',
    direction: 'higher',
    split: 'test',
    epochSplit: 'train',
    description: "scikit-learn's stochastic pseudo-log-likelihood (one flipped pixel per image), nats/image.",
  },
  {
    name: 'free_energy',
    direction: 'none',
    split: 'test',
    description: 'Mean free energy F(v) of the test images (not comparable across models).',
  },
  {
    name: 'free_energy_train',
    direction: 'none',
    split: 'train',
    description: 'Mean free energy of <= 2000 training images (per epoch).',
  },
  {
    name: 'free_energy_valid',
    direction: 'none',
    split: 'validation',
    description: 'Mean free energy of the validation images (per epoch).',
  },
  {
    name: 'free_energy_gap',
    direction: 'none',
    split: 'test',
    epochSplit: 'validation',
    description:
      'Mean free energy of held-out images minus that of training images: growing = overfitting (a diagnostic, see warnings).',
  },
  {
    name: 'ais_log_likelihood',
    direction: 'higher',
    split: 'test',
    logLikelihood: 'estimate',
    description: 'Mean log p(v) of the test images with log Z estimated by AIS, nats/image (can be optimistic).',
  },
  { name: 'ais_log_z', direction: 'none', split: 'model', description: 'AIS estimate of log Z (nats).' },
  {
    name: 'ais_log_z_std',
    direction: 'none',
    split: 'model',
    description: 'Standard error of the AIS log Z over its runs (understates the error on sharp RBMs).',
  },
  {
    name: 'log_z_lower_bound',
    direction: 'none',
    split: 'model',
    description:
      'A certain lower bound on log Z (nats): the hidden states of the modes a deterministic descent finds. AIS below it missed a mode.',
  },
  {
    name: 'exact_log_z',
    direction: 'none',
    split: 'model',
    description: 'Exact log Z by enumeration (RBMs with <= 20 units on one side).',
  },
  {
    name: 'exact_log_likelihood',
    direction: 'higher',
    split: 'test',
    logLikelihood: 'exact',
    description: 'Mean log p(v) of the test images with the exact log Z, nats/image.',
  },
  {
    name: 'best_epoch',
    direction: 'none',
    split: 'validation',
    description: 'Epoch whose parameters were kept (early stopping on the validation criterion).',
  },
  {
    name: 'epochs_trained',
    direction: 'none',
    split: 'run',
    description: 'Epochs trained before stopping (early stopping or the budget).',
  },
  {
    name: 'parameter_updates',
    direction: 'none',
    split: 'run',
    description: 'Mini-batch parameter updates made (the training budget actually spent).',
  },
  {
    name: 'validation_ais_log_likelihood',
    direction: 'higher',
    split: 'validation',
    description:
      'Per check of early stopping: mean log p(v) of the validation images with log Z from a small AIS (32 runs, 1000 temperatures), nats/image.',
  },
  {
    name: 'learning_rate',
    direction: 'none',
    split: 'run',
    description: 'Learning rate used in the epoch (per epoch; follows train.learning_rate_schedule).',
  },
  EPOCH_SECONDS,
];

const prefixed = (declarations: readonly MetricDeclaration[], prefix: string): MetricDeclaration[] =>
  declarations
    .filter((d) => d.name !== 'seconds')
    .map((d) => ({
      ...d,
      name: `${prefix}${d.name}`,
      logLikelihood: undefined,
      description: `Layer l: ${d.description}`,
    }));

export const DBN_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'recon_error',
    direction: 'lower',
    split: 'test',
    epochSplit: 'train',
    description: 'Mean squared error per pixel of the up-down reconstruction through the whole stack.',
  },
  { name: 'layer', direction: 'none', split: 'run', description: 'Layer being trained (per epoch).' },
  { name: 'layer_epoch', direction: 'none', split: 'run', description: "Epoch within the layer's training." },
  ...prefixed(RBM_METRICS, 'layer*_'),
  EPOCH_SECONDS,
];

export const DNN_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'train_error',
    direction: 'lower',
    split: 'train',
    description: 'Misclassification rate on the training images.',
  },
  {
    name: 'train_loss',
    direction: 'lower',
    split: 'train',
    description: 'Mean cross-entropy on the training images (nats).',
  },
  {
    name: 'validation_error',
    direction: 'lower',
    split: 'validation',
    description: 'Misclassification rate on the validation images (per epoch).',
  },
  {
    name: 'validation_loss',
    direction: 'lower',
    split: 'validation',
    description: 'Mean cross-entropy on the validation images (per epoch, nats).',
  },
  {
    name: 'test_error',
    direction: 'lower',
    split: 'test',
    description: 'Misclassification rate on the test images (final only; per epoch see validation_error).',
  },
  {
    name: 'test_loss',
    direction: 'lower',
    split: 'test',
    description: 'Mean cross-entropy on the test images (nats; final only).',
  },
  EPOCH_SECONDS,
];

const RECONSTRUCTION: readonly MetricDeclaration[] = [
  {
    name: 'reconstruction_error',
    direction: 'lower',
    split: 'test',
    epochSplit: 'train',
    description: 'Mean squared error per pixel of the reconstruction.',
  },
  {
    name: 'reconstruction_cross_entropy',
    direction: 'lower',
    split: 'test',
    epochSplit: 'train',
    description: 'Bernoulli cross-entropy of the reconstruction, nats/image.',
  },
];

export const AUTOENCODER_METRICS: readonly MetricDeclaration[] = [
  ...RECONSTRUCTION,
  {
    name: 'validation_reconstruction_error',
    direction: 'lower',
    split: 'validation',
    description: 'Reconstruction error on the validation images (per epoch).',
  },
  {
    name: 'validation_reconstruction_cross_entropy',
    direction: 'lower',
    split: 'validation',
    description: 'Reconstruction cross-entropy on the validation images (per epoch, nats/image).',
  },
  ...QUALITY_METRIC_DECLARATIONS,
  EPOCH_SECONDS,
];

export const VAE_METRICS: readonly MetricDeclaration[] = [
  ...RECONSTRUCTION,
  {
    name: 'elbo',
    direction: 'higher',
    split: 'test',
    epochSplit: 'train',
    logLikelihood: 'lower_bound',
    description: 'Evidence lower bound, nats/image (one posterior sample).',
  },
  { name: 'kl', direction: 'none', split: 'test', epochSplit: 'train', description: 'KL(q(z|x) || p(z)), nats/image.' },
  {
    name: 'validation_elbo',
    direction: 'higher',
    split: 'validation',
    description: 'ELBO on the validation images (per epoch).',
  },
  {
    name: 'importance_weighted_log_likelihood',
    direction: 'higher',
    split: 'test',
    logLikelihood: 'lower_bound',
    description: 'Importance-weighted lower bound on log p(v) (Burda et al. 2016), nats/image.',
  },
  ...QUALITY_METRIC_DECLARATIONS,
  EPOCH_SECONDS,
];

const discriminator = (prefix: string, split: 'train' | 'validation' | 'test'): MetricDeclaration[] => [
  {
    name: `${prefix}discriminator_real_probability`,
    direction: 'none',
    split,
    description: 'Mean D(x) on real images.',
  },
  {
    name: `${prefix}discriminator_fake_probability`,
    direction: 'none',
    split,
    description: 'Mean D(G(z)) on generated images.',
  },
  {
    name: `${prefix}discriminator_accuracy`,
    direction: 'none',
    split,
    description: "Discriminator's accuracy (real vs generated).",
  },
];

export const GAN_METRICS: readonly MetricDeclaration[] = [
  ...discriminator('', 'test'),
  {
    name: 'discriminator_loss',
    direction: 'none',
    split: 'test',
    epochSplit: 'train',
    description: 'Discriminator loss.',
  },
  {
    name: 'generator_loss',
    direction: 'none',
    split: 'test',
    epochSplit: 'train',
    description: 'Generator loss -log D(G(z)).',
  },
  ...discriminator('validation_', 'validation'),
  ...QUALITY_METRIC_DECLARATIONS,
  EPOCH_SECONDS,
];

/** RBM with the quality scale of its samples. */
export const RBM_SPEC_METRICS: readonly MetricDeclaration[] = [...RBM_METRICS, ...QUALITY_METRIC_DECLARATIONS];
/** DBN with the quality scale of its samples. */
export const DBN_SPEC_METRICS: readonly MetricDeclaration[] = [...DBN_METRICS, ...QUALITY_METRIC_DECLARATIONS];
