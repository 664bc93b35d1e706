import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '@rbm-lab/datasets';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import type {
  ArtifactRecord,
  MetricPoint,
  RunRecord,
  RunStatus,
  RunStoreReader,
  SweepRecord,
  SweepSummary,
} from './types.js';

/** The database is missing, unreadable, or not an RBM Lab database. */
export class RunStoreError extends UserError {}

/** Another live process is executing the sweep. */
export class SweepLockedError extends UserError {}

export interface SweepDefinition {
  id: string;
  name: string;
  configPath: string;
  config: unknown;
  sweptParams: string[];
  mainMetric: { name: string; lowerIsBetter: boolean };
  totalRuns: number;
}

export interface PlannedRunRow {
  id: string;
  index: number;
  config: unknown;
  params: Record<string, unknown>;
  seed: number;
  epochs: number;
}

export interface ArtifactInput {
  kind: ArtifactRecord['kind'];
  /** Absolute, or relative to the database's directory. */
  path: string;
  meta?: Record<string, unknown>;
}

export interface RunOutcome {
  metrics: Record<string, number>;
  artifacts: ArtifactInput[];
  durationMs: number;
}

export interface SweepLockOptions {
  pid?: number;
  host?: string;
  /** A lock whose heartbeat is older than this is considered abandoned. */
  staleAfterMs?: number;
  now?: Date;
}

const STATUSES: RunStatus[] = ['pending', 'running', 'finished', 'failed', 'interrupted'];
const TABLES = ['sweeps', 'runs', 'epoch_metrics', 'final_metrics', 'artifacts'] as const;
export const DEFAULT_STALE_LOCK_MS = 30_000;

interface SweepRow {
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
  owner_pid: number | null;
  owner_host: string | null;
  heartbeat_at: string | null;
}

interface RunRow {
  id: string;
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
}

interface ArtifactRow {
  run_id: string;
  kind: string;
  path: string;
  meta_json: string;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The SQLite run store (MLflow-tracking-store-like). One writer (the sweep's
 * parent process) and any number of read-only readers (dashboard, reports):
 * WAL mode lets readers and the writer proceed without blocking each other.
 */
export class RunStore implements RunStoreReader {
  readonly path: string;
  /** Directory holding the database; artifact paths are relative to it. */
  readonly directory: string;
  readonly readonly: boolean;
  private readonly db: Database.Database;

  private constructor(path: string, db: Database.Database, readonly: boolean) {
    this.path = path;
    this.directory = dirname(path);
    this.db = db;
    this.readonly = readonly;
  }

  /** Opens (creating if needed) a database for writing and brings its schema up to date. */
  static open(path: string): RunStore {
    const absolute = resolve(path);
    mkdirSync(dirname(absolute), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(absolute);
      db.pragma('busy_timeout = 10000');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    } catch (error) {
      throw new RunStoreError(`${absolute}: cannot open the run database (${(error as Error).message})`, {
        cause: error,
      });
    }
    const store = new RunStore(absolute, db, false);
    store.migrate();
    return store;
  }

  /** Opens an existing database read-only (the dashboard, reports, list/show/compare). */
  static openReadOnly(path: string): RunStore {
    const absolute = resolve(path);
    if (!existsSync(absolute)) {
      throw new RunStoreError(
        `no run database at ${absolute}: run a sweep first (e.g. \`npx nx run experiments:sweep configs/hidden.yaml\`), ` +
          'or point --db / RBM_LAB_DB at an existing database',
      );
    }
    let db: Database.Database;
    try {
      db = new Database(absolute, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 10000');
    } catch (error) {
      throw new RunStoreError(`${absolute}: cannot open the run database (${(error as Error).message})`, {
        cause: error,
      });
    }
    const store = new RunStore(absolute, db, true);
    const version = store.schemaVersion();
    if (version === 0) {
      db.close();
      throw new RunStoreError(`${absolute}: not an RBM Lab run database (no schema); run a sweep to create one`);
    }
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new RunStoreError(
        `${absolute}: database schema version ${version} is newer than this RBM Lab reads (${SCHEMA_VERSION}); upgrade RBM Lab`,
      );
    }
    if (version < SCHEMA_VERSION) {
      db.close();
      throw new RunStoreError(
        `${absolute}: database schema version ${version} is older than ${SCHEMA_VERSION}; run any sweep once to upgrade it`,
      );
    }
    return store;
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const current = this.schemaVersion();
    if (current > SCHEMA_VERSION) {
      throw new RunStoreError(
        `${this.path}: database schema version ${current} is newer than this RBM Lab knows (${SCHEMA_VERSION}); upgrade RBM Lab`,
      );
    }
    for (let version = current; version < SCHEMA_VERSION; version++) {
      this.db
        .transaction(() => {
          this.db.exec(MIGRATIONS[version]);
          this.db.pragma(`user_version = ${version + 1}`);
        })
        .immediate();
    }
  }

