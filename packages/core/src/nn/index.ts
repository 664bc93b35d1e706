export { type Activation, LEAKY_RELU_SLOPE, activateInPlace, activationBackwardInPlace } from './activations.js';
export { type BackwardOptions, type DenseLayer, DenseNetwork, type LayerSpec, glorotUniform } from './network.js';
export { bernoulliCrossEntropyWithLogits, softmaxCrossEntropy, softmaxRows, squaredError } from './losses.js';
export { Adam, type AdamSettings, type Optimizer, SgdMomentum } from './optimizers.js';
export {
  forEachRowBlock,
  gatherRowsInto,
  networkArrays,
  type ParameterName,
  setNetworkArrays,
  WeightsMismatchError,
} from './arrays.js';
export { runEpochs, type EpochLoop } from './epochs.js';
export {
  classProbabilities,
  mapNetworkRows,
  SCORE_BLOCK_ROWS,
  scoreClassifier,
  trainClassifierBatch,
} from './classification.js';
