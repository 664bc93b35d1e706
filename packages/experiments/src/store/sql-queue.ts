/**
 * Executing runs under a lease, over either engine. A claim is one UPDATE of
 * the oldest queued run (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's
 * IMMEDIATE transaction gives one writer at a time) that writes a fresh random
 * token; every later write about the run names that token and changes nothing
 * once the claim is gone, so no run is ever recorded by two holders.
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute, join, relative } from 'node:path';
import { LeaseLostError } from './errors.js';
import type { RunRow } from './sql-reader.js';
import { placeholders, type SqlDatabase, type SqlSession, type SqlValue } from './sql.js';
import type {
  ClaimOptions,
  ReapOptions,
  ReapResult,
  RunLease,
  RunOutcome,
  SampleGrid,
  WorkerIdentity,
} from './types.js';

/** Lease plus what the queue needs to know about it (the database's clock at the claim). */
export interface HeldLease extends RunLease {
  claimedMs: number;
}

function memberFilter(sweepIds: readonly string[] | undefined): { sql: string; params: SqlValue[] } {
  if (sweepIds === undefined || sweepIds.length === 0) return { sql: '', params: [] };
  return {
    sql: ` AND id IN (SELECT run_id FROM sweep_runs WHERE sweep_id IN (${placeholders(sweepIds.length)}))`,
    params: [...sweepIds],
  };
}

const RESET_ON_CLAIM = ['epoch_metrics', 'final_metrics', 'artifacts', 'run_samples', 'run_warnings', 'run_costs'];

export async function claimRun(
  db: SqlDatabase,
  artifactRoot: string,
  worker: WorkerIdentity,
  options: ClaimOptions,
): Promise<HeldLease | undefined> {
  const token = randomBytes(16).toString('hex');
  const filter = memberFilter(options.sweepIds);
  const { nowMs, nowIso, skipLocked } = db.dialect;
  return db.transaction(async (tx) => {
    const row = await tx.get<RunRow & { heartbeat_ms: number }>(
      `UPDATE runs SET status = 'running', lease = ?, worker_host = ?, worker_pid = ?, heartbeat_ms = ${nowMs},
         attempts = attempts + 1, started_at = ${nowIso}, ended_at = NULL, duration_ms = NULL, error = NULL,
         epoch = 0, backend = NULL, backend_detail = NULL, git_commit = ?
       WHERE status = 'pending' AND id = (
         SELECT id FROM runs WHERE status = 'pending'${filter.sql}
         ORDER BY queued_ms, idx, id LIMIT 1${skipLocked})
       RETURNING *`,
      [token, worker.host, worker.pid, options.gitCommit ?? null, ...filter.params],
    );
    if (row === undefined) return undefined;
    // A new attempt starts clean: nothing an earlier attempt recorded survives.
    for (const table of RESET_ON_CLAIM) await tx.run(`DELETE FROM ${table} WHERE run_id = ?`, [row.id]);
    const sweep = await tx.get<{ id: string; name: string; run_timeout_s: number | null }>(
      `SELECT s.id, s.name, s.run_timeout_s FROM sweep_runs m JOIN sweeps s ON s.id = m.sweep_id
       WHERE m.run_id = ? ORDER BY s.updated_at DESC LIMIT 1`,
      [row.id],
    );
    const artifactDir = join(sweep?.name ?? row.sweep_id, row.id, `attempt-${row.attempts}-${token.slice(0, 8)}`);
    await tx.run('UPDATE runs SET artifact_dir = ? WHERE id = ?', [artifactDir, row.id]);
    return {
      runId: row.id,
      sweepId: sweep?.id ?? row.sweep_id,
      sweepName: sweep?.name ?? row.sweep_id,
      token,
      attempt: row.attempts,
      index: row.idx,
      config: JSON.parse(row.config_json),
      params: JSON.parse(row.params_json) as Record<string, unknown>,
      seed: row.seed,
      epochs: row.epochs,
      runTimeoutSeconds: sweep?.run_timeout_s ?? null,
      artifactDir: join(artifactRoot, artifactDir),
      claimedMs: row.heartbeat_ms,
    };
  });
}

/** Updates the run's row only while `lease` holds it (renewing the heartbeat); throws LeaseLostError otherwise. */
async function guardedUpdate(
  tx: SqlSession,
  db: SqlDatabase,
  lease: RunLease,
  set: string,
  params: readonly SqlValue[],
): Promise<void> {
  const changed = await tx.run(
    `UPDATE runs SET heartbeat_ms = ${db.dialect.nowMs}${set === '' ? '' : `, ${set}`}
     WHERE id = ? AND lease = ? AND status = 'running'`,
    [...params, lease.runId, lease.token],
  );
  if (changed !== 1) throw new LeaseLostError(lease.runId);
}

