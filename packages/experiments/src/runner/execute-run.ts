import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createModel, getModelSpec, initBackend, type Metrics } from '@rbm-lab/core';
import { encodePngGrid, UserError } from '@rbm-lab/datasets';
import type { ArtifactInput, SampleGrid } from '../store/types.js';
import { epochSampler } from './epoch-samples.js';
import { evaluateRun, type RunEvaluation } from './evaluate-run.js';
import type { RunResult, WorkerJob, WorkerMessage } from './messages.js';
import { loadRunData, type RunData } from './run-data.js';

const ARTIFACT_FILES = { samplesPng: 'samples.png', model: 'model', evaluation: 'evaluation.json' } as const;

/** The displayed samples: a PNG artifact and the grid the database keeps for readers. */
function displayedSamples(
  images: RunEvaluation['display'],
  data: RunData,
): { artifact: ArtifactInput; grid: SampleGrid } | undefined {
  if (images === undefined) return undefined;
  const geometry = { n: images.rows, height: data.height, width: data.width };
  const png = encodePngGrid(images, { height: data.height, width: data.width });
  return {
    artifact: { kind: 'samples_png', name: ARTIFACT_FILES.samplesPng, data: png, meta: geometry },
    grid: { data: images.data, ...geometry },
  };
}

/**
 * evaluation.json (kept in the database): which images each split holds
 * (hashes, counts, AlphaDigits rows), what each metric used, and the warnings.
 * The artifact's meta repeats all but the row lists, so readers need not open it.
 */
function evaluationArtifact(data: RunData, evaluation: RunEvaluation): ArtifactInput {
  const { rows, ...split } = data.split;
  const summary = {
    split,
    classes: data.classes,
    coverage: evaluation.coverage,
    metricPoints: evaluation.points,
    warnings: evaluation.warnings,
  };
  const json = `${JSON.stringify({ ...summary, split: data.split }, null, 2)}\n`;
  return { kind: 'evaluation', name: ARTIFACT_FILES.evaluation, data: Buffer.from(json), meta: summary };
}

/**
 * One run, start to finish: backend, data, model, training (reporting each
 * epoch), evaluation on the test split (one draw of samples, displayed and
 * scored), warnings, and the saved model. Reports through `emit`; the caller
 * (a worker process) forwards to the pool's process. Samples, their PNG and the
 * evaluation summary go to the database (in the result); only the saved model
 * is written, into this attempt's own folder. `signal` aborts training and is
 * checked again before anything is written.
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
    const started = performance.now();
    const fit = await model.fit(data.train, {
      validation: data.validation,
      signal,
      onEpoch: async (epoch, metrics) => emit({ type: 'epoch', epoch, metrics, samples: await sampleEpoch(epoch) }),
    });
    if (fit.aborted) throw new UserError('training aborted');
    const trainSeconds = (performance.now() - started) / 1000;

    const evaluation = await evaluateRun({
      model,
      spec,
      data,
      config,
      history: fit.history,
      cacheDir: job.cacheDir,
      backend,
    });
    const metrics: Metrics = { ...evaluation.metrics, train_seconds: trainSeconds };
    if (signal?.aborted) throw new UserError('run stopped before its artifacts were written');
    const shown = displayedSamples(evaluation.display, data);
    const artifacts: ArtifactInput[] = shown === undefined ? [] : [shown.artifact];
    artifacts.push(evaluationArtifact(data, evaluation));
    await mkdir(job.artifactDir, { recursive: true });
    const modelDir = join(job.artifactDir, ARTIFACT_FILES.model);
    await model.save(modelDir);
    artifacts.push({ kind: 'model', path: modelDir, meta: { type: model.type } });
    const cost = config.eval.sample_every ? { epoch_samples: sampleEpoch.seconds() } : undefined;
    return {
      metrics,
      artifacts,
      samples: shown?.grid,
      warnings: evaluation.warnings,
      cost,
    };
  } finally {
    model.dispose();
  }
}
