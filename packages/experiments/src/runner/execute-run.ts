import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createModel, getModelSpec, initBackend, scoreGenerator, type Metrics } from '@rbm-lab/core';
import { UserError, writePngGrid } from '@rbm-lab/datasets';
import type { ArtifactInput } from '../store/run-store.js';
import type { WorkerJob, WorkerMessage } from './messages.js';
import { loadRunData } from './run-data.js';

const ARTIFACT_FILES = { samplesPng: 'samples.png', samplesRaw: 'samples.f32', model: 'model' } as const;

/**
 * One run, start to finish: backend, data, model, training (reporting each
 * epoch), evaluation, generated samples and the saved model. Reports through
 * `emit`; the caller (a worker process) forwards to the sweep process.
 */
export async function executeRun(
  job: WorkerJob,
  emit: (message: WorkerMessage) => void,
  signal?: AbortSignal,
): Promise<{ metrics: Metrics; artifacts: ArtifactInput[] }> {
  const { config } = job;
  const backend = await initBackend();
  emit({ type: 'backend', path: backend.path, detail: backend.detail });

  const data = await loadRunData(config.dataset);
  const spec = getModelSpec(config.model.type);
  const { type, ...modelParams } = config.model;
  const model = createModel(type, modelParams, config.train, {
    nVisible: data.train.x.cols,
    seed: config.seed,
    backend,
  });
  try {
    const fit = await model.fit(data.train, {
      validation: data.validation,
      signal,
      onEpoch: (epoch, metrics) => emit({ type: 'epoch', epoch, metrics }),
    });
    if (fit.aborted) throw new UserError('training aborted');

    const metrics: Metrics = {
      ...(await model.evaluate(data.test, {
        metrics: config.eval.metrics,
        nSamples: config.eval.n_samples,
        gibbsSteps: config.eval.gibbs_steps,
        train: data.train,
      })),
    };

    // A rerun starts from an empty folder, so no file of an earlier attempt survives.
    await rm(job.artifactDir, { recursive: true, force: true });
    await mkdir(job.artifactDir, { recursive: true });
    const artifacts: ArtifactInput[] = [];
    if (spec.generative && model.sample !== undefined && config.eval.n_samples > 0) {
      const samples = await model.sample(config.eval.n_samples, {
        gibbsSteps: config.eval.gibbs_steps,
        seed: config.seed,
      });
      const images = samples.probabilities;
      const geometry = { n: images.rows, height: data.height, width: data.width };
      const pngPath = join(job.artifactDir, ARTIFACT_FILES.samplesPng);
      writePngGrid(pngPath, images, { height: data.height, width: data.width });
      artifacts.push({ kind: 'samples_png', path: pngPath, meta: geometry });
      const rawPath = join(job.artifactDir, ARTIFACT_FILES.samplesRaw);
      await writeFile(rawPath, Buffer.from(images.data.buffer, images.data.byteOffset, images.data.byteLength));
      artifacts.push({
        kind: 'samples_raw',
        path: rawPath,
        meta: { ...geometry, dtype: 'float32', values: 'probabilities' },
      });
      if (config.eval.quality) {
        Object.assign(
          metrics,
          await scoreGenerator(
            images,
            { train: data.train, validation: data.validation, test: data.test, dataset: data.dataset },
            { cacheDir: job.cacheDir, classifierTrain: data.classifierTrain },
          ),
        );
      }
    }
    const modelDir = join(job.artifactDir, ARTIFACT_FILES.model);
    await model.save(modelDir);
    artifacts.push({ kind: 'model', path: modelDir, meta: { type: model.type } });
    return { metrics, artifacts };
  } finally {
    model.dispose();
  }
}