  private writeTransaction<T>(fn: () => T): T {
    if (this.readonly) throw new Error('RunStore opened read-only');
    // IMMEDIATE takes the write lock up front, so busy_timeout applies instead of a mid-transaction SQLITE_BUSY.
    return this.db.transaction(fn).immediate();
  }

  // ---------------------------------------------------------------- write API

  /**
   * Records a sweep and its planned runs. Existing runs (same stable id) keep
   * their status and results, so a rerun of the same study resumes.
   */
  registerSweep(sweep: SweepDefinition, runs: PlannedRunRow[], now: Date = new Date()): void {
    const at = now.toISOString();
    this.writeTransaction(() => {
      this.db
        .prepare(
          `INSERT INTO sweeps (id, name, config_path, config_json, swept_params_json, main_metric, main_lower_is_better,
                               total_runs, created_at, updated_at)
           VALUES (@id, @name, @configPath, @config, @swept, @metric, @lower, @total, @at, @at)
           ON CONFLICT(id) DO UPDATE SET config_path = excluded.config_path, total_runs = excluded.total_runs,
             main_metric = excluded.main_metric, main_lower_is_better = excluded.main_lower_is_better,
             updated_at = excluded.updated_at`,
        )
        .run({
          id: sweep.id,
          name: sweep.name,
          configPath: sweep.configPath,
          config: JSON.stringify(sweep.config),
          swept: JSON.stringify(sweep.sweptParams),
          metric: sweep.mainMetric.name,
          lower: sweep.mainMetric.lowerIsBetter ? 1 : 0,
          total: sweep.totalRuns,
          at,
        });
      const insert = this.db.prepare(
        `INSERT INTO runs (id, sweep_id, idx, status, config_json, params_json, seed, epochs)
         VALUES (@id, @sweepId, @index, 'pending', @config, @params, @seed, @epochs)
         ON CONFLICT(id) DO UPDATE SET idx = excluded.idx`,
      );
      for (const run of runs) {
        insert.run({
          id: run.id,
          sweepId: sweep.id,
          index: run.index,
          config: JSON.stringify(run.config),
          params: JSON.stringify(run.params),
          seed: run.seed,
          epochs: run.epochs,
        });
      }
    });
  }

  /**
   * Takes the sweep-level lock for this process. A lock held by a live process
   * with a fresh heartbeat refuses; otherwise the previous owner is gone
   * (finished, Ctrl-C, kill -9), and its runs still marked 'running' become
   * 'interrupted' so they are rerun. Returns the ids of those runs.
   */
  acquireSweep(sweepId: string, options: SweepLockOptions = {}): string[] {
    const pid = options.pid ?? process.pid;
    const host = options.host ?? hostname();
    const now = options.now ?? new Date();
    const staleAfter = options.staleAfterMs ?? DEFAULT_STALE_LOCK_MS;
    return this.writeTransaction(() => {
      const row = this.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(sweepId) as SweepRow | undefined;
      if (row === undefined) throw new Error(`unknown sweep ${sweepId}`);
      if (row.owner_pid !== null && row.owner_pid !== pid && row.heartbeat_at !== null) {
        const age = now.getTime() - Date.parse(row.heartbeat_at);
        const sameHost = row.owner_host === host;
        const alive = sameHost ? isProcessAlive(row.owner_pid) : true;
        if (alive && age < staleAfter) {
          throw new SweepLockedError(
            `sweep '${row.name}' (${sweepId}) is being run by process ${row.owner_pid} on ${row.owner_host}; ` +
              'wait for it to finish or stop it first',
          );
        }
      }
      const stale = this.db
        .prepare(`SELECT id FROM runs WHERE sweep_id = ? AND status = 'running'`)
        .all(sweepId) as Array<{ id: string }>;
      const reason =
        row.owner_pid === null
          ? 'the sweep process stopped while this run was running'
          : `the sweep process (pid ${row.owner_pid}) stopped while this run was running`;
      this.db
        .prepare(
          `UPDATE runs SET status = 'interrupted', error = ?, ended_at = COALESCE(ended_at, ?)
           WHERE sweep_id = ? AND status = 'running'`,
        )
        .run(reason, now.toISOString(), sweepId);
      this.db
        .prepare('UPDATE sweeps SET owner_pid = ?, owner_host = ?, heartbeat_at = ?, updated_at = ? WHERE id = ?')
        .run(pid, host, now.toISOString(), now.toISOString(), sweepId);
      return stale.map((r) => r.id);
    });
  }