export function heartbeat(db: SqlDatabase, lease: RunLease): Promise<void> {
  return db.transaction((tx) => guardedUpdate(tx, db, lease, '', []));
}

export function recordBackend(db: SqlDatabase, lease: RunLease, backend: string, detail: string): Promise<void> {
  return db.transaction((tx) => guardedUpdate(tx, db, lease, 'backend = ?, backend_detail = ?', [backend, detail]));
}

async function writeSamples(tx: SqlSession, runId: string, phase: 'final' | 'epoch', epoch: number, s: SampleGrid) {
  const bytes = new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength);
  await tx.run(
    `INSERT INTO run_samples (run_id, phase, epoch, n, height, width, dtype, data) VALUES (?, ?, ?, ?, ?, ?, 'float32', ?)
     ON CONFLICT (run_id, phase, epoch) DO UPDATE SET n = excluded.n, height = excluded.height,
       width = excluded.width, dtype = excluded.dtype, data = excluded.data`,
    [runId, phase, epoch, s.n, s.height, s.width, bytes],
  );
}

export function recordEpoch(
  db: SqlDatabase,
  lease: RunLease,
  epoch: number,
  metrics: Record<string, number>,
  samples?: SampleGrid,
): Promise<void> {
  return db.transaction(async (tx) => {
    await guardedUpdate(tx, db, lease, 'epoch = CASE WHEN epoch > ? THEN epoch ELSE ? END', [epoch, epoch]);
    for (const [name, value] of Object.entries(metrics)) {
      if (!Number.isFinite(value)) continue;
      await tx.run(
        `INSERT INTO epoch_metrics (run_id, name, step, value) VALUES (?, ?, ?, ?)
         ON CONFLICT (run_id, name, step) DO UPDATE SET value = excluded.value`,
        [lease.runId, name, epoch, value],
      );
    }
    if (samples !== undefined) await writeSamples(tx, lease.runId, 'epoch', epoch, samples);
  });
}

async function touchSweeps(tx: SqlSession, db: SqlDatabase, runId: string): Promise<void> {
  await tx.run(
    `UPDATE sweeps SET updated_at = ${db.dialect.nowIso} WHERE id IN (SELECT sweep_id FROM sweep_runs WHERE run_id = ?)`,
    [runId],
  );
}

async function writeArtifacts(tx: SqlSession, artifactRoot: string, lease: RunLease, outcome: RunOutcome) {
  for (const artifact of outcome.artifacts) {
    const meta = JSON.stringify(artifact.meta ?? {});
    const inline = 'data' in artifact;
    const path = inline
      ? artifact.name
      : relative(artifactRoot, isAbsolute(artifact.path) ? artifact.path : join(lease.artifactDir, artifact.path))
          .split('\\')
          .join('/');
    await tx.run(
      `INSERT INTO artifacts (run_id, kind, path, meta_json, data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (run_id, kind) DO UPDATE SET path = excluded.path, meta_json = excluded.meta_json,
         data = excluded.data`,
      [lease.runId, artifact.kind, path, meta, inline ? artifact.data : null],
    );
  }
}

/** Final metrics, samples, artifacts, warnings, cost and status 'finished', atomically: a finished run is complete. */
export function finishRun(db: SqlDatabase, artifactRoot: string, lease: RunLease, outcome: RunOutcome): Promise<void> {
  return db.transaction(async (tx) => {
    await guardedUpdate(tx, db, lease, `status = 'finished', ended_at = ${db.dialect.nowIso}, duration_ms = ?`, [
      outcome.durationMs,
    ]);
    for (const [name, value] of Object.entries(outcome.metrics)) {
      if (!Number.isFinite(value)) continue;
      await tx.run(
        `INSERT INTO final_metrics (run_id, name, value) VALUES (?, ?, ?)
         ON CONFLICT (run_id, name) DO UPDATE SET value = excluded.value`,
        [lease.runId, name, value],
      );
    }
    await writeArtifacts(tx, artifactRoot, lease, outcome);
    if (outcome.samples !== undefined) await writeSamples(tx, lease.runId, 'final', lease.epochs, outcome.samples);
    for (const warning of outcome.warnings ?? []) {
      await tx.run(
        `INSERT INTO run_warnings (run_id, code, message) VALUES (?, ?, ?)
         ON CONFLICT (run_id, code) DO UPDATE SET message = excluded.message`,
        [lease.runId, warning.code, warning.message],
      );
    }
    for (const [phase, seconds] of Object.entries(outcome.cost ?? {})) {
      if (!Number.isFinite(seconds)) continue;
      await tx.run(
        `INSERT INTO run_costs (run_id, phase, seconds) VALUES (?, ?, ?)
         ON CONFLICT (run_id, phase) DO UPDATE SET seconds = excluded.seconds`,
        [lease.runId, phase, seconds],
      );
    }
    await touchSweeps(tx, db, lease.runId);
  });
}

