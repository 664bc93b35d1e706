import { type Matrix, Xoshiro128 } from '@rbm-lab/datasets';
import { getGemm, initializedGemm } from './backend.js';
import type { Gemm } from './linalg/gemm.js';
import type {
  EvaluateOptions,
  FitOptions,
  FitResult,
  Metrics,
  Model,
  ModelSpec,
  SampleOptions,
  Samples,
  TrainingData,
} from './model.js';
import { hyperparameterSection, layerSizes, type Resolved, resolveHyperparameters } from './hyperparameters.js';
import { modelSpec, resolveSections } from './model-spec.js';
import { loadModelFiles, ModelFileError, saveModelFiles, type NamedArray } from './persistence.js';
import { cdTrainSchema, rbmInitProperties, rbmTrainSchema, type CdTrainParams } from './rbm/hyperparameters.js';
import { checkWidth, selectRows } from './rbm/inference.js';
import { MONITOR_ROWS, Rbm } from './rbm/rbm.js';
import { DBN_SPEC_METRICS } from './model-metrics.js';

/** Architecture of a DBN: the `model:` config section; every layer starts like an RBM. */
export const dbnModelSchema = hyperparameterSection({
  layers: layerSizes({ default: [200, 100], description: 'Hidden units of each RBM, data side first.' }),
  ...rbmInitProperties,
});

/** Training of a DBN: the RBM's contrastive-divergence settings, applied to every layer in turn. */
export const dbnTrainSchema = cdTrainSchema;

/** The two config sections, for the spec and for reading saved models. */
const DBN_SECTIONS = { modelSchema: dbnModelSchema, trainSchema: dbnTrainSchema };

export type DbnModelParams = Resolved<typeof dbnModelSchema>;
export type DbnTrainParams = CdTrainParams;

/** Metrics evaluate() computes when options.metrics is omitted. */
export const DBN_DEFAULT_METRICS: readonly string[] = ['recon_error', 'layer_recon_error'];

/**
 * A Deep Belief Network: RBMs stacked and trained greedily, each on the hidden
 * probabilities of the one below (Hinton, Osindero & Teh 2006).
 *
 * fit reports one onEpoch call per layer epoch, numbered across the whole fit
 * (layer l's epoch e is step (l - 1) * epochs + e), with metrics:
 * `layer` (1-based), `layer_epoch`, `recon_error` (data-space mean squared error of
 * the up-down pass through the layers trained so far, comparable across layers),
 * `seconds`, and the layer's own RBM metrics prefixed `layer<l>_` (recon_error,
 * pseudo_log_likelihood, free_energy_train/valid/gap), which live in that layer's
 * input space.
 */
export class Dbn implements Model {
  readonly type = 'dbn';
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly modelParams: DbnModelParams;
  readonly trainParams: DbnTrainParams;
  readonly nVisible: number;
  readonly seed: number;
  /** The RBMs, data side first. layers[i].getParameters() gives weights [nIn x nOut]. */
  readonly layers: Rbm[];
  private gemm: Gemm | undefined;
  private samplesDrawn = 0;

  constructor(
    modelParams: DbnModelParams,
    trainParams: DbnTrainParams,
    context: { nVisible: number; seed: number },
    options: { gemm?: Gemm; layers?: Rbm[] } = {},
  ) {
    this.modelParams = { ...modelParams, layers: [...modelParams.layers] };
    this.trainParams = { ...trainParams };
    this.hyperparameters = { ...this.modelParams, ...this.trainParams };
    this.nVisible = context.nVisible;
    this.seed = context.seed;
    this.gemm = options.gemm;
    this.layers =
      options.layers ??
      modelParams.layers.map((hidden, i) => {
        const nIn = i === 0 ? context.nVisible : modelParams.layers[i - 1];
        return new Rbm(
          {
            hidden_units: hidden,
            visible_bias_init: modelParams.visible_bias_init,
            weight_init_std: modelParams.weight_init_std,
          },
          // The layer's own settings; the single-RBM ones (AIS, early stopping) at their defaults.
          resolveHyperparameters(rbmTrainSchema, trainParams, 'dbn train'),
          { nVisible: nIn, seed: layerSeed(context.seed, i) },
          { gemm: options.gemm },
        );
      });
  }

