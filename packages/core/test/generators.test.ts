import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Autoencoder, autoencoderSpec, DataShapeError, Gan, ganSpec, Vae, vaeSpec } from '../src/generators/index.js';
import type { Model, ModelSpec } from '../src/model.js';
import { InvalidParameterError } from '../src/hyperparameters.js';
import { getModelSpec, loadModel } from '../src/registry.js';
import { alphaDigitsSplits, useTestBackend, type Splits } from './generators-fixtures.js';

const TINY: Record<string, { model: Record<string, unknown>; train: Record<string, unknown> }> = {
  autoencoder: { model: { hidden_units: [32], latent_dim: 4 }, train: { epochs: 3, batch_size: 32 } },
  vae: { model: { hidden_units: [32], latent_dim: 4 }, train: { epochs: 3, batch_size: 32 } },
  gan: {
    model: { generator_hidden_units: [32], discriminator_hidden_units: [32], latent_dim: 4 },
    train: { epochs: 3, batch_size: 32 },
  },
};
const SPECS: ModelSpec[] = [autoencoderSpec, vaeSpec, ganSpec];
const context = (seed: number) => ({ nVisible: 320, seed });

let data: Splits;
let dir: string;
beforeAll(async () => {
  await useTestBackend();
  data = await alphaDigitsSplits('ABC');
  dir = mkdtempSync(join(tmpdir(), 'rbm-lab-generators-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function create(spec: ModelSpec, seed: number, trainOverrides: Record<string, unknown> = {}): Model {
  const tiny = TINY[spec.type];
  return spec.create(
    tiny.model,
    { ...tiny.train, ...trainOverrides },
    { ...context(seed), backend: { path: 'wasm', tfjsBackend: 'wasm', detail: 'test' } },
  );
}

describe.each(SPECS.map((spec) => [spec.type, spec] as const))('%s', (type, spec) => {
  it('is registered, with closed snake_case schemas that give every default', () => {
    expect(getModelSpec(type)).toBe(spec);
    expect(spec.generative).toBe(true);
    expect(spec.supervised).toBe(false);
    for (const schema of [spec.modelSchema, spec.trainSchema]) {
      expect(schema.additionalProperties).toBe(false);
      const properties = schema.properties as Record<string, { default?: unknown }>;
      for (const [key, property] of Object.entries(properties)) {
        expect(key).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(property.default).toBeDefined();
      }
    }
    const model = spec.create({}, {}, { ...context(1), backend: { path: 'cpu', tfjsBackend: 'wasm', detail: 'test' } });
    const defaults = Object.fromEntries(
      Object.entries({ ...(spec.modelSchema.properties as object), ...(spec.trainSchema.properties as object) }).map(
        ([k, p]) => [k, (p as { default: unknown }).default],
      ),
    );
    expect(model.hyperparameters).toEqual(defaults);
    model.dispose();
  });

  it('rejects unknown or out-of-range hyperparameters and images of the wrong size', async () => {
    expect(() =>
      spec.create(
        { hidden_unit: [10] },
        {},
        { ...context(1), backend: { path: 'cpu', tfjsBackend: 'wasm', detail: '' } },
      ),
    ).toThrow(InvalidParameterError);
    expect(() =>
      spec.create(
        {},
        { learning_rate: -1 },
        { ...context(1), backend: { path: 'cpu', tfjsBackend: 'wasm', detail: '' } },
      ),
    ).toThrow(/learning_rate/);
    const model = create(spec, 1);
    await expect(model.fit({ x: { data: new Float32Array(10 * 784), rows: 10, cols: 784 } })).rejects.toThrow(
      DataShapeError,
    );
    model.dispose();
  });

  it('leaks no tensors per epoch, reports every epoch and stops on abort', async () => {
    const model = create(spec, 2, { epochs: 4 });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const controller = new AbortController();
    const result = await model.fit(data.train, {
      validation: data.validation,
      signal: controller.signal,
      onEpoch: (epoch, metrics) => {
        counts.push(tf.memory().numTensors);
        for (const value of Object.values(metrics)) expect(Number.isFinite(value)).toBe(true);
        if (epoch === 3) controller.abort();
      },
    });
    expect(result.aborted).toBe(true);
    expect(result.epochsCompleted).toBe(3);
    expect(result.history).toHaveLength(3);
    expect(counts[2]).toBe(counts[1]);
    expect(tf.memory().numTensors).toBe(before);
    await model.sample!(5);
    await model.evaluate(data.test);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('is deterministic with a seed and reloads to the same samples and scores', async () => {
    const a = create(spec, 5);
    const b = create(spec, 5);
    const c = create(spec, 6);
    const historyA = (await a.fit(data.train)).history;
    expect((await b.fit(data.train)).history).toEqual(historyA);
    await c.fit(data.train);
    const samplesA = await a.sample!(20);
    const samplesB = await b.sample!(20);
    expect(Array.from(samplesB.probabilities.data)).toEqual(Array.from(samplesA.probabilities.data));
    expect(Array.from(samplesB.binary.data)).toEqual(Array.from(samplesA.binary.data));
    expect(Array.from((await c.sample!(20)).probabilities.data)).not.toEqual(Array.from(samplesA.probabilities.data));
    expect(samplesA.probabilities).toMatchObject({ rows: 20, cols: 320 });
    expect(samplesA.binary.data.every((v) => v === 0 || v === 1)).toBe(true);
    expect(samplesA.probabilities.data.every((v) => v >= 0 && v <= 1)).toBe(true);

    const saved = join(dir, type);
    await a.save(saved);
    const loaded = await loadModel(saved);
    expect(loaded.type).toBe(type);
    expect(loaded.hyperparameters).toEqual(a.hyperparameters);
    const fromA = await a.sample!(10, { seed: 42 });
    const fromLoaded = await loaded.sample!(10, { seed: 42 });
    expect(Array.from(fromLoaded.probabilities.data)).toEqual(Array.from(fromA.probabilities.data));
    expect(await loaded.evaluate(data.test)).toEqual(await a.evaluate(data.test));
    for (const model of [a, b, c, loaded]) model.dispose();
  });
});

it('the model classes load their own type only', async () => {
  const ae = new Autoencoder({ hidden_units: [8], latent_dim: 2 }, context(1));
  await ae.save(join(dir, 'ae-only'));
  await expect(Vae.load(join(dir, 'ae-only'))).rejects.toThrow(/'autoencoder' model, expected 'vae'/);
  await expect(Gan.load(join(dir, 'ae-only'))).rejects.toThrow(/expected 'gan'/);
  ae.dispose();
});
