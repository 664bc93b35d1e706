import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { hyperparameterSection, listModelSpecs, type ModelSpec } from '@rbm-lab/core';
import {
  configDrift,
  driftWarning,
  expandGrid,
  legacyRunIdOf,
  loadStudy,
  runIdOf,
  sweepIdOf,
  type Study,
} from '../src/index.js';

const specs = listModelSpecs();
const CONFIGS = fileURLToPath(new URL('../../../configs/', import.meta.url));

/**
 * The sweep id and every run id of every study in configs/. A database finds its finished runs by these ids:
 * update an entry only when that study file changes on purpose, never for a code change.
 */
const PINNED_IDS: Record<string, { sweep: string; runs: string[] }> = {
  'alternative-models.yaml': {
    sweep: 'a98731916176',
    runs: [
      'b4a27a4fe793',
      '7bb000cda86d',
      'c6c07962a413',
      'b3fae7e7ca85',
      'bb8293e03875',
      '8148cb5c650d',
      '4e33f724dc49',
      '54e67e1077f3',
      'c73170af7aca',
      '76082edb09a8',
      'e4781df195db',
      '920f87c44334',
      '83935f64a235',
      '52e051f533cc',
    ],
  },
  'characters.yaml': {
    sweep: 'aba7b51ab0f5',
    runs: [
      '700ced23a108',
      '015d3e58759f',
      '0a95f54feffc',
      'd17cea7ba953',
      '53f89d659383',
      '91c70aae0065',
      'dc0b998e9f8b',
      '2dec8f33b7b3',
      'fa7020bb664a',
      'd422dc868b4d',
      'c93bc4f74db8',
      'ca9474987f2c',
      'ed3aca45c004',
      'd49a302ebc04',
      'c5aeb22aedb3',
      '584d16e81c4f',
      '20fcb8e9680c',
      '4b122958cf09',
      '038ada31965b',
      '44649b096cf3',
      'fafa2ac3b997',
    ],
  },
  'cross.yaml': {
    sweep: 'e0abceebefad',
    runs: [
      '7c050e128fe1',
      '50710187cd39',
      'ad0a26731b2b',
      '24582c12bf33',
      '2026bccb8b42',
      'e6709bc6c403',
      'b5bfb05a7839',
      '3a19cfccec18',
      '808a3225407f',
      'eccd94e900b5',
      '392b5ace44f0',
      '3b53a68e041f',
      '8f687eed18da',
      '4076ce177045',
      '908633fb57e9',
      '55c42ca3baca',
      'c29516c6be61',
      'f4cc012dfeed',
      'b0c66818f830',
      '5bb87fd6f1b5',
      '8febcaa665e7',
      'a65883873aee',
      '5ede6bcc1a3e',
      '2ccf44e05690',
      '31dae69b1fcb',
      '1b782b6cfe18',
      'c5116e8bb6ea',
      '8fef26386dfc',
      '4d303487f9ed',
      'f17b4134d84d',
    ],
  },
  'dnn-pretraining.yaml': {
    sweep: '4be18f3505ac',
    runs: [
      '977ef60afea9',
      '3fa122ceb5f9',
      '9a90fa90e033',
      '4d63564446e1',
      'd1fe6a8440fc',
      '380bdfe31ed5',
      '96793369f386',
      'df156be64b4d',
      'cba0028d053d',
      'a09911e62a80',
      'ae55df04105b',
      '94e9f72c1c18',
      '1f342fb9e73c',
      'd46eb01a27a5',
      '0caf120ec546',
      '2b6a13663635',
      '06709a7e84c3',
      '2a638ebfe731',
    ],
  },
  'hidden.yaml': {
    sweep: 'ba65adb4fb47',
    runs: [
      '51f17c9e32b6',
      'c059f85eca12',
      '503f43b894f4',
      '5fd38c5fcc01',
      '973e0b1a6c32',
      '4b475fe9caaf',
      '2c3414600248',
      'bed93e94612c',
      '37cf505e6696',
      '59f7df9f094f',
      'eb2eb52663bd',
      '4b7f4114105c',
      'b6a0cdc9615e',
      'ef0769c31812',
      '317c853cff61',
      'd0763d29f511',
      'a88939c891da',
      '05783ed82abb',
    ],
  },
  'learning-rate.yaml': {
    sweep: 'd829e2d6f02b',
    runs: [
      '0a325b7d53ec',
      '39561012db40',
      '0e56f68569e2',
      'db61d50ad816',
      '8663ab8d7fcd',
      'f13fe0872e2f',
      '4a3fa3ee1e9d',
      '70d7271d70f7',
      '21507f8c239c',
      '7fe1c4d3efca',
      '83f50db70e5a',
      'f3f8edfe1ce7',
      'ff10f2f171ec',
      '9a39ed0c0d75',
      '89241f33a56d',
      'f0c5f53a8608',
    ],
  },
  'mnist.yaml': {
    sweep: 'e09d68bc203e',
    runs: ['084fa56a1d76', '7601c9ee1232', 'fd79b71766f8'],
  },
  'rbm-alphadigits.yaml': {
    sweep: '08a0bce3f300',
    runs: ['a8b6f0c755f7', '7bf1fd2f0d73', '759583deb3f5'],
  },
};