  async fit(train: TrainingData, options: FitOptions = {}): Promise<FitResult> {
    await this.resolveGemm();
    checkWidth(train.x, this.nVisible, 'visible');
    const monitor = monitorRows(train.x, this.seed);
    const epochs = this.trainParams.epochs;
    const history: Metrics[] = [];
    let input = train.x;
    let validInput = options.validation?.x;
    for (let l = 0; l < this.layers.length; l++) {
      const rbm = this.layers[l];
      const prefix = `layer${l + 1}_`;
      const result = await rbm.fit(
        { x: input },
        {
          validation: validInput ? { x: validInput } : undefined,
          signal: options.signal,
          onEpoch: async (epoch, layerMetrics) => {
            const metrics: Metrics = {
              layer: l + 1,
              layer_epoch: epoch,
              recon_error: this.upDownError(monitor, l + 1),
              seconds: layerMetrics.seconds,
            };
            for (const [name, value] of Object.entries(layerMetrics)) {
              if (name !== 'seconds') metrics[prefix + name] = value;
            }
            history.push(metrics);
            await options.onEpoch?.(l * epochs + epoch, metrics);
          },
        },
      );
      if (result.aborted) return { epochsCompleted: l * epochs + result.epochsCompleted, history, aborted: true };
      if (l + 1 < this.layers.length) {
        input = rbm.transform(input);
        validInput = validInput ? rbm.transform(validInput) : undefined;
      }
    }
    return { epochsCompleted: this.layers.length * epochs, history, aborted: false };
  }

  /** Hidden probabilities of the top layer (deterministic up pass). */
  transform(x: Matrix, depth = this.layers.length): Matrix {
    this.requireGemm();
    let h = x;
    for (let i = 0; i < depth; i++) h = this.layers[i].transform(h);
    return h;
  }

  /** Mean-field up pass through `depth` layers and back down: p(v) in data space. */
  reconstruct(x: Matrix, depth = this.layers.length): Matrix {
    let h = this.transform(x, depth);
    for (let i = depth - 1; i >= 0; i--) h = this.layers[i].visibleProbabilities(h);
    return h;
  }

  private upDownError(x: Matrix, depth: number): number {
    const recon = this.reconstruct(x, depth);
    let sum = 0;
    for (let i = 0; i < x.rows * x.cols; i++) {
      const d = x.data[i] - recon.data[i];
      sum += d * d;
    }
    return sum / (x.rows * x.cols);
  }

  /**
   * recon_error: data-space up-down reconstruction error of the whole stack;
   * layer_recon_error: layer<l>_recon_error of each RBM on its own input;
   * other names are passed to the bottom RBM's evaluate (e.g. pseudo_log_likelihood,
   * reported as layer1_<name>). No log-likelihood: AIS for a DBN needs a variational bound.
   */
  async evaluate(test: TrainingData, options: EvaluateOptions = {}): Promise<Metrics> {
    await this.resolveGemm();
    checkWidth(test.x, this.nVisible, 'visible');
    const wanted = new Set(options.metrics ?? DBN_DEFAULT_METRICS);
    const metrics: Metrics = {};
    if (wanted.has('recon_error')) metrics.recon_error = this.upDownError(test.x, this.layers.length);
    if (wanted.has('layer_recon_error')) {
      let input = test.x;
      for (let l = 0; l < this.layers.length; l++) {
        const layerMetrics = await this.layers[l].evaluate({ x: input }, { metrics: ['recon_error'] });
        metrics[`layer${l + 1}_recon_error`] = layerMetrics.recon_error;
        if (l + 1 < this.layers.length) input = this.layers[l].transform(input);
      }
    }
    const rest = [...wanted].filter((name) => name !== 'recon_error' && name !== 'layer_recon_error');
    if (rest.length > 0) {
      const bottom = await this.layers[0].evaluate(test, { ...options, metrics: rest });
      for (const [name, value] of Object.entries(bottom)) metrics[`layer1_${name}`] = value;
    }
    return metrics;
  }

  /**
   * The top RBM's own sampler (Gibbs from random states or from `init` images propagated up; annealed or
   * tempered from the base-rate model of its input, the `baseRateData` images propagated up), then one
   * mean-field downward pass from the top chain's binary states; binary = a Bernoulli sample of the bottom
   * probabilities.
   */
  async sample(n: number, options: SampleOptions = {}): Promise<Samples> {
    await this.resolveGemm();
    const rng = new Xoshiro128(options.seed ?? (this.seed ^ 0x73616d) + this.samplesDrawn++);
    const top = this.layers.length - 1;
    const topSamples = await this.layers[top].sample(n, {
      ...options,
      seed: rng.nextInt(0x7fffffff),
      init: options.init && this.transform(options.init, top),
      baseRateData: options.baseRateData && this.transform(options.baseRateData, top),
    });
    if (top === 0) return topSamples;
    let h = topSamples.binary;
    for (let i = top - 1; i >= 0; i--) h = this.layers[i].visibleProbabilities(h);
    const binary = new Float32Array(h.data.length);
    rng.sampleBernoulli(h.data, binary, binary.length);
    return { probabilities: h, binary: { data: binary, rows: h.rows, cols: h.cols } };
  }

