import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { Dnn } from '../src/dnn.js';
import type { ModelContext } from '../src/model.js';
import { resolveHyperparameters } from '../src/hyperparameters.js';
import { findMetricDeclaration } from '../src/metrics.js';
import { QUALITY_METRICS } from '../src/quality/index.js';
import { saveModelFiles } from '../src/persistence.js';
import { createModel, getModelSpec, listModelSpecs, loadModel, UnknownModelTypeError } from '../src/registry.js';

let tempDir: string;
let context: ModelContext;

beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'rbm-lab-registry-'));
  context = { nVisible: 20, seed: 1, backend: await initBackend() };
});

afterAll(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

describe('model registry', () => {
  it('lists the model types once each, rbm, dbn and dnn among them', () => {
    const types = listModelSpecs().map((spec) => spec.type);
    expect(new Set(types).size).toBe(types.length);
    expect(types).toEqual(expect.arrayContaining(['rbm', 'dbn', 'dnn']));
    for (const type of types) expect(getModelSpec(type).type).toBe(type);
  });

  it('names the known types when asked for an unknown one', () => {
    expect(() => getModelSpec('rmb')).toThrow(UnknownModelTypeError);
    const known = listModelSpecs().map((spec) => spec.type);
    expect(() => getModelSpec('rmb')).toThrow(`unknown model type 'rmb' (known types: ${known.join(', ')})`);
    expect(() => createModel('rmb', {}, {}, context)).toThrow(UnknownModelTypeError);
  });

  it('gives every type strict JSON Schemas whose defaults are valid and whose unknown keys are rejected', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    for (const spec of listModelSpecs()) {
      for (const [section, schema] of [
        ['model', spec.modelSchema],
        ['train', spec.trainSchema],
      ] as const) {
        const validate = ajv.compile(schema);
        const withDefaults = resolveHyperparameters(schema, {}, `${spec.type} ${section}`);
        expect(validate(withDefaults), `${spec.type} ${section}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        expect(
          validate({ ...withDefaults, no_such_parameter: 1 }),
          `${spec.type} ${section} accepts unknown keys`,
        ).toBe(false);
        expect(schema.additionalProperties).toBe(false);
        for (const key of Object.keys(schema.properties as object)) expect(key).toMatch(/^[a-z][a-z0-9_]*$/);
      }
      expect(spec.mainMetric.name).toMatch(/^[a-z][a-z0-9_]*$/);
    }
  });

  it('every type declares its metrics once, its main metric among them with the same direction', () => {
    for (const spec of listModelSpecs()) {
      const names = spec.metrics.map((m) => m.name);
      expect(new Set(names).size, `${spec.type} declares a metric twice`).toBe(names.length);
      const main = findMetricDeclaration(spec.metrics, spec.mainMetric.name);
      expect(main, `${spec.type} main metric ${spec.mainMetric.name}`).toBeDefined();
      expect(main?.direction).toBe(spec.mainMetric.lowerIsBetter ? 'lower' : 'higher');
      for (const metric of spec.metrics) expect(metric.description.length, metric.name).toBeGreaterThan(10);
      if (spec.generative) expect(names).toEqual(expect.arrayContaining([...QUALITY_METRICS]));
    }
    const dbn = getModelSpec('dbn').metrics;
    expect(findMetricDeclaration(dbn, 'layer2_recon_error')?.name).toBe('layer*_recon_error');
    expect(findMetricDeclaration(dbn, 'layerx_recon_error')).toBeUndefined();
    expect(
      listModelSpecs()
        .filter((spec) => spec.baseline)
        .map((spec) => spec.type),
    ).toEqual(['base_rate', 'bernoulli_mixture']);
  });

  it('creates models by type with defaults and loads saved ones by the type on disk', async () => {
    const model = createModel('dnn', { layers: [4], pretrain: false }, { epochs: 1 }, context);
    expect(model).toBeInstanceOf(Dnn);
    expect(model.hyperparameters).toMatchObject({ layers: [4], pretrain: false, epochs: 1, learning_rate: 0.1 });
    const x = { data: Float32Array.from({ length: 8 * 20 }, (_, i) => (i % 3 === 0 ? 1 : 0)), rows: 8, cols: 20 };
    await model.fit({ x, labels: Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]) });
    const dir = join(tempDir, 'dnn');
    await model.save(dir);
    const loaded = await loadModel(dir);
    expect(loaded.type).toBe('dnn');
    expect((loaded as Dnn).predict(x)).toEqual((model as Dnn).predict(x));
    model.dispose();
    loaded.dispose();

    const alien = join(tempDir, 'alien');
    await saveModelFiles(alien, { type: 'quantum-boltzmann', hyperparameters: {}, extra: {}, arrays: {} });
    await expect(loadModel(alien)).rejects.toThrow(UnknownModelTypeError);
    await expect(loadModel(alien)).rejects.toThrow(/model\.json: unknown model type 'quantum-boltzmann'/);
  });
});
