/** Submitting studies and annotating runs, over either engine. */
import type { SqlDatabase, SqlSession } from './sql.js';
import type { MetricDefinition, PlannedRunRow, SubmitOptions, SubmitResult, SweepDefinition } from './types.js';

export const DEFAULT_MAX_ATTEMPTS = 3;

async function upsertSweep(tx: SqlSession, db: SqlDatabase, sweep: SweepDefinition): Promise<void> {
  const now = db.dialect.nowIso;
  await tx.run(
    `INSERT INTO sweeps (id, name, config_path, config_json, swept_params_json, main_metric, main_lower_is_better,
                         total_runs, created_at, updated_at, max_attempts, run_timeout_s)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ${now}, ${now}, ?, ?)
     ON CONFLICT (id) DO UPDATE SET config_path = excluded.config_path, total_runs = excluded.total_runs,
       main_metric = excluded.main_metric, main_lower_is_better = excluded.main_lower_is_better,
       max_attempts = excluded.max_attempts, run_timeout_s = excluded.run_timeout_s, updated_at = excluded.updated_at`,
    [
      sweep.id,
      sweep.name,
      sweep.configPath,
      JSON.stringify(sweep.config),
      JSON.stringify(sweep.sweptParams),
      sweep.mainMetric.name,
      sweep.mainMetric.lowerIsBetter ? 1 : 0,
      sweep.totalRuns,
      sweep.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      sweep.runTimeoutSeconds ?? null,
    ],
  );
}

async function replaceMetricDefinitions(tx: SqlSession, sweepId: string, definitions: MetricDefinition[]) {
  await tx.run('DELETE FROM metric_definitions WHERE sweep_id = ?', [sweepId]);
  for (const d of definitions) {
    await tx.run(
      `INSERT INTO metric_definitions (sweep_id, name, direction, description, split, n_points)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [sweepId, d.name, d.direction, d.description, d.split, d.nPoints],
    );
  }
}

/**
 * Records the sweep and enqueues its runs in one transaction. A run id is the
 * grid point's unique key: an existing run keeps its status and results
 * (idempotent submit); interrupted runs, and with retryFailed failed ones, go
 * back to the queue with their attempt count reset.
 */
export async function submitSweep(
  db: SqlDatabase,
  sweep: SweepDefinition,
  runs: PlannedRunRow[],
  options: SubmitOptions = {},
): Promise<SubmitResult> {
  return db.transaction(async (tx) => {
    await upsertSweep(tx, db, sweep);
    if (sweep.metricDefinitions !== undefined) await replaceMetricDefinitions(tx, sweep.id, sweep.metricDefinitions);
    let added = 0;
    for (const run of runs) {
      const pointKey = run.pointKey ?? run.id;
      // Conflicts on the id or on the point key both mean: this grid point is already in the store.
      added += await tx.run(
        `INSERT INTO runs (id, point_key, sweep_id, idx, status, config_json, params_json, seed, epochs, queued_ms)
         VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ${db.dialect.nowMs}) ON CONFLICT DO NOTHING`,
        [
          run.id,
          pointKey,
          sweep.id,
          run.index,
          JSON.stringify(run.config),
          JSON.stringify(run.params),
          run.seed,
          run.epochs,
        ],
      );
      await tx.run(
        `INSERT INTO sweep_runs (sweep_id, run_id, idx) SELECT ?, id, ? FROM runs WHERE point_key = ? OR id = ?
         ON CONFLICT (sweep_id, run_id) DO UPDATE SET idx = excluded.idx`,
        [sweep.id, run.index, pointKey, run.id],
      );
    }
    const retry = options.retryFailed === true ? `('interrupted', 'failed')` : `('interrupted')`;
    const requeued = await tx.run(
      `UPDATE runs SET status = 'pending', attempts = 0, lease = NULL, queued_ms = ${db.dialect.nowMs}
       WHERE status IN ${retry} AND id IN (SELECT run_id FROM sweep_runs WHERE sweep_id = ?)`,
      [sweep.id],
    );
    const finished = await tx.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM sweep_runs m JOIN runs r ON r.id = m.run_id
       WHERE m.sweep_id = ? AND r.status = 'finished'`,
      [sweep.id],
    );
    return { added, requeued, finished: Number(finished?.n ?? 0), total: runs.length };
  });
}

async function requireRun(db: SqlDatabase, runId: string): Promise<void> {
  const row = await db.get<{ id: string }>('SELECT id FROM runs WHERE id = ?', [runId]);
  if (row === undefined) throw new Error(`unknown run ${runId}`);
}

export async function addTag(db: SqlDatabase, runId: string, tag: string): Promise<void> {
  await requireRun(db, runId);
  await db.run('INSERT INTO run_tags (run_id, tag) VALUES (?, ?) ON CONFLICT (run_id, tag) DO NOTHING', [runId, tag]);
}

export async function removeTag(db: SqlDatabase, runId: string, tag: string): Promise<void> {
  await db.run('DELETE FROM run_tags WHERE run_id = ? AND tag = ?', [runId, tag]);
}

export async function setNote(db: SqlDatabase, runId: string, note: string | null): Promise<void> {
  await requireRun(db, runId);
  await db.run('UPDATE runs SET note = ? WHERE id = ?', [note, runId]);
}
