import { loadMnist } from '@rbm-lab/datasets';
import { createGemm, Rbm, resolveHyperparameters, rbmModelSchema, rbmTrainSchema } from '@rbm-lab/core';
const set = await loadMnist({ split: 'train', binarize: { kind: 'threshold', threshold: 127 } });
const gemm = await createGemm('native-blas');
for (let rep = 0; rep < 3; rep++) {
  const rbm = new Rbm(
    resolveHyperparameters(rbmModelSchema, { hidden_units: 500, visible_bias_init: 'zero' }, 'm'),
    resolveHyperparameters(
      rbmTrainSchema,
      { epochs: 1, learning_rate: 0.01, batch_size: 100, k: 1, momentum: 0, final_momentum: 0, weight_decay: 0 },
      't',
    ),
    { nVisible: 784, seed: 1 },
    { gemm },
  );
  const t = performance.now();
  await rbm.fit({ x: set.images });
  console.log(((performance.now() - t) / 1000).toFixed(3), 's');
}
