/** The read side of the run store, over either engine (see sql.ts). */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { placeholders, type SqlDatabase, type SqlValue } from './sql.js';
import {
  RUN_STATUSES,
  type ArtifactRecord,
  type EpochCurves,
  type MetricDefinition,
  type RunRecord,
  type RunStatus,
  type RunStoreReader,
  type RunWarning,
  type SampleGrid,
  type SweepRecord,
  type SweepSummary,
} from './types.js';

export interface SweepRow {
  id: string;
  name: string;
  config_path: string;
  config_json: string;
  swept_params_json: string;
  main_metric: string;
  main_lower_is_better: number;
  total_runs: number;
  created_at: string;
  updated_at: string;
  max_attempts: number;
  run_timeout_s: number | null;
}

export interface RunRow {
  id: string;
  point_key: string | null;
  sweep_id: string;
  idx: number;
  status: RunStatus;
  config_json: string;
  params_json: string;
  seed: number;
  backend: string | null;
  backend_detail: string | null;
  git_commit: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  error: string | null;
  epoch: number;
  epochs: number;
  attempts: number;
  worker_host: string | null;
  worker_pid: number | null;
  note: string | null;
}

interface ArtifactRow {
  run_id: string;
  kind: string;
  path: string;
  meta_json: string;
  in_database: number;
}

interface SampleRow {
  n: number;
  height: number;
  width: number;
  dtype: string;
  data: Uint8Array;
}

/** Per-run data kept in side tables, loaded for a set of runs at once. */
interface RunExtras {
  metrics: Map<string, Record<string, number>>;
  tags: Map<string, string[]>;
  warnings: Map<string, RunWarning[]>;
  cost: Map<string, Record<string, number>>;
}

/** Runs whose curves one statement of getEpochMetricsOfRuns reads. */
const CURVE_RUNS_PER_READ = 200;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function decodeSamples(row: SampleRow): SampleGrid | undefined {
  const size = row.n * row.height * row.width;
  if (row.dtype !== 'float32' || row.data.byteLength !== size * 4) return undefined;
  const data = new Float32Array(size);
  new Uint8Array(data.buffer).set(row.data);
  return { data, n: row.n, height: row.height, width: row.width };
}

export class SqlStoreReader implements RunStoreReader {
  constructor(
    protected readonly db: SqlDatabase,
    readonly location: string,
    readonly artifactRoot: string,
    private readonly token: () => Promise<string>,
  ) {}

  async listSweeps(): Promise<SweepSummary[]> {
    const rows = await this.db.all<SweepRow>('SELECT * FROM sweeps ORDER BY created_at, name');
    return Promise.all(rows.map((row) => this.summarise(row)));
  }

  async getSweep(idOrName: string): Promise<SweepSummary | undefined> {
    const exact = await this.db.get<SweepRow>('SELECT * FROM sweeps WHERE id = ?', [idOrName]);
    if (exact !== undefined) return this.summarise(exact);
    const byName = await this.db.get<SweepRow>(
      'SELECT * FROM sweeps WHERE name = ? ORDER BY updated_at DESC, created_at DESC LIMIT 1',
      [idOrName],
    );
    if (byName !== undefined) return this.summarise(byName);
    const byPrefix = await this.db.all<SweepRow>(`SELECT * FROM sweeps WHERE id LIKE ? ESCAPE '\\' LIMIT 2`, [
      `${escapeLike(idOrName)}%`,
    ]);
    return byPrefix.length === 1 ? this.summarise(byPrefix[0]) : undefined;
  }

  async listRuns(sweepId: string): Promise<RunRecord[]> {
    const rows = await this.db.all<RunRow & { member_idx: number }>(
      `SELECT r.*, m.idx AS member_idx FROM sweep_runs m JOIN runs r ON r.id = m.run_id
       WHERE m.sweep_id = ? ORDER BY m.idx`,
      [sweepId],
    );
    const extras = await this.loadExtras('IN (SELECT run_id FROM sweep_runs WHERE sweep_id = ?)', [sweepId]);
    return rows.map((row) => toRunRecord({ ...row, sweep_id: sweepId, idx: row.member_idx }, extras));
  }

  async getRun(runIdOrPrefix: string): Promise<RunRecord | undefined> {
    const found = await this.findRuns(runIdOrPrefix);
    return found.length === 1 ? found[0] : undefined;
  }

  async findRuns(runIdOrPrefix: string, limit = 10): Promise<RunRecord[]> {
    const exact = await this.db.get<RunRow>('SELECT * FROM runs WHERE id = ?', [runIdOrPrefix]);
    const rows =
      exact !== undefined
        ? [exact]
        : await this.db.all<RunRow>(`SELECT * FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?`, [
            `${escapeLike(runIdOrPrefix)}%`,
            limit,
          ]);
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const extras = await this.loadExtras(`IN (${ids.map(() => '?').join(', ')})`, ids);
    return rows.map((row) => toRunRecord(row, extras));
  }