  heartbeat(sweepId: string, pid: number = process.pid, now: Date = new Date()): void {
    this.writeTransaction(() => {
      this.db
        .prepare('UPDATE sweeps SET heartbeat_at = ? WHERE id = ? AND owner_pid = ?')
        .run(now.toISOString(), sweepId, pid);
    });
  }

  releaseSweep(sweepId: string, pid: number = process.pid): void {
    this.writeTransaction(() => {
      this.db
        .prepare(
          'UPDATE sweeps SET owner_pid = NULL, owner_host = NULL, heartbeat_at = NULL, updated_at = ? WHERE id = ? AND owner_pid = ?',
        )
        .run(new Date().toISOString(), sweepId, pid);
    });
  }

  /** Marks a run running and clears what an earlier attempt left, so a rerun starts clean. */
  startRun(runId: string, details: { gitCommit: string | null; now?: Date }): void {
    const at = (details.now ?? new Date()).toISOString();
    this.writeTransaction(() => {
      for (const table of ['epoch_metrics', 'final_metrics', 'artifacts']) {
        this.db.prepare(`DELETE FROM ${table} WHERE run_id = ?`).run(runId);
      }
      const result = this.db
        .prepare(
          `UPDATE runs SET status = 'running', started_at = ?, ended_at = NULL, duration_ms = NULL, error = NULL,
             epoch = 0, backend = NULL, backend_detail = NULL, git_commit = ?, attempts = attempts + 1
           WHERE id = ?`,
        )
        .run(at, details.gitCommit, runId);
      if (result.changes !== 1) throw new Error(`unknown run ${runId}`);
      this.touchSweepOf(runId, at);
    });
  }

  recordBackend(runId: string, backend: string, detail: string): void {
    this.writeTransaction(() => {
      this.db.prepare('UPDATE runs SET backend = ?, backend_detail = ? WHERE id = ?').run(backend, detail, runId);
    });
  }

  /** One epoch's metrics, plus the run's live progress, in one transaction. */
  recordEpoch(runId: string, epoch: number, metrics: Record<string, number>): void {
    this.writeTransaction(() => {
      const insert = this.db.prepare(
        'INSERT OR REPLACE INTO epoch_metrics (run_id, name, step, value) VALUES (?, ?, ?, ?)',
      );
      for (const [name, value] of Object.entries(metrics)) {
        if (Number.isFinite(value)) insert.run(runId, name, epoch, value);
      }
      this.db.prepare('UPDATE runs SET epoch = MAX(epoch, ?) WHERE id = ?').run(epoch, runId);
    });
  }

