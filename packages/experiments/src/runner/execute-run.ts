import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createModel, getModelSpec, initBackend, type Metrics } from '@rbm-lab/core';
import { UserError, writePngGrid } from '@rbm-lab/datasets';
import type { ArtifactInput } from '../store/run-store.js';
import { evaluateRun, type RunEvaluation } from './evaluate-run.js';
import type { WorkerJob, WorkerMessage } from './messages.js';
import { loadRunData, type RunData } from './run-data.js';

const ARTIFACT_FILES = {
  samplesPng: 'samples.png',
  samplesRaw: 'samples.f32',
  model: 'model',
  evaluation: 'evaluation.json',
} as const;

export interface RunOutcome {
  metrics: Metrics;
  artifacts: ArtifactInput[];
  warnings: RunEvaluation['warnings'];
  metricPoints: RunEvaluation['points'];
}

/** samples.png and samples.f32 of the displayed samples. */
async function writeSampleArtifacts(
  dir: string,
  images: RunEvaluation['display'],
  data: RunData,
): Promise<ArtifactInput[]> {
  if (images === undefined) return [];
  const geometry = { n: images.rows, height: data.height, width: data.width };
  const pngPath = join(dir, ARTIFACT_FILES.samplesPng);
  writePngGrid(pngPath, images, { height: data.height, width: data.width });
  const rawPath = join(dir, ARTIFACT_FILES.samplesRaw);
  await writeFile(rawPath, Buffer.from(images.data.buffer, images.data.byteOffset, images.data.byteLength));
  return [
    { kind: 'samples_png', path: pngPath, meta: geometry },
    { kind: 'samples_raw', path: rawPath, meta: { ...geometry, dtype: 'float32', values: 'probabilities' } },
  ];
}

/**
 * evaluation.json: which images each split holds (hashes, counts, AlphaDigits
 * rows), what each metric used, and the warnings. The artifact's meta repeats
 * all but the row lists, so readers need not open the file.
 */
async function writeEvaluationArtifact(dir: string, data: RunData, evaluation: RunEvaluation): Promise<ArtifactInput> {
  const path = join(dir, ARTIFACT_FILES.evaluation);
  const { rows, ...split } = data.split;
  const summary = {
    split,
    classes: data.classes,
    coverage: evaluation.coverage,
    metricPoints: evaluation.points,
    warnings: evaluation.warnings,
  };
  await writeFile(path, `${JSON.stringify({ ...summary, split: data.split }, null, 2)}\n`);
  return { kind: 'evaluation', path, meta: summary };
}

/**
 * One run, start to finish: backend, data, model, training (reporting each
 * epoch), evaluation, generated samples and the saved model. Reports through
 * `emit`; the caller (a worker process) forwards to the sweep process.
 */
export async function executeRun(
  job: WorkerJob,
  emit: (message: WorkerMessage) => void,
  signal?: AbortSignal,
): Promise<RunOutcome> {
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
    const started = performance.now();
    const fit = await model.fit(data.train, {
      validation: data.validation,
      signal,
      onEpoch: (epoch, metrics) => emit({ type: 'epoch', epoch, metrics }),
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
    // A rerun starts from an empty folder, so no file of an earlier attempt survives.
    await rm(job.artifactDir, { recursive: true, force: true });
    await mkdir(job.artifactDir, { recursive: true });
    const artifacts = await writeSampleArtifacts(job.artifactDir, evaluation.display, data);
    artifacts.push(await writeEvaluationArtifact(job.artifactDir, data, evaluation));
    const modelDir = join(job.artifactDir, ARTIFACT_FILES.model);
    await model.save(modelDir);
    artifacts.push({ kind: 'model', path: modelDir, meta: { type: model.type } });
    return { metrics, artifacts, warnings: evaluation.warnings, metricPoints: evaluation.points };
  } finally {
    model.dispose();
  }
}