  async save(dir: string): Promise<void> {
    const arrays: Record<string, NamedArray> = {};
    this.layers.forEach((rbm, i) => {
      const p = rbm.getParameters();
      arrays[`layer${i}_weights`] = { shape: [p.nVisible, p.nHidden], data: p.weights };
      arrays[`layer${i}_visible_bias`] = { shape: [p.nVisible], data: p.visibleBias };
      arrays[`layer${i}_hidden_bias`] = { shape: [p.nHidden], data: p.hiddenBias };
    });
    await saveModelFiles(dir, {
      type: this.type,
      hyperparameters: { ...this.hyperparameters },
      extra: {
        modelParams: this.modelParams,
        trainParams: this.trainParams,
        nVisible: this.nVisible,
        seed: this.seed,
        layers: this.layers.map((rbm) => ({
          modelParams: rbm.modelParams,
          trainParams: rbm.trainParams,
          nVisible: rbm.nVisible,
          seed: rbm.seed,
          epochsTrained: rbm.epochs,
        })),
      },
      arrays,
    });
  }

  static async load(dir: string, options: { gemm?: Gemm } = {}): Promise<Dbn> {
    const where = `${dir}/model.json`;
    const saved = await loadModelFiles(dir, 'dbn');
    const extra = saved.extra as {
      modelParams?: unknown;
      trainParams?: unknown;
      nVisible?: unknown;
      seed?: unknown;
      layers?: unknown;
    };
    if (typeof extra.nVisible !== 'number' || typeof extra.seed !== 'number' || !Array.isArray(extra.layers)) {
      throw new ModelFileError(`${where}: missing nVisible, seed or layers`);
    }
    const { model: modelParams, train: trainParams } = resolveSections(
      DBN_SECTIONS,
      extra.modelParams,
      extra.trainParams,
      where,
    );
    if (extra.layers.length !== modelParams.layers.length) {
      throw new ModelFileError(
        `${where}: ${extra.layers.length} saved layers, architecture has ${modelParams.layers.length}`,
      );
    }
    const layers = (extra.layers as Record<string, unknown>[]).map((layerExtra, i) =>
      Rbm.fromSaved(
        layerExtra,
        {
          weights: saved.arrays[`layer${i}_weights`],
          visible_bias: saved.arrays[`layer${i}_visible_bias`],
          hidden_bias: saved.arrays[`layer${i}_hidden_bias`],
        },
        `${where} layer ${i}`,
        options,
      ),
    );
    return new Dbn(
      modelParams,
      trainParams,
      { nVisible: extra.nVisible, seed: extra.seed },
      { gemm: options.gemm, layers },
    );
  }

  dispose(): void {
    for (const rbm of this.layers) rbm.dispose();
  }

  private async resolveGemm(): Promise<Gemm> {
    this.gemm ??= await initializedGemm();
    return this.gemm;
  }

  private requireGemm(): Gemm {
    this.gemm ??= getGemm();
    return this.gemm;
  }
}

function layerSeed(seed: number, layer: number): number {
  return layer === 0 ? seed : (seed + Math.imul(layer, 0x9e3779b1)) >>> 0;
}

function monitorRows(x: Matrix, seed: number): Matrix {
  if (x.rows <= MONITOR_ROWS) return x;
  const rng = new Xoshiro128(seed ^ 0x6d6f6e);
  const indices = new Int32Array(x.rows);
  for (let i = 0; i < indices.length; i++) indices[i] = i;
  rng.shuffle(indices);
  return selectRows(x, indices.subarray(0, MONITOR_ROWS).sort());
}

export const dbnSpec: ModelSpec = modelSpec({
  type: 'dbn',
  description:
    'Deep Belief Network: RBMs trained greedily layer by layer; samples by Gibbs sampling in the top RBM and a downward pass.',
  generative: true,
  supervised: false,
  ...DBN_SECTIONS,
  mainMetric: { name: 'recon_error', lowerIsBetter: true },
  metrics: DBN_SPEC_METRICS,
  implementation: Dbn,
  // One onEpoch per layer epoch, numbered across the layers.
  plannedEpochs: ({ model, train }) => Number(train.epochs) * (Array.isArray(model.layers) ? model.layers.length : 1),
});
