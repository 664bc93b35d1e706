/**
 * Versioned schema migrations, one list for both engines, applied in order
 * inside one transaction each. SQLite records the last one applied in PRAGMA
 * user_version, PostgreSQL in the rbm_lab_meta table. Never edit a released
 * migration: append a new one.
 *
 * Where the dialects differ the SQL says so with a token, replaced per engine:
 * {{real}} (REAL / DOUBLE PRECISION), {{bigint}} (INTEGER / BIGINT),
 * {{blob}} (BLOB / BYTEA), {{without_rowid}} (WITHOUT ROWID / nothing).
 * A migration may add statements for one engine only.
 */

export type Engine = 'sqlite' | 'postgres';

export interface Migration {
  sql: string;
  only?: Partial<Record<Engine, string>>;
}

/** SQLite's PRAGMA application_id of an RBM Lab database: 'RBML'. */
export const SQLITE_APPLICATION_ID = 0x52424d4c;

export const MIGRATIONS: readonly Migration[] = [
  // 1: initial schema
  {
    sql: `
  CREATE TABLE sweeps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    config_path TEXT NOT NULL,
    config_json TEXT NOT NULL,
    swept_params_json TEXT NOT NULL,
    main_metric TEXT NOT NULL,
    main_lower_is_better INTEGER NOT NULL,
    total_runs INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- sweep-level lock of schema 1 (unused since schema 2: runs are claimed one by one)
    owner_pid INTEGER,
    owner_host TEXT,
    heartbeat_at TEXT
  );
  CREATE INDEX sweeps_name ON sweeps(name);

  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    sweep_id TEXT NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending','running','finished','failed','interrupted')),
    config_json TEXT NOT NULL,
    params_json TEXT NOT NULL,
    seed INTEGER NOT NULL,
    backend TEXT,
    backend_detail TEXT,
    git_commit TEXT,
    started_at TEXT,
    ended_at TEXT,
    duration_ms {{real}},
    error TEXT,
    epoch INTEGER NOT NULL DEFAULT 0,
    epochs INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX runs_sweep ON runs(sweep_id, idx);

  CREATE TABLE epoch_metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    step INTEGER NOT NULL,
    value {{real}} NOT NULL,
    PRIMARY KEY (run_id, name, step)
  ) {{without_rowid}};

  CREATE TABLE final_metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value {{real}} NOT NULL,
    PRIMARY KEY (run_id, name)
  ) {{without_rowid}};

  CREATE TABLE artifacts (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    meta_json TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, kind)
  ) {{without_rowid}};
  `,
  },
  // 2: claims with leases, sweeps sharing runs, tags, notes, warnings, samples, metric definitions, cost
  {
    sql: `
  ALTER TABLE sweeps ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3;
  ALTER TABLE sweeps ADD COLUMN run_timeout_s {{real}};

  -- the claim: random lease token, holder, and its heartbeat on the database's clock
  ALTER TABLE runs ADD COLUMN lease TEXT;
  ALTER TABLE runs ADD COLUMN worker_host TEXT;
  ALTER TABLE runs ADD COLUMN worker_pid INTEGER;
  ALTER TABLE runs ADD COLUMN heartbeat_ms {{bigint}};
  ALTER TABLE runs ADD COLUMN queued_ms {{bigint}};
  ALTER TABLE runs ADD COLUMN artifact_dir TEXT;
  ALTER TABLE runs ADD COLUMN note TEXT;
  -- the grid point's key across versions of a study (schema-1 runs have none)
  ALTER TABLE runs ADD COLUMN point_key TEXT;
  CREATE UNIQUE INDEX runs_point_key ON runs(point_key);
  CREATE INDEX runs_queue ON runs(status, queued_ms);

  -- a run belongs to every sweep (version of a study) whose grid holds it: a widened grid shares the old points
  CREATE TABLE sweep_runs (
    sweep_id TEXT NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    PRIMARY KEY (sweep_id, run_id)
  );
  CREATE INDEX sweep_runs_run ON sweep_runs(run_id);
  INSERT INTO sweep_runs (sweep_id, run_id, idx) SELECT sweep_id, id, idx FROM runs;

  -- small artifacts (sample grids as PNG) live in the database, so a dashboard on another machine shows them
  ALTER TABLE artifacts ADD COLUMN data {{blob}};

  CREATE TABLE run_tags (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)
  );

  CREATE TABLE run_warnings (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, code)
  );

  -- phase 'final': after training and evaluation (epoch = last epoch); phase 'epoch': drawn during training
  CREATE TABLE run_samples (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    phase TEXT NOT NULL CHECK (phase IN ('final','epoch')),
    epoch INTEGER NOT NULL,
    n INTEGER NOT NULL,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    dtype TEXT NOT NULL,
    data {{blob}} NOT NULL,
    PRIMARY KEY (run_id, phase, epoch)
  );

  CREATE TABLE run_costs (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    phase TEXT NOT NULL,
    seconds {{real}} NOT NULL,
    PRIMARY KEY (run_id, phase)
  );

  CREATE TABLE metric_definitions (
    sweep_id TEXT NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('higher','lower','none')),
    description TEXT NOT NULL,
    split TEXT NOT NULL,
    n_points INTEGER,
    PRIMARY KEY (sweep_id, name)
  );
  `,
    only: {
      // Schema 1 stored artifact paths relative to the database's folder; the default artifact root is the
      // sibling folder <name>.artifacts, so the old paths stay valid one level up.
      sqlite: `UPDATE artifacts SET path = '../' || path;`,
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

const TOKENS: Record<Engine, Record<string, string>> = {
  sqlite: { real: 'REAL', bigint: 'INTEGER', blob: 'BLOB', without_rowid: 'WITHOUT ROWID' },
  postgres: { real: 'DOUBLE PRECISION', bigint: 'BIGINT', blob: 'BYTEA', without_rowid: '' },
};

/** The SQL of one migration (0-based index) for one engine. */
export function migrationSql(index: number, engine: Engine): string {
  const migration = MIGRATIONS[index];
  const sql = migration.sql.replace(/\{\{(\w+)\}\}/g, (_, token: string) => {
    const value = TOKENS[engine][token];
    if (value === undefined) throw new Error(`migration ${index + 1}: unknown token {{${token}}}`);
    return value;
  });
  return `${sql}\n${migration.only?.[engine] ?? ''}`;
}

/** Tables every RBM Lab database has (schema 1 on): a SQLite file without them is someone else's. */
export const CORE_TABLES = ['sweeps', 'runs', 'epoch_metrics', 'final_metrics', 'artifacts'] as const;
