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
    sweep: 'a36829b955e2',
    runs: [
      '22d2cb9edc63',
      '5f1e0de22e7b',
      'ff1fe783ccc4',
      'eed00ef31360',
      '6fb5bf536482',
      '626618a8f068',
      '9e51a5265b53',
      '144af376ff87',
      '6b91aeba5072',
      '8a3f4aa02271',
    ],
  },
  'characters.yaml': {
    sweep: '4f2f4992fe69',
    runs: [
      '185c092bacee',
      'dcc00c5d9938',
      'a38d0e28fd1d',
      '7ee33886d20d',
      'a8d86b75a677',
      '6175d01b075f',
      'a69f86f66159',
    ],
  },
  'cross.yaml': {
    sweep: 'f2725255eb32',
    runs: [
      'd174d5255735',
      '87f32b6f389f',
      '8060e1f8aa98',
      'c644ebad266b',
      '21bca16a9be9',
      'bab030976d33',
      '23c854381e26',
      'accf99da68cc',
      '612252961abc',
      '9611e6cfa8e8',
      '5c8009155ce6',
      '24e22e9aec29',
      '6a9453e33d7e',
      'a819359da286',
      'd222db8743e6',
      '1c339c5b89e1',
      '80c06eedc120',
      'caa27e978c6e',
      'd3e1b841be1a',
      '165308b1f887',
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
    sweep: '8d03bcf7b627',
    runs: [
      '7ad7dfcb5570',
      '68f347d095f5',
      '045ecb85049f',
      'f455cd02babe',
      'c64b3e52e4d7',
      '0887c1b02bf0',
      '0fde31df3eb2',
      '591eff26153e',
      'ffae6d04f546',
      '84974407c5e3',
      'a623bb5ade30',
      '2ab88ad382fd',
      '4e3cbdfcdc9c',
      '707e096e3421',
    ],
  },
  'learning-rate.yaml': {
    sweep: 'f4861129f1b5',
    runs: [
      'a6a928671d69',
      'be2c703adb5c',
      '8ec50807ae94',
      'd03cf3644128',
      '37b1969cdcf7',
      '31174562680b',
      '0d3e75732a78',
      'd6b374e95255',
      'c18f6f4720e9',
      'e536576c890c',
      'be9dd5c97dd1',
      '5642a6a187da',
    ],
  },
  'mnist.yaml': {
    sweep: '2fa4021f8242',
    runs: ['e235e0b71828'],
  },
  'rbm-alphadigits.yaml': {
    sweep: '15ebd535e83e',
    runs: ['2866d1fddc87'],
  },
};

/** Ids of hidden.yaml's first two runs in databases written before run ids left defaults out. */
const LEGACY_HIDDEN_IDS = ['a9d18a5b9b76', '309f2e871cb7'];

/** The rbm spec as a later version might have it: one more train property, and two defaults changed. */
function evolvedRbmSpecs(): ModelSpec[] {
  return specs.map((spec) => {
    if (spec.type !== 'rbm') return spec;
    return {
      ...spec,
      trainSchema: hyperparameterSection({
        ...spec.trainSchema.properties,
        // The studies set weight_decay themselves and leave momentum_switch_epoch to its default.
        weight_decay: Type.Number({ minimum: 0, maximum: 1, default: 0.001, description: 'changed default' }),
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
      'hidden.yaml': 0.0002,
      'cross.yaml': 0.0002,
      'alternative-models.yaml': 0.001,
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
          `train.sparsity_target${weightDecay === 0.001 ? ', train.weight_decay' : ''} than the current defaults give; ` +
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
          ...(weightDecay === 0.001 ? ['train.weight_decay'] : []),
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
    // hidden.yaml's first two runs under the old scheme (hash of sweep id and resolved config).
    const { study } = loadStudy('hidden.yaml', specs, CONFIGS);
    const plans = expandGrid(study, specs);
    expect(plans.slice(0, 2).map(legacyRunIdOf)).toEqual(LEGACY_HIDDEN_IDS);
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
