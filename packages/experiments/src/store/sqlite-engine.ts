/**
 * The embedded engine: better-sqlite3 in WAL mode (readers never block the
 * writer), for one machine. Before anything is opened the file is checked:
 * a file that is not an RBM Lab database (another application's SQLite file,
 * a future schema version, not SQLite at all) is refused without being
 * created, migrated or given -wal/-shm files.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { RunStoreError } from './errors.js';
import { checkOutputFile } from './fs-checks.js';
import { CORE_TABLES, migrationSql, SCHEMA_VERSION, SQLITE_APPLICATION_ID } from './migrations.js';
import type { SqlDatabase, SqlDialect, SqlSession, SqlValue } from './sql.js';

export const SQLITE_DIALECT: SqlDialect = {
  engine: 'sqlite',
  nowMs: `CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)`,
  nowIso: `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
  skipLocked: '',
};

type FileState =
  | { kind: 'missing' }
  | { kind: 'empty' }
  | { kind: 'not-sqlite' }
  | { kind: 'sqlite'; applicationId: number; userVersion: number; walPending: boolean };

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** What the file's 100-byte SQLite header says, read without SQLite (so nothing is created). */
export function inspectSqliteFile(path: string): FileState {
  if (!existsSync(path)) return { kind: 'missing' };
  const stat = statSync(path);
  if (stat.isDirectory()) throw new RunStoreError(`${path}: is a folder, not a database file`);
  const walPending = existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0;
  if (stat.size === 0)
    return walPending ? { kind: 'sqlite', applicationId: 0, userVersion: 0, walPending } : { kind: 'empty' };
  const header = Buffer.alloc(100);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new RunStoreError(`${path}: cannot read the database (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1', 0, 16) !== SQLITE_MAGIC) return { kind: 'not-sqlite' };
  return { kind: 'sqlite', userVersion: header.readUInt32BE(60), applicationId: header.readUInt32BE(68), walPending };
}

function describeOpenError(path: string, error: unknown): RunStoreError {
  const message = (error as Error).message;
  return new RunStoreError(`${path}: cannot open the run database (${message})`, { cause: error });
}

class SqliteDatabase implements SqlDatabase {
  readonly dialect = SQLITE_DIALECT;
  /** Serialises statements and transactions: better-sqlite3 is synchronous, but a transaction awaits. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly db: Database.Database) {}

  private serialise<T>(work: () => Promise<T> | T): Promise<T> {
    // better-sqlite3 answers synchronously: without a turn of the event loop before each
    // statement, a screen reading many rows would hold up key presses until it is done.
    const run = async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return work();
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private session(): SqlSession {
    const db = this.db;
    const bind = (params: readonly SqlValue[]) => params.map((p) => (p instanceof Uint8Array ? Buffer.from(p) : p));
    return {
      all: async <T>(sql: string, params: readonly SqlValue[] = []) => db.prepare(sql).all(...bind(params)) as T[],
      get: async <T>(sql: string, params: readonly SqlValue[] = []) =>
        db.prepare(sql).get(...bind(params)) as T | undefined,
      run: async (sql: string, params: readonly SqlValue[] = []) => db.prepare(sql).run(...bind(params)).changes,
    };
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.serialise(() => this.session().all<T>(sql, params));
  }
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.serialise(() => this.session().get<T>(sql, params));
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.serialise(() => this.session().run(sql, params));
  }

  transaction<T>(body: (tx: SqlSession) => Promise<T>): Promise<T> {
    return this.serialise(async () => {
      // IMMEDIATE takes the write lock up front, so busy_timeout applies instead of a mid-transaction SQLITE_BUSY.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await body(this.session());
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.serialise(() => {
      if (this.db.open) this.db.close();
    });
  }
}

export interface OpenedSqlite {
  database: SqlDatabase & { readonly db: Database.Database };
  schemaVersion: number;
}

function refuseForeign(path: string, detail: string): never {
  throw new RunStoreError(`${path}: not an RBM Lab run database (${detail}); nothing was changed in it`);
}

function tablesOf(db: Database.Database): Set<string> {
  const rows = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>;
  return new Set(rows.map((r) => r.name));
}

/** Checks an opened file is ours (application id, or schema 1's table set) and of a version we read. */
function checkIdentity(path: string, db: Database.Database, readOnly: boolean): number {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  if (applicationId !== SQLITE_APPLICATION_ID) {
    if (applicationId !== 0) refuseForeign(path, `application_id 0x${applicationId.toString(16)}`);
    const tables = tablesOf(db);
    if (version === 0 && tables.size === 0) {
      if (readOnly)
        throw new RunStoreError(`${path}: not an RBM Lab run database (no schema); run a sweep to create one`);
    } else if (!CORE_TABLES.every((t) => tables.has(t))) {
      refuseForeign(path, `its tables are ${[...tables].slice(0, 5).join(', ') || 'none'}`);
    }
  }
  if (version > SCHEMA_VERSION) {
    throw new RunStoreError(
      `${path}: database schema version ${version} is newer than this RBM Lab reads (${SCHEMA_VERSION}); upgrade RBM Lab`,
    );
  }
  if (readOnly && version < SCHEMA_VERSION) {
    throw new RunStoreError(
      `${path}: database schema version ${version} is older than ${SCHEMA_VERSION}; run any sweep (or submit) once to upgrade it`,
    );
  }
  return version;
}

/** Refusals that the header alone decides, before SQLite opens (and so before -wal/-shm exist). */
function checkHeader(path: string, state: FileState, readOnly: boolean): void {
  if (state.kind === 'missing' && readOnly) {
    throw new RunStoreError(
      `no run database at ${path}: run a sweep first (e.g. \`npx nx run experiments:sweep configs/hidden.yaml\`), ` +
        'or point --db / RBM_LAB_DB at an existing database',
    );
  }
  if (state.kind === 'empty' && readOnly) {
    throw new RunStoreError(`${path}: not an RBM Lab run database (no schema); run a sweep to create one`);
  }
  if (state.kind === 'not-sqlite') refuseForeign(path, 'not a SQLite file');
  if (state.kind !== 'sqlite' || state.walPending) return;
  if (state.applicationId !== 0 && state.applicationId !== SQLITE_APPLICATION_ID) {
    refuseForeign(path, `application_id 0x${state.applicationId.toString(16)}`);
  }
  if (state.userVersion > SCHEMA_VERSION) {
    throw new RunStoreError(
      `${path}: database schema version ${state.userVersion} is newer than this RBM Lab reads (${SCHEMA_VERSION}); upgrade RBM Lab`,
    );
  }
}

