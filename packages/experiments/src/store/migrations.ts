/**
 * Versioned schema migrations, applied in order inside one transaction each;
 * PRAGMA user_version records the last one applied. Never edit a released
 * migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `
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
    -- sweep-level lock: the process currently executing this sweep, and when it last said so
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
    duration_ms REAL,
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
    value REAL NOT NULL,
    PRIMARY KEY (run_id, name, step)
  ) WITHOUT ROWID;

  CREATE TABLE final_metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_id, name)
  ) WITHOUT ROWID;

  CREATE TABLE artifacts (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    meta_json TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, kind)
  ) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