  async getEpochMetrics(runId: string): Promise<EpochCurves> {
    return (await this.getEpochMetricsOfRuns([runId])).get(runId) ?? {};
  }

  async getEpochMetricsOfRuns(runIds: readonly string[]): Promise<Map<string, EpochCurves>> {
    const curves = new Map<string, EpochCurves>(runIds.map((id) => [id, {}]));
    const unique = [...curves.keys()];
    // A few hundred runs per statement: one read for a usual sweep, and room for
    // other work (key presses) between the statements of a big one.
    for (let start = 0; start < unique.length; start += CURVE_RUNS_PER_READ) {
      const ids = unique.slice(start, start + CURVE_RUNS_PER_READ);
      const rows = await this.db.all<{ run_id: string; name: string; step: number; value: number }>(
        `SELECT run_id, name, step, value FROM epoch_metrics WHERE run_id IN (${placeholders(ids.length)})
         ORDER BY run_id, name, step`,
        ids,
      );
      for (const row of rows) {
        const byName = curves.get(row.run_id) as EpochCurves;
        byName[row.name] ??= [];
        byName[row.name].push({ step: row.step, value: row.value });
      }
    }
    return curves;
  }

  async listArtifacts(runId: string): Promise<ArtifactRecord[]> {
    const rows = await this.db.all<ArtifactRow>(
      `SELECT run_id, kind, path, meta_json, CASE WHEN data IS NULL THEN 0 ELSE 1 END AS in_database
       FROM artifacts WHERE run_id = ? ORDER BY kind`,
      [runId],
    );
    return rows.map((row) => ({
      runId: row.run_id,
      kind: row.kind,
      path: row.path,
      inDatabase: row.in_database === 1,
      meta: JSON.parse(row.meta_json) as Record<string, unknown>,
    }));
  }

  async readArtifact(artifact: ArtifactRecord): Promise<Uint8Array | undefined> {
    if (artifact.inDatabase) {
      const row = await this.db.get<{ data: Uint8Array | null }>(
        'SELECT data FROM artifacts WHERE run_id = ? AND kind = ?',
        [artifact.runId, artifact.kind],
      );
      return row?.data ?? undefined;
    }
    try {
      return await readFile(this.resolveArtifactPath(artifact));
    } catch {
      return undefined;
    }
  }

  async getSamples(runId: string, options: { epoch?: number } = {}): Promise<SampleGrid | undefined> {
    const row =
      options.epoch === undefined
        ? await this.db.get<SampleRow>(
            `SELECT n, height, width, dtype, data FROM run_samples WHERE run_id = ? AND phase = 'final'
             ORDER BY epoch DESC LIMIT 1`,
            [runId],
          )
        : await this.db.get<SampleRow>(
            `SELECT n, height, width, dtype, data FROM run_samples WHERE run_id = ? AND phase = 'epoch' AND epoch = ?`,
            [runId, options.epoch],
          );
    if (row !== undefined) return decodeSamples(row);
    return options.epoch === undefined ? this.legacySamples(runId) : undefined;
  }

  /** Schema 1 kept the final samples in a raw float32 file (artifact `samples_raw`). */
  private async legacySamples(runId: string): Promise<SampleGrid | undefined> {
    const artifact = (await this.listArtifacts(runId)).find((a) => a.kind === 'samples_raw');
    if (artifact === undefined) return undefined;
    const { n, height, width } = artifact.meta as { n?: unknown; height?: unknown; width?: unknown };
    if (typeof n !== 'number' || typeof height !== 'number' || typeof width !== 'number') return undefined;
    const data = await this.readArtifact(artifact);
    return data === undefined ? undefined : decodeSamples({ n, height, width, dtype: 'float32', data });
  }

  async listSampleEpochs(runId: string): Promise<number[]> {
    const rows = await this.db.all<{ epoch: number }>(
      `SELECT epoch FROM run_samples WHERE run_id = ? AND phase = 'epoch' ORDER BY epoch`,
      [runId],
    );
    return rows.map((r) => r.epoch);
  }

  async getMetricDefinitions(sweepId: string): Promise<MetricDefinition[]> {
    const rows = await this.db.all<{
      name: string;
      direction: MetricDefinition['direction'];
      description: string;
      split: string;
      n_points: number | null;
    }>('SELECT * FROM metric_definitions WHERE sweep_id = ? ORDER BY name', [sweepId]);
    return rows.map((r) => ({
      name: r.name,
      direction: r.direction,
      description: r.description,
      split: r.split,
      nPoints: r.n_points,
    }));
  }