/**
 * Identity check of a file without our application id (schema 1, or someone
 * else's) by a read-only look. SQLite leaves -wal/-shm files beside a WAL
 * database even after a read-only connection; those it created here are
 * removed again, so a foreign file is left exactly as it was.
 */
function checkLegacyFile(path: string, state: FileState): void {
  if (state.kind !== 'sqlite' || state.walPending || state.applicationId === SQLITE_APPLICATION_ID) return;
  const sidecars = [`${path}-wal`, `${path}-shm`].filter((file) => !existsSync(file));
  let probe: Database.Database | undefined;
  try {
    probe = new Database(path, { readonly: true, fileMustExist: true });
    checkIdentity(path, probe, false);
  } catch (error) {
    if (error instanceof RunStoreError) throw error;
    throw describeOpenError(path, error);
  } finally {
    probe?.close();
    for (const file of sidecars)
      if (existsSync(file) && (!file.endsWith('-wal') || statSync(file).size === 0)) rmSync(file);
  }
}

function migrate(db: Database.Database, from: number): void {
  for (let version = from; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(migrationSql(version, 'sqlite'));
      db.pragma(`user_version = ${version + 1}`);
      db.pragma(`application_id = ${SQLITE_APPLICATION_ID}`);
    }).immediate();
  }
  if (from === SCHEMA_VERSION && (db.pragma('application_id', { simple: true }) as number) === 0) {
    db.pragma(`application_id = ${SQLITE_APPLICATION_ID}`);
  }
}

/**
 * Creates a new database at `path` fully migrated, or leaves the one another
 * process created meanwhile. The schema is written into a file of its own,
 * which is then hard-linked to `path` (fails if `path` exists, so a database
 * created at the same time is never replaced): a reader never sees a file
 * there without the schema.
 */
function createDatabaseFile(path: string): void {
  const temporary = `${path}.creating-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const db = new Database(temporary);
    try {
      db.pragma('busy_timeout = 10000');
      migrate(db, 0);
    } finally {
      db.close();
    }
    try {
      linkSync(temporary, path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return;
      // A file system without hard links: a rename, which a creator that won by a hair may lose to.
      if (!existsSync(path)) renameSync(temporary, path);
    }
  } finally {
    for (const file of [temporary, `${temporary}-journal`]) rmSync(file, { force: true });
  }
}

/** Opens (for writing: creating and migrating) the SQLite run database at `path`. */
export function openSqlite(path: string, options: { readOnly: boolean }): OpenedSqlite {
  const { readOnly } = options;
  if (!readOnly) checkOutputFile(path, 'database', { createFolder: true });
  if (!readOnly && !existsSync(path)) {
    try {
      createDatabaseFile(path);
    } catch (error) {
      throw describeOpenError(path, error);
    }
  }
  const state = inspectSqliteFile(path);
  checkHeader(path, state, readOnly);
  checkLegacyFile(path, state);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, readOnly ? { readonly: true, fileMustExist: true } : {});
    db.pragma('busy_timeout = 10000');
    const version = checkIdentity(path, db, readOnly);
    if (!readOnly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, version);
    }
    return { database: new SqliteDatabase(db), schemaVersion: SCHEMA_VERSION };
  } catch (error) {
    db?.close();
    if (error instanceof RunStoreError) throw error;
    throw describeOpenError(path, error);
  }
}

/** The default artifact root of a SQLite database: `runs/rbm-lab.db` -> `runs/rbm-lab.artifacts`. */
export function defaultSqliteArtifactRoot(path: string): string {
  const base = path.replace(/\.(db|sqlite3?)$/i, '');
  return base === path ? `${path}.artifacts` : `${base}.artifacts`;
}