/** Ids of hidden.yaml's first two runs in databases written before run ids left defaults out. */
const LEGACY_DNN_IDS = ['377bcc09fe37', '3eae43505318'];

/** The rbm spec as a later version might have it: one more train property, and two defaults changed. */
function evolvedRbmSpecs(): ModelSpec[] {
  return specs.map((spec) => {
    if (spec.type !== 'rbm') return spec;
    return {
      ...spec,
      trainSchema: hyperparameterSection({
        ...spec.trainSchema.properties,
        // The studies set weight_decay themselves and leave momentum_switch_epoch to its default.
        weight_decay: Type.Number({ minimum: 0, maximum: 1, default: 0.003, description: 'changed default' }),
        momentum_switch_epoch: Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'changed default' }),
        sparsity_target: Type.Number({ minimum: 0, maximum: 1, default: 0.05, description: 'a new parameter' }),
      }),
    };
  });
}

describe('run identity', () => {
  it('keeps the pinned sweep and run ids of every study in configs/', () => {
    const files = readdirSync(CONFIGS).filter((file) => file.endsWith('.yaml'));
    expect(files.sort()).toEqual(Object.keys(PINNED_IDS).sort());
    for (const file of files) {
      const { study } = loadStudy(file, specs, CONFIGS);
      const plans = expandGrid(study, specs);
      expect({ sweep: sweepIdOf(study), runs: plans.map((plan) => plan.id) }, file).toEqual(PINNED_IDS[file]);
    }
  });

  it('does not change any run id when a spec gains a hyperparameter with a default or changes a default', () => {
    const evolved = evolvedRbmSpecs();
    // hidden and cross set weight_decay (in their base file); mnist leaves it to the default.
    const weightDecayAfter: Record<string, number> = {
      'hidden.yaml': 0.001,
      'cross.yaml': 0.001,
      'mnist.yaml': 0.003,
    };
    for (const [file, weightDecay] of Object.entries(weightDecayAfter)) {
      const { study } = loadStudy(file, specs, CONFIGS);
      const before = expandGrid(study, specs);
      const after = expandGrid(loadStudy(file, evolved, CONFIGS).study, evolved);
      expect(after.map((plan) => plan.id)).toEqual(before.map((plan) => plan.id));
      const finished = new Map(before.map((plan) => [plan.id, plan.config]));
      expect(driftWarning(before, finished)).toBeUndefined();
      const rbmRuns = after.filter((plan) => plan.config.model.type === 'rbm').length;
      expect(driftWarning(after, finished)).toBe(
        `warning: ${rbmRuns} finished run(s) of this sweep ran with other values of train.momentum_switch_epoch, ` +
          `train.sparsity_target${weightDecay === 0.003 ? ', train.weight_decay' : ''} than the current defaults give; ` +
          'their results are kept, not rerun',
      );
      for (const [i, plan] of after.entries()) {
        if (plan.config.model.type !== 'rbm') {
          expect(plan.config).toEqual(before[i].config);
          continue;
        }
        // The run executes the new defaults, and configDrift lists what differs from what it executed before.
        expect(plan.config.train).toMatchObject({ sparsity_target: 0.05, momentum_switch_epoch: 3 });
        expect(plan.config.train.weight_decay).toBe(weightDecay);
        expect(configDrift(before[i].config, plan.config)).toEqual([
          'train.momentum_switch_epoch',
          'train.sparsity_target',
          ...(weightDecay === 0.003 ? ['train.weight_decay'] : []),
        ]);
      }
    }
  });

  it('hashes what the study sets at the grid point, with the seed and the sweep id', () => {
    const study: Study = {
      name: 'identity',
      dataset: { name: 'alphadigits', characters: ['A'] },
      model: { type: 'rbm', hidden_units: 20 },
      sweep: { grid: { 'model.hidden_units': [10, 20] }, seeds: 2 },
    };
    const plans = expandGrid(study, specs);
    const sweepId = sweepIdOf(study);
    const point = { ...study, model: { type: 'rbm', hidden_units: 10 } };
    expect(plans[0].id).toBe(runIdOf(sweepId, point, 0));
    expect(plans[1].id).toBe(runIdOf(sweepId, point, 1));
    expect(new Set(plans.map((plan) => plan.id)).size).toBe(4);
    // Setting a value explicitly is a different study (another sweep), even when it equals the default.
    const explicit = { ...study, train: { k: 1 } };
    expect(expandGrid(explicit, specs)[0].config).toEqual(plans[0].config);
    expect(sweepIdOf(explicit)).not.toBe(sweepId);
  });

  it('keeps every id when a study turns samples over training on or off (they change no number)', () => {
    const { study } = loadStudy('hidden.yaml', specs, CONFIGS);
    const every = (n: number | undefined) => {
      const copy = structuredClone(study);
      copy.eval = { ...copy.eval, sample_every: n };
      if (n === undefined) delete copy.eval.sample_every;
      return copy;
    };
    const ids = (s: typeof study) => [sweepIdOf(s), ...expandGrid(s, specs).map((p) => `${p.id}/${p.pointKey}`)];
    expect(ids(every(3))).toEqual(ids(every(undefined)));
    expect(ids(every(0))).toEqual(ids(every(10)));
    expect(expandGrid(every(3), specs)[0].config.eval.sample_every).toBe(3);
  });

  it('still computes the ids runs had before, so a store can carry an older database over', () => {
    // dnn-pretraining.yaml's first two runs under the old scheme (hash of sweep id and resolved config).
    const { study } = loadStudy('dnn-pretraining.yaml', specs, CONFIGS);
    const plans = expandGrid(study, specs);
    // The old scheme hashed the config as the code of that time resolved it: without the keys added since.
    const asResolvedThen = plans.slice(0, 2).map((plan) => {
      const {
        n_score_samples: _scored,
        sampler: _sampler,
        annealing_steps: _annealing,
        ...evalThen
      } = plan.config.eval;
      return { ...plan, config: { ...plan.config, eval: evalThen as typeof plan.config.eval } };
    });
    expect(asResolvedThen.map(legacyRunIdOf)).toEqual(LEGACY_DNN_IDS);
  });
});

describe('configDrift', () => {
  it('lists the dotted paths whose values differ, keys added or removed included, lists compared whole', () => {
    const stored = {
      seed: 1,
      model: { type: 'dbn', layers: [200, 100], weight_init_std: 0.01 },
      train: { epochs: 5, k: 1 },
      eval: { n_samples: 64 },
    };
    const current = {
      seed: 1,
      model: { type: 'dbn', layers: [200, 50], weight_init_std: 0.01 },
      train: { epochs: 5, sparsity: 0.1 },
      eval: { n_samples: 64 },
    };
    expect(configDrift(stored, current)).toEqual(['model.layers', 'train.k', 'train.sparsity']);
    expect(configDrift(stored, structuredClone(stored))).toEqual([]);
    expect(configDrift({ a: { b: null } }, { a: {} })).toEqual(['a.b']);
    expect(configDrift({ a: { b: 1 } }, { a: 1 })).toEqual(['a']);
  });
});
