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
    sweep: '58f58ca887ac',
    runs: [
      '87cb3cca29f7',
      'f37e4c11bbdb',
      '305ebcd42cd2',
      '61edf7e9857b',
      'ddbbf5314d2f',
      '4a000e32fd6b',
      '2566771b88cc',
      'f93b24f528a0',
      'f8ac26aef642',
      'e725c28b6da5',
      '70254d49abb6',
      'b8d0cf8e17a4',
      '37c80602e2c0',
      '82402b315784',
    ],
  },
  'characters.yaml': {
    sweep: '35db703bb188',
    runs: [
      'ae751f41f74d',
      'd82cde8c2a49',
      'a98f0976ece9',
      '95d74a1b2ee0',
      '8da97a114efb',
      '05e39f2b1811',
      '3295fb9316c7',
      '2444b89a96f6',
      '6330c10cbc87',
      '19ff6e82c5d9',
      '93d164ef4d1c',
      '21a3ec326dc2',
      '281bf502f50f',
      '6c3a6e414324',
      '130874f22409',
      '1be41421ceb8',
      'd58cf1a2ac5f',
      'fbc7954d78d4',
      '161d9cd7ec03',
      '06e67550a1b9',
      'd9f787ac15a5',
    ],
  },
  'cross.yaml': {
    sweep: 'cdeee063ccbc',
    runs: [
      '4a69092bed1b',
      '1d6f383a3d6d',
      '5af778887649',
      '9c6b7d73385e',
      '6bf0cec44efa',
      'c844ebf33ba7',
      '99f0b2851954',
      '0e0c911eadbc',
      'd391c084ef5f',
      '333e8715259d',
      'bf0af7daebac',
      'a95be1fb5826',
      '9f25dd3a76b2',
      '2fbed89d76c2',
      '7529c2dd0c23',
      'c40877ca2ec4',
      '94ff35f986eb',
      '8920f78c3a7e',
      '99f25e92a3eb',
      '96d473c91d97',
      '9fe58ea488e2',
      '2faecac3d5a8',
      'cadac00feede',
      '3cca4baff39f',
      '47b64a4fa8bb',
      '5223102d3c68',
      'd2b3b4425f0c',
      'e6ec6a73845b',
      'a73cd0ed94f8',
      'da88de478e3b',
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
    sweep: 'b7747742a5d9',
    runs: [
      'b503bf9516b6',
      'ff021285860b',
      'a16e041d2bb8',
      '1423eac6cfd9',
      '332abdb2ed8d',
      '0acdc1cc95d1',
      '318b70d7fd81',
      '4989cbd5dbe8',
      '76d45d9dc3c5',
      '933dd69a092a',
      '4600856f8ac6',
      'e91d42bf2a05',
      '63a26bc1505d',
      '45b133f0629a',
      '93ec745f2d90',
      'b15637202016',
      '62b0d074329c',
      'de1c8544249f',
    ],
  },
  'learning-rate.yaml': {
    sweep: 'ec648c5503df',
    runs: [
      'd44daeacd783',
      'c1af4d659928',
      '94fe48ece124',
      '5467147a18a0',
      '1f73e7b81706',
      'd4679c4a0f0f',
      '457523093da7',
      '4fd63f5ca756',
      '86c90419b574',
      'f9350809954e',
      '1a4f735acb1e',
      'a35ea9663c85',
      '4bd9e22d02b7',
      'ee66bf270c5f',
      '0b26cebcb7cf',
      'f775f6a63dcf',
    ],
  },
  'mnist.yaml': {
    sweep: 'e09d68bc203e',
    runs: ['084fa56a1d76', '7601c9ee1232', 'fd79b71766f8'],
  },
  'rbm-alphadigits.yaml': {
    sweep: 'b9f0eaf24c00',
    runs: ['8be266bdca26', '43b1fecfbd97', '04f3bc76161a'],
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
    // hidden and cross set weight_decay (in their base file); alternative-models leaves it to the default.
    const weightDecayAfter: Record<string, number> = {
      'hidden.yaml': 0.001,
      'cross.yaml': 0.001,
      'alternative-models.yaml': 0.003,
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
