/** What `sweep`, `submit` and `launch` read and check before they write: the study, its overrides, its runs. */
import { freemem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { metricDefinitionsFor, storedMetricDefinitions } from '../checks/metric-definitions.js';
import { sweepIdOf, sweptParams } from '../config/grid.js';
import { formatGridSummary } from '../config/grid-summary.js';
import { SPLIT_OVERRIDE_HINT } from '../config/overrides.js';
import { checkStudyResources, readStudyInput } from '../config/study-input.js';
import type { RunPlan, Study } from '../config/types.js';
import { isPostgresUrl } from '../store/postgres-engine.js';
import { resolveDbPath } from '../store/paths.js';
import { ARTIFACTS_ENV_VAR } from '../store/run-store.js';
import { defaultSqliteArtifactRoot } from '../store/sqlite-engine.js';
import type { SweepDefinition } from '../store/types.js';
import { type CliIo, UsageError } from './common.js';

export interface Submission {
  study: Study;
  plans: RunPlan[];
  sweep: SweepDefinition;
  /** Grid points that repeat another one exactly (same id): run once. */
  duplicates: number;
}

/** Options of the commands that read a study: `--set path=value` (repeatable) and `--data DIR`. */
export const studyOptions = {
  set: { type: 'string', multiple: true },
  data: { type: 'string' },
} as const;

export const STUDY_OPTIONS_HELP = `  --set PATH=VALUE    override one value of the study after extends (repeatable; the value is YAML)
  --data DIR          folder holding binaryalphadigs.mat or MNIST's IDX files`;

/**
 * The SQLite file when the artifact root is its folder (RBM_LAB_ARTIFACTS set
 * so; by default artifacts go to `<database>.artifacts/`): then a study may
 * not take the name of one of the database's files.
 */
function databaseBesideArtifacts(dbPath: string, env: NodeJS.ProcessEnv): string | undefined {
  if (isPostgresUrl(dbPath)) return undefined;
  const root = env[ARTIFACTS_ENV_VAR];
  const artifactRoot = root === undefined || root === '' ? defaultSqliteArtifactRoot(dbPath) : resolve(root);
  return artifactRoot === dirname(dbPath) ? dbPath : undefined;
}

/**
 * Loads, validates and expands a study file (with `--set` overrides, and the
 * database it goes to) into what `submitSweep` takes. Writes nothing.
 */
export async function loadSubmission(
  configPath: string,
  io: Pick<CliIo, 'cwd'> & Partial<Pick<CliIo, 'env'>>,
  options: { overrides?: readonly string[]; dbPath?: string } = {},
): Promise<Submission> {
  // Loaded here, not at the top: list/show/compare (and the dashboard importing this module) never load the models.
  const { getModelSpec, listModelSpecs } = await import('@rbm-lab/core');
  const specs = listModelSpecs();
  const beside = options.dbPath === undefined ? undefined : databaseBesideArtifacts(options.dbPath, io.env ?? {});
  const input = readStudyInput(configPath, specs, io.cwd, {
    overrides: options.overrides,
    databaseBesideArtifacts: beside,
  });
  const { study } = input;
  // Two grid points with the same id are the same run: keep the first, so no run is claimed twice.
  const seen = new Set<string>();
  const plans = input.plans.filter((plan) => !seen.has(plan.id) && seen.add(plan.id) !== undefined);
  const spec = getModelSpec(plans[0].config.model.type);
  const chosen = study.eval?.main_metric;
  const mainMetric =
    chosen === undefined ? spec.mainMetric : { name: chosen.name, lowerIsBetter: chosen.lower_is_better };
  const sweep: SweepDefinition = {
    id: sweepIdOf(study),
    name: study.name,
    configPath: input.source,
    config: study,
    sweptParams: sweptParams(study),
    mainMetric,
    totalRuns: plans.length,
    maxAttempts: study.sweep?.max_attempts,
    runTimeoutSeconds: study.sweep?.run_timeout ?? null,
    metricDefinitions: storedMetricDefinitions(
      metricDefinitionsFor(
        plans.map((plan) => plan.config.model.type),
        specs,
      ),
    ),
  };
  return { study, plans, sweep, duplicates: input.plans.length - plans.length };
}

/**
 * The study a command names (its one positional argument) loaded with its
 * overrides, its grid printed to `out`, and the database it goes to.
 */
export async function readSubmission(
  command: string,
  positionals: readonly string[],
  values: { set?: string[]; db?: string },
  io: CliIo,
  out: NodeJS.WritableStream,
): Promise<{ submission: Submission; dbPath: string }> {
  if (positionals.length !== 1) {
    const got = positionals.length === 0 ? '' : `; got ${positionals.map((p) => `'${p}'`).join(', ')}`;
    const hint = values.set === undefined ? '' : ` (${SPLIT_OVERRIDE_HINT})`;
    throw new UsageError(
      `${command}: expected one study file, e.g. \`rbm-lab ${command} configs/hidden.yaml\`${got}${hint}`,
    );
  }
  const dbPath = resolveDbPath(values.db, io.env, io.cwd);
  const submission = await loadSubmission(positionals[0], io, { overrides: values.set, dbPath });
  out.write(formatGridSummary(submission.study));
  return { submission, dbPath };
}

/**
 * Before a run is enqueued: `--data` for this process and its workers, every
 * run fits in the free memory shared by `jobs` runs, and the data of every
 * distinct dataset section loads (once each). A UserError otherwise.
 */
export async function checkBeforeEnqueuing(
  submission: Submission,
  values: { data?: string },
  io: CliIo,
  jobs: number,
): Promise<void> {
  if (values.data !== undefined) {
    // The workers find the data through the same variable a user would set; they inherit it.
    process.env.RBM_LAB_DATA_DIR = resolve(io.cwd, values.data);
  }
  await checkStudyResources(submission.plans, { freeBytes: freemem(), jobs });
}
