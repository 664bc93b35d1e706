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
    sweep: '708815d0574a',
    runs: [
      '4e3eaff706f1',
      '49e3f5ab89e2',
      'ba4cf339adbe',
      '36cb34d2865b',
      '5d5dd41a5410',
      'eaf1e5989188',
      '084f50c48f4e',
      '94463eb8017c',
      '1da9f3ada373',
      '5a9403c45c9b',
      '2ffbef1c672c',
      'c282dcd0ffb8',
      '67b2964c12bf',
      '8793e3203a7c',
      'e7a36cfe7366',
      '5c59edda67d5',
      '6875b4e88b6a',
      '7798f13e66f7',
      '0509e367b941',
      'cb60af3bef4c',
      'e2bc7275f984',
    ],
  },
  'cross.yaml': {
    sweep: '0465744cbc44',
    runs: [
      '2c963e7d78e6',
      '3354dd9a6814',
      'ab310162c33f',
      'dede814cf57e',
      '03778ce880e4',
      'c798877680c7',
      '0955cd2817fc',
      'ad9fcdcb4c71',
      '6aeb260a32ae',
      '7d7127137c24',
      'c16c52308596',
      'c85e3b30ef92',
      '772fe10c68a4',
      '5879ef8ac242',
      'e545a64add6d',
      'd104a035c1d1',
      'da456a917bce',
      '34b59045a6d3',
      'd3a268952f96',
      '72c7193c7f99',
      'f13c9cdf36c3',
      '7dcfbbdda395',
      'b9a3d15f6270',
      'ccfade5c6399',
      '57e07a15842e',
      'e69cb70847bd',
      '5c14c44d0a48',
      '9bff11d2b5e1',
      'f7f4d2a18762',
      'cdcd3b59f2cb',
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
    sweep: '9cd4f5ada24d',
    runs: [
      '4cc61780b416',
      '5921277a2cb6',
      'e9eade58c16b',
      '690e7c8a58f3',
      '87ad7a2f13ad',
      '4b79842a9960',
      '5a127f7d0f80',
      '29f133a63c31',
      '4c889a422c53',
      '866bf693a3b0',
      '7cd0c57fc585',
      '1e9941d71210',
      '336460905d94',
      'dd726ba778e5',
      'cb4d2a7f2448',
      '779d25801c87',
      '4965701bdc78',
      'f2b9b0821066',
    ],
  },
  'learning-rate.yaml': {
    sweep: '0070401c3f7a',
    runs: [
      'c72aba3f19de',
      '6e0683b7b703',
      '6d5efbc26b2b',
      '3ebf4e15e031',
      '49f82f0ed39e',
      'f4a335fa2aaf',
      '38cb09a1ce48',
      'f443b83af74b',
      'a0aa9f9ccaaa',
      '0230575dd808',
      'cc2e82c7771e',
      '2f0629dba6e2',
      'f5ea2f36bc18',
      'c1a7e23379fd',
      '8a5517b13f97',
      'bbe1e7993e30',
    ],
  },
  'mnist.yaml': {
    sweep: 'e09d68bc203e',
    runs: ['084fa56a1d76', '7601c9ee1232', 'fd79b71766f8'],
  },
  'rbm-alphadigits.yaml': {
    sweep: 'd55afd271e7b',
    runs: ['9dbde99ae09b', '6a6c8472abf2', '8e268c5b1675'],
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
