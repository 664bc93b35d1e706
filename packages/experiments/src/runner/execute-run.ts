import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createModel, getModelSpec, initBackend, scoreGenerator, type Metrics } from '@rbm-lab/core';
import { encodePngGrid, UserError } from '@rbm-lab/datasets';
import type { ArtifactInput, SampleGrid } from '../store/types.js';
import type { RunResult, WorkerJob, WorkerMessage } from './messages.js';
import { epochSampler } from './epoch-samples.js';
import { loadRunData } from './run-data.js';

const ARTIFACT_FILES = { samplesPng: 'samples.png', model: 'model' } as const;

/**
 * One run, start to finish: backend, data, model, training (reporting each
 * epoch), evaluation, generated samples and the saved model. Reports through
 * `emit`; the caller (a worker process) forwards to the pool's process. The
 * samples and their PNG go to the database (in the result); only the saved
 * model is written, into this attempt's own folder. `signal` aborts training
 * and is checked again before anything is written.
 */
export async function executeRun(
  job: WorkerJob,
  emit: (message: WorkerMessage) => void,
  signal?: AbortSignal,
): Promise<RunResult & { metrics: Metrics }> {
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
  const sampleEpoch = epochSampler(model, spec, config, data);
  try {
    const fit = await model.fit(data.train, {
      validation: data.validation,
      signal,
      onEpoch: async (epoch, metrics) => emit({ type: 'epoch', epoch, metrics, samples: await sampleEpoch(epoch) }),
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

    const artifacts: ArtifactInput[] = [];
    let samplesGrid: SampleGrid | undefined;
    if (spec.generative && model.sample !== undefined && config.eval.n_samples > 0) {
      const samples = await model.sample(config.eval.n_samples, {
        gibbsSteps: config.eval.gibbs_steps,
        seed: config.seed,
      });
      const images = samples.probabilities;
      const geometry = { n: images.rows, height: data.height, width: data.width };
      const png = encodePngGrid(images, { height: data.height, width: data.width });
      artifacts.push({ kind: 'samples_png', name: ARTIFACT_FILES.samplesPng, data: png, meta: geometry });
      samplesGrid = { data: images.data, ...geometry };
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
    if (signal?.aborted) throw new UserError('run stopped before its artifacts were written');
    await mkdir(job.artifactDir, { recursive: true });
    const modelDir = join(job.artifactDir, ARTIFACT_FILES.model);
    await model.save(modelDir);
    artifacts.push({ kind: 'model', path: modelDir, meta: { type: model.type } });
    const cost = config.eval.sample_every ? { epoch_samples: sampleEpoch.seconds() } : undefined;
    return { metrics, artifacts, samples: samplesGrid, cost };
  } finally {
    model.dispose();
  }
}