  /** Final metrics, artifacts and status 'finished', atomically: a finished run is always complete. */
  finishRun(runId: string, outcome: RunOutcome, now: Date = new Date()): void {
    const at = now.toISOString();
    this.writeTransaction(() => {
      const insertMetric = this.db.prepare(
        'INSERT OR REPLACE INTO final_metrics (run_id, name, value) VALUES (?, ?, ?)',
      );
      for (const [name, value] of Object.entries(outcome.metrics)) {
        if (Number.isFinite(value)) insertMetric.run(runId, name, value);
      }
      const insertArtifact = this.db.prepare(
        'INSERT OR REPLACE INTO artifacts (run_id, kind, path, meta_json) VALUES (?, ?, ?, ?)',
      );
      for (const artifact of outcome.artifacts) {
        insertArtifact.run(
          runId,
          artifact.kind,
          this.relativeArtifactPath(artifact.path),
          JSON.stringify(artifact.meta ?? {}),
        );
      }
      this.db
        .prepare(`UPDATE runs SET status = 'finished', ended_at = ?, duration_ms = ?, error = NULL WHERE id = ?`)
        .run(at, outcome.durationMs, runId);
      this.touchSweepOf(runId, at);
    });
  }

  failRun(runId: string, error: string, status: 'failed' | 'interrupted' = 'failed', now: Date = new Date()): void {
    const at = now.toISOString();
    this.writeTransaction(() => {
      this.db
        .prepare(
          `UPDATE runs SET status = ?, error = ?, ended_at = ?,
             duration_ms = CASE WHEN started_at IS NULL THEN NULL
                                ELSE (julianday(?) - julianday(started_at)) * 86400000.0 END
           WHERE id = ?`,
        )
        .run(status, error, at, at, runId);
      this.touchSweepOf(runId, at);
    });
  }

  private touchSweepOf(runId: string, at: string): void {
    this.db
      .prepare('UPDATE sweeps SET updated_at = ? WHERE id = (SELECT sweep_id FROM runs WHERE id = ?)')
      .run(at, runId);
  }

  private relativeArtifactPath(path: string): string {
    const absolute = isAbsolute(path) ? path : join(this.directory, path);
    return relative(this.directory, absolute).split('\\').join('/');
  }

  // ----------------------------------------------------------------- read API

  listSweeps(): SweepSummary[] {
    const rows = this.db.prepare('SELECT * FROM sweeps ORDER BY created_at, name').all() as SweepRow[];
    return rows.map((row) => this.summarise(row));
  }

  /** By exact id, unique id prefix, or name (the most recently updated sweep of that name). */
  getSweep(idOrName: string): SweepSummary | undefined {
    const exact = this.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(idOrName) as SweepRow | undefined;
    if (exact !== undefined) return this.summarise(exact);
    const byName = this.db
      .prepare('SELECT * FROM sweeps WHERE name = ? ORDER BY updated_at DESC LIMIT 1')
      .get(idOrName) as SweepRow | undefined;
    if (byName !== undefined) return this.summarise(byName);
    const byPrefix = this.db
      .prepare(`SELECT * FROM sweeps WHERE id LIKE ? ESCAPE '\\' LIMIT 2`)
      .all(`${escapeLike(idOrName)}%`) as SweepRow[];
    return byPrefix.length === 1 ? this.summarise(byPrefix[0]) : undefined;
  }

  listRuns(sweepId: string): RunRecord[] {
    const rows = this.db.prepare('SELECT * FROM runs WHERE sweep_id = ? ORDER BY idx').all(sweepId) as RunRow[];
    const metrics = this.finalMetricsOfSweep(sweepId);
    return rows.map((row) => toRunRecord(row, metrics.get(row.id) ?? {}));
  }

  /** By exact id or unique prefix; undefined when missing or ambiguous (see findRuns). */
  getRun(runIdOrPrefix: string): RunRecord | undefined {
    const found = this.findRuns(runIdOrPrefix);
    return found.length === 1 ? found[0] : undefined;
  }

  /** Runs whose id equals, or else starts with, the given text (at most `limit`). */
  findRuns(runIdOrPrefix: string, limit = 10): RunRecord[] {
    const exact = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(runIdOrPrefix) as RunRow | undefined;
    const rows =
      exact !== undefined
        ? [exact]
        : (this.db
            .prepare(`SELECT * FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?`)
            .all(`${escapeLike(runIdOrPrefix)}%`, limit) as RunRow[]);
    return rows.map((row) => toRunRecord(row, this.finalMetricsOfRun(row.id)));
  }