  resolveArtifactPath(artifact: ArtifactRecord): string {
    return resolve(this.artifactRoot, artifact.path);
  }

  changeToken(): Promise<string> {
    return this.token();
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  protected async summarise(row: SweepRow): Promise<SweepSummary> {
    const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
    const statusRows = await this.db.all<{ status: RunStatus; n: number }>(
      `SELECT r.status AS status, COUNT(*) AS n FROM sweep_runs m JOIN runs r ON r.id = m.run_id
       WHERE m.sweep_id = ? GROUP BY r.status`,
      [row.id],
    );
    for (const s of statusRows) counts[s.status] = Number(s.n);
    const lower = row.main_lower_is_better === 1;
    const best = await this.db.get<{ run_id: string; value: number }>(
      `SELECT r.id AS run_id, f.value AS value FROM sweep_runs m JOIN runs r ON r.id = m.run_id
       JOIN final_metrics f ON f.run_id = r.id
       WHERE m.sweep_id = ? AND r.status = 'finished' AND f.name = ?
       ORDER BY f.value ${lower ? 'ASC' : 'DESC'}, r.id LIMIT 1`,
      [row.id, row.main_metric],
    );
    return { ...toSweepRecord(row), counts, best: best ? { runId: best.run_id, value: best.value } : null };
  }

  /** Final metrics, tags, warnings and cost of the runs `run_id <condition>` selects. */
  private async loadExtras(condition: string, params: readonly SqlValue[]): Promise<RunExtras> {
    const [metrics, tags, warnings, cost] = await Promise.all([
      this.db.all<{ run_id: string; name: string; value: number }>(
        `SELECT run_id, name, value FROM final_metrics WHERE run_id ${condition} ORDER BY name`,
        params,
      ),
      this.db.all<{ run_id: string; tag: string }>(
        `SELECT run_id, tag FROM run_tags WHERE run_id ${condition} ORDER BY tag`,
        params,
      ),
      this.db.all<{ run_id: string; code: string; message: string }>(
        `SELECT run_id, code, message FROM run_warnings WHERE run_id ${condition} ORDER BY code`,
        params,
      ),
      this.db.all<{ run_id: string; phase: string; seconds: number }>(
        `SELECT run_id, phase, seconds FROM run_costs WHERE run_id ${condition} ORDER BY phase`,
        params,
      ),
    ]);
    const extras: RunExtras = { metrics: new Map(), tags: new Map(), warnings: new Map(), cost: new Map() };
    for (const r of metrics) extras.metrics.set(r.run_id, { ...extras.metrics.get(r.run_id), [r.name]: r.value });
    for (const r of tags) extras.tags.set(r.run_id, [...(extras.tags.get(r.run_id) ?? []), r.tag]);
    for (const r of warnings) {
      extras.warnings.set(r.run_id, [...(extras.warnings.get(r.run_id) ?? []), { code: r.code, message: r.message }]);
    }
    for (const r of cost) extras.cost.set(r.run_id, { ...extras.cost.get(r.run_id), [r.phase]: r.seconds });
    return extras;
  }
}

export function toSweepRecord(row: SweepRow): SweepRecord {
  return {
    id: row.id,
    name: row.name,
    configPath: row.config_path,
    config: JSON.parse(row.config_json),
    sweptParams: JSON.parse(row.swept_params_json) as string[],
    mainMetric: { name: row.main_metric, lowerIsBetter: row.main_lower_is_better === 1 },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    totalRuns: row.total_runs,
    maxAttempts: row.max_attempts,
    runTimeoutSeconds: row.run_timeout_s,
  };
}

function toRunRecord(row: RunRow, extras: RunExtras): RunRecord {
  return {
    id: row.id,
    pointKey: row.point_key,
    sweepId: row.sweep_id,
    index: row.idx,
    status: row.status,
    config: JSON.parse(row.config_json),
    params: JSON.parse(row.params_json) as Record<string, unknown>,
    seed: row.seed,
    backend: row.backend,
    backendDetail: row.backend_detail,
    gitCommit: row.git_commit,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms,
    error: row.error,
    epoch: row.epoch,
    epochs: row.epochs,
    attempts: row.attempts,
    worker: row.worker_host === null ? null : `${row.worker_host}:${row.worker_pid}`,
    metrics: extras.metrics.get(row.id) ?? {},
    tags: extras.tags.get(row.id) ?? [],
    note: row.note,
    warnings: extras.warnings.get(row.id) ?? [],
    cost: extras.cost.get(row.id) ?? {},
  };
}