export function failRun(
  db: SqlDatabase,
  lease: HeldLease,
  error: string,
  status: 'failed' | 'interrupted' = 'failed',
): Promise<void> {
  return db.transaction(async (tx) => {
    await guardedUpdate(
      tx,
      db,
      lease,
      `status = ?, error = ?, ended_at = ${db.dialect.nowIso}, duration_ms = ${db.dialect.nowMs} - ?`,
      [status, error, lease.claimedMs],
    );
    await touchSweeps(tx, db, lease.runId);
  });
}

interface StaleClaim {
  id: string;
  lease: string | null;
  attempts: number;
  worker_host: string | null;
  worker_pid: number | null;
  heartbeat_ms: number | null;
  now_ms: number;
  max_attempts: number;
}

function defaultIsProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims whose heartbeat is older than the grace period (or, on this host,
 * whose process is gone) go back to the queue, or fail once the run has had
 * max_attempts claims. Each change is guarded by the stale lease, so a holder
 * that renews at the same moment keeps its run.
 */
export async function reapExpiredClaims(db: SqlDatabase, options: ReapOptions): Promise<ReapResult> {
  const { nowMs, nowIso } = db.dialect;
  const alive = options.isProcessAlive ?? defaultIsProcessAlive;
  const candidates = await db.all<StaleClaim>(
    `SELECT r.id, r.lease, r.attempts, r.worker_host, r.worker_pid, r.heartbeat_ms, ${nowMs} AS now_ms,
       s.max_attempts FROM runs r JOIN sweeps s ON s.id = r.sweep_id
     WHERE r.status = 'running' AND (r.heartbeat_ms IS NULL OR r.heartbeat_ms < ${nowMs} - ? OR r.worker_host = ?)`,
    [options.graceMs, options.localHost ?? ''],
  );
  const result: ReapResult = { requeued: [], failed: [] };
  for (const claim of candidates) {
    const age = claim.heartbeat_ms === null ? null : claim.now_ms - claim.heartbeat_ms;
    const expired = age === null || age >= options.graceMs;
    const deadLocal =
      options.localHost !== undefined &&
      claim.worker_host === options.localHost &&
      claim.worker_pid !== null &&
      !alive(claim.worker_pid);
    if (!expired && !deadLocal) continue;
    const who = claim.worker_host === null ? 'an earlier version' : `worker ${claim.worker_host}:${claim.worker_pid}`;
    const why = deadLocal
      ? `${who} is no longer running`
      : `${who} stopped renewing its claim${age === null ? '' : ` (last heartbeat ${(age / 1000).toFixed(0)} s ago)`}`;
    const giveUp = claim.attempts >= claim.max_attempts;
    const set = giveUp
      ? `status = 'failed', ended_at = ${nowIso}, error = ?`
      : `status = 'pending', queued_ms = ${nowMs}, error = ?`;
    const message = giveUp
      ? `${why}; failed after ${claim.attempts} attempt(s) (max_attempts ${claim.max_attempts})`
      : `attempt ${claim.attempts}: ${why}; put back in the queue`;
    const changed = await db.run(
      `UPDATE runs SET ${set}, lease = NULL WHERE id = ? AND COALESCE(lease, '') = ? AND status = 'running'`,
      [message, claim.id, claim.lease ?? ''],
    );
    if (changed === 1) (giveUp ? result.failed : result.requeued).push(claim.id);
  }
  return result;
}

export async function queueState(
  db: SqlDatabase,
  sweepIds?: readonly string[],
): Promise<{ queued: number; running: number }> {
  const filter = memberFilter(sweepIds);
  const rows = await db.all<{ status: string; n: number }>(
    `SELECT status, COUNT(*) AS n FROM runs WHERE status IN ('pending', 'running')${filter.sql} GROUP BY status`,
    filter.params,
  );
  const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
  return { queued: count('pending'), running: count('running') };
}