  getEpochMetrics(runId: string): Record<string, Array<{ step: number; value: number }>> {
    const rows = this.db
      .prepare('SELECT name, step, value FROM epoch_metrics WHERE run_id = ? ORDER BY name, step')
      .all(runId) as Array<Omit<MetricPoint, 'runId'>>;
    const grouped: Record<string, Array<{ step: number; value: number }>> = {};
    for (const row of rows) {
      grouped[row.name] ??= [];
      grouped[row.name].push({ step: row.step, value: row.value });
    }
    return grouped;
  }

  listArtifacts(runId: string): ArtifactRecord[] {
    const rows = this.db.prepare('SELECT * FROM artifacts WHERE run_id = ? ORDER BY kind').all(runId) as ArtifactRow[];
    return rows.map((row) => ({ runId: row.run_id, kind: row.kind, path: row.path, meta: JSON.parse(row.meta_json) }));
  }

  getSamples(runId: string): { data: Float32Array; n: number; height: number; width: number } | undefined {
    const artifact = this.listArtifacts(runId).find((a) => a.kind === 'samples_raw');
    if (artifact === undefined) return undefined;
    const { n, height, width } = artifact.meta as { n?: unknown; height?: unknown; width?: unknown };
    if (typeof n !== 'number' || typeof height !== 'number' || typeof width !== 'number') return undefined;
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.resolveArtifactPath(artifact));
    } catch {
      return undefined;
    }
    if (bytes.byteLength !== n * height * width * 4) return undefined;
    const data = new Float32Array(n * height * width);
    new Uint8Array(data.buffer).set(bytes);
    return { data, n, height, width };
  }

  resolveArtifactPath(artifact: ArtifactRecord): string {
    return resolve(this.directory, artifact.path);
  }

  changeToken(): string {
    // data_version moves when another connection commits; total_changes when this one writes.
    const dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    const own = (this.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    return `${dataVersion}:${own}`;
  }

  /** Row count of every table (tests, diagnostics). */
  rowCounts(): Record<(typeof TABLES)[number], number> {
    const counts = {} as Record<(typeof TABLES)[number], number>;
    for (const table of TABLES) {
      counts[table] = (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    }
    return counts;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private summarise(row: SweepRow): SweepSummary {
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
    const statusRows = this.db
      .prepare('SELECT status, COUNT(*) AS n FROM runs WHERE sweep_id = ? GROUP BY status')
      .all(row.id) as Array<{ status: RunStatus; n: number }>;
    for (const s of statusRows) counts[s.status] = s.n;
    const lower = row.main_lower_is_better === 1;
    const best = this.db
      .prepare(
        `SELECT r.id AS runId, f.value AS value FROM runs r JOIN final_metrics f ON f.run_id = r.id
         WHERE r.sweep_id = ? AND r.status = 'finished' AND f.name = ?
         ORDER BY f.value ${lower ? 'ASC' : 'DESC'} LIMIT 1`,
      )
      .get(row.id, row.main_metric) as { runId: string; value: number } | undefined;
    const record: SweepRecord = {
      id: row.id,
      name: row.name,
      configPath: row.config_path,
      config: JSON.parse(row.config_json),
      sweptParams: JSON.parse(row.swept_params_json) as string[],
      mainMetric: { name: row.main_metric, lowerIsBetter: lower },
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      totalRuns: row.total_runs,
    };
    return { ...record, counts, best: best ?? null };
  }

  private finalMetricsOfSweep(sweepId: string): Map<string, Record<string, number>> {
    const rows = this.db
      .prepare(
        `SELECT f.run_id AS runId, f.name AS name, f.value AS value FROM final_metrics f
         JOIN runs r ON r.id = f.run_id WHERE r.sweep_id = ?`,
      )
      .all(sweepId) as Array<{ runId: string; name: string; value: number }>;
    const byRun = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const metrics = byRun.get(row.runId) ?? {};
      metrics[row.name] = row.value;
      byRun.set(row.runId, metrics);
    }
    return byRun;
  }

  private finalMetricsOfRun(runId: string): Record<string, number> {
    const rows = this.db
      .prepare('SELECT name, value FROM final_metrics WHERE run_id = ? ORDER BY name')
      .all(runId) as Array<{
      name: string;
      value: number;
    }>;
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toRunRecord(row: RunRow, metrics: Record<string, number>): RunRecord {
  return {
    id: row.id,
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
    metrics,
  };
}
