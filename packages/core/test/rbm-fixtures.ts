import { loadAlphaDigits, type Matrix } from '@rbm-lab/datasets';
import { Rbm } from '../src/rbm/rbm.js';
import { resolveHyperparameters } from '../src/hyperparameters.js';
import { rbmModelSchema, rbmTrainSchema } from '../src/rbm/hyperparameters.js';
import type { Gemm } from '../src/linalg/gemm.js';

/** Five AlphaDigits characters (195 binary 20x16 images), loaded once per test file. */
let cached: Promise<Matrix> | undefined;
export function alphaDigitsSubset(): Promise<Matrix> {
  cached ??= loadAlphaDigits({ chars: ['A', 'B', 'C', 'D', 'E'] }).then((set) => set.images);
  return cached;
}

export function makeRbm(
  model: Record<string, unknown>,
  train: Record<string, unknown>,
  seed = 1,
  gemm?: Gemm,
  nVisible = 320,
): Rbm {
  return new Rbm(
    resolveHyperparameters(rbmModelSchema, model, 'rbm model'),
    resolveHyperparameters(rbmTrainSchema, train, 'rbm train'),
    { nVisible, seed },
    { gemm },
  );
}
