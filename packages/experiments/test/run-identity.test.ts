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
    sweep: '57010674323e',
    runs: [
      'a0faf117c3b7',
      '0fe36be3f44b',
      'a20145d4cb8c',
      '3da876b4fbc2',
      'b4e5172587e1',
      '999069c2aa05',
      '47092d0c1c43',
      '3f4a0a969d7f',
      '4cc5d7d8971b',
      '5db5d1bc3892',
      '10634ddc003a',
      '9334ffa125d5',
      '53985dee2bc7',
      '51fc2efa34db',
      '1f43cc6d7a9d',
      '7e26f9653edd',
      '11f3392c910f',
      'fc0caba09c23',
      '01db11aca0b5',
      '7042a7079848',
      '1ec37a8a5c2d',
    ],
  },
  'cross.yaml': {
    sweep: '08ed5f372402',
    runs: [
      'cbcaf0d8bb7d',
      '653602f9d04a',
      '1af6bb1c595d',
      '414a6d773749',
      'a15155407e34',
      'f92f69d4a4da',
      '69fab1af4a0e',
      'a8e0750a87c3',
      '77ee7a9efaf1',
      'd0e0dc7b3e52',
      '7c94f542199e',
      '2a14675b1831',
      'b12fc448a117',
      'ae70ca8187bd',
      '66a498dec319',
      'd1c879f48548',
      'e044282cb5ea',
      'fcc73c324efc',
      '379bc939b164',
      '5865c7ef5f7b',
      '477614e4dea0',
      '94117a1f1e9b',
      'ebf9a29d5f8e',
      '7f92587e4909',
      '6c2b3c28f972',
      'efb9561bf36c',
      '50df544333db',
      '6c7d8c744d1a',
      'f1a397c6497f',
      '9023054c9996',
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
    sweep: 'e527ece7f592',
    runs: [
      '506be319c507',
      '0732ab5a78e4',
      '5a176d89fe1f',
      '9cd7ff3feedb',
      '5a3566dcd886',
      '87f4f8032f3a',
      'a1df790d82e0',
      '97a86fa40f8a',
      'afe58b8d03d5',
      'cd7cbc814366',
      'b8b03bb81088',
      'bcdacb460297',
      'd2ac70f9dada',
      '399a55cf23e9',
      'c4dc9fe993ac',
      'e559195870b1',
      '8196e72298ff',
      '571c091d6a35',
    ],
  },
  'learning-rate.yaml': {
    sweep: 'f4c59fdd41bc',
    runs: [
      '7b78ac950292',
      'b9304bb9be1d',
      'f5883484a616',
      '1674af62c8c8',
      'b68156687822',
      'bd9bcb6cfd93',
      'fe6644c94f70',
      'e9e598a77ac5',
      '980aa6062175',
      '6bc54fd93e3c',
      '3314499291b9',
      '9228d420a1ad',
      '471003867a98',
      'e12cc77737c4',
      '346ea24adda6',
      'b5bb76a8aab5',
    ],
  },
  'mnist.yaml': {
    sweep: 'e09d68bc203e',
    runs: ['084fa56a1d76', '7601c9ee1232', 'fd79b71766f8'],
  },
  'rbm-alphadigits.yaml': {
    sweep: '7883b2b98c25',
    runs: ['1f0da0dc229a', '6700c569f8a2', 'ca75b074d9d1'],
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
