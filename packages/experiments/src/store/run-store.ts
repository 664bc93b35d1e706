/**
 * The run store: one contract (types.ts) over two engines, chosen by the
 * database location. A path (or nothing: runs/rbm-lab.db) is the embedded
 * SQLite engine for one machine; a postgres:// URL is PostgreSQL, shared by
 * workers on many machines.
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureFolder } from './fs-checks.js';
import { findProjectRoot } from './paths.js';
import { isPostgresUrl, openPostgres, redactPostgresUrl } from './postgres-engine.js';
import { defaultSqliteArtifactRoot, openSqlite } from './sqlite-engine.js';
import type { SqlDatabase } from './sql.js';
import * as queue from './sql-queue.js';
import { SqlStoreReader } from './sql-reader.js';
import * as writer from './sql-writer.js';
import type {
  ClaimOptions,
  PlannedRunRow,
  ReapOptions,
  ReapResult,
  RunLease,
  RunOutcome,
  RunStore,
  RunStoreReader,
  SampleGrid,
  SubmitOptions,
  SubmitResult,
  SweepDefinition,
  WorkerIdentity,
} from './types.js';

export const ARTIFACTS_ENV_VAR = 'RBM_LAB_ARTIFACTS';

export interface OpenStoreOptions {
  /** Artifact root; default RBM_LAB_ARTIFACTS, else beside the SQLite file, else runs/<database>.artifacts. */
  artifactRoot?: string;
  env?: NodeJS.ProcessEnv;
  /** PostgreSQL connections this process may hold (default 4). */
  poolSize?: number;
  /** SQLite: cap the database at this many pages (PRAGMA max_page_count), as a full disk would. */
  sqliteMaxPages?: number;
}

class SqlRunStore extends SqlStoreReader implements RunStore {
  /** The database clock at each lease's claim, for the duration of failed runs. */
  private readonly claimedAt = new Map<string, number>();

  constructor(db: SqlDatabase, location: string, artifactRoot: string, token: () => Promise<string>) {
    super(db, location, artifactRoot, token);
  }

  get engine(): 'sqlite' | 'postgres' {
    return this.db.dialect.engine;
  }

  submitSweep(sweep: SweepDefinition, runs: PlannedRunRow[], options?: SubmitOptions): Promise<SubmitResult> {
    return writer.submitSweep(this.db, sweep, runs, options);
  }
  addTag(runId: string, tag: string): Promise<void> {
    return writer.addTag(this.db, runId, tag);
  }
  removeTag(runId: string, tag: string): Promise<void> {
    return writer.removeTag(this.db, runId, tag);
  }
  setNote(runId: string, note: string | null): Promise<void> {
    return writer.setNote(this.db, runId, note);
  }

  async claimRun(worker: WorkerIdentity, options: ClaimOptions = {}): Promise<RunLease | undefined> {
    ensureFolder(this.artifactRoot, 'artifact root');
    const held = await queue.claimRun(this.db, this.artifactRoot, worker, options);
    if (held === undefined) return undefined;
    const { claimedMs, ...lease } = held;
    this.claimedAt.set(lease.token, claimedMs);
    return lease;
  }
  heartbeat(lease: RunLease): Promise<void> {
    return queue.heartbeat(this.db, lease);
  }
  recordBackend(lease: RunLease, backend: string, detail: string): Promise<void> {
    return queue.recordBackend(this.db, lease, backend, detail);
  }
  recordEpoch(lease: RunLease, epoch: number, metrics: Record<string, number>, samples?: SampleGrid): Promise<void> {
    return queue.recordEpoch(this.db, lease, epoch, metrics, samples);
  }
  async finishRun(lease: RunLease, outcome: RunOutcome): Promise<void> {
    await queue.finishRun(this.db, this.artifactRoot, lease, outcome);
    this.claimedAt.delete(lease.token);
  }
  async failRun(lease: RunLease, error: string, status?: 'failed' | 'interrupted'): Promise<void> {
    const claimedMs = this.claimedAt.get(lease.token) ?? 0;
    await queue.failRun(this.db, { ...lease, claimedMs }, error, status);
    this.claimedAt.delete(lease.token);
  }
  reapExpiredClaims(options: ReapOptions): Promise<ReapResult> {
    return queue.reapExpiredClaims(this.db, options);
  }
  queueState(sweepIds?: string[]): Promise<{ queued: number; running: number }> {
    return queue.queueState(this.db, sweepIds);
  }
}

function postgresArtifactRoot(url: string): string {
  const parsed = new URL(url);
  const name = `${parsed.hostname || 'socket'}_${parsed.port || '5432'}_${parsed.pathname.replace(/^\//, '') || 'postgres'}`;
  return join(findProjectRoot(), 'runs', `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.artifacts`);
}

function artifactRootOf(options: OpenStoreOptions, fallback: () => string): string {
  const fromEnv = (options.env ?? process.env)[ARTIFACTS_ENV_VAR];
  if (options.artifactRoot !== undefined) return resolve(options.artifactRoot);
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return fallback();
}

async function openStore(location: string, readOnly: boolean, options: OpenStoreOptions): Promise<SqlRunStore> {
  if (isPostgresUrl(location)) {
    const db = await openPostgres(location, { readOnly, poolSize: options.poolSize });
    const token = async () =>
      (await db.get<{ token: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS token'))?.token ?? '';
    const root = artifactRootOf(options, () => postgresArtifactRoot(location));
    return new SqlRunStore(db, redactPostgresUrl(location), root, token);
  }
  const path = resolve(location);
  const { database } = openSqlite(path, { readOnly });
  if (options.sqliteMaxPages !== undefined)
    database.db.pragma(`max_page_count = ${Math.floor(options.sqliteMaxPages)}`);
  // data_version moves when another connection commits; total_changes when this one writes.
  const token = async () => {
    const version = database.db.pragma('data_version', { simple: true }) as number;
    const own = (database.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    return `${version}:${own}`;
  };
  return new SqlRunStore(
    database,
    path,
    artifactRootOf(options, () => defaultSqliteArtifactRoot(path)),
    token,
  );
}

/** Opens a run store for writing (creating or upgrading its schema): a path is SQLite, postgres://... PostgreSQL. */
export function openRunStore(location: string, options: OpenStoreOptions = {}): Promise<RunStore> {
  return openStore(location, false, options);
}

/** Opens an existing run store to read: nothing is created, and nothing but RBM Lab databases is accepted. */
export function openRunStoreReader(location: string, options: OpenStoreOptions = {}): Promise<RunStoreReader> {
  return openStore(location, true, options);
}

/** Identity of this process as a claim holder. */
export function thisWorker(): WorkerIdentity {
  return { host: hostname(), pid: process.pid };
}
